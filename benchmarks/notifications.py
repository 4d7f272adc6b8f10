"""Load benchmark of the payment notification endpoint (issue 6, "Performance"): "The notification
endpoint sustains 50 notifications/s for a minute with p99 under 1 s."

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/komeji_bench4 \
    python benchmarks/notifications.py [--rate 50] [--duration 60] [--workers 4] [--seed 6]

Run it on the data of benchmarks/generate_catalogue.py and benchmarks/generate_orders.py. It

1. clones awaiting-payment orders of the database (set-based INSERT … SELECT: the Order and its
   ShopOrders, numbers prefixed "BNN", order lines not copied: paying does not read them) so that
   every first settlement finds an order waiting for it, and creates one pending sandbox Payment
   per clone (gateway order id "<number>-1", as payments.services.payments does);
2. serves Komeji with gunicorn (sync workers, DEBUG off, KOMEJI_SANDBOX_IN_PRODUCTION=true so the
   sandbox provider exists, benchmark settings and cache prefix, Celery tasks to a queue of their
   own that is emptied at the end);
3. sends Midtrans-format notifications signed with KOMEJI_SANDBOX_SERVER_KEY
   (payments.gateways.sandbox.notification) at a steady rate, open loop: each one leaves at its
   scheduled time whatever the answers of the others (a pool of sender threads), about 70 % first
   settlements, 20 % duplicates of a settlement already sent (a third of them within 0.2 s of it,
   to race the first delivery) and 10 % out-of-order news for a settled payment ("expire" or
   "pending" after "settlement", which must be ignored);
4. reports the achieved rate, latency p50 / p95 / p99 / max (from the scheduled send time, so a
   queue in front of the server counts; the time from the actual send is shown too), the HTTP
   errors and the outcomes, then checks in SQL that every settled payment has exactly one `paid:`
   journal, is paid, and that its order's ShopOrders are paid.

The clones stay in the database (the ledger is append-only): run it on a benchmark database only.
"""

import argparse
import contextlib
import json
import os
import random
import resource
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

BENCH_QUEUE = "komeji-bench-payments"
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
    "KOMEJI_PAYMENT_PROVIDERS": "sandbox",
    "KOMEJI_SANDBOX_IN_PRODUCTION": "true",
}
os.environ.update(BENCH_ENV)

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from django.db import connection, transaction  # noqa: E402
from django.urls import reverse  # noqa: E402
from django.utils import timezone  # noqa: E402

from payments.gateways import sandbox  # noqa: E402
from payments.gateways.signature import midtrans_signature  # noqa: E402
from payments.models import Payment  # noqa: E402

PREFIX = "BNN"


def percentile(values: list[float], pct: float) -> float:
    ordered = sorted(values)
    if not ordered:
        return float("nan")
    k = (len(ordered) - 1) * pct / 100
    low, high = int(k), min(int(k) + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (k - low)


def _columns(table: str) -> list[str]:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT column_name FROM information_schema.columns WHERE table_name = %s "
            "ORDER BY ordinal_position",
            [table],
        )
        return [row[0] for row in cursor.fetchall()]


def _select_list(columns: list[str], overrides: dict[str, str], alias: str) -> str:
    return ", ".join(overrides.get(c, f"{alias}.{c}") for c in columns)


