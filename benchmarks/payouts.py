"""Benchmark of a payout run (issue 6, "Performance"): "A payout run over 10,000 shops and 200,000
completed shop orders finishes in under 60 s (set-based SQL, not a Python loop per row)."

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/komeji_bench4 \
    python benchmarks/payouts.py [--shops 10000] [--journals 200000] [--explain]

Run it on the data of benchmarks/generate_catalogue.py (5,000 shops). Generation, all set-based
SQL (INSERT … SELECT), outside the services:

- shops up to `--shops`, cloned from the database's own (slug suffixed "-bp<n>");
- a verified bank account per shop (BRI, Mandiri, BNI, BCA…): changed three days ago, except
  about 5 % changed an hour ago (held by the 24-hour rule: no line for them);
- a `shop_payable` ledger account per shop (the platform accounts through the ledger service);
- `--journals` completion journals (`shop_order_completed`, key "bench-complete:<tag>:<n>")
  spread evenly over the shops, their amounts taken from the database's completed ShopOrders:
  escrow +(goods + shipping), shop payable -(goods - 10 % commission + shipping), platform revenue
  -commission. Legs sum to zero per journal: the deferred trigger checks every one at commit (one
  transaction per 50,000 journals).

Then it times `payments.services.payouts.payout_run(period_key=...)` with Django's
CaptureQueriesContext, reports the seconds, the lines and journals created and the queries, and
runs the same period again (must create nothing). With --explain, EXPLAIN (ANALYZE, BUFFERS) of
the payee query (payable_payees) before the run.

The ledger is append-only: every invocation adds `--journals` new journals (a new tag) and pays
them out, so the legs table grows by about 700,000 rows per invocation. Benchmark database only.
"""

import argparse
import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

# Production-like settings: DEBUG off (it would keep every query of the generation in memory).
os.environ.update(
    {
        "DJANGO_SETTINGS_MODULE": "komeji.settings",
        "DJANGO_DEBUG": "false",
        "DJANGO_SECRET_KEY": os.environ.get(
            "BENCH_SECRET_KEY", "benchmark-only-secret-key-" + "x" * 40
        ),
        "KOMEJI_DOCUMENT_KEYS": "Hm3_ejmQ8y1B2x0uXkBl3Hk1i7rQx6yPZr0o4d3bA1c=",
        "DJANGO_ALLOWED_HOSTS": "127.0.0.1,localhost,testserver",
        "DJANGO_STATIC_MANIFEST": "false",
        "DJANGO_CACHE_PREFIX": "komeji-bench",
    }
)

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from django.db import connection, transaction  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402
from django.utils import timezone  # noqa: E402

from payments.models import AccountKind, Journal, JournalLeg, PayoutLine, PayoutRun  # noqa: E402
from payments.services.ledger import platform_account  # noqa: E402
from payments.services.payouts import payable_payees, payout_run  # noqa: E402

BATCH = 50_000
BANK_CODES = ["002", "008", "009", "014", "451", "200", "114", "022", "013", "011"]


def phase(label: str, t0: float) -> float:
    now = time.perf_counter()
    print(f"  {label}: {now - t0:.1f} s")
    return now


