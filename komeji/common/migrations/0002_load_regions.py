"""Load the 38 kabupaten/kota of Jawa Timur from the project's CSV (idempotent by code)."""

import csv
from pathlib import Path

from django.db import migrations

CSV_PATH = Path(__file__).resolve().parent.parent / "data" / "regions_jatim.csv"


def load_regions(apps, schema_editor):
    Region = apps.get_model("common", "Region")
    with CSV_PATH.open(encoding="utf-8", newline="") as handle:
        for row in csv.DictReader(handle):
            Region.objects.update_or_create(
                code=row["code"].strip(),
                defaults={"kind": row["kind"].strip(), "name": row["name"].strip()},
            )


class Migration(migrations.Migration):
    dependencies = [("common", "0001_initial")]

    operations = [migrations.RunPython(load_regions, migrations.RunPython.noop)]
