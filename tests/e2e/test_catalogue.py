"""A seller adds a product with a photo on a 360 px phone and publishes it; a buyer finds it by
searching with a typo and opens its page."""

import importlib
import io

import pytest
from django.apps import apps
from django.utils import timezone
from PIL import Image
from playwright.sync_api import Page, expect

from tests.factories import PASSWORD, UserFactory
from tests.vendors.conftest import shop_profile
from vendors.models import Shop, ShopStatus
from vendors.services import shops as shop_services

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def _fits_the_phone(page: Page) -> None:
    assert page.evaluate("document.documentElement.scrollWidth") <= 360, page.url


@pytest.fixture
def catalogue_tree(jatim_regions):
    importlib.import_module("marketplace.migrations.0003_category_tree").load(apps, None)


def test_seller_publishes_and_a_buyer_finds_it_with_a_typo(
    page: Page, live_server, settings, tmp_path, catalogue_tree
):
    settings.MEDIA_ROOT = tmp_path / "media"
    owner = UserFactory(email="sugeng@contoh.id", full_name="Sugeng Wibowo")
    shop = shop_services.shop_open(user=owner, **shop_profile(name="Anyaman Bambu Tulungagung"))
    Shop.objects.filter(pk=shop.pk).update(
        status=ShopStatus.VERIFIED, first_verified_at=timezone.now()
    )

    page.goto(live_server.url + "/akun/login/")
    page.fill("input[name=login]", owner.email)
    page.fill("input[name=password]", PASSWORD)
    page.locator("main form button[type=submit]").click()

    page.goto(f"{live_server.url}/seller/{shop.pk}/produk/")
    page.get_by_test_id("add-product").click()
    _fits_the_phone(page)
    page.fill("input[name=name]", "Tas Anyaman Pandan Motif Batik")
    page.select_option("select[name=category]", label="Kerajinan \u203a Anyaman")
    page.fill("textarea[name=description]", "Tas anyaman pandan buatan tangan, 30 x 25 cm.")
    page.fill("input[name=variants-0-sku]", "TAS-PDN-01")
    page.fill("input[name=variants-0-price]", "85.000")
    page.fill("input[name=variants-0-weight_grams]", "400")
    page.fill("input[name=variants-0-stock_on_hand]", "12")
    photo = io.BytesIO()
    Image.new("RGB", (800, 800), (170, 140, 80)).save(photo, format="JPEG")
    page.locator("input[name=photos]").set_input_files(
        files=[{"name": "tas.jpg", "mimeType": "image/jpeg", "buffer": photo.getvalue()}]
    )
    page.locator("main form.card button[type=submit]").last.click()

    # The edit page of the new draft, with its photo; publish it.
    expect(page.get_by_test_id("product-status").first).to_have_text("Draf")
    expect(page.locator(".photo-grid img")).to_have_count(1)
    page.get_by_test_id("publish").click()
    expect(page.get_by_test_id("product-status").first).to_have_text("Aktif")

    # A buyer (signed out) searches with a typo and finds it.
    page.context.clear_cookies()
    page.goto(live_server.url + "/cari/?q=anyamn+pandan")
    _fits_the_phone(page)
    card = page.get_by_role("link", name="Tas Anyaman Pandan Motif Batik").first
    expect(card).to_be_visible()
    card.click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Tas Anyaman Pandan Motif Batik")
    expect(page.locator("main")).to_contain_text("Rp 85.000")
    _fits_the_phone(page)
