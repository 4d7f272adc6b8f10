"""On a 360 px phone: a buyer checks out a cart from two shops, pays on the sandbox payment page
(whose notification travels over HTTP, from a real Celery worker, to the notification endpoint),
and both shops see a paid order.

Assertions use data-testid and data-status attributes, not words (the pages speak Indonesian)."""

import pytest
from playwright.sync_api import Page, expect

from orders.models import Order, ShopOrderStatus
from payments.models import Payment, PaymentStatus
from tests.factories import PASSWORD
from tests.orders.conftest import *  # noqa: F403 (buyer, address, tempe, batik, owner, …)
from tests.orders.conftest import fill_cart, variant
from vendors.models import ShopMember

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def _fits_the_phone(page: Page) -> None:
    assert page.evaluate("document.documentElement.scrollWidth") <= 360, page.url


def _log_in(page: Page, live_server, email: str) -> None:  # type: ignore[no-untyped-def]
    page.context.clear_cookies()
    page.goto(live_server.url + "/akun/login/")
    page.fill("input[name=login]", email)
    page.fill("input[name=password]", PASSWORD)
    page.locator("main form button[type=submit]").click()
    page.wait_for_url(lambda url: "/akun/login/" not in url)


def test_a_buyer_pays_two_shops_on_the_sandbox_page_and_both_see_it_paid(
    page: Page,
    live_server,
    settings,
    celery_worker,
    jatim_regions,
    buyer,
    address,
    tempe,
    batik,
    owner,
):
    # The sandbox's task posts its notification to this very server.
    settings.KOMEJI_BASE_URL = live_server.url
    settings.KOMEJI_PAYMENT_PROVIDERS = ["sandbox"]
    fill_cart(buyer, (variant(tempe, 0), 2), (variant(batik), 1))

    # Checkout: two shops, the cheapest courier of each; place the order.
    _log_in(page, live_server, buyer.email)
    page.goto(f"{live_server.url}/checkout/")
    expect(page.get_by_test_id("checkout-problems")).to_have_count(0)
    _fits_the_phone(page)
    page.get_by_test_id("place-order").click()
    page.wait_for_url("**/pesanan/KMJ-*/")
    order = Order.objects.get(buyer=buyer)
    # Tempe 2 x Rp 25.000 + JNE Rp 10.000; batik Rp 350.000 + SiCepat Rp 12.000.
    assert order.grand_total == 422_000
    assert order.payment_method == "sandbox"

    # The order page: pay with the sandbox's virtual account (the first choice).
    expect(page.get_by_test_id("pay")).to_be_visible()
    _fits_the_phone(page)
    page.get_by_test_id("pay").click()
    page.wait_for_url(f"**/pembayaran/sandbox/{order.number}-1/")
    expect(page.get_by_test_id("sandbox-amount")).to_have_text("Rp 422.000")
    expect(page.get_by_test_id("va-number")).to_be_visible()
    _fits_the_phone(page)
    page.get_by_test_id("sandbox-pay").click()

    # Waiting for the gateway, then paid (the page refreshes itself).
    expect(page.get_by_test_id("sandbox-payment")).to_have_attribute(
        "data-status", PaymentStatus.PAID, timeout=20_000
    )
    page.get_by_test_id("back-to-order").click()
    page.wait_for_url(f"**/pesanan/{order.number}/")
    expect(page.get_by_test_id("shop-order")).to_have_count(2)
    for i in range(2):
        expect(page.get_by_test_id("shop-order").nth(i)).to_have_attribute(
            "data-status", ShopOrderStatus.PAID
        )
    expect(page.get_by_test_id("pay")).to_have_count(0)
    payment = Payment.objects.get(order=order)
    assert (payment.status, payment.amount) == (PaymentStatus.PAID, 422_000)

    # Each shop sees the paid order among its new orders.
    batik_owner = ShopMember.objects.get(shop=batik.shop, role="owner").user
    for seller, shop_id in ((owner, tempe.shop_id), (batik_owner, batik.shop_id)):
        _log_in(page, live_server, seller.email)
        page.goto(f"{live_server.url}/seller/{shop_id}/pesanan/")
        _fits_the_phone(page)
        expect(page.locator('[data-tab="new"]')).to_have_attribute("data-count", "1")
        row = page.get_by_test_id("shop-order-row").filter(has_text=order.number)
        expect(row).to_have_count(1)
        row.get_by_test_id("shop-order-link").click()
        expect(page.get_by_test_id("status-chip")).to_have_attribute(
            "data-status", ShopOrderStatus.PAID
        )
