"""Benchmark of checkout and the order lists (issue 5, "Performance").

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/komeji_bench \
    python benchmarks/place_order.py [--orders 200] [--explain] [--keep] [--json out.json]

Run it on the data of benchmarks/generate_catalogue.py and benchmarks/generate_orders.py
(100,000 products, 200,000 orders). Two measurements:

(a) Placing an order: `--orders` times, a benchmark buyer fills a fresh cart through the cart
    service with 2 variants from each of 3 shops picked at random (products on sale, in stock,
    minimum order 1), reviews it (`checkout_plan`, the checkout page's read; not timed) and places
    it with `orders.services.checkout.order_place` (timed: the work of the place-order POST, all
    its SQL, the notification rows and the e-mail rendering included). p50 / p95 / max in ms and
    the queries per order; target p95 < 300 ms. With --explain, EXPLAIN (ANALYZE, BUFFERS) of the
    slowest statements (writes inside a rolled-back transaction). The placed orders are then
    cancelled by the buyer (their stock goes back) unless --keep.
(b) Queries of the order lists: the buyer's order list (`orders:order_list`) for a buyer with 5
    and one with 50 orders, and the shop's (`orders:shop_order_list`) for a shop with 5, one with
    50 and the busiest shop, every tab, through django.test.Client in process: the count must not
    depend on the length. Skipped with a note if those pages are not there.

Production-like settings as benchmarks/catalogue.py (DEBUG off, own cache prefix); Celery tasks
(notification delivery) go to a queue of their own, emptied at the end, so no worker of another
database picks them up.
"""

import argparse
import contextlib
import json
import os
import random
import re
import statistics
import sys
import time
import uuid
from collections import defaultdict
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

BENCH_QUEUE = "komeji-bench-orders"
BENCH_ENV = {
    "DJANGO_SETTINGS_MODULE": "benchmarks.settings",
    "DJANGO_DEBUG": "false",
    "DJANGO_SECRET_KEY": os.environ.get(
        "BENCH_SECRET_KEY", "benchmark-only-secret-key-" + "x" * 40
    ),
    "KOMEJI_DOCUMENT_KEYS": "Hm3_ejmQ8y1B2x0uXkBl3Hk1i7rQx6yPZr0o4d3bA1c=",
    "DJANGO_ALLOWED_HOSTS": "127.0.0.1,localhost,testserver",
    "DJANGO_STATIC_MANIFEST": "false",
    "DJANGO_CACHE_PREFIX": "komeji-bench",
    "DJANGO_LOG_LEVEL": "ERROR",
    "CELERY_TASK_DEFAULT_QUEUE": BENCH_QUEUE,
}
os.environ.update(BENCH_ENV)

import django  # noqa: E402

django.setup()

from django.contrib.sessions.backends.db import SessionStore  # noqa: E402
from django.db import connection, transaction  # noqa: E402
from django.db.models import Count, F  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402
from django.urls import NoReverseMatch, reverse  # noqa: E402

from komeji.accounts.models import Address, User  # noqa: E402
from komeji.common.models import Region  # noqa: E402
from marketplace.models import ProductStatus, Variant  # noqa: E402
from orders.models import CartLine, Order, ShopOrder, ShopOrderStatus  # noqa: E402
from orders.services.cart import cart_add, cart_for  # noqa: E402
from orders.services.checkout import checkout_plan, order_place  # noqa: E402
from orders.services.errors import OrderRefused  # noqa: E402
from orders.services.transitions import order_cancel  # noqa: E402
from vendors.models import ShopMember, ShopStatus  # noqa: E402

BUYER_EMAIL = "placer@bench-orders.komeji.test"
SHOPS_PER_ORDER = 3
LINES_PER_SHOP = 2


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    if not ordered:
        return 0.0
    k = (len(ordered) - 1) * p
    low = int(k)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (k - low)


def load_average() -> str:
    try:
        return " ".join(f"{x:.2f}" for x in os.getloadavg())
    except OSError:
        return "?"


# --- (a) Placing orders -------------------------------------------------------------------------


