"""The buyer's order pages through HTTP: who may see them, the list by status, the detail with its
timeline and acts, the invoice. Every act changes the state and writes an event; a refused one
shows the service's message and changes nothing."""

import datetime as dt
import re

import pytest
from django.conf import settings
from django.urls import reverse
from django.utils import timezone

from orders.models import Order, OrderEvent, ShopOrder, ShopOrderStatus
from orders.services import transitions as t
from tests.orders.conftest import fill_cart, place, variant

S = ShopOrderStatus
pytestmark = pytest.mark.django_db


@pytest.fixture
def client(client):
    """English pages, for exact assertions (the msgids; Indonesian is the translation)."""
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


@pytest.fixture
def order(buyer, address, tempe, batik) -> Order:
    """Keripik Tempe: 3 x Pedas 250 g + 1 x Original 500 g = Rp 120.000, JNE REG Rp 15.000;
    Batik: 2 x Rp 350.000 = Rp 700.000, SiCepat Rp 12.000. Grand total Rp 847.000."""
    fill_cart(buyer, (variant(tempe, 0), 3), (variant(tempe, 1), 1), (variant(batik), 2))
    return place(buyer, address)


def tempe_part(order: Order) -> ShopOrder:
    return order.shop_orders.get(shop_name="Keripik Tempe Bu Siti")


def state(shop_order: ShopOrder) -> tuple:
    shop_order.refresh_from_db()
    return (
        shop_order.status,
        shop_order.tracking_number,
        shop_order.cancel_requested_at,
        shop_order.complete_after,
        shop_order.events.count(),
    )


def messages_of(response) -> list[str]:
    return [str(m) for m in response.context["messages"]]


def follow_post(client, url, data=None):
    return client.post(url, data or {}, follow=True)


# --- Access -------------------------------------------------------------------------------------


def _urls(order: Order) -> list[tuple[str, str]]:
    number = order.number
    part = tempe_part(order).pk
    return [
        ("get", reverse("orders:order_detail", args=[number])),
        ("get", reverse("orders:order_invoice", args=[number])),
        ("post", reverse("payments:pay_start", args=[number])),
        ("post", reverse("orders:order_cancel", args=[number])),
        ("post", reverse("orders:shop_order_confirm_received", args=[number, part])),
        ("post", reverse("orders:shop_order_extend_window", args=[number, part])),
        ("post", reverse("orders:shop_order_request_cancel", args=[number, part])),
    ]


def test_anonymous_visitors_are_sent_to_log_in(client, order):
    for method, url in [("get", reverse("orders:order_list")), *_urls(order)]:
        response = getattr(client, method)(url)
        assert response.status_code == 302, url
        assert response["Location"].startswith(reverse("account_login")), url


def test_another_person_gets_404_and_nothing_changes(client, order, outsider, owner, settings):
    part = tempe_part(order)
    before = state(part)
    for person in (outsider, owner):  # the shop's owner is not the buyer either
        client.force_login(person)
        for method, url in _urls(order):
            assert getattr(client, method)(url, {"reason": "x"}).status_code == 404, url
        listing = client.get(reverse("orders:order_list"))
        assert order.number not in listing.content.decode()
    assert state(part) == before
    assert Order.objects.get(pk=order.pk).paid_at is None


def test_a_shop_order_of_another_order_is_404(client, buyer, address, order, tempe):
    fill_cart(buyer, (variant(tempe, 0), 1))
    second = place(buyer, address)
    client.force_login(buyer)
    url = reverse(
        "orders:shop_order_request_cancel", args=[order.number, second.shop_orders.get().pk]
    )
    assert client.post(url, {"reason": "x"}).status_code == 404


def test_the_buyer_sees_the_pages(client, buyer, order):
    client.force_login(buyer)
    for url in (
        reverse("orders:order_list"),
        reverse("orders:order_detail", args=[order.number]),
        reverse("orders:order_invoice", args=[order.number]),
    ):
        assert client.get(url).status_code == 200, url


# --- List ---------------------------------------------------------------------------------------


def test_list_has_a_card_per_shop_order_and_tabs_with_counts(client, buyer, order, owner):
    t.order_mark_paid(order_id=order.pk)
    t.shop_order_accept(shop_order_id=tempe_part(order).pk, actor=owner)
    client.force_login(buyer)

    html = client.get(reverse("orders:order_list")).content.decode()

    assert html.count('data-testid="order-card"') == 2
    assert "Keripik Tempe Bu Siti" in html and "Batik Tulis Jetis" in html
    assert "Rp 135.000" in html  # 120.000 + 15.000
    assert "Rp 712.000" in html  # 700.000 + 12.000
    assert 'data-tab="all">All (2)</a>' in html
    assert 'data-tab="processing">Processing (2)</a>' in html
    assert 'data-tab="unpaid">Awaiting payment (0)</a>' in html
    assert 'data-status="processing">Processing</span>' in html
    assert 'data-status="paid">Paid</span>' in html

    shipped = client.get(reverse("orders:order_list") + "?status=shipped").content.decode()
    assert 'data-testid="order-card"' not in shipped
    assert "No orders here yet." in shipped


