"""Generate existing orders for the orders benchmark (issue 5, "Performance"), on top of the
catalogue of benchmarks/generate_catalogue.py.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/komeji_bench \
    python benchmarks/generate_orders.py --orders 200000 [--buyers 20000] [--reset] [--seed 5]

Creates, if missing, shipping methods and rate tables for every benchmark shop (JNE REG for all
with a Jawa Timur default row and a cheaper row for the shop's own kabupaten/kota; J&T EZ,
SiCepat REG and pick-up for some), `--buyers` buyers (e-mail @bench-orders.komeji.test, so
`--reset` can find them) with an address each, then `--orders` orders of one to three shops with
one to three lines per shop, placed over the last year, each ShopOrder in the status its age gives
it (awaiting payment, paid, processing, shipped, delivered, completed, or cancelled in every way),
with its events, deadlines, timestamps and stock state as the services would have left them.
Finally `stock_reserved` of every variant is set to what the reserved orders hold.

Orders and ShopOrders take ids from their sequences; all rows go in with COPY, one transaction
per batch. Never run it against a database that matters.
"""

import argparse
import csv
import datetime as dt
import io
import math
import os
import random
import sys
import time
import uuid
from collections import defaultdict
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "komeji.settings")

import django

django.setup()

from django.contrib.auth.hashers import make_password  # noqa: E402
from django.db import connection, transaction  # noqa: E402
from django.utils import timezone  # noqa: E402

from komeji.accounts.models import Address, User  # noqa: E402
from komeji.common.models import Region  # noqa: E402
from orders.models import Courier, ShippingMethod, ShippingRate  # noqa: E402
from vendors.models import Shop  # noqa: E402

EMAIL_DOMAIN = "bench-orders.komeji.test"
CATALOGUE_DOMAIN = "bench.komeji.test"  # generate_catalogue.py's shop owners
BATCH = 5_000
ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # as orders.services.checkout._order_number
HOUR = dt.timedelta(hours=1)
DAY = dt.timedelta(days=1)

FIRST_NAMES = [
    "Budi", "Siti", "Agus", "Dewi", "Rina", "Eko", "Sri", "Joko", "Ani", "Wahyu", "Yuli", "Bayu",
    "Nur", "Dian", "Hendra", "Lilik", "Fitri", "Rudi", "Indah", "Putri", "Arif", "Maya", "Tono",
]  # fmt: skip
LAST_NAMES = [
    "Santoso", "Wulandari", "Prasetyo", "Lestari", "Hidayat", "Rahayu", "Susanto", "Handayani",
    "Kurniawan", "Setiawan", "Saputra", "Purnomo", "Anggraini", "Wibowo", "Hartono", "Maulana",
]  # fmt: skip
STREETS = [
    "Jl. Diponegoro", "Jl. Sudirman", "Jl. Ahmad Yani", "Jl. Kawi", "Jl. Ijen", "Jl. Darmo",
    "Jl. Pemuda", "Jl. Basuki Rahmat", "Jl. Veteran", "Perum Griya Asri Blok", "Jl. Mawar",
]  # fmt: skip
KECAMATAN = ["Kota", "Klojen", "Lowokwaru", "Wonokromo", "Genteng", "Sukun", "Blimbing", "Waru"]
NOTES = ["", "", "", "", "", "", "Tolong dibungkus rapi ya", "Kirim sore saja", "Jangan pedas"]
REJECT_REASONS = ["Stok habis, maaf.", "Toko sedang libur produksi.", "Alamat di luar jangkauan."]
BUYER_CANCEL_REASONS = ["Salah pilih varian.", "Ingin ganti alamat.", "Berubah pikiran."]


@contextmanager
def phase(label: str) -> Iterator[None]:
    start = time.perf_counter()
    print(f"… {label}", flush=True)
    yield
    print(f"  {label}: {time.perf_counter() - start:.1f} s", flush=True)