def buyer_ensure() -> tuple[User, Address]:
    user = User.objects.filter(email=BUYER_EMAIL).first()
    if user is None:
        user = User.objects.create_user(email=BUYER_EMAIL, full_name="Pembeli Benchmark")
    address = Address.objects.filter(user=user).first()
    if address is None:
        address = Address.objects.create(
            user=user,
            label="Rumah",
            recipient_name="Pembeli Benchmark",
            phone="081234567000",
            street="Jl. Raya Darmo No. 45",
            kecamatan="Wonokromo",
            region=Region.objects.get(code="3578"),
            postal_code="60241",
            is_default=True,
        )
    return user, address


def shop_pool() -> dict[int, list[int]]:
    """Verified shops with active shipping, each with its variants a buyer can take one of: on
    sale, minimum order 1, at least 20 left (so 200 orders never run a variant dry)."""
    by_shop: dict[int, list[int]] = defaultdict(list)
    rows = (
        Variant.objects.filter(
            product__status=ProductStatus.ACTIVE,
            product__min_order_qty=1,
            product__shop__status=ShopStatus.VERIFIED,
            product__shop__shipping_methods__is_active=True,
            stock_on_hand__gte=F("stock_reserved") + 20,
        )
        .values_list("shop_id", "pk")
        .distinct()
    )
    for shop_id, variant_id in rows:
        by_shop[shop_id].append(variant_id)
    return {shop: variants for shop, variants in by_shop.items() if len(variants) >= 2}


def place_orders(
    *, count: int, rng: random.Random, buyer: User, address: Address
) -> dict[str, Any]:
    pool = shop_pool()
    shops = sorted(pool)
    print(f"  {len(shops)} shops to buy from", flush=True)
    session = SessionStore()
    cart = cart_for(user=buyer, session=session, create=True)
    assert cart is not None
    timings: list[float] = []
    query_counts: list[int] = []
    sql_ms: list[float] = []
    statements: dict[str, list[float]] = defaultdict(list)
    examples: dict[str, str] = {}
    placed: list[int] = []
    refused = 0
    for _ in range(count):
        CartLine.objects.filter(cart=cart).delete()
        for shop_id in rng.sample(shops, SHOPS_PER_ORDER):
            for variant_id in rng.sample(pool[shop_id], LINES_PER_SHOP):
                cart_add(cart=cart, variant_id=variant_id, quantity=1)
        # The checkout page: the quotes, then the review with the cheapest courier of each shop.
        plan = checkout_plan(cart=cart, address=address)
        shipping = {g.shop.pk: g.quotes[0].method_id for g in plan.groups if g.quotes}
        plan = checkout_plan(cart=cart, address=address, shipping=shipping)
        token = uuid.uuid4()
        with CaptureQueriesContext(connection) as queries:
            started = time.perf_counter()
            try:
                order = order_place(
                    buyer=buyer,
                    checkout_token=token,
                    address_id=address.pk,
                    shipping=shipping,
                    expected_total=plan.grand_total,
                )
            except OrderRefused as exc:
                refused += 1
                print(f"  refused: {exc.message}", flush=True)
                continue
            elapsed = (time.perf_counter() - started) * 1000
        timings.append(elapsed)
        query_counts.append(len(queries.captured_queries))
        sql_ms.append(sum(float(q["time"]) for q in queries.captured_queries) * 1000)
        placed.append(order.pk)
        assert order.shop_orders.count() == SHOPS_PER_ORDER
        for query in queries.captured_queries:
            key = _shape(query["sql"])
            statements[key].append(float(query["time"]) * 1000)
            examples.setdefault(key, query["sql"])
    # Statements by their total time over all orders, the costliest first.
    slowest = [
        {
            "statement": key[:160],
            "count": len(times),
            "mean_ms": round(statistics.mean(times), 2),
            "max_ms": round(max(times), 2),
            "sql": examples[key],
        }
        for key, times in sorted(statements.items(), key=lambda item: -sum(item[1]))
    ]
    return {
        "orders": len(timings),
        "refused": refused,
        "p50_ms": round(percentile(timings, 0.50), 1),
        "p95_ms": round(percentile(timings, 0.95), 1),
        "max_ms": round(max(timings), 1) if timings else 0,
        "mean_ms": round(statistics.mean(timings), 1) if timings else 0,
        "sql_ms_p50": round(percentile(sql_ms, 0.50), 1),
        "sql_ms_p95": round(percentile(sql_ms, 0.95), 1),
        "queries_min": min(query_counts) if query_counts else 0,
        "queries_max": max(query_counts) if query_counts else 0,
        "slowest": slowest[:8],
        "placed": placed,
    }


