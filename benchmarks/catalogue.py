"""Performance benchmark of the public catalogue (issue 4, "Performance").

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/komeji_bench \
    python benchmarks/catalogue.py [--only queries,search,throughput] [--duration 15] [--explain]

Run it on the data of benchmarks/generate_catalogue.py. Three measurements:

(a) SQL queries per page (home, category, search, product), each at two sets of parameters
    (page, sort, filters, product size), with the application cache empty ("cold") and filled
    ("warm"): the counts must not depend on the page's length.
(b) Search latency: server time of the search view (the whole Django request, in process, through
    django.test.Client) for ~200 realistic queries, first with the application cache empty for
    each query (cold: every query runs its SQL) and then again (warm). p50 / p95 / p99 in ms;
    target p95 < 100 ms cold. With --explain, EXPLAIN (ANALYZE, BUFFERS) of the slowest
    statements.
(c) Throughput: gunicorn (2 sync workers, DEBUG off) serving benchmarks.settings, `wrk -t2 -c16`
    against a bare Django view rendering a static template and against the category page, in the
    same run; requests/s of each and the ratio (target >= 0.5).

The application cache uses its own key prefix (komeji-bench), so clearing it leaves the other
caches of the shared Redis alone. PostgreSQL's buffers stay warm in both passes.
"""

import argparse
import json
import os
import random
import re
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

# Production-like settings: DEBUG off (it would keep every query in memory), no manifest (no
# collectstatic needed), a cache prefix of our own.
BENCH_ENV = {
    "DJANGO_SETTINGS_MODULE": "benchmarks.settings",
    "DJANGO_DEBUG": "false",
    "DJANGO_SECRET_KEY": os.environ.get(
        "BENCH_SECRET_KEY", "benchmark-only-secret-key-" + "x" * 40
    ),
    # Any Fernet key: the benchmark never stores a document.
    "KOMEJI_DOCUMENT_KEYS": "Hm3_ejmQ8y1B2x0uXkBl3Hk1i7rQx6yPZr0o4d3bA1c=",
    "DJANGO_ALLOWED_HOSTS": "127.0.0.1,localhost,testserver",
    "DJANGO_STATIC_MANIFEST": "false",
    "DJANGO_CACHE_PREFIX": "komeji-bench",
    "DJANGO_LOG_LEVEL": "ERROR",
}
os.environ.update(BENCH_ENV)

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from django.db import connection, reset_queries  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402
from django.urls import NoReverseMatch, reverse  # noqa: E402

from benchmarks.generate_catalogue import SHOP_CORE, WORDS  # noqa: E402
from marketplace.models import Certificate, Product, Variant  # noqa: E402

CACHE_PREFIX = BENCH_ENV["DJANGO_CACHE_PREFIX"]


# --- Helpers ------------------------------------------------------------------------------------


def cache_clear() -> int:
    """Delete the benchmark's own cache keys (not the shared Redis database)."""
    import redis

    client = redis.Redis.from_url(settings.CACHES["default"]["LOCATION"])
    keys = list(client.scan_iter(match=f"{CACHE_PREFIX}:*", count=1000))
    for start in range(0, len(keys), 500):
        client.delete(*keys[start : start + 500])
    return len(keys)


