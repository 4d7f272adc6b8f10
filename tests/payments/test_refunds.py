"""Refunds at the gateway of paid ShopOrders cancelled before completion: queued after the
cancellation commits, sent once with the key `refund-<shop order id>`, recorded on the ShopOrder;
a gateway error leaves the refund unsent for the periodic retry; a payment without a refund API
is left to Finance. Midtrans is the local protocol server (tests/payments/midtrans_server.py)."""

import datetime as dt
import time

import pytest
from django.contrib.auth.models import Group
from django.utils import timezone

from komeji.common.models import Notification
from orders.models import Order, ShopOrder, ShopOrderStatus
from orders.services.transitions import order_mark_paid
from payments.models import Journal, Payment, PaymentStatus, Provider
from payments.services.bookings import payment_settled_book
from payments.services.notifications import notification_receive
from payments.services.refunds import (
    RefundNotSent,
    refunds_retry,
    shop_order_refund_send,
)
from payments.tasks_refunds import shop_order_refund_send_task
from tests.factories import UserFactory
from tests.payments.conftest import notification_body, payment_for, raw
from tests.payments.ledger_support import move
from tests.payments.midtrans_server import *  # noqa: F403 (the midtrans fixture)

S = ShopOrderStatus


def wait_for(predicate, timeout: float = 15.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.05)
    return False


def paid_by_midtrans(order: Order, server) -> Payment:
    """The buyer paid on Snap and Midtrans' settlement notification arrived."""
    payment = payment_for(order, provider=Provider.MIDTRANS)
    server.given(payment.gateway_order_id, payment.amount, status="settlement")
    received = notification_receive(raw_body=raw(notification_body(payment)))
    assert received.outcome == "paid"
    payment.refresh_from_db()
    return payment


def tempe_order_of(order: Order) -> ShopOrder:
    return order.shop_orders.get(goods_total=50_000)


@pytest.fixture
def finance():
    user = UserFactory(email="keuangan@komeji.test")
    group, _ = Group.objects.get_or_create(name="Finance")
    user.groups.add(group)
    return user


@pytest.mark.django_db(transaction=True)
def test_a_cancelled_paid_midtrans_order_is_refunded_once_even_when_the_task_runs_twice(
    jatim_regions, categories, celery_worker, midtrans, order
):
    payment = paid_by_midtrans(order, midtrans)
    shop_order = tempe_order_of(order)
    due = shop_order.goods_total + shop_order.shipping_fee

    move(shop_order, S.CANCELLED)  # commits: the refund task is queued to the worker

    assert wait_for(
        lambda: ShopOrder.objects.filter(pk=shop_order.pk, refund_sent_at__isnull=False).exists()
    )
    again = shop_order_refund_send_task.apply(args=[shop_order.pk]).get()

    assert again == "already sent"
    refunds = midtrans.paths("POST", "/refund")
    assert len(refunds) == 1
    assert refunds[0]["path"] == f"/v2/{payment.gateway_order_id}/refund"
    assert refunds[0]["body"] == {
        "refund_key": f"refund-{shop_order.pk}",
        "amount": due,
        "reason": "",
    }
    shop_order.refresh_from_db()
    assert shop_order.refund_amount == due == 50_000 + shop_order.shipping_fee
    assert shop_order.refund_reference == "1"  # Midtrans' refund_chargeback_id
    assert shop_order.refund_attempts == 1
    assert shop_order.refund_error == ""
    assert shop_order.refund_manual_at is None
    assert Journal.objects.filter(idempotency_key=f"refund:{shop_order.pk}").count() == 1


@pytest.mark.django_db
def test_a_sequential_second_send_does_not_call_the_gateway(midtrans, order):
    paid_by_midtrans(order, midtrans)
    shop_order = move(tempe_order_of(order), S.CANCELLED)

    first = shop_order_refund_send(shop_order_id=shop_order.pk)
    second = shop_order_refund_send(shop_order_id=shop_order.pk)

    assert (first.outcome, second.outcome) == ("sent", "already sent")
    assert first.reference == second.reference == "1"
    assert len(midtrans.paths("POST", "/refund")) == 1