# session, user, tab counts, page count, rows, their lines; the header's cart, notifications and
# communities.
MAX_LIST_QUERIES = 9


def test_list_runs_the_same_queries_for_3_or_30_orders(
    client, buyer, address, tempe, django_assert_max_num_queries
):
    def place_orders(n: int) -> None:
        for _ in range(n):
            fill_cart(buyer, (variant(tempe, 0), 1))
            place(buyer, address)

    def count() -> int:
        from django.db import connection
        from django.test.utils import CaptureQueriesContext

        with CaptureQueriesContext(connection) as queries:
            assert client.get(reverse("orders:order_list")).status_code == 200
        return len(queries)

    client.force_login(buyer)
    place_orders(3)
    few = count()
    place_orders(27)
    assert few <= MAX_LIST_QUERIES
    with django_assert_max_num_queries(MAX_LIST_QUERIES):
        html = client.get(reverse("orders:order_list")).content.decode()
    assert html.count('data-testid="order-card"') == 20  # a page
    assert count() == few


# --- Detail -------------------------------------------------------------------------------------


def test_detail_shows_address_payment_due_lines_and_timeline(
    client, buyer, order, address, settings
):
    client.force_login(buyer)
    html = client.get(reverse("orders:order_detail", args=[order.number])).content.decode()

    due = timezone.localtime(order.payment_due_at)
    assert f"Pay before {due.day} {due:%b %Y, %H.%M} WIB" in html
    assert 'data-testid="countdown" data-countdown=' in html
    assert address.street in html and address.recipient_name in html
    assert "Rp 847.000" in html
    assert "Keripik Tempe Pedas" in html and "Pedas, 250 g" in html
    assert html.count('data-status="awaiting_payment">Awaiting payment</span>') == 2
    # The timeline: placed, by the buyer.
    assert "Order placed" in html and "Buyer ·" in html
    # The pay form: the enabled gateways' methods (the sandbox's by default).
    assert f'action="{reverse("payments:pay_start", args=[order.number])}"' in html
    assert re.findall(r'name="choice" value="([^"]*)"', html) == [
        "sandbox:va",
        "sandbox:qris",
        "sandbox:ewallet",
    ]
    assert 'data-testid="pay"' in html


def test_detail_shows_tracking_number_and_events_after_shipping(client, buyer, order, owner):
    t.order_mark_paid(order_id=order.pk)
    part = tempe_part(order)
    t.shop_order_accept(shop_order_id=part.pk, actor=owner)
    t.shop_order_ship(shop_order_id=part.pk, actor=owner, tracking_number="jne 0123 4567")
    client.force_login(buyer)

    html = client.get(reverse("orders:order_detail", args=[order.number])).content.decode()

    assert '<strong data-testid="tracking-number">JNE01234567</strong>' in html
    assert 'data-status="shipped">Shipped</span>' in html
    for text in ("Payment received", "The shop accepted the order", "Shipped", "Shop ·"):
        assert text in html
    assert 'data-testid="confirm-received"' in html
    assert 'data-testid="cancel-order"' not in html  # paid: no more "Cancel order"


# --- Acts ---------------------------------------------------------------------------------------


def test_buyer_cancels_an_unpaid_order(client, buyer, order, tempe):
    client.force_login(buyer)

    response = follow_post(
        client, reverse("orders:order_cancel", args=[order.number]), {"reason": "Salah pilih"}
    )

    assert messages_of(response) == ["The order is cancelled."]
    assert set(order.shop_orders.values_list("status", flat=True)) == {S.CANCELLED}
    event = OrderEvent.objects.filter(shop_order=tempe_part(order), to_status=S.CANCELLED).get()
    assert (event.actor_role, event.reason) == ("buyer", "Salah pilih")
    variant(tempe, 0).refresh_from_db()
    assert variant(tempe, 0).stock_reserved == 0


def test_cancelling_a_paid_order_is_refused_and_changes_nothing(client, buyer, order):
    t.order_mark_paid(order_id=order.pk)
    client.force_login(buyer)
    before = state(tempe_part(order))

    response = follow_post(client, reverse("orders:order_cancel", args=[order.number]))

    assert messages_of(response) == ["Only an order that is not paid yet can be cancelled here."]
    assert state(tempe_part(order)) == before


def test_confirm_received_completes_a_shipped_order(client, buyer, order, owner):
    t.order_mark_paid(order_id=order.pk)
    part = tempe_part(order)
    t.shop_order_accept(shop_order_id=part.pk, actor=owner)
    t.shop_order_ship(shop_order_id=part.pk, actor=owner, tracking_number="JNE1")
    client.force_login(buyer)

    response = follow_post(
        client, reverse("orders:shop_order_confirm_received", args=[order.number, part.pk])
    )

    assert messages_of(response) == ["Thank you! The order is completed."]
    part.refresh_from_db()
    assert part.status == S.COMPLETED
    assert list(part.events.filter(actor_role="buyer").values_list("to_status", flat=True)) == [
        S.AWAITING_PAYMENT,
        S.DELIVERED,
        S.COMPLETED,
    ]