def _shape(sql: str) -> str:
    """A statement with its literal values blanked, to group the same query."""
    shape = re.sub(r"'[^']*'", "?", sql)
    shape = re.sub(r"\b\d+\b", "?", shape)
    return re.sub(r"\(\?(, \?)*\)", "(…)", shape)


def explain(sql: str) -> str:
    """EXPLAIN (ANALYZE, BUFFERS) of a captured statement; writes run in a rolled-back
    transaction."""
    if not sql.lstrip().upper().startswith(("SELECT", "UPDATE")):
        return "(not explained: an INSERT would hit the unique keys of the row it made)"
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(f"EXPLAIN (ANALYZE, BUFFERS) {sql}")
        text = "\n".join(row[0] for row in cursor.fetchall())
        transaction.set_rollback(True)
    return text


def cancel_placed(*, buyer: User) -> int:
    """The benchmark buyer cancels every order of theirs still unpaid (this run's, and any a
    broken run left): their stock goes back on sale."""
    cancelled = 0
    unpaid = (
        Order.objects.filter(buyer=buyer, shop_orders__status=ShopOrderStatus.AWAITING_PAYMENT)
        .values_list("pk", flat=True)
        .distinct()
    )
    for order_id in list(unpaid):
        with contextlib.suppress(OrderRefused):  # paid meanwhile: nothing to give back
            order_cancel(order_id=order_id, actor=buyer, reason="benchmark")
            cancelled += 1
    return cancelled


# --- (b) Queries of the order lists -------------------------------------------------------------


def buyers_with(counts: list[int]) -> dict[int, User]:
    """A generated buyer with exactly n orders, for each n (the nearest above when none)."""
    found: dict[int, User] = {}
    per_buyer = (
        Order.objects.filter(buyer__email__endswith="@bench-orders.komeji.test")
        .exclude(buyer__email=BUYER_EMAIL)
        .values("buyer_id")
        .annotate(n=Count("id"))
    )
    for n in counts:
        row = per_buyer.filter(n__gte=n).order_by("n", "buyer_id").first()
        if row is not None:
            found[row["n"]] = User.objects.get(pk=row["buyer_id"])
    return found


def shops_with(counts: list[int]) -> dict[int, tuple[int, User]]:
    found: dict[int, tuple[int, User]] = {}
    per_shop = ShopOrder.objects.values("shop_id").annotate(n=Count("id"))
    targets = [per_shop.filter(n__gte=n).order_by("n", "shop_id").first() for n in counts]
    targets.append(per_shop.order_by("-n").first())  # the busiest shop
    for row in targets:
        if row is None:
            continue
        owner = ShopMember.objects.filter(shop_id=row["shop_id"], role="owner").first()
        if owner is not None:
            found[row["n"]] = (row["shop_id"], owner.user)
    return found


def _tab_keys(name: str) -> list[str]:
    """The page's tab keys (orders.selectors.orders), or the statuses if it has none."""
    try:
        from orders.selectors import orders as selectors

        return [tab.key for tab in getattr(selectors, name)]
    except (ImportError, AttributeError):
        return ["", *[s.value for s in ShopOrderStatus]]


def list_queries() -> dict[str, Any]:
    results: dict[str, Any] = {"buyer": {}, "shop": {}}
    try:
        reverse("orders:order_list")
        reverse("orders:shop_order_list", args=[1])
    except NoReverseMatch as exc:
        print(f"  the order list pages are not there yet ({exc}): skipped")
        return {"skipped": str(exc)}
    client = Client()
    for n, user in sorted(buyers_with([5, 50]).items()):
        client.force_login(user)
        results["buyer"][n] = _measure(
            client, reverse("orders:order_list"), _tab_keys("BUYER_TABS")
        )
    for n, (shop_id, owner) in sorted(shops_with([5, 50]).items()):
        client.force_login(owner)
        results["shop"][n] = _measure(
            client, reverse("orders:shop_order_list", args=[shop_id]), _tab_keys("SHOP_TABS")
        )
    return results


