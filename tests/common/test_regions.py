import csv
from pathlib import Path

import pytest

from komeji.common.models import Region

pytestmark = pytest.mark.django_db

CSV = Path(__file__).resolve().parents[2] / "komeji" / "common" / "data" / "regions_jatim.csv"


def test_38_regions_with_unique_codes():
    codes = list(Region.objects.values_list("code", flat=True))
    assert len(codes) == 38
    assert len(set(codes)) == 38
    assert Region.objects.filter(kind="kabupaten").count() == 29
    assert Region.objects.filter(kind="kota").count() == 9


def test_regions_match_the_project_csv():
    with CSV.open(encoding="utf-8") as handle:
        rows = {(r["code"], r["kind"], r["name"]) for r in csv.DictReader(handle)}
    assert set(Region.objects.values_list("code", "kind", "name")) == rows
    assert str(Region.objects.get(code="3578")) == "Kota Surabaya"
    assert str(Region.objects.get(code="3507")) == "Kabupaten Malang"
