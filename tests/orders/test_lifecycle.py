"""The order life through the services: place, pay, accept, ship, deliver, complete; and every
way an order is cancelled, with its stock released exactly once."""

import datetime as dt

import pytest
from django.utils import timezone

from marketplace.models import Variant
from orders.models import Order, OrderEvent, OrderLine, ShopOrder, ShopOrderStatus, StockState
from orders.services import transitions as t
from orders.services.errors import OrderNotFound, OrderRefused
from orders.services.timers import orders_run_timers
from tests.orders.conftest import fill_cart, place, variant

S = ShopOrderStatus
pytestmark = pytest.mark.django_db


def stock(v: Variant) -> tuple[int, int]:
    v.refresh_from_db()
    return v.stock_on_hand, v.stock_reserved


@pytest.fixture
def order(buyer, address, tempe, batik) -> Order:
    fill_cart(buyer, (variant(tempe, 0), 3), (variant(tempe, 1), 1), (variant(batik), 2))
    return place(buyer, address)


def test_placing_splits_per_shop_snapshots_lines_and_reserves(order, tempe, batik, buyer):
    shop_orders = {so.shop_name: so for so in order.shop_orders.all()}
    assert set(shop_orders) == {"Keripik Tempe Bu Siti", "Batik Tulis Jetis"}
    tempe_order = shop_orders["Keripik Tempe Bu Siti"]
    # 3 x 25.000 + 45.000; 3 x 250 g + 500 g = 1.25 kg → 2 kg: 10.000 + 5.000
    assert tempe_order.goods_total == 120_000
    assert tempe_order.weight_grams == 1_250
    assert tempe_order.shipping_fee == 15_000
    batik_order = shop_orders["Batik Tulis Jetis"]
    assert (batik_order.goods_total, batik_order.shipping_fee) == (700_000, 12_000)
    assert (order.goods_total, order.shipping_total, order.grand_total) == (
        820_000,
        27_000,
        847_000,
    )
    line = OrderLine.objects.get(shop_order=tempe_order, sku="KTP-250")
    assert (line.unit_price, line.quantity, line.line_total, line.weight_grams) == (
        25_000,
        3,
        75_000,
        250,
    )
    assert line.commission_bp == tempe.category.commission_bp
    assert stock(variant(tempe, 0)) == (40, 3)
    assert stock(variant(batik)) == (5, 2)
    assert not buyer.cart.lines.exists()
    assert all(so.status == S.AWAITING_PAYMENT for so in order.shop_orders.all())


def test_catalogue_edits_never_change_an_order(order, tempe):
    Variant.objects.filter(pk=variant(tempe, 0).pk).update(price=99_000, name="Baru")
    line = OrderLine.objects.get(sku="KTP-250")
    assert (line.unit_price, line.variant_name) == (25_000, "Pedas, 250 g")


def test_the_whole_life(order, owner, buyer, tempe):
    shop_order = order.shop_orders.get(shop_name="Keripik Tempe Bu Siti")
    assert t.order_mark_paid(order_id=order.pk, source="test") != []
    assert t.order_mark_paid(order_id=order.pk, source="test") == []  # idempotent
    shop_order.refresh_from_db()
    assert shop_order.status == S.PAID and shop_order.accept_by is not None

    t.shop_order_accept(shop_order_id=shop_order.pk, actor=owner)
    shop_order.refresh_from_db()
    assert shop_order.status == S.PROCESSING and shop_order.ship_by > timezone.now()
    assert shop_order.accept_by is None

    with pytest.raises(OrderRefused):
        t.shop_order_ship(shop_order_id=shop_order.pk, actor=owner, tracking_number=" ")
    t.shop_order_ship(shop_order_id=shop_order.pk, actor=owner, tracking_number="jne 0123 4567")
    shop_order.refresh_from_db()
    assert shop_order.tracking_number == "JNE01234567"
    assert shop_order.stock_state == StockState.CONSUMED
    assert stock(variant(tempe, 0)) == (37, 0)

    t.shop_order_mark_delivered(shop_order_id=shop_order.pk, actor=owner)
    shop_order.refresh_from_db()
    assert shop_order.status == S.DELIVERED and shop_order.complete_after is not None

    before = shop_order.complete_after
    t.shop_order_extend_window(shop_order_id=shop_order.pk, actor=buyer)
    shop_order.refresh_from_db()
    assert shop_order.complete_after == before + dt.timedelta(days=3)
    with pytest.raises(OrderRefused):
        t.shop_order_extend_window(shop_order_id=shop_order.pk, actor=buyer)

    t.shop_order_confirm_received(shop_order_id=shop_order.pk, actor=buyer)
    shop_order.refresh_from_db()
    assert shop_order.status == S.COMPLETED
    kinds = list(shop_order.events.values_list("kind", "to_status", "actor_role"))
    assert kinds == [
        ("status", "awaiting_payment", "buyer"),
        ("status", "paid", "system"),
        ("status", "processing", "shop"),
        ("status", "shipped", "shop"),
        ("status", "delivered", "shop"),
        ("window_extended", "", "buyer"),
        ("status", "completed", "buyer"),
    ]