def percentile(values: list[float], pct: float) -> float:
    ordered = sorted(values)
    if not ordered:
        return float("nan")
    k = (len(ordered) - 1) * pct / 100
    low, high = int(k), min(int(k) + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (k - low)


def public_pages_missing() -> str:
    """Empty when the public pages answer; else what is missing."""
    try:
        reverse("marketplace:category", args=["batik"])
        reverse("marketplace:search")
        reverse("marketplace:product_detail", args=["x"])
    except NoReverseMatch as error:
        return f"public pages not there yet ({error})"
    except ImportError as error:  # a view module being written by someone else
        return f"URLs cannot be loaded ({error})"
    return ""


def sample_urls() -> dict[str, list[tuple[str, str]]]:
    """Two URLs per page kind: a light and a heavier variant (page, sort, filters, size)."""
    public = Product.objects.public()
    one_variant = (
        public.filter(category__slug="batik")
        .exclude(pk__in=Variant.objects.filter(position__gte=1).values("product_id"))
        .values_list("slug", flat=True)
        .first()
    )
    three_variants = (
        public.filter(
            pk__in=Variant.objects.filter(position=2).values("product_id"),
            category__slug="keripik-camilan",
        )
        .filter(pk__in=Certificate.objects.filter(kind="halal").values("product_id"))
        .values_list("slug", flat=True)
        .first()
    )
    category = reverse("marketplace:category", args=["makanan-minuman"])
    sub = reverse("marketplace:category", args=["keripik-camilan"])
    search = reverse("marketplace:search")
    return {
        "home": [
            ("home", "/"),
            ("home, signed out, with a tracking parameter", "/?utm_source=bench"),
        ],
        "category": [
            ("top category, page 1", category),
            (
                "sub-category, page 5, price up, region, halal",
                f"{sub}?page=5&sort=price_asc&region=3573&halal=1",
            ),
        ],
        "search": [
            ("q=keripik tempe, page 1", f"{search}?q=keripik+tempe"),
            ("q=batik, page 3, price down, BPOM off", f"{search}?q=batik&page=3&sort=price_desc"),
            ("q=xqzvw (nothing)", f"{search}?q=xqzvw"),
        ],
        "product": [
            (
                "1 variant, no certificate",
                reverse("marketplace:product_detail", args=[one_variant]),
            ),
            (
                "3 variants, P-IRT + halal",
                reverse("marketplace:product_detail", args=[three_variants]),
            ),
        ],
    }


# --- (a) Queries per page -----------------------------------------------------------------------


def measure_queries(client: Client) -> dict[str, Any]:
    print("\n(a) SQL queries per page (cold = application cache empty, warm = second request)")
    print(
        f"    {'page':<58} {'status':>6} {'cold q':>7} {'cold ms':>8} {'slowest':>8} "
        f"{'warm q':>7} {'warm ms':>8} {'bytes':>7}"
    )
    results: dict[str, Any] = {}
    for kind, urls in sample_urls().items():
        for label, url in urls:
            cache_clear()
            row: dict[str, Any] = {"url": url}
            for phase in ("cold", "warm"):
                with CaptureQueriesContext(connection) as captured:
                    start = time.perf_counter()
                    response = client.get(url)
                    elapsed = (time.perf_counter() - start) * 1000
                times = [float(q["time"]) * 1000 for q in captured.captured_queries]
                row[phase] = {
                    "queries": len(captured),
                    "ms": round(elapsed, 1),
                    "sql_ms": round(sum(times), 1),
                    "slowest_sql_ms": round(max(times, default=0), 1),
                    "slowest_sql": max(
                        captured.captured_queries, key=lambda q: float(q["time"]), default={}
                    ).get("sql", "")[:300],
                }
                row["status"] = response.status_code
                row["bytes"] = len(response.content)
            results[f"{kind}: {label}"] = row
            print(
                f"    {kind + ': ' + label:<58} {row['status']:>6} "
                f"{row['cold']['queries']:>7} {row['cold']['ms']:>8.1f} "
                f"{row['cold']['slowest_sql_ms']:>8.1f} {row['warm']['queries']:>7} "
                f"{row['warm']['ms']:>8.1f} {row['bytes']:>7}"
            )
    return results


# --- (b) Search latency -------------------------------------------------------------------------


def _typo(word: str, rng: random.Random) -> str:
    if len(word) < 5:
        return word
    i = rng.randrange(1, len(word) - 1)
    kind = rng.choice(("drop", "swap", "double", "vowel"))
    if kind == "drop":
        return word[:i] + word[i + 1 :]
    if kind == "swap":
        return word[: i - 1] + word[i] + word[i - 1] + word[i + 1 :]
    if kind == "double":
        return word[:i] + word[i] + word[i:]
    return word[:i] + rng.choice("aiueo") + word[i + 1 :]


def search_queries(seed: int = 11) -> list[str]:
    """About 200 queries: exact words, typos, prefixes, shop names, places, nonsense."""
    rng = random.Random(seed)
    nouns = sorted({noun.lower() for words in WORDS.values() for noun in words["nouns"]})
    quals = sorted({q.lower() for words in WORDS.values() for q in words["quals"]})
    queries: list[str] = []
    # Exact product words, alone and with a qualifier.
    queries += rng.sample(nouns, 45)
    queries += [f"{rng.choice(nouns)} {rng.choice(quals)}" for _ in range(20)]
    # Typos: hand-picked ones buyers really type, then generated ones.
    queries += [
        "kripik tempe",
        "keripk",
        "kripik singkong",
        "sambel bawang",
        "sambel ijo",
        "bathik tulis",
        "kopi robusra",
        "kopi arabica",
        "tas anyaman pandam",
        "jamu kunir asem",
        "gerabah dinojo",
        "apel manalagih",
        "bakpia pathok",
        "kripik pedes",
        "lulur madure",
    ]
    for _ in range(30):
        words = rng.choice(nouns).split()
        j = rng.randrange(len(words))
        words[j] = _typo(words[j], rng)
        queries.append(" ".join(words))
    # Prefixes (what a visitor has typed so far).
    stems = sorted({w for noun in nouns for w in noun.split() if len(w) >= 4})
    queries += ["bat", "kri", "samb", "kop", "tas", "jam", "ker", "tenu", "ana", "bib"]
    queries += [w[: rng.randint(3, 5)] for w in rng.sample(stems, 20)]
    # Shop names and places.
    queries += [core.lower() for core in rng.sample(SHOP_CORE, 20)]
    queries += [
        "dapur bu sri",
        "ud sumber rejeki",
        "batik sekar jagad",
        "warung cak mat",
        "jamu bu tin",
    ]
    queries += [
        "malang",
        "khas malang",
        "banyuwangi",
        "madura",
        "sumenep",
        "dampit",
        "ijen",
        "tulungagung",
        "kediri",
        "surabaya",
        "oleh oleh",
        "khas banyuwangi",
    ]
    # Nonsense and noise.
    queries += [
        "xqzvw",
        "asdfgh",
        "qwertyuiop",
        "zzzz",
        "lorem ipsum",
        "iphone 15 pro max",
        "bitcoin",
        "laptop gaming",
        "kkkkkk",
        "123456",
        "a",
        "k",
        "!!!",
        "keripik & | !",
        "sepatu nike",
        "tiket pesawat",
        "pulsa",
        "obat kuat",
        "mobil bekas",
        "rumah dijual",
    ]
    seen: set[str] = set()
    unique = []
    for query in queries:
        if query not in seen:
            seen.add(query)
            unique.append(query)
    return unique


def measure_search(client: Client, *, explain: bool) -> dict[str, Any]:
    queries = search_queries()
    url = reverse("marketplace:search")
    print(f"\n(b) Search latency, {len(queries)} queries, server time of the whole request")
    client.get(url, {"q": "warm up"})  # imports, template loading, connection
    cache_clear()
    cold: list[float] = []
    sql_ms: list[float] = []
    per_query: list[tuple[float, str, int, list[dict[str, Any]]]] = []
    for query in queries:
        with CaptureQueriesContext(connection) as captured:
            start = time.perf_counter()
            response = client.get(url, {"q": query})
            elapsed = (time.perf_counter() - start) * 1000
        assert response.status_code == 200, (query, response.status_code)
        cold.append(elapsed)
        sql_ms.append(sum(float(q["time"]) for q in captured.captured_queries) * 1000)
        per_query.append((elapsed, query, len(captured), captured.captured_queries))
    warm: list[float] = []
    for query in queries:
        start = time.perf_counter()
        client.get(url, {"q": query})
        warm.append((time.perf_counter() - start) * 1000)
    reset_queries()

    def stats(values: list[float]) -> dict[str, float]:
        return {
            "p50": round(percentile(values, 50), 1),
            "p95": round(percentile(values, 95), 1),
            "p99": round(percentile(values, 99), 1),
            "max": round(max(values), 1),
            "mean": round(statistics.fmean(values), 1),
        }

    result: dict[str, Any] = {
        "queries": len(queries),
        "cold": stats(cold),
        "warm": stats(warm),
        "cold_sql": stats(sql_ms),
    }
    for label in ("cold", "warm", "cold_sql"):
        s = result[label]
        name = {
            "cold": "cold (cache empty)",
            "warm": "warm (cached)",
            "cold_sql": "  of which SQL",
        }[label]
        print(
            f"    {name:<20} p50 {s['p50']:7.1f}  p95 {s['p95']:7.1f}  p99 {s['p99']:7.1f}  "
            f"max {s['max']:7.1f} ms"
        )
    verdict = "OK" if result["cold"]["p95"] < 100 else "OVER TARGET"
    print(f"    target p95 < 100 ms (cold): {verdict}")
    per_query.sort(reverse=True)
    print("    slowest (cold):")
    for elapsed, query, count, _ in per_query[:8]:
        print(f"      {elapsed:7.1f} ms  {count} queries  q={query!r}")
    result["slowest"] = [{"ms": round(e, 1), "q": q, "queries": c} for e, q, c, _ in per_query[:15]]
    if explain:
        print(
            "\n    EXPLAIN (ANALYZE, BUFFERS) of the slowest statement of the 3 slowest searches:"
        )
        for elapsed, query, _, statements in per_query[:3]:
            statement = max(statements, key=lambda q: float(q["time"]))
            statement_ms = float(statement["time"]) * 1000
            print(f"\n    --- q={query!r} ({elapsed:.1f} ms; statement {statement_ms:.1f} ms) ---")
            print("    " + statement["sql"])
            with connection.cursor() as cursor:
                cursor.execute("EXPLAIN (ANALYZE, BUFFERS) " + statement["sql"])
                for (line,) in cursor.fetchall():
                    print("      " + line)
    return result


# --- (c) Throughput -----------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


WRK_ROTATE = """
local paths = {%s}
local i = 0
request = function()
  i = i + 1
  return wrk.format("GET", paths[(i %% #paths) + 1])
end
"""


def wrk(url: str, *, duration: int, script: str | None = None) -> dict[str, Any]:
    command = ["wrk", "-t2", "-c16", f"-d{duration}s", "--latency"]
    if script:
        command += ["-s", script]
    output = subprocess.run([*command, url], capture_output=True, text=True, check=True).stdout
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", output).group(1))  # type: ignore[union-attr]
    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", output)
    p50 = re.search(r"50%\s+([\d.]+\w+)", output)
    p99 = re.search(r"99%\s+([\d.]+\w+)", output)
    return {
        "rps": rps,
        "non_2xx": int(errors.group(1)) if errors else 0,
        "latency_p50": p50.group(1) if p50 else "",
        "latency_p99": p99.group(1) if p99 else "",
    }


def measure_throughput(
    *, duration: int, workers: int, rounds: int, diagnostics: bool
) -> dict[str, Any]:
    if not shutil.which("wrk"):
        sys.exit("wrk is not installed: apt-get install -y wrk")
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    gunicorn = str(Path(sys.executable).with_name("gunicorn"))
    log = open(tempfile.mkstemp(prefix="bench-gunicorn-", suffix=".log")[1], "w")  # noqa: SIM115
    env = {**os.environ, **BENCH_ENV}
    print(
        f"\n(c) Throughput: gunicorn -w {workers} on {base}, wrk -t2 -c16 -d{duration}s "
        f"(log {log.name})"
    )
    server = subprocess.Popen(
        [gunicorn, "komeji.wsgi", "-w", str(workers), "--bind", f"127.0.0.1:{port}"],
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    try:
        for _ in range(100):
            try:
                with urllib.request.urlopen(f"{base}/bench/bare/", timeout=2) as response:
                    if response.status == 200:
                        break
            except OSError:
                time.sleep(0.2)
        else:
            raise SystemExit("gunicorn did not answer: see " + log.name)
        category = reverse("marketplace:category", args=["keripik-camilan"])
        with urllib.request.urlopen(base + category, timeout=10) as response:
            assert response.status == 200, response.status
        # Every sub-category, pages 1-3: more than one cached fragment.
        slugs = [slug for slug in _category_slugs()]
        rotating = [
            reverse("marketplace:category", args=[slug]) + (f"?page={page}" if page > 1 else "")
            for slug in slugs
            for page in (1, 2, 3)
        ]
        script = Path(tempfile.mkstemp(prefix="bench-", suffix=".lua")[1])
        script.write_text(WRK_ROTATE % ", ".join(json.dumps(p) for p in rotating))
        cache_clear()
        # Warm-up: workers import everything, fill connections and caches.
        wrk(f"{base}/bench/bare/", duration=3)
        wrk(base + category, duration=3)
        wrk(base + "/", duration=3, script=str(script))
        wrk(f"{base}/bench/page-cache/", duration=1)
        wrk(f"{base}/bench/page-cache-local/", duration=1)
        targets: dict[str, tuple[str, str | None]] = {
            "bare": (f"{base}/bench/bare/", None),
            "category": (base + category, None),
            "category_rotating": (base + "/", str(script)),
        }
        if diagnostics:
            targets.update(
                {
                    "base": (f"{base}/bench/base/", None),
                    "page_cache": (f"{base}/bench/page-cache/", None),
                    "page_cache_local": (f"{base}/bench/page-cache-local/", None),
                }
            )
        # Rounds alternate the URLs, so a burst of other work on the machine hits all of them.
        runs: dict[str, list[dict[str, Any]]] = {name: [] for name in targets}
        for _ in range(rounds):
            for name, (url, lua) in targets.items():
                runs[name].append(wrk(url, duration=duration, script=lua))
        results: dict[str, Any] = {
            name: {
                **done[-1],
                "rps": round(statistics.fmean(r["rps"] for r in done), 1),
                "rps_rounds": [r["rps"] for r in done],
            }
            for name, done in runs.items()
        }
    finally:
        server.terminate()
        server.wait(timeout=30)
        log.close()
    bare = results["bare"]["rps"]
    labels = (
        ("bare", "bare view (static template)"),
        ("base", "site base.html, empty content (diagnostic)"),
        ("page_cache", "category body from one Redis read (what-if)"),
        ("page_cache_local", "category body from worker memory (what-if)"),
        ("category", f"category page {category}"),
        ("category_rotating", f"category pages, {len(rotating)} URLs in turn"),
    )
    for name, label in labels:
        if name not in results:
            continue
        r = results[name]
        ratio = r["rps"] / bare if bare else 0
        print(
            f"    {label:<52} {r['rps']:8.1f} req/s  ratio {ratio:4.2f}  "
            f"p50 {r['latency_p50']:>8}  p99 {r['latency_p99']:>8}  non-2xx {r['non_2xx']}  "
            f"rounds {r['rps_rounds']}"
        )
    results["ratio"] = round(results["category"]["rps"] / bare, 3) if bare else 0
    results["ratio_rotating"] = round(results["category_rotating"]["rps"] / bare, 3) if bare else 0
    verdict = "OK" if results["ratio"] >= 0.5 else "UNDER TARGET"
    print(f"    target category / bare >= 0.5: {results['ratio']:.2f} {verdict}")
    return results


def _category_slugs() -> list[str]:
    from marketplace.models import Category

    return list(
        Category.objects.filter(is_active=True, parent__isnull=False)
        .order_by("parent__position", "position")
        .values_list("slug", flat=True)
    )


# --- Main ---------------------------------------------------------------------------------------


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--only", default="queries,search,throughput")
    parser.add_argument("--duration", type=int, default=15, help="seconds of each wrk run")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn workers")
    parser.add_argument("--rounds", type=int, default=2, help="wrk runs per URL, alternated")
    parser.add_argument(
        "--no-diagnostics",
        action="store_true",
        help="skip the base.html and page-cache what-if URLs",
    )
    parser.add_argument("--explain", action="store_true")
    parser.add_argument("--json", help="also write the figures to this file")
    parser.add_argument(
        "--wait", type=int, default=0, help="minutes to wait for the public pages to exist"
    )
    args = parser.parse_args()
    db = connection.settings_dict
    count = Product.objects.public().count()
    load = ", ".join(f"{x:.2f}" for x in os.getloadavg())
    print(
        f"Database {db['NAME']}: {count} public products; {os.cpu_count()} CPU cores; "
        f"load average {load} (other work on the machine skews every figure)"
    )
    deadline = time.monotonic() + args.wait * 60
    while missing := public_pages_missing():
        if time.monotonic() >= deadline:
            sys.exit(f"Cannot benchmark: {missing}.")
        print(f"{missing}; retrying in 60 s")
        time.sleep(60)
    client = Client()
    parts = set(args.only.split(","))
    figures: dict[str, Any] = {"public_products": count}
    if "queries" in parts:
        figures["queries"] = measure_queries(client)
    if "search" in parts:
        figures["search"] = measure_search(client, explain=args.explain)
    if "throughput" in parts:
        figures["throughput"] = measure_throughput(
            duration=args.duration,
            workers=args.workers,
            rounds=args.rounds,
            diagnostics=not args.no_diagnostics,
        )
    if args.json:
        Path(args.json).write_text(json.dumps(figures, indent=2))


if __name__ == "__main__":
    main()
