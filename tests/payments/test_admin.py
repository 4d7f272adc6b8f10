"""The payments back office for Finance: payments with their notifications, notifications and
journals, all read-only (no add, change or delete); flagged payments found by a filter."""

import re

import pytest
from django.urls import reverse

from payments.models import Journal, Payment, PaymentNotification, PaymentStatus
from payments.services.notifications import notification_receive
from tests.factories import UserFactory
from tests.payments.conftest import notification_body, payment_for, raw

pytestmark = pytest.mark.django_db


@pytest.fixture
def superuser(client):
    user = UserFactory(is_staff=True, is_superuser=True)
    client.force_login(user)
    return user


@pytest.fixture
def paid_and_flagged(order) -> tuple[Payment, Payment]:
    """One payment settled, another told an amount that differs (flagged)."""
    paid, flagged = payment_for(order, attempt=1), payment_for(order, attempt=2)
    assert notification_receive(raw_body=raw(notification_body(paid))).outcome == "paid"
    wrong = notification_body(flagged, gross_amount="1000.00")
    assert notification_receive(raw_body=raw(wrong)).outcome.startswith("flagged")
    return paid, flagged


def test_pages_render_with_notifications_and_legs(client, superuser, paid_and_flagged):
    paid, _flagged = paid_and_flagged
    journal = Journal.objects.get(payment=paid)
    notification = PaymentNotification.objects.get(payment=paid)
    pages = {
        "payments": reverse("admin:payments_payment_changelist"),
        "payment": reverse("admin:payments_payment_change", args=[paid.pk]),
        "notifications": reverse("admin:payments_paymentnotification_changelist"),
        "notification": reverse(
            "admin:payments_paymentnotification_change", args=[notification.pk]
        ),
        "journals": reverse("admin:payments_journal_changelist"),
        "journal": reverse("admin:payments_journal_change", args=[journal.pk]),
    }

    statuses = {name: client.get(url).status_code for name, url in pages.items()}

    assert statuses == dict.fromkeys(pages, 200)
    payment_page = client.get(pages["payment"]).content.decode()
    assert paid.gateway_order_id in payment_page
    assert re.search(r'field-outcome">\s*<p>paid</p>', payment_page)  # its notification
    assert 'name="_save"' not in payment_page
    journal_page = client.get(pages["journal"]).content.decode()
    amount = f"{paid.amount:,}".replace(",", ".")
    assert f"Rp {amount}" in journal_page and f"-Rp {amount}" in journal_page  # both legs
    assert f"paid:{paid.pk}" in journal_page


def test_flagged_payments_are_found_by_the_filter(client, superuser, paid_and_flagged):
    paid, flagged = paid_and_flagged
    url = reverse("admin:payments_payment_changelist")

    only_flagged = client.get(url, {"flagged": "yes"}).context["cl"].result_list
    not_flagged = client.get(url, {"flagged": "no"}).context["cl"].result_list

    assert [p.pk for p in only_flagged] == [flagged.pk]
    assert [p.pk for p in not_flagged] == [paid.pk]


def test_nothing_can_be_added_changed_or_deleted(client, superuser, paid_and_flagged):
    paid, _flagged = paid_and_flagged
    journal = Journal.objects.get(payment=paid)
    notification = PaymentNotification.objects.get(payment=paid)
    before = (
        list(Payment.objects.order_by("pk").values()),
        list(PaymentNotification.objects.order_by("pk").values()),
        list(Journal.objects.order_by("pk").values()),
    )

    refused = [
        client.get(reverse("admin:payments_payment_add")),
        client.get(reverse("admin:payments_paymentnotification_add")),
        client.get(reverse("admin:payments_journal_add")),
        client.post(
            reverse("admin:payments_payment_change", args=[paid.pk]),
            {"status": PaymentStatus.PENDING, "amount": "1"},
        ),
        client.post(
            reverse("admin:payments_paymentnotification_change", args=[notification.pk]),
            {"outcome": "edited"},
        ),
        client.post(reverse("admin:payments_payment_delete", args=[paid.pk]), {"post": "yes"}),
        client.post(reverse("admin:payments_journal_delete", args=[journal.pk]), {"post": "yes"}),
    ]

    assert [r.status_code for r in refused] == [403] * 7
    after = (
        list(Payment.objects.order_by("pk").values()),
        list(PaymentNotification.objects.order_by("pk").values()),
        list(Journal.objects.order_by("pk").values()),
    )
    assert after == before
    changelist = client.get(reverse("admin:payments_journal_changelist")).content.decode()
    assert "delete_selected" not in changelist


def test_staff_without_permissions_cannot_see_payments(client, paid_and_flagged):
    client.force_login(UserFactory(is_staff=True))

    response = client.get(reverse("admin:payments_payment_changelist"))

    assert response.status_code == 403