def test_others_cannot_act_and_nothing_changes(order, buyer, owner, outsider):
    t.order_mark_paid(order_id=order.pk)
    shop_order = order.shop_orders.get(shop_name="Keripik Tempe Bu Siti")
    for act in (
        lambda: t.shop_order_accept(shop_order_id=shop_order.pk, actor=outsider),
        lambda: t.shop_order_accept(shop_order_id=shop_order.pk, actor=buyer),
        lambda: t.shop_order_request_cancel(shop_order_id=shop_order.pk, actor=owner, reason="x"),
        lambda: t.order_cancel(order_id=order.pk, actor=outsider),
    ):
        with pytest.raises(OrderNotFound):
            act()
    shop_order.refresh_from_db()
    assert shop_order.status == S.PAID
    assert shop_order.events.count() == 2


def test_buyer_cancels_unpaid_order_and_stock_comes_back(order, buyer, tempe, batik):
    t.order_cancel(order_id=order.pk, actor=buyer)
    assert set(order.shop_orders.values_list("status", "stock_state")) == {
        (S.CANCELLED, StockState.RELEASED)
    }
    assert stock(variant(tempe, 0)) == (40, 0)
    assert stock(variant(batik)) == (5, 0)
    with pytest.raises(OrderRefused):
        t.order_cancel(order_id=order.pk, actor=buyer)
    assert stock(variant(tempe, 0)) == (40, 0)


def test_shop_rejects_paid_order_with_reason_and_refund_is_due(order, owner, tempe):
    t.order_mark_paid(order_id=order.pk)
    shop_order = order.shop_orders.get(shop_name="Keripik Tempe Bu Siti")
    with pytest.raises(OrderRefused):
        t.shop_order_reject(shop_order_id=shop_order.pk, actor=owner, reason="  ")
    t.shop_order_reject(shop_order_id=shop_order.pk, actor=owner, reason="Bahan habis")
    shop_order.refresh_from_db()
    assert shop_order.status == S.CANCELLED
    assert shop_order.refund_amount == 135_000
    assert shop_order.cancel_reason == "Bahan habis"
    assert stock(variant(tempe, 0)) == (40, 0)
    # The other shop's part of the order goes on.
    assert order.shop_orders.get(shop_name="Batik Tulis Jetis").status == S.PAID


def test_cancel_request_accepted_by_shop(order, owner, buyer, tempe):
    t.order_mark_paid(order_id=order.pk)
    shop_order = order.shop_orders.get(shop_name="Keripik Tempe Bu Siti")
    t.shop_order_accept(shop_order_id=shop_order.pk, actor=owner)
    t.shop_order_request_cancel(shop_order_id=shop_order.pk, actor=buyer, reason="Salah alamat")
    with pytest.raises(OrderRefused):
        t.shop_order_request_cancel(shop_order_id=shop_order.pk, actor=buyer, reason="lagi")
    t.shop_order_answer_cancel_request(shop_order_id=shop_order.pk, actor=owner, accept=True)
    shop_order.refresh_from_db()
    assert (shop_order.status, shop_order.cancel_reason) == (S.CANCELLED, "Salah alamat")
    assert stock(variant(tempe, 0)) == (40, 0)


