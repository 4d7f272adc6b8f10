"""The timers under real concurrency (PostgreSQL, real threads started together): the expiry job
racing a buyer's cancel releases the stock once; two timer runs at once handle each order once."""

import datetime as dt

import pytest
from django.db.models import Count, F
from django.utils import timezone

from marketplace.models import Variant
from orders.models import Order, OrderEvent, ShopOrder, ShopOrderStatus, StockState
from orders.services import transitions as t
from orders.services.errors import OrderRefused
from orders.services.timers import orders_expire_unpaid, orders_run_timers
from tests.concurrency.conftest import run_together
from tests.factories import AddressFactory
from tests.orders.conftest import fill_cart, place, variant

S = ShopOrderStatus
pytestmark = pytest.mark.django_db(transaction=True)


def stock(v: Variant) -> tuple[int, int]:
    return Variant.objects.values_list("stock_on_hand", "stock_reserved").get(pk=v.pk)


def cancelled_events(shop_order: ShopOrder) -> int:
    return OrderEvent.objects.filter(
        shop_order=shop_order, kind="status", to_status=S.CANCELLED
    ).count()


def test_the_expiry_job_and_the_buyers_cancel_release_the_stock_once(shops_and_products, buyer):
    tempe, batik = shops_and_products
    original, cloth = variant(tempe, 1), variant(batik)
    address = AddressFactory(user=buyer, is_default=True)
    winners = {"expiry": 0, "buyer": 0}

    for _round in range(20):
        fill_cart(buyer, (original, 2), (cloth, 1))
        order = place(buyer, address)
        assert stock(original) == (10, 2) and stock(cloth) == (5, 1)
        Order.objects.filter(pk=order.pk).update(
            payment_due_at=timezone.now() - dt.timedelta(minutes=1)
        )

        expiry, cancel = run_together(
            [
                lambda: orders_expire_unpaid(),
                lambda order_id=order.pk: t.order_cancel(order_id=order_id, actor=buyer),
            ]
        )

        assert expiry.error is None
        # The loser either found nothing left to do (0) or was told it is too late.
        if cancel.error is None:
            winners["buyer"] += 1
            assert expiry.result == 0
        else:
            winners["expiry"] += 1
            assert isinstance(cancel.error, OrderRefused)
            assert (
                cancel.error.message == "Only an order that is not paid yet can be cancelled here."
            )
            assert expiry.result == 1
        assert stock(original) == (10, 0)
        assert stock(cloth) == (5, 0)
        for shop_order in order.shop_orders.all():
            assert (shop_order.status, shop_order.stock_state) == (S.CANCELLED, StockState.RELEASED)
            assert cancelled_events(shop_order) == 1
            assert shop_order.refund_amount == 0  # never paid: nothing to refund

    assert sum(winners.values()) == 20


def test_two_timer_runs_at_once_handle_each_due_order_once(shops_and_products, buyer, owner):
    tempe, _batik = shops_and_products
    pedas = variant(tempe, 0)  # 40 in stock
    address = AddressFactory(user=buyer, is_default=True)
    stages = ["awaiting_payment", "paid", "processing", "shipped", "delivered"]
    by_stage: dict[str, list[ShopOrder]] = {stage: [] for stage in stages}
    for n in range(30):
        fill_cart(buyer, (pedas, 1))
        order = place(buyer, address)
        shop_order = order.shop_orders.get()
        stage = stages[n % 5]
        if stage != "awaiting_payment":
            t.order_mark_paid(order_id=order.pk, source="test")
        if stage in ("processing", "shipped", "delivered"):
            t.shop_order_accept(shop_order_id=shop_order.pk, actor=owner)
        if stage in ("shipped", "delivered"):
            t.shop_order_ship(shop_order_id=shop_order.pk, actor=owner, tracking_number="JNE0001")
        if stage == "delivered":
            t.shop_order_mark_delivered(shop_order_id=shop_order.pk, actor=owner)
        by_stage[stage].append(shop_order)
    # Every deadline passed a minute ago.
    past = timezone.now() - dt.timedelta(minutes=1)
    Order.objects.update(payment_due_at=past)
    ShopOrder.objects.filter(status=S.PAID).update(accept_by=past)
    ShopOrder.objects.filter(status=S.PROCESSING).update(ship_by=past)
    ShopOrder.objects.filter(status=S.SHIPPED).update(deliver_by=past)
    ShopOrder.objects.filter(status=S.DELIVERED).update(complete_after=past)
    assert stock(pedas) == (28, 18)  # 12 shipped, 18 still reserved
    started = timezone.now()

    first, second = run_together([orders_run_timers, orders_run_timers])

    assert (first.error, second.error) == (None, None)
    handled = {key: first.result[key] + second.result[key] for key in first.result}
    assert handled == {
        "expired": 6,
        "unaccepted": 6,
        "unshipped": 6,
        "delivered": 6,
        "completed": 6,
    }
    expected = {
        "awaiting_payment": S.CANCELLED,
        "paid": S.CANCELLED,
        "processing": S.CANCELLED,
        "shipped": S.DELIVERED,
        "delivered": S.COMPLETED,
    }
    for stage, shop_orders in by_stage.items():
        for shop_order in shop_orders:
            shop_order.refresh_from_db()
            assert shop_order.status == expected[stage]
    # One system event per order, none twice.
    events = (
        OrderEvent.objects.filter(created_at__gte=started)
        .values("shop_order_id")
        .annotate(n=Count("id"))
    )
    assert len(events) == 30
    assert {row["n"] for row in events} == {1}
    assert set(
        OrderEvent.objects.filter(created_at__gte=started).values_list("actor_role", flat=True)
    ) == {OrderEvent.Role.SYSTEM}
    # The 18 cancelled released their unit once; the 12 shipped had consumed theirs.
    assert stock(pedas) == (28, 0)
    assert Variant.objects.filter(pk=pedas.pk, stock_reserved__gte=0).exists()
    assert not Variant.objects.filter(stock_reserved__gt=F("stock_on_hand")).exists()