def _measure(client: Client, url: str, tabs: list[str]) -> dict[str, Any]:
    """Queries and ms of each tab's first page, and of page 2 of the first tab."""
    out: dict[str, Any] = {}
    for tab in tabs:
        target = f"{url}?status={tab}" if tab else url
        with CaptureQueriesContext(connection) as queries:
            started = time.perf_counter()
            response = client.get(target)
            elapsed = (time.perf_counter() - started) * 1000
        if response.status_code != 200:
            out[tab] = {"status": response.status_code}
            continue
        slowest = max((float(q["time"]) * 1000 for q in queries.captured_queries), default=0)
        out[tab] = {
            "queries": len(queries.captured_queries),
            "ms": round(elapsed, 1),
            "slowest_sql_ms": round(slowest, 1),
        }
    with CaptureQueriesContext(connection) as queries:
        response = client.get(f"{url}?page=2")
    out["page 2"] = {"queries": len(queries.captured_queries), "status": response.status_code}
    return out


def queue_purge() -> None:
    from komeji.celery import app

    try:
        with app.connection_for_write() as conn:
            purged = conn.default_channel.queue_purge(BENCH_QUEUE)
        print(f"  {purged or 0} queued notification tasks dropped ({BENCH_QUEUE})")
    except Exception as exc:  # a report, not a failure
        print(f"  could not empty {BENCH_QUEUE}: {exc}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--orders", type=int, default=200)
    parser.add_argument("--seed", type=int, default=11)
    parser.add_argument("--explain", action="store_true")
    parser.add_argument("--keep", action="store_true", help="leave the placed orders unpaid")
    parser.add_argument("--only", default="place,lists")
    parser.add_argument("--json", help="write the figures to this file")
    args = parser.parse_args()
    db = connection.settings_dict
    print(f"Database: {db['NAME']} on {db['HOST']}:{db['PORT']}; load average {load_average()}")
    if db["NAME"] in ("komeji", "test_komeji"):
        sys.exit("Refusing to run on the development or test database; set DATABASE_URL.")
    print(
        f"{Order.objects.count():,} orders, {ShopOrder.objects.count():,} shop orders, "
        f"{Variant.objects.count():,} variants"
    )
    only = set(args.only.split(","))
    report: dict[str, Any] = {"load_average": load_average()}
    if "place" in only:
        buyer, address = buyer_ensure()
        print(f"(a) placing {args.orders} orders of {SHOPS_PER_ORDER} shops x {LINES_PER_SHOP}")
        placing = place_orders(
            count=args.orders, rng=random.Random(args.seed), buyer=buyer, address=address
        )
        placing.pop("placed")
        print(
            f"  {placing['orders']} placed, {placing['refused']} refused: "
            f"p50 {placing['p50_ms']} ms, p95 {placing['p95_ms']} ms, max {placing['max_ms']} ms "
            f"(mean {placing['mean_ms']}); queries per order {placing['queries_min']}"
            f"-{placing['queries_max']}, their SQL p50 {placing['sql_ms_p50']} ms, "
            f"p95 {placing['sql_ms_p95']} ms"
        )
        print("  statements by total time (count, mean ms, max ms):")
        for s in placing["slowest"]:
            print(f"    {s['count']:>5} {s['mean_ms']:>7} {s['max_ms']:>8}  {s['statement']}")
        if args.explain:
            explained = [
                s for s in placing["slowest"] if s["statement"].startswith(("SELECT", "UPDATE"))
            ]
            for s in explained[:4]:
                print(f"\nEXPLAIN {s['statement']}\n{explain(s['sql'])}")
        for s in placing["slowest"]:
            s.pop("sql")
        report["place"] = placing
        if not args.keep:
            print(f"  {cancel_placed(buyer=buyer)} benchmark orders cancelled (stock released)")
        queue_purge()
    if "lists" in only:
        print("(b) queries of the order lists (first page of every tab)")
        lists = list_queries()
        for side in ("buyer", "shop"):
            for n, tabs in lists.get(side, {}).items():
                counts = sorted({t.get("queries", -1) for t in tabs.values()})
                worst = max((t.get("ms", 0) for t in tabs.values()), default=0)
                print(f"  {side} with {n} orders: queries {counts}, slowest tab {worst} ms")
        report["lists"] = lists
    if args.json:
        Path(args.json).write_text(json.dumps(report, indent=2, default=str))


if __name__ == "__main__":
    main()