@pytest.mark.django_db
def test_a_gateway_error_leaves_it_unsent_and_the_retry_job_sends_it(midtrans, order):
    payment = paid_by_midtrans(order, midtrans)
    shop_order = move(tempe_order_of(order), S.CANCELLED)
    # Midtrans has not settled it on its side yet: it refuses to refund (412).
    midtrans.transactions[payment.gateway_order_id]["status"] = "pending"

    with pytest.raises(RefundNotSent, match="412"):
        shop_order_refund_send(shop_order_id=shop_order.pk)

    shop_order.refresh_from_db()
    assert shop_order.refund_sent_at is None
    assert shop_order.refund_attempts == 1
    assert "Merchant cannot modify the status of the transaction" in shop_order.refund_error
    # Not yet 10 minutes old: the periodic job leaves it to the task's own retries.
    assert refunds_retry() == {}

    midtrans.transactions[payment.gateway_order_id]["status"] = "settlement"
    later = timezone.now() + dt.timedelta(minutes=11)
    assert refunds_retry(now=later) == {shop_order.pk: "sent"}
    assert refunds_retry(now=later) == {}

    shop_order.refresh_from_db()
    assert shop_order.refund_sent_at is not None
    assert shop_order.refund_reference == "1"
    assert shop_order.refund_attempts == 2
    assert shop_order.refund_error == ""
    keys = [r["body"]["refund_key"] for r in midtrans.paths("POST", "/refund")]
    assert keys == [f"refund-{shop_order.pk}", f"refund-{shop_order.pk}"]


@pytest.mark.django_db
def test_a_bank_transfer_refund_is_left_to_finance_once(midtrans, order, finance):
    payment = Payment.objects.create(
        order=order,
        provider=Provider.TRANSFER,
        gateway_order_id=f"{order.number}-1",
        amount=order.grand_total,
        status=PaymentStatus.PAID,
        paid_at=timezone.now(),
        expires_at=order.payment_due_at,
    )
    payment_settled_book(payment=payment)
    order_mark_paid(order_id=order.pk, source="Finance confirmed the transfer")
    shop_order = move(tempe_order_of(order), S.CANCELLED)

    first = shop_order_refund_send(shop_order_id=shop_order.pk)
    second = shop_order_refund_send(shop_order_id=shop_order.pk)

    assert first.outcome == "manual: paid by transfer: no refund API"
    assert second.outcome == "manual: already left to Finance"
    shop_order.refresh_from_db()
    assert shop_order.refund_manual_at is not None
    assert shop_order.refund_sent_at is None
    assert shop_order.refund_error == "paid by transfer: no refund API"
    notes = Notification.objects.filter(recipient=finance)
    assert [(n.kind, n.dedupe_key) for n in notes] == [
        ("refund_manual", f"refund_manual:{shop_order.pk}:{finance.pk}")
    ]
    assert midtrans.requests == []
    assert refunds_retry(now=timezone.now() + dt.timedelta(hours=1)) == {}


@pytest.mark.django_db
def test_an_order_paid_without_a_booked_payment_is_left_to_finance(order, finance):
    # The development placeholder marks orders paid without a Payment: nothing is in escrow.
    order_mark_paid(order_id=order.pk, source="placeholder")
    shop_order = move(tempe_order_of(order), S.CANCELLED)

    result = shop_order_refund_send(shop_order_id=shop_order.pk)

    assert result.outcome == "manual: no settled, booked payment to refund through a gateway"
    assert Notification.objects.filter(recipient=finance, kind="refund_manual").count() == 1
    assert not Journal.objects.filter(shop_order=shop_order).exists()


@pytest.mark.django_db
def test_a_cancellation_before_payment_queues_nothing(order, django_capture_on_commit_callbacks):
    shop_order = tempe_order_of(order)
    with django_capture_on_commit_callbacks() as callbacks:
        move(shop_order, S.CANCELLED)

    shop_order.refresh_from_db()
    assert shop_order.refund_amount == 0
    assert [c for c in callbacks if "shop_order_transition" in c.__qualname__] == []
    assert shop_order_refund_send(shop_order_id=shop_order.pk).outcome == "nothing to refund"
