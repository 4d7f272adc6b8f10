"""The nightly reconciliation: payments pending an hour past expiry are asked of their gateway
(the local Midtrans-protocol server) and the answer applied through the notifications' state
machine; settled payments are compared with escrow held + released + refunded; a difference is
notified to Finance once a day and shown on the admin page (staff with the permission only)."""

import datetime as dt

import pytest
from django.contrib.auth.models import Group, Permission
from django.urls import reverse
from django.utils import timezone

from komeji.common.models import Notification
from orders.models import ShopOrderStatus
from payments.models import Journal, Payment, PaymentNotification, PaymentStatus, Provider
from payments.services.reconciliation import ledger_totals, reconciliation_run
from tests.factories import UserFactory
from tests.payments.conftest import payment_for
from tests.payments.ledger_support import complete, make_order, move, pay
from tests.payments.midtrans_server import *  # noqa: F403 (the midtrans fixture)

pytestmark = pytest.mark.django_db

S = ShopOrderStatus


def overdue_midtrans_payment(order) -> Payment:
    """Given state: a Midtrans payment that expired two hours ago and is still pending (the
    gateway's notification never arrived)."""
    payment = payment_for(order, provider=Provider.MIDTRANS)
    Payment.objects.filter(pk=payment.pk).update(expires_at=timezone.now() - dt.timedelta(hours=2))
    payment.refresh_from_db()
    return payment


@pytest.fixture
def finance():
    # Notifications are written in the recipient's language: English, to compare exact texts.
    user = UserFactory(email="keuangan@komeji.test", language="en")
    group, _ = Group.objects.get_or_create(name="Finance")
    user.groups.add(group)
    return user


def test_a_settlement_the_gateway_reports_is_applied(midtrans, order, finance):
    payment = overdue_midtrans_payment(order)
    midtrans.given(payment.gateway_order_id, payment.amount, status="settlement")

    first = reconciliation_run()
    second = reconciliation_run()

    assert first.as_dict() == {
        "asked": 1,
        "applied": 1,
        "errors": 0,
        "difference": 0,
        "notified": 0,
    }
    assert second.as_dict() == {
        "asked": 0,
        "applied": 0,
        "errors": 0,
        "difference": 0,
        "notified": 0,
    }
    payment.refresh_from_db()
    assert payment.status == PaymentStatus.PAID
    assert (
        payment.transaction_id == midtrans.transactions[payment.gateway_order_id]["transaction_id"]
    )
    assert sorted(order.shop_orders.values_list("status", flat=True)) == [S.PAID, S.PAID]
    order.refresh_from_db()
    assert order.paid_at is not None
    journal = Journal.objects.get(idempotency_key=f"paid:{payment.pk}")
    assert journal.payment_id == payment.pk
    assert list(
        PaymentNotification.objects.filter(payment=payment).values_list(
            "transaction_status", "outcome"
        )
    ) == [("settlement", "paid")]
    assert len(midtrans.paths("GET", "/status")) == 1
    assert not Notification.objects.filter(recipient=finance).exists()


def test_an_expiry_the_gateway_reports_is_applied(midtrans, order):
    payment = overdue_midtrans_payment(order)
    midtrans.given(payment.gateway_order_id, payment.amount, status="expire")

    result = reconciliation_run()

    assert (result.asked, result.applied, result.errors) == (1, 1, 0)
    payment.refresh_from_db()
    assert payment.status == PaymentStatus.EXPIRED
    assert not Journal.objects.filter(payment=payment).exists()
    assert sorted(order.shop_orders.values_list("status", flat=True)) == [
        S.AWAITING_PAYMENT,
        S.AWAITING_PAYMENT,
    ]


def test_a_transaction_midtrans_never_saw_is_expired(midtrans, order):
    payment = overdue_midtrans_payment(order)  # the buyer never chose a channel on Snap

    reconciliation_run()
    reconciliation_run()

    payment.refresh_from_db()
    assert payment.status == PaymentStatus.EXPIRED
    assert list(
        PaymentNotification.objects.filter(payment=payment).values_list(
            "transaction_id", "transaction_status", "outcome"
        )
    ) == [(f"not-found-{payment.gateway_order_id}", "expire", "expired")]