def copy_rows(table: str, columns: Sequence[str], rows: Iterable[Sequence[Any]]) -> int:
    """COPY rows in (CSV; None is NULL, "" an empty string)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    count = 0
    for row in rows:
        writer.writerow([r"\N" if value is None else value for value in row])
        count += 1
    buffer.seek(0)
    with connection.cursor() as cursor:
        cursor.copy_expert(
            f"COPY {table} ({', '.join(columns)}) FROM STDIN WITH (FORMAT csv, NULL '\\N')",
            buffer,
        )
    return count


def next_ids(table: str, count: int) -> list[int]:
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT nextval(pg_get_serial_sequence('{table}', 'id')) FROM generate_series(1, %s)",
            [count],
        )
        return [row[0] for row in cursor.fetchall()]


# --- Reset --------------------------------------------------------------------------------------


def bench_reset() -> None:
    """Delete the generated buyers' orders (with shop orders, lines, events), the buyers, and the
    benchmark shops' shipping methods; then recompute every variant's reservation."""
    like = f"%@{EMAIL_DOMAIN}"
    orders = (
        "SELECT o.id FROM orders_order o JOIN accounts_user u ON u.id = o.buyer_id "
        "WHERE u.email LIKE %s"
    )
    shop_orders = f"SELECT id FROM orders_shoporder WHERE order_id IN ({orders})"
    with transaction.atomic(), connection.cursor() as cursor:
        for table in ("orders_orderevent", "orders_orderline"):
            cursor.execute(f"DELETE FROM {table} WHERE shop_order_id IN ({shop_orders})", [like])
            print(f"  {table}: {cursor.rowcount} deleted")
        cursor.execute(f"DELETE FROM orders_shoporder WHERE order_id IN ({orders})", [like])
        print(f"  orders_shoporder: {cursor.rowcount} deleted")
        cursor.execute(f"DELETE FROM orders_order WHERE id IN ({orders})", [like])
        print(f"  orders_order: {cursor.rowcount} deleted")
        bench_shops = (
            "SELECT s.id FROM vendors_shop s JOIN accounts_user u ON u.id = s.created_by_id "
            "WHERE u.email LIKE %s"
        )
        methods = f"SELECT id FROM orders_shippingmethod WHERE shop_id IN ({bench_shops})"
        cursor.execute(
            f"DELETE FROM orders_shippingrate WHERE method_id IN ({methods})",
            [f"%@{CATALOGUE_DOMAIN}"],
        )
        print(f"  orders_shippingrate: {cursor.rowcount} deleted")
        cursor.execute(
            f"DELETE FROM orders_shippingmethod WHERE shop_id IN ({bench_shops})",
            [f"%@{CATALOGUE_DOMAIN}"],
        )
        print(f"  orders_shippingmethod: {cursor.rowcount} deleted")
    deleted = User.objects.filter(email__endswith=f"@{EMAIL_DOMAIN}").delete()
    print(f"  buyers: {deleted[0]} rows deleted")
    reservations_recompute()


RESERVED = """
SELECT l.variant_id, SUM(l.quantity) AS units
  FROM orders_orderline l
  JOIN orders_shoporder s ON s.id = l.shop_order_id
 WHERE s.stock_state = 'reserved' AND l.variant_id IS NOT NULL
 GROUP BY l.variant_id