def payments_create(count: int) -> list[Payment]:
    """`count` orders awaiting payment (clones of the database's own), one pending sandbox
    Payment each, all in one transaction, set-based."""
    t0 = time.perf_counter()
    order_cols = [c for c in _columns("orders_order") if c != "id"]
    shop_cols = [c for c in _columns("orders_shoporder") if c != "id"]
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            """
            CREATE TEMP TABLE bench_clone ON COMMIT DROP AS
            SELECT src.id AS old_id,
                   nextval(pg_get_serial_sequence('orders_order', 'id')) AS new_id
              FROM (SELECT o.id FROM orders_order o
                     WHERE o.paid_at IS NULL
                       AND EXISTS (SELECT 1 FROM orders_shoporder s
                                    WHERE s.order_id = o.id AND s.status = 'awaiting_payment')
                       AND NOT EXISTS (SELECT 1 FROM orders_shoporder s
                                        WHERE s.order_id = o.id
                                          AND s.status <> 'awaiting_payment')
                   ) src
             CROSS JOIN generate_series(1, 100) copy_no
             ORDER BY copy_no, src.id
             LIMIT %s
            """,
            [count],
        )
        order_over = {
            "created_at": "now()",
            "updated_at": "now()",
            "number": f"'{PREFIX}' || c.new_id",
            "checkout_token": "gen_random_uuid()",
            "payment_due_at": "now() + interval '1 day'",
            "paid_at": "NULL",
        }
        cursor.execute(
            f"INSERT INTO orders_order (id, {', '.join(order_cols)}) "
            f"SELECT c.new_id, {_select_list(order_cols, order_over, 'o')} "
            "FROM bench_clone c JOIN orders_order o ON o.id = c.old_id"
        )
        shop_over = {
            "created_at": "now()",
            "updated_at": "now()",
            "order_id": "c.new_id",
            "status": "'awaiting_payment'",
        }
        cursor.execute(
            f"INSERT INTO orders_shoporder ({', '.join(shop_cols)}) "
            f"SELECT {_select_list(shop_cols, shop_over, 's')} "
            "FROM bench_clone c JOIN orders_shoporder s ON s.order_id = c.old_id"
        )
        cursor.execute(
            "SELECT o.id, o.number, o.grand_total, o.payment_due_at "
            "FROM bench_clone c JOIN orders_order o ON o.id = c.new_id ORDER BY o.id"
        )
        clones = cursor.fetchall()
        # The ORM for the payments: their columns' defaults are the model's.
        payments = Payment.objects.bulk_create(
            Payment(
                order_id=order_id,
                provider="sandbox",
                method=sandbox.VA,
                gateway_order_id=f"{number}-1",
                amount=grand_total,
                expires_at=due,
            )
            for order_id, number, grand_total, due in clones
        )
    created = len(clones)
    took = time.perf_counter() - t0
    print(f"  {created} orders cloned, {len(payments)} pending payments in {took:.1f} s")
    if created < count:
        print(f"  (asked for {count}: not enough awaiting-payment orders to clone)")
    return payments


def signed(payment: Payment, status: str) -> bytes:
    if status in sandbox.STATUS_CODES:
        body = sandbox.notification(payment, status)
    else:  # "pending", which the sandbox page never sends: Midtrans' status code 201
        body = sandbox.notification(payment, sandbox.EXPIRE)
        gross = body["gross_amount"]
        body.update(
            transaction_status=status,
            status_code="201",
            signature_key=midtrans_signature(
                payment.gateway_order_id, "201", gross, settings.KOMEJI_SANDBOX_SERVER_KEY
            ),
        )
    return json.dumps(body).encode()


@dataclass
class Shot:
    at: float  # seconds after the start
    kind: str  # first, duplicate, out_of_order
    payment_index: int
    body: bytes
    status: int = 0
    outcome: str = ""
    latency: float = 0.0  # from the scheduled time
    service: float = 0.0  # from the actual send
    error: str = ""


@dataclass
class Plan:
    shots: list[Shot] = field(default_factory=list)
    settled: set[int] = field(default_factory=set)


def plan_make(payments: list[Payment], *, rate: float, duration: float, rng: random.Random) -> Plan:
    total = int(rate * duration)
    plan = Plan()
    sent_first: list[int] = []
    for n in range(total):
        at = n / rate
        roll = rng.random()
        if not sent_first or (roll < 0.70 and len(sent_first) < len(payments)):
            kind, index = "first", len(sent_first)
            sent_first.append(index)
            body = signed(payments[index], sandbox.SETTLEMENT)
        elif roll < 0.90 or len(sent_first) >= len(payments):
            kind = "duplicate"
            recent = sent_first[-10:]
            index = rng.choice(recent) if rng.random() < 1 / 3 else rng.choice(sent_first)
            body = signed(payments[index], sandbox.SETTLEMENT)
        else:
            kind = "out_of_order"
            index = rng.choice(sent_first)
            body = signed(payments[index], rng.choice([sandbox.EXPIRE, "pending"]))
        plan.shots.append(Shot(at=at, kind=kind, payment_index=index, body=body))
    plan.settled = set(sent_first)
    return plan


def send(url: str, shot: Shot, start: float) -> None:
    delay = start + shot.at - time.perf_counter()
    if delay > 0:
        time.sleep(delay)
    sent = time.perf_counter()
    request = urllib.request.Request(
        url, data=shot.body, method="POST", headers={"Content-Type": "application/json"}
    )
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            shot.status = response.status
            shot.outcome = json.loads(response.read()).get("status", "")
    except urllib.error.HTTPError as error:
        shot.status = error.code
        shot.error = error.read()[:200].decode(errors="replace")
    except OSError as error:
        shot.error = repr(error)
    done = time.perf_counter()
    shot.latency = done - (start + shot.at)
    shot.service = done - sent


