"""On a 360 px phone: the seller opens the new orders, accepts a paid order and ships it with a
tracking number; the buyer then sees it shipped, with the tracking number.

Assertions use data-testid and data-status attributes, not words: the pages speak Indonesian
(the translations come later) and the test must not depend on them."""

import re

import pytest
from playwright.sync_api import Page, expect

from orders.models import ShopOrderStatus
from orders.services import transitions as t
from tests.factories import PASSWORD
from tests.orders.conftest import *  # noqa: F403 (buyer, address, tempe and what they need)
from tests.orders.conftest import fill_cart, place, variant

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


def test_seller_accepts_and_ships_and_the_buyer_sees_the_tracking_number(
    page: Page,
    live_server,
    jatim_regions,
    buyer,
    address,
    tempe,
    owner,
):
    fill_cart(buyer, (variant(tempe, 0), 2))
    order = place(buyer, address)
    t.order_mark_paid(order_id=order.pk)
    shop_id = tempe.shop_id

    # The seller: the new order is in the first tab, counted in the menu.
    _log_in(page, live_server, owner.email)
    page.goto(f"{live_server.url}/seller/{shop_id}/pesanan/")
    _fits_the_phone(page)
    expect(page.locator('[data-tab="new"]')).to_have_attribute("data-count", "1")
    expect(page.get_by_test_id("nav-orders").locator(".nav-count")).to_have_text("1")
    row = page.get_by_test_id("shop-order-row").filter(has_text=order.number)
    expect(row.get_by_test_id("row-deadline")).to_be_visible()
    row.get_by_test_id("shop-order-link").click()
    _fits_the_phone(page)

    page.get_by_test_id("accept").click()
    expect(page.get_by_test_id("status-chip")).to_have_attribute(
        "data-status", ShopOrderStatus.PROCESSING
    )
    expect(page.get_by_test_id("deadline")).to_be_visible()
    page.get_by_test_id("tracking-input").fill("jne 0123 4567 89")
    page.get_by_test_id("ship").click()
    expect(page.get_by_test_id("status-chip")).to_have_attribute(
        "data-status", ShopOrderStatus.SHIPPED
    )
    expect(page.get_by_test_id("tracking-number")).to_have_text("JNE0123456789")
    _fits_the_phone(page)

    # The shipping label prints on one A6 page (105 x 148 mm = 298 x 420 pt).
    page.get_by_test_id("label-link").click()
    expect(page.get_by_test_id("label-tracking")).to_have_text("JNE0123456789")
    pdf = page.pdf(prefer_css_page_size=True)
    assert len(re.findall(rb"/Type\s*/Page(?!s)", pdf)) == 1
    assert re.findall(rb"/MediaBox\s*\[0 0 (\d+)[.\d]* (\d+)", pdf) == [(b"298", b"420")]

    # The buyer: from "My orders" to the order, shipped, with the tracking number.
    _log_in(page, live_server, buyer.email)
    page.goto(live_server.url + "/pesanan/")
    _fits_the_phone(page)
    card = page.get_by_test_id("order-card").filter(has_text=order.number)
    expect(card.get_by_test_id("status-chip")).to_have_attribute(
        "data-status", ShopOrderStatus.SHIPPED
    )
    card.get_by_role("link", name=order.number).click()
    _fits_the_phone(page)
    shop_order = page.get_by_test_id("shop-order")
    expect(shop_order).to_have_attribute("data-status", ShopOrderStatus.SHIPPED)
    expect(shop_order.get_by_test_id("tracking-number")).to_have_text("JNE0123456789")
    expect(shop_order.get_by_test_id("timeline").locator("li")).to_have_count(4)
    expect(shop_order.get_by_test_id("confirm-received")).to_be_visible()
