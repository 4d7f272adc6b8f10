"""The shop's order pages in the seller centre through HTTP: who may see them, the list by status
with counts and deadlines, every act of the shop, the packing slip and the A6 label. Every act
changes the state and writes an event; a refused one shows the service's message and changes
nothing."""

import re
from html import unescape

import pytest
from django.conf import settings
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from orders.models import Courier, Order, ShopOrder, ShopOrderStatus
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
    """Keripik Tempe: 3 x Pedas 250 g + 1 x Original 500 g (1,25 kg) = Rp 120.000 + JNE REG
    Rp 15.000, with a note; Batik Tulis Jetis: 2 x Rp 350.000 + SiCepat Rp 12.000."""
    fill_cart(buyer, (variant(tempe, 0), 3), (variant(tempe, 1), 1), (variant(batik), 2))
    return place(buyer, address, notes={tempe.shop_id: "Tolong dibungkus rapi"})


@pytest.fixture
def part(order) -> ShopOrder:
    """The Keripik Tempe shop's part of the order, paid (a new order for the shop)."""
    t.order_mark_paid(order_id=order.pk)
    return order.shop_orders.get(shop_name="Keripik Tempe Bu Siti")


def url(name: str, part: ShopOrder, shop_id: int | None = None) -> str:
    return reverse(f"orders:{name}", args=[shop_id or part.shop_id, part.pk])


def state(shop_order: ShopOrder) -> tuple:
    shop_order.refresh_from_db()
    return (
        shop_order.status,
        shop_order.tracking_number,
        shop_order.cancel_request_declined_at,
        shop_order.events.count(),
    )


def messages_of(response) -> list[str]:
    return [str(m) for m in response.context["messages"]]