"""


def reservations_recompute() -> None:
    """Every variant's stock_reserved := the units its reserved ShopOrders hold (on hand raised
    where the generated orders hold more than the shelf had)."""
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            "UPDATE marketplace_variant SET stock_reserved = 0 WHERE stock_reserved <> 0 "
            f"AND id NOT IN (SELECT variant_id FROM ({RESERVED}) r)"
        )
        cleared = cursor.rowcount
        cursor.execute(
            "UPDATE marketplace_variant v SET stock_reserved = r.units, "
            "stock_on_hand = GREATEST(v.stock_on_hand, r.units) "
            f"FROM ({RESERVED}) r WHERE v.id = r.variant_id AND v.stock_reserved <> r.units"
        )
        print(f"  stock_reserved: {cleared} cleared, {cursor.rowcount} set")


# --- Shipping, buyers ---------------------------------------------------------------------------


def shipping_ensure(*, rng: random.Random) -> int:
    """JNE REG for every benchmark shop without a method (default row for the province, cheaper
    own kabupaten/kota), J&T EZ for half, SiCepat REG for a fifth, pick-up for a tenth."""
    shops = list(
        Shop.objects.filter(created_by__email__endswith=f"@{CATALOGUE_DOMAIN}")
        .exclude(shipping_methods__isnull=False)
        .values_list("pk", "region_id")
    )
    for offset in range(0, len(shops), BATCH):
        chunk = shops[offset : offset + BATCH]
        methods: list[ShippingMethod] = []
        plans: list[tuple[int, int, int]] = []  # (region, first kg, next kg) per method
        for shop_id, region_id in chunk:
            offered = [(Courier.JNE, "REG", 10_000)]
            if rng.random() < 0.5:
                offered.append((Courier.JNT, "EZ", 9_000))
            if rng.random() < 0.2:
                offered.append((Courier.SICEPAT, "REG", 9_500))
            for courier, service, base in offered:
                methods.append(ShippingMethod(shop_id=shop_id, courier=courier, service=service))
                first = base + rng.choice((0, 1_000, 2_000, 3_000))
                plans.append((region_id, first, first - rng.choice((0, 1_000, 2_000))))
            if rng.random() < 0.1:
                methods.append(ShippingMethod(shop_id=shop_id, courier=Courier.PICKUP))
                plans.append((0, 0, 0))
        with transaction.atomic():
            ShippingMethod.objects.bulk_create(methods, batch_size=BATCH)
            rates = []
            for method, (region_id, first, next_kg) in zip(methods, plans, strict=True):
                if method.courier == Courier.PICKUP:
                    continue
                rates.append(
                    ShippingRate(
                        method=method,
                        region=None,
                        first_kg_price=first,
                        next_kg_price=next_kg,
                        eta_days_min=2,
                        eta_days_max=4,
                    )
                )
                rates.append(
                    ShippingRate(
                        method=method,
                        region_id=region_id,
                        first_kg_price=first - 3_000,
                        next_kg_price=max(2_000, next_kg - 3_000),
                        eta_days_min=1,
                        eta_days_max=2,
                    )
                )
            ShippingRate.objects.bulk_create(rates, batch_size=BATCH)
    return len(shops)


@dataclass
class Buyer:
    pk: int
    recipient: str
    phone: str
    street: str
    kecamatan: str
    region_id: int
    postal_code: str


def buyers_ensure(*, count: int, rng: random.Random, regions: list[Region]) -> list[Buyer]:
    existing = User.objects.filter(email__endswith=f"@{EMAIL_DOMAIN}").count()
    if existing < count:
        password = make_password("bench-password-123")
        weights = [
            8 if r.name in ("Surabaya", "Malang") else 3 if r.name in ("Sidoarjo", "Jember") else 1
            for r in regions
        ]
        for offset in range(existing, count, BATCH):
            size = min(BATCH, count - offset)
            users, addresses = [], []
            for n in range(offset, offset + size):
                name = f"{rng.choice(FIRST_NAMES)} {rng.choice(LAST_NAMES)}"
                user = User(
                    email=f"buyer{n:06d}@{EMAIL_DOMAIN}",
                    full_name=name,
                    phone=f"+628{rng.randint(10**9, 10**10 - 1)}",
                    password=password,
                )
                users.append(user)
                region = rng.choices(regions, weights)[0]
                addresses.append(
                    Address(
                        user=user,
                        label="Rumah",
                        recipient_name=name,
                        phone=f"08{rng.randint(10**9, 10**10 - 1)}",
                        street=f"{rng.choice(STREETS)} No. {rng.randint(1, 200)}",
                        kecamatan=rng.choice(KECAMATAN),
                        region=region,
                        postal_code=f"6{rng.randint(1000, 9999)}",
                        is_default=True,
                    )
                )
            with transaction.atomic():
                User.objects.bulk_create(users, batch_size=BATCH)
                for user, address in zip(users, addresses, strict=True):
                    address.user = user
                Address.objects.bulk_create(addresses, batch_size=BATCH)
    return [
        Buyer(
            a.user_id, a.recipient_name, a.phone, a.street, a.kecamatan, a.region_id, a.postal_code
        )
        for a in Address.objects.filter(
            user__email__endswith=f"@{EMAIL_DOMAIN}", is_default=True
        ).order_by("user_id")[:count]
    ]


# --- The catalogue to buy from ------------------------------------------------------------------


@dataclass
class ShopInfo:
    pk: int
    name: str
    region_id: int
    owner_id: int
    variants: list[tuple[Any, ...]]
    # (courier, service, default first, default next, own-region first, own-region next)
    rate: tuple[str, str, int, int, int, int]


CATALOGUE_SQL = """
SELECT v.id, v.product_id, v.shop_id, p.name, v.name, v.sku, v.price, v.weight_grams,
       p.warranty_days, c.commission_bp
  FROM marketplace_variant v
  JOIN marketplace_product p ON p.id = v.product_id
  JOIN marketplace_category c ON c.id = p.category_id
  JOIN vendors_shop s ON s.id = v.shop_id
  JOIN accounts_user u ON u.id = s.created_by_id
 WHERE p.status = 'active' AND v.stock_on_hand > 0 AND u.email LIKE %s
