"""Benchmark the CSV product import (issue 4: "a 1,000-row file imports in under a minute").

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/komeji_bench \
    python benchmarks/import_1000.py [--products 400] [--seed 7] [--keep]

Generates a CSV of about 1,000 rows (400 products x 2-3 variants, realistic Indonesian names),
opens a throwaway verified shop (owner e-mail @bench-import.komeji.test) and runs the import
exactly as the Celery task does: marketplace.services.imports.import_job_create, then import_run
in this process (each product in its own transaction through product_create). Then it exports
the shop, raises every price and imports that (product_update for each product). For both it
prints the rows per second and the total seconds, and fails (exit 1) over 60 s or when a row is
refused.

Without --keep everything it created (shop, owner, products, the job and its file, categories it
had to add to an empty database) is deleted at the end, so it can run on the dev database; the
migrations must be applied.
"""

import argparse
import os
import random
import sys
import time
import uuid
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "komeji.settings")

import django

django.setup()

from django.db import connection  # noqa: E402
from django.utils import timezone  # noqa: E402

from komeji.accounts.models import User  # noqa: E402
from komeji.common.models import Region  # noqa: E402
from marketplace.models import Category, ImportJob, Product, Variant  # noqa: E402
from marketplace.services import imports  # noqa: E402
from vendors.models import Shop, ShopMember, ShopStatus  # noqa: E402

EMAIL_DOMAIN = "bench-import.komeji.test"
LIMIT_SECONDS = 60.0

KINDS = [
    ("Keripik", ["Tempe", "Singkong", "Pisang", "Talas", "Kentang", "Sukun", "Usus", "Bayam"]),
    ("Sambal", ["Bawang", "Roa", "Cumi", "Teri", "Bajak", "Matah", "Ijo"]),
    ("Kopi", ["Arabika Ijen", "Robusta Dampit", "Luwak Bondowoso", "Excelsa Jember"]),
    ("Batik Tulis", ["Parang", "Kawung", "Sekar Jagad", "Gajah Oling", "Truntum"]),
    ("Tas Anyaman", ["Pandan", "Mendong", "Rotan", "Eceng Gondok"]),
    ("Jamu", ["Kunyit Asam", "Beras Kencur", "Temulawak", "Sinom"]),
    ("Bandeng", ["Presto", "Asap", "Duri Lunak"]),
]
STYLES = ["Khas Malang", "Asli Sidoarjo", "Oleh-oleh Banyuwangi", "Super", "Premium", "Spesial"]
SIZES = [("100 g", 100), ("250 g", 250), ("500 g", 500), ("1 kg", 1000)]
FLAVOURS = ["Original", "Pedas", "Balado", "Keju", "Manis"]


def csv_generate(*, products: int, rng: random.Random, categories: list[str]) -> tuple[str, int]:
    rows: list[list[str]] = [list(imports.COLUMNS)]
    for n in range(products):
        kind, names = rng.choice(KINDS)
        name = f"{kind} {rng.choice(names)} {rng.choice(STYLES)} #{n + 1}"
        count = rng.choice((2, 2, 3, 3, 3))  # ≈ 2.6 variants a product
        flavours = rng.sample(FLAVOURS, count)
        size_label, grams = rng.choice(SIZES)
        for index, flavour in enumerate(flavours):
            first = index == 0
            price = rng.randrange(8_000, 250_000, 500)
            rows.append(
                [
                    "",
                    name,
                    rng.choice(categories) if first else "",
                    f"{name}: dibuat oleh UMKM Jawa Timur, tanpa pengawet." if first else "",
                    "baru" if first else "",
                    "1" if first else "",
                    "0" if first else "",
                    "",
                    f"{flavour}, {size_label}",
                    f"B{n:04d}-{index}",
                    f"Rp {price:,}".replace(",", ".") if n % 3 == 0 else str(price),
                    str(grams + 20),
                    str(rng.randint(0, 500)),
                ]
            )
    text = b"".join(imports.csv_bytes(rows)).decode("utf-8")
    return text, len(rows) - 1


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--products", type=int, default=400)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--keep", action="store_true", help="keep the shop and its products")
    args = parser.parse_args()
    rng = random.Random(args.seed)
    run = uuid.uuid4().hex[:8]

    added_categories: list[Category] = []
    leaves = [c.slug for c in imports.CategoryIndex(imports.import_categories()).leaves]
    if not leaves:
        parent = Category.objects.create(name=f"Bench {run}", slug=f"bench-{run}")
        added_categories = [
            parent,
            Category.objects.create(parent=parent, name="Camilan", slug=f"bench-{run}-camilan"),
            Category.objects.create(parent=parent, name="Kerajinan", slug=f"bench-{run}-kriya"),
        ]
        leaves = [c.slug for c in added_categories[1:]]

    owner = User.objects.create_user(
        email=f"owner-{run}@{EMAIL_DOMAIN}", password=None, full_name="Bench Import", language="en"
    )
    now = timezone.now()
    shop = Shop.objects.create(
        name=f"Toko Uji Impor {run}",
        slug=f"toko-uji-impor-{run}",
        region=Region.objects.get(code="3573"),
        street="Jl. Uji No. 1",
        kecamatan="Klojen",
        postal_code="65111",
        phone="081234567890",
        status=ShopStatus.VERIFIED,
        first_verified_at=now,
        claimed_at=now,
        created_by=owner,
    )
    ShopMember.objects.create(shop=shop, user=owner, role=ShopMember.Role.OWNER)
    text, row_count = csv_generate(products=args.products, rng=rng, categories=leaves)
    print(
        f"database {connection.settings_dict['NAME']}: {row_count} rows, {args.products} "
        f"products, {len(text.encode()) / 1024:.0f} KiB"
    )
    jobs: list[ImportJob] = []

    def timed_import(label: str, data: str, expect: str) -> bool:
        started = time.perf_counter()
        job = imports.import_job_create(
            shop_id=shop.pk, actor=owner, filename="bench.csv", data=data.encode()
        )
        jobs.append(job)
        imports.import_run(job_id=job.pk)
        seconds = time.perf_counter() - started
        job.refresh_from_db()
        counts = {"created": job.created_count, "updated": job.updated_count}
        print(
            f"{label}: {job.status}, {job.processed_rows}/{job.total_rows} rows, "
            f"{job.created_count} created, {job.updated_count} updated, "
            f"{job.refused_count} refused; {seconds:.1f} s total, "
            f"{job.total_rows / seconds:.0f} rows/s {job.error}"
        )
        ok = (
            job.status == ImportJob.Status.DONE
            and counts[expect] == row_count
            and seconds < LIMIT_SECONDS
        )
        if not ok:
            print("FAILED", [e for e in job.report if e["outcome"] == "refused"][:5])
        return ok

    try:
        ok = timed_import("create", text, "created")
        # The same products again from their export, every price changed: product_update.
        exported = list(imports.products_export_rows(shop_id=shop.pk))
        price = imports.COLUMNS.index("harga")
        for row in exported[1:]:
            row[price] = str(int(row[price]) + 500)
        ok = (
            timed_import("update", b"".join(imports.csv_bytes(exported)).decode(), "updated") and ok
        )
        return 0 if ok else 1
    finally:
        if not args.keep:
            for job in jobs:
                job.file.delete(save=False)
                job.delete()
            Variant.objects.filter(shop=shop).delete()
            Product.objects.filter(shop=shop).delete()
            ShopMember.objects.filter(shop=shop).delete()
            shop.delete()
            owner.delete()
            for category in reversed(added_categories):
                category.delete()


if __name__ == "__main__":
    sys.exit(main())