def test_confirm_received_before_shipping_is_refused(client, buyer, order, owner):
    t.order_mark_paid(order_id=order.pk)
    part = tempe_part(order)
    t.shop_order_accept(shop_order_id=part.pk, actor=owner)
    client.force_login(buyer)
    before = state(part)

    response = follow_post(
        client, reverse("orders:shop_order_confirm_received", args=[order.number, part.pk])
    )

    assert messages_of(response) == ["You can confirm receipt once the order has been shipped."]
    assert state(part) == before


def test_extend_the_complaint_window_once(client, buyer, order, owner):
    t.order_mark_paid(order_id=order.pk)
    part = tempe_part(order)
    t.shop_order_accept(shop_order_id=part.pk, actor=owner)
    t.shop_order_ship(shop_order_id=part.pk, actor=owner, tracking_number="JNE1")
    t.shop_order_mark_delivered(shop_order_id=part.pk, actor=owner)
    part.refresh_from_db()
    window = part.complete_after
    client.force_login(buyer)
    url = reverse("orders:shop_order_extend_window", args=[order.number, part.pk])
    detail = client.get(reverse("orders:order_detail", args=[order.number])).content.decode()
    assert 'data-testid="extend-window"' in detail
    assert "Check the goods: the order completes on" in detail

    follow_post(client, url)
    part.refresh_from_db()
    assert part.complete_after == window + dt.timedelta(days=3)
    assert part.events.filter(kind="window_extended").count() == 1

    before = state(part)
    response = follow_post(client, url)
    assert messages_of(response) == [
        "The time to check the goods can be extended once, before it ends."
    ]
    assert state(part) == before


def test_ask_to_cancel_with_a_reason(client, buyer, order):
    t.order_mark_paid(order_id=order.pk)
    part = tempe_part(order)
    client.force_login(buyer)
    url = reverse("orders:shop_order_request_cancel", args=[order.number, part.pk])

    before = state(part)
    response = follow_post(client, url, {"reason": "   "})
    assert messages_of(response) == ["Tell the shop why you want to cancel."]
    assert state(part) == before

    response = follow_post(client, url, {"reason": "Salah alamat"})
    assert messages_of(response) == [
        "Your request is sent. The shop answers it before shipping the order."
    ]
    part.refresh_from_db()
    assert part.cancel_request_reason == "Salah alamat" and part.status == S.PAID
    assert part.events.get(kind="cancel_requested").reason == "Salah alamat"
    html = response.content.decode()
    assert 'data-testid="cancel-request-pending"' in html
    assert "The buyer asked to cancel" in html

    before = state(part)
    response = follow_post(client, url, {"reason": "lagi"})
    assert messages_of(response) == [
        "A cancellation can be asked once, before the order is shipped."
    ]
    assert state(part) == before


# --- Invoice ------------------------------------------------------------------------------------


def test_invoice_lists_every_line_with_the_totals(client, buyer, order):
    t.order_mark_paid(order_id=order.pk)
    client.force_login(buyer)

    html = client.get(reverse("orders:order_invoice", args=[order.number])).content.decode()
    text = re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))

    assert order.number in text
    assert buyer.full_name in text and buyer.email in text
    assert "Keripik Tempe Pedas · Pedas, 250 g KTP-250 3 Rp 25.000 Rp 75.000" in text
    assert "Keripik Tempe Pedas · Original, 500 g KTO-500 1 Rp 45.000 Rp 45.000" in text
    assert "Batik Tulis Jetis Sidoarjo BTJ-01 2 Rp 350.000 Rp 700.000" in text
    assert "Shipping cost (JNE REG) Rp 15.000" in text
    assert "Shipping cost (SiCepat REG) Rp 12.000" in text
    assert "Goods Rp 820.000" in text
    assert "Shipping cost Rp 27.000" in text
    assert "Grand total Rp 847.000" in text
    paid = timezone.localtime(Order.objects.get(pk=order.pk).paid_at)
    assert f"Paid on {paid.day} {paid:%b %Y, %H.%M} WIB" in text


def test_invoice_of_an_unpaid_order_says_so(client, buyer, order):
    client.force_login(buyer)
    html = client.get(reverse("orders:order_invoice", args=[order.number])).content.decode()
    assert "Not paid yet: pay before" in html


def test_the_account_menu_links_to_my_orders(client, buyer):
    client.force_login(buyer)
    html = client.get(reverse("home")).content.decode()
    assert f'href="{reverse("orders:order_list")}" data-testid="menu-orders"' in html