"""

RATES_SQL = """
SELECT m.shop_id, m.courier, m.service, r.region_id, r.first_kg_price, r.next_kg_price
  FROM orders_shippingmethod m
  JOIN orders_shippingrate r ON r.method_id = m.id
 WHERE m.courier = 'jne'
"""


def catalogue_load() -> list[ShopInfo]:
    variants: dict[int, list[tuple[Any, ...]]] = defaultdict(list)
    with connection.cursor() as cursor:
        cursor.execute(CATALOGUE_SQL, [f"%@{CATALOGUE_DOMAIN}"])
        for row in cursor.fetchall():
            variants[row[2]].append(row)
        rates: dict[int, dict[int | None, tuple[str, str, int, int]]] = defaultdict(dict)
        cursor.execute(RATES_SQL)
        for shop_id, courier, service, region_id, first, next_kg in cursor.fetchall():
            rates[shop_id][region_id] = (courier, service, first, next_kg)
        cursor.execute(
            "SELECT s.id, s.name, s.region_id, m.user_id FROM vendors_shop s "
            "JOIN vendors_shopmember m ON m.shop_id = s.id AND m.role = 'owner' "
            "WHERE s.id = ANY(%s)",
            [list(variants)],
        )
        shops = []
        for shop_id, name, region_id, owner_id in cursor.fetchall():
            shop_rates = rates.get(shop_id, {})
            default, own = shop_rates.get(None), shop_rates.get(region_id)
            if default is None or own is None:
                continue
            rate = (default[0], default[1], default[2], default[3], own[2], own[3])
            shops.append(ShopInfo(shop_id, name, region_id, owner_id, variants[shop_id], rate))
    return sorted(shops, key=lambda s: s.pk)


# --- Orders -------------------------------------------------------------------------------------

ORDER_COLUMNS = (
    "id", "created_at", "updated_at", "number", "checkout_token", "buyer_id", "recipient_name",
    "recipient_phone", "street", "kecamatan", "region_id", "postal_code", "goods_total",
    "shipping_total", "grand_total", "payment_method", "payment_due_at", "paid_at",
)  # fmt: skip
SHOP_ORDER_COLUMNS = (
    "id", "created_at", "updated_at", "order_id", "shop_id", "shop_name", "status", "stock_state",
    "courier", "courier_service", "shipping_fee", "eta_days_min", "eta_days_max", "weight_grams",
    "goods_total", "note", "tracking_number", "accept_by", "ship_by", "deliver_by",
    "complete_after", "window_extended", "paid_at", "accepted_at", "shipped_at", "delivered_at",
    "completed_at", "cancelled_at", "cancel_reason", "cancel_requested_at",
    "cancel_request_reason", "cancel_request_declined_at", "refund_amount", "refund_requested_at",
)  # fmt: skip
LINE_COLUMNS = (
    "shop_order_id", "product_id", "variant_id", "product_name", "variant_name", "sku",
    "unit_price", "quantity", "line_total", "weight_grams", "warranty_days", "commission_bp",
)  # fmt: skip
EVENT_COLUMNS = (
    "shop_order_id", "kind", "from_status", "to_status", "actor_id", "actor_role", "reason",
    "created_at",
)  # fmt: skip


def order_number(serial: int, created: dt.datetime) -> str:
    code = ""
    for _ in range(6):
        serial, digit = divmod(serial, len(ALPHABET))
        code += ALPHABET[digit]
    return f"KMJ-{timezone.localtime(created):%y%m%d}-{code}"


def order_age(rng: random.Random) -> dt.timedelta:
    """Placed over the last year, recent weeks busier (so every open status has rows)."""
    if rng.random() < 0.25:
        return dt.timedelta(seconds=rng.uniform(60, 14 * 86_400))
    return dt.timedelta(seconds=rng.uniform(60, 365 * 86_400))


def shop_order_life(
    rng: random.Random, *, paid_at: dt.datetime, now: dt.datetime
) -> tuple[list[tuple[str, dt.datetime, str, str]], dict[str, Any]]:
    """The steps a paid ShopOrder has gone through by `now`: (status, at, actor role, reason),
    and the request-to-cancel fields when the buyer asked."""
    steps: list[tuple[str, dt.datetime, str, str]] = [("paid", paid_at, "system", "bench")]
    extra: dict[str, Any] = {}
    fate = rng.random()
    accepted = paid_at + dt.timedelta(hours=rng.uniform(0.3, 20))
    if fate < 0.03:  # the shop rejects
        at = paid_at + dt.timedelta(hours=rng.uniform(0.5, 20))
        steps.append(("cancelled", at, "shop", rng.choice(REJECT_REASONS)))
        return _until(steps, now), extra
    if fate < 0.045:  # never accepted
        steps.append(
            (
                "cancelled",
                paid_at + 24 * HOUR,
                "system",
                "The shop did not accept the order in time.",
            )
        )
        return _until(steps, now), extra
    steps.append(("processing", accepted, "shop", ""))
    if fate < 0.06:  # the buyer asks, the shop agrees
        asked = accepted + dt.timedelta(hours=rng.uniform(0.2, 6))
        reason = rng.choice(BUYER_CANCEL_REASONS)
        if asked <= now:
            extra = {"cancel_requested_at": asked, "cancel_request_reason": reason}
        steps.append(("cancelled", asked + dt.timedelta(hours=rng.uniform(0.5, 8)), "shop", reason))
        return _until(steps, now), extra
    if fate < 0.07:  # never shipped
        steps.append(
            ("cancelled", accepted + 2 * DAY, "system", "The shop did not ship the order in time.")
        )
        return _until(steps, now), extra
    shipped = accepted + dt.timedelta(hours=rng.uniform(3, 40))
    delivered = shipped + dt.timedelta(hours=rng.uniform(20, 120))
    completed = delivered + dt.timedelta(hours=rng.uniform(6, 48))
    by_buyer = rng.random() < 0.6
    steps += [
        ("shipped", shipped, "shop", ""),
        ("delivered", delivered, "system" if rng.random() < 0.1 else "shop", ""),
        ("completed", completed, "buyer" if by_buyer else "system", ""),
    ]
    return _until(steps, now), extra


def _until(
    steps: list[tuple[str, dt.datetime, str, str]], now: dt.datetime
) -> list[tuple[str, dt.datetime, str, str]]:
    return [step for step in steps if step[1] <= now] or steps[:1]


def table_fee(first: int, next_kg: int, grams: int) -> int:
    return first + next_kg * (max(1, math.ceil(grams / 1000)) - 1)


def orders_create(
    *,
    count: int,
    rng: random.Random,
    buyers: list[Buyer],
    shops: list[ShopInfo],
) -> dict[str, int]:
    now = timezone.now()
    # A few keen buyers (hundreds of orders), most with a handful.
    buyer_weights = [min(rng.paretovariate(1.2), 40.0) for _ in buyers]
    shop_weights = [rng.paretovariate(1.3) for _ in shops]
    with connection.cursor() as cursor:
        cursor.execute("SELECT COUNT(*) FROM orders_order")
        serial = cursor.fetchone()[0] + 1_000_003  # numbers apart from any placed before
    totals: dict[str, int] = defaultdict(int)
    for offset in range(0, count, BATCH):
        size = min(BATCH, count - offset)
        order_ids = next_ids("orders_order", size)
        orders, shop_orders, lines, events = [], [], [], []
        shop_order_plans: list[tuple[Any, ...]] = []
        for order_id, buyer in zip(
            order_ids, rng.choices(buyers, buyer_weights, k=size), strict=True
        ):
            serial += 7_919  # a prime step: numbers look random, never repeat
            created = now - order_age(rng)
            due = created + 24 * HOUR
            paid = rng.random() > 0.12
            paid_at = created + dt.timedelta(minutes=rng.uniform(2, 360)) if paid else None
            if paid_at is not None and paid_at > now:
                paid_at = None
            n_shops = rng.choices((1, 2, 3), (75, 18, 7))[0]
            picked: dict[int, ShopInfo] = {}
            for shop in rng.choices(shops, shop_weights, k=n_shops):
                picked[shop.pk] = shop
            goods_total = shipping_total = 0
            for shop in picked.values():
                chosen = rng.sample(
                    shop.variants, k=min(len(shop.variants), rng.choice((1, 1, 2, 2, 3)))
                )
                order_lines = []
                for v in chosen:
                    quantity = rng.choices((1, 2, 3, 5), (70, 20, 7, 3))[0]
                    order_lines.append((v, quantity))
                goods = sum(v[6] * q for v, q in order_lines)
                grams = sum(v[7] * q for v, q in order_lines)
                courier, service, first, next_kg, own_first, own_next = shop.rate
                if buyer.region_id == shop.region_id:
                    fee = table_fee(own_first, own_next, grams)
                    eta = (1, 2)
                else:
                    fee = table_fee(first, next_kg, grams)
                    eta = (2, 4)
                goods_total += goods
                shipping_total += fee
                shop_order_plans.append(
                    (order_id, shop, order_lines, goods, grams, fee, eta, courier, service,
                     created, due, paid_at, buyer.pk)
                )  # fmt: skip
            orders.append(
                (
                    order_id, created, paid_at or created, order_number(serial, created),
                    uuid.UUID(int=rng.getrandbits(128), version=4), buyer.pk, buyer.recipient,
                    buyer.phone, buyer.street, buyer.kecamatan, buyer.region_id,
                    buyer.postal_code, goods_total, shipping_total, goods_total + shipping_total,
                    "placeholder", due, paid_at,
                )
            )  # fmt: skip

        shop_order_ids = next_ids("orders_shoporder", len(shop_order_plans))
        for shop_order_id, plan in zip(shop_order_ids, shop_order_plans, strict=True):
            (order_id, shop, order_lines, goods, grams, fee, eta, courier, service, created, due,
             paid_at, buyer_id) = plan  # fmt: skip
            row, steps = _shop_order_row(rng, shop_order_id, plan, now=now)
            shop_orders.append(row)
            totals[row[6]] += 1
            events.append(
                (shop_order_id, "status", "", "awaiting_payment", buyer_id, "buyer", "", created)
            )
            previous = "awaiting_payment"
            for status, at, role, reason in steps:
                actor = {"buyer": buyer_id, "shop": shop.owner_id}.get(role)
                events.append((shop_order_id, "status", previous, status, actor, role, reason, at))
                previous = status
            if row[29] is not None:  # cancel_requested_at
                events.append(
                    (shop_order_id, "cancel_requested", "", "", buyer_id, "buyer", row[30], row[29])
                )
            for v, quantity in order_lines:
                lines.append(
                    (shop_order_id, v[1], v[0], v[3], v[4], v[5], v[6], quantity, v[6] * quantity,
                     v[7], v[8], v[9])
                )  # fmt: skip
        with transaction.atomic():
            copy_rows("orders_order", ORDER_COLUMNS, orders)
            copy_rows("orders_shoporder", SHOP_ORDER_COLUMNS, shop_orders)
            copy_rows("orders_orderline", LINE_COLUMNS, lines)
            copy_rows("orders_orderevent", EVENT_COLUMNS, events)
        totals["orders"] += len(orders)
        totals["shop orders"] += len(shop_orders)
        totals["lines"] += len(lines)
        totals["events"] += len(events)
        print(f"    {totals['orders']:>7} orders", flush=True)
    return dict(totals)


def _shop_order_row(
    rng: random.Random, shop_order_id: int, plan: tuple[Any, ...], *, now: dt.datetime
) -> tuple[tuple[Any, ...], list[tuple[str, dt.datetime, str, str]]]:
    (order_id, shop, _lines, goods, grams, fee, eta, courier, service, created, due, paid_at,
     _buyer) = plan  # fmt: skip
    at: dict[str, dt.datetime | None] = dict.fromkeys(
        ("paid", "processing", "shipped", "delivered", "completed", "cancelled")
    )
    extra: dict[str, Any] = {}
    if paid_at is None:
        if due > now:
            steps: list[tuple[str, dt.datetime, str, str]] = []
        else:
            steps = [("cancelled", due, "system", "Not paid in time.")]
    else:
        steps, extra = shop_order_life(rng, paid_at=paid_at, now=now)
    for status, when, _role, _reason in steps:
        at[status] = when
    status = steps[-1][0] if steps else "awaiting_payment"
    cancel_reason = steps[-1][3] if status == "cancelled" else ""
    stock_state = (
        "released"
        if status == "cancelled"
        else "consumed"
        if status in ("shipped", "delivered", "completed")
        else "reserved"
    )
    refund = 0
    refund_at = None
    if status == "cancelled" and at["paid"] is not None:
        refund, refund_at = goods + fee, at["cancelled"]
    accept_by = at["paid"] + 24 * HOUR if status == "paid" and at["paid"] else None
    ship_by = at["processing"] + 2 * DAY if status == "processing" and at["processing"] else None
    deliver_by = at["shipped"] + 7 * DAY if status == "shipped" and at["shipped"] else None
    complete_after = (
        at["delivered"] + 2 * DAY if status == "delivered" and at["delivered"] else None
    )
    tracking = f"JP{rng.randint(10**9, 10**10 - 1)}" if at["shipped"] else ""
    updated = steps[-1][1] if steps else created
    row = (
        shop_order_id, created, updated, order_id, shop.pk, shop.name, status, stock_state,
        courier, service, fee, eta[0], eta[1], grams, goods, rng.choice(NOTES), tracking,
        accept_by, ship_by, deliver_by, complete_after, False, at["paid"], at["processing"],
        at["shipped"], at["delivered"], at["completed"], at["cancelled"], cancel_reason,
        extra.get("cancel_requested_at"), extra.get("cancel_request_reason", ""), None, refund,
        refund_at,
    )  # fmt: skip
    return row, steps


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--orders", type=int, default=200_000)
    parser.add_argument("--buyers", type=int, default=20_000)
    parser.add_argument("--seed", type=int, default=5)
    parser.add_argument("--reset", action="store_true", help="delete generated orders first")
    args = parser.parse_args()
    db = connection.settings_dict
    print(f"Database: {db['NAME']} on {db['HOST']}:{db['PORT']}")
    if db["NAME"] in ("komeji", "test_komeji"):
        sys.exit("Refusing to fill the development or test database; set DATABASE_URL.")
    if Shop.objects.filter(created_by__email__endswith=f"@{CATALOGUE_DOMAIN}").count() < 100:
        sys.exit("No benchmark catalogue here: run benchmarks/generate_catalogue.py first.")
    rng = random.Random(args.seed)
    started = time.perf_counter()
    if args.reset:
        with phase("reset"):
            bench_reset()
    with phase("shipping methods and rates of the benchmark shops"):
        print(f"  {shipping_ensure(rng=rng)} shops given couriers")
    regions = list(Region.objects.order_by("code"))
    with phase(f"{args.buyers} buyers with an address"):
        buyers = buyers_ensure(count=args.buyers, rng=rng, regions=regions)
    with phase("catalogue to buy from"):
        shops = catalogue_load()
        print(f"  {len(shops)} shops, {sum(len(s.variants) for s in shops)} variants in stock")
    with phase(f"{args.orders} orders with shop orders, lines, events"):
        totals = orders_create(count=args.orders, rng=rng, buyers=buyers, shops=shops)
        print(f"  {totals}")
    with phase("stock reserved by the open orders"):
        reservations_recompute()
    with phase("VACUUM ANALYZE"), connection.cursor() as cursor:
        for table in (
            "accounts_user",
            "accounts_address",
            "orders_shippingmethod",
            "orders_shippingrate",
            "orders_order",
            "orders_shoporder",
            "orders_orderline",
            "orders_orderevent",
            "marketplace_variant",
        ):
            cursor.execute(f"VACUUM (ANALYZE) {table}")
    print(f"Total: {time.perf_counter() - started:.1f} s")


if __name__ == "__main__":
    main()