def test_timers_expire_cancel_deliver_and_complete(order, owner, buyer, tempe, batik):
    past = timezone.now() - dt.timedelta(minutes=1)
    Order.objects.filter(pk=order.pk).update(payment_due_at=past)
    assert orders_run_timers()["expired"] == 1
    assert orders_run_timers()["expired"] == 0
    assert stock(variant(tempe, 0)) == (40, 0)
    assert stock(variant(batik)) == (5, 0)

    # Accept and ship deadlines, delivery and completion on a second order.
    from tests.orders.conftest import fill_cart as fill

    fill(buyer, (variant(tempe, 0), 1), (variant(batik), 1))
    second = place(buyer, order.shop_orders.first().order.buyer.addresses.first())
    t.order_mark_paid(order_id=second.pk)
    tempe_order = second.shop_orders.get(shop_name="Keripik Tempe Bu Siti")
    batik_order = second.shop_orders.get(shop_name="Batik Tulis Jetis")
    ShopOrder.objects.filter(pk=batik_order.pk).update(accept_by=past)
    t.shop_order_accept(shop_order_id=tempe_order.pk, actor=owner)
    ShopOrder.objects.filter(pk=tempe_order.pk).update(ship_by=past)
    ran = orders_run_timers()
    assert (ran["unaccepted"], ran["unshipped"]) == (1, 1)
    batik_order.refresh_from_db()
    tempe_order.refresh_from_db()
    assert batik_order.status == tempe_order.status == S.CANCELLED
    assert batik_order.refund_amount == 350_000 + 12_000
    assert stock(variant(tempe, 0)) == (40, 0)
    assert (
        OrderEvent.objects.filter(
            shop_order=batik_order, to_status=S.CANCELLED, actor_role="system"
        ).count()
        == 1
    )


def test_overdue_shipment_counts_as_delivered_then_completes(order, owner):
    t.order_mark_paid(order_id=order.pk)
    shop_order = order.shop_orders.get(shop_name="Keripik Tempe Bu Siti")
    t.shop_order_accept(shop_order_id=shop_order.pk, actor=owner)
    t.shop_order_ship(shop_order_id=shop_order.pk, actor=owner, tracking_number="JNE1")
    past = timezone.now() - dt.timedelta(minutes=1)
    ShopOrder.objects.filter(pk=shop_order.pk).update(deliver_by=past)
    assert orders_run_timers()["delivered"] == 1
    ShopOrder.objects.filter(pk=shop_order.pk).update(complete_after=past)
    assert orders_run_timers()["completed"] == 1
    shop_order.refresh_from_db()
    assert shop_order.status == S.COMPLETED
    from komeji.common.models import Notification

    kinds = set(Notification.objects.filter(recipient=order.buyer).values_list("kind", flat=True))
    assert {"order_placed", "order_paid", "shop_order_shipped", "shop_order_delivered"} <= kinds
    assert "shop_order_completed" in kinds
    assert Notification.objects.filter(recipient=owner, kind="shop_order_completed").count() == 1


@pytest.mark.parametrize("tracking", ["JNE²01", "JNE 01;DROP", "X" * 41])
def test_a_malformed_tracking_number_is_refused_and_nothing_changes(order, owner, tempe, tracking):
    t.order_mark_paid(order_id=order.pk)
    shop_order = order.shop_orders.get(shop_name="Keripik Tempe Bu Siti")
    t.shop_order_accept(shop_order_id=shop_order.pk, actor=owner)
    events = shop_order.events.count()

    with pytest.raises(OrderRefused):
        t.shop_order_ship(shop_order_id=shop_order.pk, actor=owner, tracking_number=tracking)

    shop_order.refresh_from_db()
    assert (shop_order.status, shop_order.tracking_number) == (S.PROCESSING, "")
    assert shop_order.stock_state == StockState.RESERVED
    assert shop_order.events.count() == events
    assert stock(variant(tempe, 0)) == (40, 3)