def text_of(response) -> str:
    return unescape(re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", response.content.decode())))


# --- Access -------------------------------------------------------------------------------------

PAGES = ["shop_order_detail", "shop_order_packing_slip", "shop_order_shipping_label"]
ACTS = [
    "shop_order_accept",
    "shop_order_reject",
    "shop_order_ship",
    "shop_order_tracking_update",
    "shop_order_mark_delivered",
    "shop_order_answer_cancel_request",
]


def _walk(part: ShopOrder) -> list[tuple[str, str]]:
    return [
        ("get", reverse("orders:shop_order_list", args=[part.shop_id])),
        *[("get", url(name, part)) for name in PAGES],
        *[("post", url(name, part)) for name in ACTS],
    ]


def test_anonymous_visitors_are_sent_to_log_in(client, part):
    for method, address in _walk(part):
        response = getattr(client, method)(address)
        assert response.status_code == 302, address
        assert response["Location"].startswith(reverse("account_login")), address


def test_outsiders_buyers_and_mentors_get_404_and_nothing_changes(
    client, part, outsider, buyer, mentor, other_mentor
):
    before = state(part)
    for person in (outsider, buyer, mentor, other_mentor):
        client.force_login(person)
        for method, address in _walk(part):
            response = getattr(client, method)(address, {"reject-reason": "x"})
            assert response.status_code == 404, (person, address)
    assert state(part) == before


def test_a_mentor_of_an_assisted_shop_cannot_see_its_orders(client, mentor, assisted_shop):
    """A mentor may edit the profile of a shop they drafted, never its orders."""
    client.force_login(mentor)
    assert client.get(reverse("vendors:profile", args=[assisted_shop.pk])).status_code == 200
    response = client.get(reverse("orders:shop_order_list", args=[assisted_shop.pk]))
    assert response.status_code == 404


def test_owner_and_staff_see_every_page(client, part, owner, staff):
    for person in (owner, staff):
        client.force_login(person)
        for method, address in _walk(part):
            if method == "get":
                assert client.get(address).status_code == 200, address


def test_an_order_of_another_shop_is_404_in_this_shop(client, order, owner, other_shop):
    t.order_mark_paid(order_id=order.pk)
    batik_part = order.shop_orders.get(shop=other_shop)
    client.force_login(owner)
    own_shop_id = order.shop_orders.get(shop_name="Keripik Tempe Bu Siti").shop_id
    before = state(batik_part)
    for name in PAGES:
        assert client.get(url(name, batik_part, own_shop_id)).status_code == 404
    for name in ACTS:
        assert client.post(url(name, batik_part, own_shop_id)).status_code == 404
    assert state(batik_part) == before


# --- List ---------------------------------------------------------------------------------------


def test_list_has_tabs_with_counts_and_the_deadline_of_each_row(client, part, owner, buyer):
    client.force_login(owner)
    response = client.get(reverse("orders:shop_order_list", args=[part.shop_id]))
    html = response.content.decode()

    assert 'data-tab="new" data-count="1">New orders (1)</a>' in html
    assert 'data-tab="to-ship" data-count="0">To ship (0)</a>' in html
    assert 'data-tab="unpaid" data-count="0">Not paid yet (0)</a>' in html
    assert html.count('data-testid="shop-order-row"') == 1
    assert part.order.number in html and buyer.full_name in html
    assert "Keripik Tempe Pedas · Pedas, 250 g \u00d7 3" in html and "+1 other product" in html
    assert "Rp 135.000" in html
    assert 'data-status="paid">New order</span>' in html
    assert re.search(r"Accept before \d+ \w+ \d{4}, \d\d\.\d\d WIB", html)
    assert "23 hours left" in html
    # The seller-centre menu shows the count of new orders.
    assert '<span class="nav-count" title="New orders">1</span>' in html


def test_a_pending_cancel_request_is_flagged_in_the_list(client, part, owner, buyer):
    t.shop_order_request_cancel(shop_order_id=part.pk, actor=buyer, reason="Salah alamat")
    client.force_login(owner)
    html = client.get(reverse("orders:shop_order_list", args=[part.shop_id])).content.decode()
    assert 'data-testid="cancel-request-flag"' in html


# session, user, shop, membership, tab counts, page count, rows, their lines; the header's cart,
# notifications and communities.
MAX_LIST_QUERIES = 11


def test_list_runs_the_same_queries_for_3_or_30_orders(
    client, buyer, address, tempe, owner, django_assert_max_num_queries
):
    def place_paid(n: int) -> None:
        for _ in range(n):
            fill_cart(buyer, (variant(tempe, 0), 1))
            t.order_mark_paid(order_id=place(buyer, address).pk)

    list_url = reverse("orders:shop_order_list", args=[tempe.shop_id])
    client.force_login(owner)
    place_paid(3)
    with CaptureQueriesContext(connection) as few:
        assert client.get(list_url).status_code == 200
    place_paid(27)
    with django_assert_max_num_queries(MAX_LIST_QUERIES) as many:
        html = client.get(list_url).content.decode()
    assert html.count('data-testid="shop-order-row"') == 20
    assert len(many) == len(few)


# --- Acts ---------------------------------------------------------------------------------------


def test_accept_then_refused_a_second_time(client, part, owner, staff):
    client.force_login(staff)
    response = client.post(url("shop_order_accept", part), follow=True)

    assert messages_of(response) == ["Order accepted. Pack it and ship it before the deadline."]
    part.refresh_from_db()
    assert part.status == S.PROCESSING and part.ship_by is not None
    event = part.events.get(to_status=S.PROCESSING)
    assert (event.actor_id, event.actor_role) == (staff.pk, "shop")
    assert 'data-testid="ship-form"' in response.content.decode()

    before = state(part)
    response = client.post(url("shop_order_accept", part), follow=True)
    assert messages_of(response) == [
        "This order is already “Processing”: that is no longer possible."
    ]
    assert state(part) == before


def test_reject_needs_a_reason(client, part, owner, tempe):
    client.force_login(owner)
    before = state(part)
    response = client.post(url("shop_order_reject", part), {"reject-reason": " "}, follow=True)
    assert messages_of(response) == ["Tell the buyer why you reject the order."]
    assert state(part) == before

    response = client.post(
        url("shop_order_reject", part), {"reject-reason": "Bahan habis"}, follow=True
    )
    assert messages_of(response) == ["Order rejected. The buyer gets their money back."]
    part.refresh_from_db()
    assert (part.status, part.cancel_reason, part.refund_amount) == (
        S.CANCELLED,
        "Bahan habis",
        135_000,
    )
    assert part.events.get(to_status=S.CANCELLED).reason == "Bahan habis"
    assert "Bahan habis" in response.content.decode()


def test_ship_needs_a_tracking_number_for_a_tracked_courier(client, part, owner):
    t.shop_order_accept(shop_order_id=part.pk, actor=owner)
    client.force_login(owner)
    before = state(part)

    response = client.post(url("shop_order_ship", part), {"tracking_number": ""}, follow=True)
    assert messages_of(response) == ["Enter the courier's tracking number (nomor resi)."]
    assert state(part) == before

    response = client.post(
        url("shop_order_ship", part), {"tracking_number": "jne 0123 4567"}, follow=True
    )
    assert messages_of(response) == ["Marked as shipped. The buyer has been told."]
    part.refresh_from_db()
    assert (part.status, part.tracking_number) == (S.SHIPPED, "JNE01234567")
    assert part.events.filter(to_status=S.SHIPPED, actor_role="shop").count() == 1
    assert '<strong data-testid="tracking-number">JNE01234567</strong>' in (
        response.content.decode()
    )


def test_own_delivery_ships_without_a_tracking_number(client, part, owner):
    ShopOrder.objects.filter(pk=part.pk).update(courier=Courier.OWN, courier_service="")
    t.shop_order_accept(shop_order_id=part.pk, actor=owner)
    client.force_login(owner)
    detail = client.get(url("shop_order_detail", part)).content.decode()
    assert 'data-testid="ship-form"' in detail and 'data-testid="tracking-input"' not in detail

    response = client.post(url("shop_order_ship", part), {"tracking_number": ""}, follow=True)

    assert messages_of(response) == ["Marked as shipped. The buyer has been told."]
    part.refresh_from_db()
    assert (part.status, part.tracking_number) == (S.SHIPPED, "")
    label = text_of(client.get(url("shop_order_shipping_label", part)))
    assert "Shop's own delivery" in label and "Tracking number" not in label


def test_correct_the_tracking_number_then_mark_delivered(client, part, owner):
    t.shop_order_accept(shop_order_id=part.pk, actor=owner)
    t.shop_order_ship(shop_order_id=part.pk, actor=owner, tracking_number="JNE0123")
    client.force_login(owner)

    before = state(part)
    response = client.post(
        url("shop_order_tracking_update", part), {"tracking_number": "JNE#01"}, follow=True
    )
    assert messages_of(response) == ["A tracking number has only letters and digits, at most 40."]
    assert state(part) == before

    response = client.post(
        url("shop_order_tracking_update", part), {"tracking_number": "JNE0124"}, follow=True
    )
    assert messages_of(response) == ["The tracking number is saved."]
    part.refresh_from_db()
    assert part.tracking_number == "JNE0124"
    assert part.events.get(kind="tracking_changed").reason == "JNE0123 → JNE0124"

    response = client.post(url("shop_order_mark_delivered", part), follow=True)
    assert messages_of(response) == [
        "Marked as arrived. The buyer has 2 working days to check the goods."
    ]
    part.refresh_from_db()
    assert part.status == S.DELIVERED and part.complete_after is not None
    assert part.events.filter(to_status=S.DELIVERED, actor_role="shop").count() == 1

    before = state(part)
    response = client.post(url("shop_order_tracking_update", part), {"tracking_number": "X1"})
    assert state(part) == before


def test_marking_delivered_before_shipping_is_refused(client, part, owner):
    client.force_login(owner)
    before = state(part)
    response = client.post(url("shop_order_mark_delivered", part), follow=True)
    assert messages_of(response) == ["Only an order on its way can be marked as arrived."]
    assert state(part) == before


def test_answer_a_cancel_request_decline_needs_a_reason_accept_cancels(client, part, owner, buyer):
    t.shop_order_request_cancel(shop_order_id=part.pk, actor=buyer, reason="Salah alamat")
    client.force_login(owner)
    detail = client.get(url("shop_order_detail", part)).content.decode()
    assert 'data-testid="cancel-request"' in detail and "Salah alamat" in detail

    before = state(part)
    response = client.post(
        url("shop_order_answer_cancel_request", part),
        {"answer-decision": "decline", "answer-reason": ""},
        follow=True,
    )
    assert messages_of(response) == ["Tell the buyer why the order cannot be cancelled."]
    assert state(part) == before

    response = client.post(
        url("shop_order_answer_cancel_request", part),
        {"answer-decision": "accept", "answer-reason": ""},
        follow=True,
    )
    assert messages_of(response) == ["The order is cancelled. The buyer gets their money back."]
    part.refresh_from_db()
    assert (part.status, part.cancel_reason) == (S.CANCELLED, "Salah alamat")


def test_decline_a_cancel_request_with_a_reason(client, part, owner, buyer):
    t.shop_order_request_cancel(shop_order_id=part.pk, actor=buyer, reason="Salah alamat")
    client.force_login(owner)
    response = client.post(
        url("shop_order_answer_cancel_request", part),
        {"answer-decision": "decline", "answer-reason": "Sudah dikemas"},
        follow=True,
    )
    assert messages_of(response) == ["The buyer has been told the order goes ahead."]
    part.refresh_from_db()
    assert part.status == S.PAID and part.cancel_request_declined_at is not None
    assert part.events.get(kind="cancel_declined").reason == "Sudah dikemas"
    assert 'data-testid="cancel-request"' not in response.content.decode()


def test_answering_without_a_request_is_refused(client, part, owner):
    client.force_login(owner)
    before = state(part)
    response = client.post(
        url("shop_order_answer_cancel_request", part),
        {"answer-decision": "accept"},
        follow=True,
    )
    assert messages_of(response) == ["There is no cancellation request waiting for an answer."]
    assert state(part) == before


# --- Detail, packing slip, label ----------------------------------------------------------------


def test_detail_shows_buyer_address_note_lines_and_deadline(client, part, owner, buyer, address):
    client.force_login(owner)
    response = client.get(url("shop_order_detail", part))
    html = response.content.decode()
    text = text_of(response)

    assert buyer.full_name in text and address.street in text
    assert "Klojen, Kota Malang 65119" in text
    assert '<dd data-testid="note">Tolong dibungkus rapi</dd>' in html
    assert "JNE REG" in text and "1.25 kg" in text
    assert re.search(
        r"Accept before \d+ \w+ \d{4}, \d\d\.\d\d WIB, or the order is cancelled", text
    )
    assert 'data-testid="accept"' in html and 'data-testid="reject"' in html
    assert "Order placed" in text and "Payment received" in text


def test_packing_slip_lists_the_lines_and_the_note(client, part, owner):
    client.force_login(owner)
    text = text_of(client.get(url("shop_order_packing_slip", part)))

    assert part.order.number in text
    assert "Keripik Tempe Pedas Pedas, 250 g KTP-250 3" in text
    assert "Keripik Tempe Pedas Original, 500 g KTO-500 1" in text
    assert "Note from the buyer: Tolong dibungkus rapi" in text


def test_shipping_label_has_sender_recipient_courier_weight_and_tracking(
    client, part, owner, address
):
    t.shop_order_accept(shop_order_id=part.pk, actor=owner)
    client.force_login(owner)
    before = text_of(client.get(url("shop_order_shipping_label", part)))
    assert "Tracking number" not in before

    t.shop_order_ship(shop_order_id=part.pk, actor=owner, tracking_number="JNE01234567")
    response = client.get(url("shop_order_shipping_label", part))
    text = text_of(response)

    assert "JNE REG" in text
    assert "Tracking number: JNE01234567" in text
    assert (
        f"To {address.recipient_name} +6281298765432 Jl. Kawi No. 10 Kec. Klojen "
        "Kota Malang 65119" in text
    )
    assert (
        "From Keripik Tempe Bu Siti +6281234567890 Jl. Sanan No. 8 Kec. Blimbing Kota Malang 65125"
        in text
    )
    assert f"Order number {part.order.number}" in text
    assert "Weight 1.25 kg" in text
    assert 'class="shipping-label"' in response.content.decode()


def test_the_seller_centre_menu_links_orders_everywhere(client, part, owner):
    client.force_login(owner)
    html = client.get(reverse("vendors:dashboard", args=[part.shop_id])).content.decode()
    assert reverse("orders:shop_order_list", args=[part.shop_id]) in html
    assert '<span class="nav-count" title="New orders">1</span>' in html


def test_an_unpaid_order_shows_no_address_and_prints_nothing(client, order, owner):
    unpaid = order.shop_orders.get(shop_name="Keripik Tempe Bu Siti")
    client.force_login(owner)

    page = client.get(url("shop_order_detail", unpaid)).content.decode()

    assert 'data-testid="address-hidden"' in page
    assert order.recipient_phone not in page and order.street not in page
    assert 'data-testid="label-link"' not in page
    for name in ("shop_order_packing_slip", "shop_order_shipping_label"):
        assert client.get(url(name, unpaid)).status_code == 404


def test_a_cancelled_order_prints_nothing(client, part, owner):
    t.shop_order_reject(shop_order_id=part.pk, actor=owner, reason="Bahan habis")
    client.force_login(owner)
    for name in ("shop_order_packing_slip", "shop_order_shipping_label"):
        assert client.get(url(name, part)).status_code == 404