def _cpu(who: int) -> float:
    usage = resource.getrusage(who)
    return usage.ru_utime + usage.ru_stime


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def gunicorn_start(workers: int, port: int) -> tuple[subprocess.Popen[bytes], str]:
    gunicorn = str(Path(sys.executable).with_name("gunicorn"))
    log = tempfile.mkstemp(prefix="bench-gunicorn-", suffix=".log")[1]
    with open(log, "w") as out:
        server = subprocess.Popen(
            [
                gunicorn,
                "komeji.wsgi",
                "-w",
                str(workers),
                "--bind",
                f"127.0.0.1:{port}",
                "--backlog",
                "2048",
            ],
            cwd=ROOT,
            env={**os.environ, **BENCH_ENV},
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    return server, log


def wait_ready(url: str, log: str) -> None:
    for _ in range(150):
        request = urllib.request.Request(url, data=b"{}", method="POST")
        try:
            urllib.request.urlopen(request, timeout=2)
        except urllib.error.HTTPError as error:
            if error.code == 400:
                return
        except OSError:
            pass
        time.sleep(0.2)
    raise SystemExit("gunicorn did not answer: see " + log)


def queue_purge() -> None:
    from komeji.celery import app

    try:
        with app.connection_for_write() as conn:
            purged = conn.default_channel.queue_purge(BENCH_QUEUE)
        print(f"  {purged or 0} queued tasks dropped ({BENCH_QUEUE})")
    except Exception as exc:  # a report, not a failure
        print(f"  could not empty {BENCH_QUEUE}: {exc}")


def check(payments: list[Payment], plan: Plan) -> dict[str, int]:
    settled_ids = [payments[i].pk for i in sorted(plan.settled)]
    with connection.cursor() as cursor:
        cursor.execute(
            """
            WITH p AS (SELECT unnest(%s::bigint[]) AS id),
            j AS (SELECT p.id, count(j.id) AS journals
                    FROM p LEFT JOIN payments_journal j
                      ON j.payment_id = p.id AND j.idempotency_key = 'paid:' || p.id
                   GROUP BY p.id)
            SELECT count(*) FILTER (WHERE j.journals = 1),
                   count(*) FILTER (WHERE j.journals = 0),
                   count(*) FILTER (WHERE j.journals > 1),
                   count(*) FILTER (WHERE pay.status <> 'paid'),
                   (SELECT count(*) FROM orders_shoporder s JOIN payments_payment pp
                        ON pp.order_id = s.order_id
                     WHERE pp.id = ANY(%s::bigint[]) AND s.status <> 'paid'),
                   (SELECT count(*) FROM payments_paymentnotification n
                     WHERE n.payment_id = ANY(%s::bigint[])),
                   (SELECT count(*) FROM payments_payment pp
                     WHERE pp.id = ANY(%s::bigint[]) AND pp.flagged_at IS NOT NULL)
              FROM j JOIN payments_payment pay ON pay.id = j.id
            """,
            [settled_ids] * 4,
        )
        one, none, many, not_paid, shop_orders_not_paid, stored, flagged = cursor.fetchone()
    return {
        "settled payments": len(settled_ids),
        "with exactly one paid journal": one,
        "with none": none,
        "with more than one": many,
        "payment not paid": not_paid,
        "shop orders not paid": shop_orders_not_paid,
        "notifications stored": stored,
        "payments flagged": flagged,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rate", type=float, default=50.0, help="notifications per second")
    parser.add_argument("--duration", type=float, default=60.0, help="seconds")
    parser.add_argument("--workers", type=int, default=4, help="gunicorn sync workers")
    parser.add_argument("--threads", type=int, default=200, help="sender threads")
    parser.add_argument("--seed", type=int, default=6)
    parser.add_argument("--json", help="write the figures here")
    args = parser.parse_args()

    load = os.getloadavg()
    print(f"load average {load[0]:.2f} {load[1]:.2f} {load[2]:.2f}, {os.cpu_count()} CPUs")
    print(f"database {settings.DATABASES['default']['NAME']}")
    rng = random.Random(args.seed)
    total = int(args.rate * args.duration)
    payments = payments_create(int(total * 0.75) + 20)
    plan = plan_make(payments, rate=args.rate, duration=args.duration, rng=rng)
    kinds = Counter(shot.kind for shot in plan.shots)
    print(f"  plan: {len(plan.shots)} notifications, {dict(kinds)}")

    port = free_port()
    base = f"http://127.0.0.1:{port}"
    url = base + reverse("payments:notification")
    server, log = gunicorn_start(args.workers, port)
    print(f"  gunicorn -w {args.workers} on {base} (log {log}); POST {url}")
    try:
        wait_ready(url, log)
        # Warm up every worker (imports, connections) with bad bodies: 400, nothing stored.
        for _ in range(args.workers * 4):
            with contextlib.suppress(urllib.error.HTTPError):
                urllib.request.urlopen(urllib.request.Request(url, data=b"[]"), timeout=5)
        start = time.perf_counter() + 0.5
        with ThreadPoolExecutor(max_workers=args.threads) as pool:
            for shot in plan.shots:
                # Hand each shot to a thread shortly before its time; the thread sleeps until it.
                ahead = start + shot.at - time.perf_counter() - 0.5
                if ahead > 0:
                    time.sleep(ahead)
                pool.submit(send, url, shot, start)
        elapsed = max(start + s.at + s.latency for s in plan.shots) - start
    finally:
        server.terminate()
        try:
            server.wait(timeout=15)
        except subprocess.TimeoutExpired:
            server.kill()
        queue_purge()

    latencies = [s.latency * 1000 for s in plan.shots if s.status]
    services = [s.service * 1000 for s in plan.shots if s.status]
    last_sent = max(s.at for s in plan.shots)
    statuses = Counter(s.status for s in plan.shots)
    errors = [s for s in plan.shots if s.status != 200]
    outcomes = Counter((s.kind, s.outcome.split(" (")[0][:40]) for s in plan.shots)
    figures: dict[str, Any] = {
        "sent": len(plan.shots),
        "schedule_s": round(last_sent, 2),
        "achieved_rate": round(len(plan.shots) / elapsed, 1),
        "answered_rate": round(len(latencies) / elapsed, 1),
        "latency_ms": {
            p: round(percentile(latencies, q), 1)
            for p, q in (("p50", 50), ("p95", 95), ("p99", 99), ("max", 100))
        },
        "service_ms": {
            p: round(percentile(services, q), 1)
            for p, q in (("p50", 50), ("p95", 95), ("p99", 99), ("max", 100))
        },
        "http": {str(k): v for k, v in sorted(statuses.items())},
        "errors": len(errors),
        "kinds": dict(kinds),
        # CPU seconds: this load generator, and gunicorn (master and workers, waited for).
        "cpu_s": {
            "load_generator": round(_cpu(resource.RUSAGE_SELF), 1),
            "gunicorn": round(_cpu(resource.RUSAGE_CHILDREN), 1),
        },
        "load_before": [round(x, 2) for x in load],
        "load_after": [round(x, 2) for x in os.getloadavg()],
    }
    print(f"\n{figures['sent']} sent over {elapsed:.1f} s: {figures['achieved_rate']}/s answered")
    print(f"  latency from schedule (ms): {figures['latency_ms']}")
    print(f"  latency from send (ms):     {figures['service_ms']}")
    print(f"  HTTP statuses: {figures['http']}; errors {len(errors)}")
    cpu = figures["cpu_s"]
    print(
        f"  CPU: gunicorn {cpu['gunicorn']} s ({cpu['gunicorn'] * 1000 / len(plan.shots):.0f} ms "
        f"per notification), load generator {cpu['load_generator']} s"
    )
    for shot in errors[:5]:
        print(f"    {shot.kind} {shot.status} {shot.error[:120]}")
    print("  outcomes:")
    for (kind, outcome), n in sorted(outcomes.items()):
        print(f"    {kind:13} {outcome:40} {n}")
    checked = check(payments, plan)
    figures["check"] = checked
    print("  check: " + ", ".join(f"{k} {v}" for k, v in checked.items()))
    print(f"  load average after {figures['load_after']}")
    target_met = figures["latency_ms"]["p99"] < 1000 and not errors
    ok = checked["with exactly one paid journal"] == checked["settled payments"]
    print(f"  p99 < 1 s and no error: {'yes' if target_met else 'NO'}; one journal each: {ok}")
    if args.json:
        Path(args.json).write_text(json.dumps(figures, indent=2))
    now = timezone.now()
    print(f"  finished {now:%Y-%m-%d %H:%M} UTC")


if __name__ == "__main__":
    main()
