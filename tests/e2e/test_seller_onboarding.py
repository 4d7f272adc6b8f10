"""A UMKM owner on a 360 px phone: signs in, opens a shop, uploads the KTP, sees the checklist."""

import io

import pytest
from playwright.sync_api import Page, expect

from tests.factories import PASSWORD, UserFactory
from vendors.models import Shop, ShopStatus

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def _fits_the_phone(page: Page) -> None:
    assert page.evaluate("document.documentElement.scrollWidth") <= 360, page.url


def test_owner_opens_a_shop_and_uploads_the_ktp_on_a_phone(
    page: Page, live_server, settings, tmp_path, jatim_regions
):
    settings.STORAGES = {
        **settings.STORAGES,
        "documents": {
            "BACKEND": "vendors.documents.PrivateFileSystemStorage",
            "OPTIONS": {"location": str(tmp_path / "documents")},
        },
    }
    owner = UserFactory(email="siti@contoh.id", full_name="Siti Rahayu")

    page.goto(live_server.url + "/akun/login/")
    page.fill("input[name=login]", owner.email)
    page.fill("input[name=password]", PASSWORD)
    page.locator("main form button[type=submit]").click()

    page.goto(live_server.url + "/seller/")
    page.get_by_test_id("open-shop").click()
    _fits_the_phone(page)
    page.fill("input[name=name]", "Keripik Tempe Bu Siti")
    page.fill("textarea[name=description]", "Keripik tempe renyah khas Malang.")
    page.select_option("select[name=region]", label="Kota Malang")
    page.fill("input[name=street]", "Jl. Sanan No. 8")
    page.fill("input[name=kecamatan]", "Blimbing")
    page.fill("input[name=postal_code]", "65125")
    page.fill("input[name=phone]", "0812 3456 7890")
    page.locator("main form button[type=submit]").click()

    # The dashboard: draft, with the checklist saying what is missing.
    expect(page.get_by_test_id("shop-status").first).to_have_text("Draf")
    expect(page.get_by_test_id("checklist")).to_be_visible()
    _fits_the_phone(page)
    shop = Shop.objects.get(name="Keripik Tempe Bu Siti")
    assert shop.status == ShopStatus.DRAFT

    # The KTP photo, uploaded from the documents page.
    page.goto(live_server.url + f"/seller/{shop.pk}/dokumen/")
    _fits_the_phone(page)
    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", (320, 200), (220, 200, 150)).save(buffer, format="JPEG")
    slot = page.get_by_test_id("doc-ktp")
    slot.locator("input[type=file]").set_input_files(
        files=[{"name": "ktp.jpg", "mimeType": "image/jpeg", "buffer": buffer.getvalue()}]
    )
    slot.locator("button[type=submit]").click()
    expect(page.get_by_test_id("doc-ktp").locator(".chip-success")).to_be_visible()
    assert list(shop.documents.values_list("kind", flat=True)) == ["ktp"]

    # A disguised file is refused with a message and stores nothing.
    page.get_by_test_id("doc-selfie").locator("input[type=file]").set_input_files(
        files=[{"name": "selfie.jpg", "mimeType": "image/jpeg", "buffer": b"<html>x</html>"}]
    )
    page.get_by_test_id("doc-selfie").locator("button[type=submit]").click()
    expect(page.locator(".alert-error")).to_be_visible()
    assert list(shop.documents.values_list("kind", flat=True)) == ["ktp"]