def shops_ensure(count: int) -> None:
    """At least `count` shops: clones of the existing ones (new slug, same owner)."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM vendors_shop")
        have = cursor.fetchone()[0]
        missing = count - have
        if missing <= 0:
            return
        cursor.execute(
            "SELECT column_name FROM information_schema.columns "
            "WHERE table_name = 'vendors_shop' AND column_name <> 'id' ORDER BY ordinal_position"
        )
        columns = [row[0] for row in cursor.fetchall()]
        over = {
            "slug": "left(s.slug, 70) || '-bp' || g.n",
            "created_at": "now()",
            "updated_at": "now()",
        }
        select = ", ".join(over.get(c, f"s.{c}") for c in columns)
        cursor.execute(
            f"INSERT INTO vendors_shop ({', '.join(columns)}) "
            f"SELECT {select} FROM (SELECT row_number() OVER (ORDER BY id) AS n, * "
            "FROM vendors_shop) s "
            "JOIN LATERAL (SELECT s.n + %s AS n) g ON true "
            "WHERE s.n <= %s",
            [have, missing],
        )
        print(f"  {cursor.rowcount} shops cloned")


def generate(*, shops: int, journals: int, tag: str) -> None:
    t0 = time.perf_counter()
    shops_ensure(shops)
    escrow = platform_account(AccountKind.ESCROW)
    revenue = platform_account(AccountKind.PLATFORM_REVENUE)
    platform_account(AccountKind.PAYOUTS_IN_TRANSIT)
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            """
            CREATE TEMP TABLE bench_shop ON COMMIT DROP AS
            SELECT row_number() OVER (ORDER BY id) AS rn, id AS shop_id
              FROM vendors_shop ORDER BY id LIMIT %s
            """,
            [shops],
        )
        cursor.execute(
            """
            INSERT INTO vendors_bankaccount (created_at, updated_at, shop_id, bank_code,
                account_number, holder_name, changed_at)
            SELECT now(), now(), b.shop_id, (%s::text[])[1 + b.rn %% 10],
                   lpad((7000000000 + b.shop_id)::text, 10, '0'),
                   left(coalesce(nullif(s.owner_legal_name, ''), s.name), 150),
                   CASE WHEN b.rn %% 20 = 7 THEN now() - interval '1 hour'
                        ELSE now() - interval '3 days' END
              FROM bench_shop b JOIN vendors_shop s ON s.id = b.shop_id
            ON CONFLICT (shop_id) DO NOTHING
            """,
            [BANK_CODES],
        )
        banks = cursor.rowcount
        cursor.execute(
            """
            INSERT INTO payments_ledgeraccount (kind, shop_id, community_id)
            SELECT 'shop_payable', shop_id, NULL FROM bench_shop
            ON CONFLICT DO NOTHING
            """
        )
        accounts = cursor.rowcount
    t0 = phase(f"shops, {banks} bank accounts, {accounts} shop payable accounts", t0)

    with connection.cursor() as cursor:
        cursor.execute(
            """
            CREATE TEMP TABLE IF NOT EXISTS bench_amount AS
            SELECT row_number() OVER (ORDER BY id) AS rn, goods_total, shipping_fee
              FROM orders_shoporder WHERE status = 'completed' AND goods_total > 0
            """
        )
        cursor.execute("SELECT count(*) FROM bench_amount")
        amounts = cursor.fetchone()[0] or 1
    for first in range(1, journals + 1, BATCH):
        last = min(first + BATCH - 1, journals)
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(
                """
                CREATE TEMP TABLE bench_j ON COMMIT DROP AS
                SELECT g.n,
                       nextval(pg_get_serial_sequence('payments_journal', 'id')) AS journal_id,
                       a.id AS account_id,
                       m.goods_total + m.shipping_fee AS total,
                       round(m.goods_total * 0.10)::bigint AS commission
                  FROM generate_series(%s, %s) AS g(n)
                  JOIN (SELECT row_number() OVER (ORDER BY id) AS rn, id
                          FROM vendors_shop ORDER BY id LIMIT %s) s
                    ON s.rn = 1 + (g.n - 1) %% %s
                  JOIN payments_ledgeraccount a
                    ON a.kind = 'shop_payable' AND a.shop_id = s.id
                  JOIN bench_amount m ON m.rn = 1 + (g.n * 7919) %% %s
                """,
                [first, last, shops, shops, amounts],
            )
            cursor.execute(
                """
                INSERT INTO payments_journal (id, idempotency_key, kind, actor_id, reason,
                    payment_id, shop_order_id, created_at)
                SELECT journal_id, 'bench-complete:' || %s || ':' || n, 'shop_order_completed',
                       NULL, 'benchmark', NULL, NULL,
                       now() - (n %% 7) * interval '1 day'
                  FROM bench_j
                """,
                [tag],
            )
            cursor.execute(
                """
                INSERT INTO payments_journalleg (journal_id, account_id, amount)
                SELECT journal_id, %s, total FROM bench_j
                UNION ALL
                SELECT journal_id, account_id, -(total - commission) FROM bench_j
                UNION ALL
                SELECT journal_id, %s, -commission FROM bench_j WHERE commission <> 0
                """,
                [escrow.pk, revenue.pk],
            )
            legs = cursor.rowcount
        t0 = phase(f"journals {first:,}-{last:,} ({legs:,} legs, commit checked)", t0)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE payments_journal")
        cursor.execute("ANALYZE payments_journalleg")
        cursor.execute("ANALYZE vendors_bankaccount")
        cursor.execute("ANALYZE payments_ledgeraccount")
    phase("analyze", t0)


def explain_payees() -> None:
    with CaptureQueriesContext(connection) as queries:
        payees = payable_payees()
    sql = queries.captured_queries[-1]["sql"]
    print(f"\nEXPLAIN (ANALYZE, BUFFERS) of payable_payees ({len(payees)} rows):")
    with connection.cursor() as cursor:
        cursor.execute("EXPLAIN (ANALYZE, BUFFERS) " + sql)
        for (line,) in cursor.fetchall():
            print("  " + line)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--shops", type=int, default=10_000)
    parser.add_argument("--journals", type=int, default=200_000)
    parser.add_argument("--no-generate", action="store_true", help="time the run only")
    parser.add_argument("--explain", action="store_true")
    args = parser.parse_args()

    load = os.getloadavg()
    print(f"load average {load[0]:.2f} {load[1]:.2f} {load[2]:.2f}, {os.cpu_count()} CPUs")
    print(f"database {settings.DATABASES['default']['NAME']}")
    tag = timezone.now().strftime("%Y%m%d%H%M%S")
    if not args.no_generate:
        print(f"Generating {args.shops:,} shops and {args.journals:,} completion journals:")
        t0 = time.perf_counter()
        generate(shops=args.shops, journals=args.journals, tag=tag)
        print(f"  generation: {time.perf_counter() - t0:.1f} s")
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM payments_journalleg")
        print(f"  legs in the ledger: {cursor.fetchone()[0]:,}")
    if args.explain:
        explain_payees()

    period = f"BENCH-{tag}"
    journals_before = Journal.objects.count()
    legs_before = JournalLeg.objects.count()
    print(f"\npayout_run(period_key={period!r}), load average {os.getloadavg()[0]:.2f}:")
    with CaptureQueriesContext(connection) as queries:
        t0 = time.perf_counter()
        run = payout_run(period_key=period)
        seconds = time.perf_counter() - t0
    lines = PayoutLine.objects.filter(run=run)
    count = lines.count()
    shop_lines = lines.filter(shop__isnull=False).count()
    total = sum(lines.values_list("amount", flat=True))
    journals = Journal.objects.count() - journals_before
    legs = JournalLeg.objects.count() - legs_before
    print(
        f"  {seconds:.2f} s, {count:,} lines ({shop_lines:,} shops), Rp {total:,}, "
        f"{journals:,} journals, {legs:,} legs, {len(queries.captured_queries)} queries"
    )
    slowest = sorted(queries.captured_queries, key=lambda q: float(q["time"]), reverse=True)[:4]
    for query in slowest:
        print(f"    {float(query['time']) * 1000:8.0f} ms  {query['sql'][:110]}")

    with CaptureQueriesContext(connection) as again:
        t0 = time.perf_counter()
        second = payout_run(period_key=period)
        seconds2 = time.perf_counter() - t0
    created = PayoutRun.objects.filter(period_key=period).count()
    print(
        f"  second run of {period}: {seconds2 * 1000:.0f} ms, same run {second.pk == run.pk}, "
        f"runs of the period {created}, lines {PayoutLine.objects.filter(run=run).count():,}, "
        f"new journals {Journal.objects.count() - journals_before - journals}, "
        f"{len(again.captured_queries)} queries"
    )
    print(f"  load average after {os.getloadavg()[0]:.2f}; target < 60 s: {seconds < 60}")


if __name__ == "__main__":
    main()
