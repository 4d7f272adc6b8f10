"""A buyer on a 360 px phone: logs in, adds a product from its page, opens the cart, checks out
and places the order."""

import importlib

import pytest
from django.apps import apps
from playwright.sync_api import Page, expect

from marketplace.models import Variant
from orders.models import CartLine, Order
from tests.factories import PASSWORD, AddressFactory, UserFactory
from tests.marketplace.conftest import make_product, verify
from tests.orders.conftest import on_sale, ships_everywhere
from tests.vendors.conftest import shop_profile
from vendors.services import shops as shop_services

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def _fits_the_phone(page: Page) -> None:
    assert page.evaluate("document.documentElement.scrollWidth") <= 360, page.url


def test_a_buyer_adds_to_cart_checks_out_and_places_the_order(
    page: Page, live_server, settings, tmp_path, jatim_regions
):
    settings.MEDIA_ROOT = tmp_path / "media"
    importlib.import_module("marketplace.migrations.0003_category_tree").load(apps, None)
    from marketplace.models import Category

    owner = UserFactory(email="siti@contoh.id", full_name="Siti Rahayu")
    shop = verify(shop_services.shop_open(user=owner, **shop_profile()))
    ships_everywhere(shop)  # JNE REG: Rp 10.000 the first kg
    product = on_sale(make_product(shop, owner, Category.objects.get(slug="anyaman")))
    pedas = Variant.objects.get(product=product, sku="KTP-250")  # Rp 25.000, 250 g
    buyer = UserFactory(email="ani@contoh.id", full_name="Ani Wulandari")
    AddressFactory(user=buyer, is_default=True)

    page.goto(live_server.url + "/akun/login/")
    page.fill("input[name=login]", buyer.email)
    page.fill("input[name=password]", PASSWORD)
    page.locator("main form button[type=submit]").click()
    expect(page.locator("details.account-menu")).to_be_visible()

    # The product page: choose the variant and the quantity, add to the cart.
    page.goto(f"{live_server.url}/produk/{product.slug}/")
    _fits_the_phone(page)
    page.locator(f"input[name=variant][value='{pedas.pk}']").check()
    page.fill("input[name=quantity]", "2")
    page.get_by_test_id("add-to-cart").click()
    expect(page.get_by_test_id("cart-count")).to_have_text("1")

    # The cart: the line with its subtotal; on to checkout.
    page.locator("a.icon-link[href='/keranjang/']").click()
    expect(page.get_by_test_id("line-total")).to_have_text("Rp 50.000")
    expect(page.get_by_test_id("cart-total")).to_have_text("Rp 50.000")
    _fits_the_phone(page)
    page.get_by_test_id("checkout-link").click()

    # Checkout: the only courier is chosen; 500 g → 1 kg: Rp 10.000.
    expect(page.get_by_test_id("shop-shipping")).to_have_text("Rp 10.000")
    expect(page.get_by_test_id("grand-total")).to_have_text("Rp 60.000")
    expect(page.get_by_test_id("checkout-problems")).to_have_count(0)
    _fits_the_phone(page)
    page.get_by_test_id("place-order").click()

    # The order's page (its number in the URL; the page itself is another part's work).
    page.wait_for_url("**/pesanan/KMJ-*/")
    order = Order.objects.get(buyer=buyer)
    assert page.url == f"{live_server.url}/pesanan/{order.number}/"
    assert (order.goods_total, order.shipping_total, order.grand_total) == (50_000, 10_000, 60_000)
    assert not CartLine.objects.filter(cart__user=buyer).exists()
    pedas.refresh_from_db()
    assert pedas.stock_reserved == 2