def test_a_payment_within_the_hour_after_expiry_is_not_asked(midtrans, order):
    payment = payment_for(order, provider=Provider.MIDTRANS)
    Payment.objects.filter(pk=payment.pk).update(
        expires_at=timezone.now() - dt.timedelta(minutes=50)
    )

    assert reconciliation_run().asked == 0
    assert midtrans.requests == []
    assert Payment.objects.get(pk=payment.pk).status == PaymentStatus.PENDING


def test_a_gateway_that_cannot_be_reached_changes_nothing(settings, order):
    settings.MIDTRANS_API_URL = "http://127.0.0.1:9"  # nothing listens there
    payment = overdue_midtrans_payment(order)

    result = reconciliation_run()

    assert (result.asked, result.applied, result.errors) == (1, 0, 1)
    assert Payment.objects.get(pk=payment.pk).status == PaymentStatus.PENDING
    assert not PaymentNotification.objects.exists()


def test_a_balanced_ledger_has_no_difference(buyer, verified_shop, other_shop, finance):
    order = make_order(
        buyer,
        [(verified_shop, [(25_000, 2, 500)], 10_000), (other_shop, [(350_000, 1, 500)], 20_000)],
    )
    pay(order)
    first, second = order.shop_orders.order_by("pk")
    complete(first)
    move(second, S.CANCELLED)

    totals = ledger_totals()
    result = reconciliation_run()

    assert (totals.settled, totals.escrow_held, totals.released, totals.refunded) == (
        430_000,
        0,
        50_000 + 10_000,
        350_000 + 20_000,
    )
    assert totals.difference == 0
    assert result.difference == 0
    assert not Notification.objects.filter(recipient=finance).exists()


def test_a_paid_payment_without_its_journal_is_a_difference_notified_once_a_day(order, finance):
    # Given state: a payment row marked paid whose `paid:` journal was never posted.
    payment = payment_for(order)
    Payment.objects.filter(pk=payment.pk).update(status=PaymentStatus.PAID, paid_at=timezone.now())
    now = timezone.now()

    first = reconciliation_run(now=now)
    second = reconciliation_run(now=now)
    next_day = reconciliation_run(now=now + dt.timedelta(days=1))

    assert (first.difference, first.notified) == (payment.amount, 1)
    assert (second.difference, second.notified) == (payment.amount, 0)
    assert (next_day.difference, next_day.notified) == (payment.amount, 1)
    notes = Notification.objects.filter(recipient=finance).order_by("pk")
    today = timezone.localdate(now)
    assert [n.dedupe_key for n in notes] == [
        f"reconciliation:{today.isoformat()}:{finance.pk}",
        f"reconciliation:{(today + dt.timedelta(days=1)).isoformat()}:{finance.pk}",
    ]
    amount = f"{payment.amount:,}".replace(",", ".")
    assert notes[0].title == f"The ledger does not reconcile: difference Rp {amount}"


# --- The admin page -----------------------------------------------------------------------------


def _staff(*perms: str):
    user = UserFactory(is_staff=True)
    for codename in perms:
        user.user_permissions.add(Permission.objects.get(codename=codename))
    return user


def test_the_page_shows_the_difference_to_staff_with_the_permission(client, order):
    payment = payment_for(order)
    Payment.objects.filter(pk=payment.pk).update(status=PaymentStatus.PAID, paid_at=timezone.now())
    flagged = payment_for(order, attempt=2)
    Payment.objects.filter(pk=flagged.pk).update(
        flagged_at=timezone.now(), flag_reason="chargeback reported by the gateway"
    )
    client.force_login(_staff("view_payment"))

    response = client.get(reverse("admin:payments_payment_reconciliation"))

    assert response.status_code == 200
    assert response.context["totals"].difference == payment.amount
    assert [p.pk for p in response.context["flagged"]] == [flagged.pk]
    assert response.context["pending"] == []
    page = response.content.decode()
    amount = f"{payment.amount:,}".replace(",", ".")
    assert f'data-testid="reconciliation-difference"><strong>Rp {amount}</strong>' in page
    assert "chargeback reported by the gateway" in page


def test_the_page_is_refused_without_the_permission_or_staff(client):
    url = reverse("admin:payments_payment_reconciliation")

    client.force_login(_staff())
    refused = client.get(url)
    client.force_login(UserFactory(is_staff=False))
    not_staff = client.get(url)

    assert refused.status_code == 403
    assert not_staff.status_code == 302
    assert not_staff["Location"].startswith(reverse("admin:login"))
