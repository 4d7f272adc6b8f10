"""The notification endpoint and the payment state machine (issue 6 "Notification endpoint"):
signed Midtrans-format notifications, stored raw once per (provider, transaction id, status),
applied under a lock, out of order and duplicated as gateways deliver them."""

import itertools
import json

import pytest
from django.test import Client

from komeji.common.models import Notification
from orders.models import Order, OrderEvent, ShopOrder, ShopOrderStatus
from orders.services import transitions as t
from payments.models import (
    PAYMENT_TRANSITIONS,
    AccountKind,
    Journal,
    JournalLeg,
    Payment,
    PaymentNotification,
    PaymentStatus,
    Provider,
)
from payments.services.notifications import notification_receive
from tests.concurrency.conftest import run_together
from tests.payments.conftest import (
    notification_body,
    notification_url,
    payment_for,
    post_notification,
    raw,
)

P = PaymentStatus
S = ShopOrderStatus


def snapshot(payment: Payment) -> dict:
    """Everything a notification could change."""
    row = Payment.objects.get(pk=payment.pk)
    return {
        "payment": (
            row.status,
            row.paid_at,
            row.transaction_id,
            row.flagged_at,
            row.flag_reason,
            row.updated_at,
        ),
        "notifications": list(PaymentNotification.objects.values_list("pk", "outcome")),
        "journals": Journal.objects.count(),
        "legs": JournalLeg.objects.count(),
        "shop_orders": list(
            ShopOrder.objects.filter(order_id=payment.order_id)
            .order_by("pk")
            .values_list("status", "paid_at")
        ),
        "events": OrderEvent.objects.count(),
        "order_paid_at": Order.objects.get(pk=payment.order_id).paid_at,
    }


def paid_journal_legs(payment: Payment) -> list[tuple[str, int]]:
    journal = Journal.objects.get(idempotency_key=f"paid:{payment.pk}")
    return list(journal.legs.order_by("pk").values_list("account__kind", "amount"))


def assert_paid_once(payment: Payment, *, notifications: int = 1) -> None:
    """The one outcome of a settled payment, however often and however concurrently told."""
    payment.refresh_from_db()
    assert payment.status == P.PAID
    assert payment.paid_at is not None
    assert payment.transaction_id == f"tx-{payment.gateway_order_id}"
    assert payment.flagged_at is None
    assert PaymentNotification.objects.filter(payment=payment).count() == notifications
    assert Journal.objects.filter(payment=payment).count() == 1
    assert paid_journal_legs(payment) == [
        (AccountKind.GATEWAY_RECEIVABLE, payment.amount),
        (AccountKind.ESCROW, -payment.amount),
    ]
    shop_orders = ShopOrder.objects.filter(order_id=payment.order_id)
    assert sorted(shop_orders.values_list("status", flat=True)) == [S.PAID, S.PAID]
    for shop_order in shop_orders:
        assert (
            OrderEvent.objects.filter(shop_order=shop_order, kind="status", to_status=S.PAID)
            .values_list("from_status", flat=True)
            .get()
            == S.AWAITING_PAYMENT
        )
    assert Order.objects.get(pk=payment.order_id).paid_at is not None


# --- The endpoint -------------------------------------------------------------------------------


@pytest.mark.django_db
def test_a_settlement_marks_the_payment_and_every_shop_order_paid_and_books_escrow(
    client, payment, order
):
    body = raw(notification_body(payment, "settlement"))

    response = client.post(notification_url(), data=body, content_type="application/json")

    assert response.status_code == 200
    assert response.json() == {"status": "paid"}
    assert_paid_once(payment)
    stored = PaymentNotification.objects.get(payment=payment)
    assert (stored.provider, stored.gateway_order_id, stored.transaction_status) == (
        Provider.SANDBOX,
        payment.gateway_order_id,
        "settlement",
    )
    assert (stored.status_code, stored.gross_amount, stored.outcome) == (
        "200",
        f"{order.grand_total}.00",
        "paid",
    )
    assert stored.raw_body == body.decode()  # stored as it came, for audit
    # The buyer and both shops are told (by order_mark_paid).
    kinds = sorted(Notification.objects.values_list("kind", flat=True))
    assert kinds.count("order_paid") == 1
    assert kinds.count("shop_order_paid") >= 2


@pytest.mark.django_db
def test_the_url_is_posted_to_exactly_and_never_redirects(client, payment, settings):
    # An http→https redirect or APPEND_SLASH would lose the notification (PAYMENTS.md).
    settings.SECURE_SSL_REDIRECT = True
    assert notification_url() == "/pembayaran/notifikasi/"

    response = post_notification(client, notification_body(payment))

    assert response.status_code == 200
    assert "Location" not in response


@pytest.mark.django_db
def test_the_same_settlement_ten_times_in_a_row_is_one_paid_transition_and_one_journal(
    client, payment
):
    body = notification_body(payment, "settlement")

    answers = [post_notification(client, body) for _ in range(10)]

    assert [a.status_code for a in answers] == [200] * 10
    assert [a.json()["status"] for a in answers] == ["paid"] + ["duplicate"] * 9
    assert_paid_once(payment)


@pytest.mark.django_db(transaction=True)
def test_the_same_settlement_ten_times_at_once_is_one_paid_transition_and_one_journal(
    jatim_regions, categories, order
):
    payment = payment_for(order)
    body = raw(notification_body(payment, "settlement"))

    def deliver():
        response = Client().post(notification_url(), data=body, content_type="application/json")
        return response.status_code, response.json()["status"]

    outcomes = run_together([deliver] * 10)

    assert [o.error for o in outcomes] == [None] * 10
    assert sorted(o.result for o in outcomes) == [(200, "duplicate")] * 9 + [(200, "paid")]
    assert_paid_once(payment)


@pytest.mark.django_db(transaction=True)
def test_a_settlement_and_an_expiry_at_once_end_paid_whichever_comes_first(
    jatim_regions, categories, order
):
    payment = payment_for(order)
    bodies = [raw(notification_body(payment, s)) for s in ("settlement", "expire") * 3]

    outcomes = run_together(
        [lambda b=b: notification_receive(raw_body=b).http_status for b in bodies]
    )

    assert [o.error for o in outcomes] == [None] * 6
    assert [o.result for o in outcomes] == [200] * 6
    # The expiry either came first (then settlement moved expired → paid) or was ignored.
    assert_paid_once(payment, notifications=2)
    outcomes = dict(PaymentNotification.objects.values_list("transaction_status", "outcome"))
    assert outcomes in (
        {"settlement": "paid", "expire": "expired"},
        {"settlement": "paid", "expire": "ignored: expire after paid"},
    )


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("tamper", "expected_status"),
    [
        ("signature", 403),
        ("gross_amount", 403),  # the signature covers it
        ("order_id_unknown", 404),
        ("order_id_other_payment", 403),  # a real order id the signature was not made for
        ("signed_with_another_key", 403),
        ("sandbox_key_on_a_midtrans_payment", 403),
    ],
)
def test_a_tampered_notification_is_refused_and_changes_nothing(
    client, order, tamper, expected_status
):
    payment = payment_for(order)
    other = payment_for(order, attempt=2)
    body = notification_body(payment, "settlement")
    if tamper == "signature":
        body["signature_key"] = body["signature_key"][:-1] + (
            "0" if body["signature_key"][-1] != "0" else "1"
        )
    elif tamper == "gross_amount":
        body["gross_amount"] = "1000.00"
    elif tamper == "order_id_unknown":
        body["order_id"] = "KMJ-NOT-A-PAYMENT-1"
    elif tamper == "order_id_other_payment":
        body["order_id"] = other.gateway_order_id
    elif tamper == "signed_with_another_key":
        body = notification_body(payment, "settlement", server_key="SB-Mid-server-GUESSED")
    elif tamper == "sandbox_key_on_a_midtrans_payment":
        Payment.objects.filter(pk=payment.pk).update(provider=Provider.MIDTRANS)
        payment.refresh_from_db()
        body = notification_body(payment, "settlement", server_key="SB-Komeji-sandbox-test")
    before = (snapshot(payment), snapshot(other))

    response = post_notification(client, body)

    assert response.status_code == expected_status
    assert (snapshot(payment), snapshot(other)) == before
    assert PaymentNotification.objects.count() == 0
    assert Payment.objects.get(pk=payment.pk).status == P.PENDING


@pytest.mark.django_db
def test_a_valid_notification_for_another_amount_flags_the_payment_and_books_nothing(
    client, payment, order
):
    body = notification_body(payment, "settlement", gross_amount=f"{order.grand_total - 1}.00")
    before = snapshot(payment)

    response = post_notification(client, body)

    assert response.status_code == 200
    assert response.json()["status"].startswith("flagged: amount differs")
    payment.refresh_from_db()
    assert payment.status == P.PENDING
    assert payment.paid_at is None
    assert payment.flagged_at is not None
    assert payment.flag_reason == (
        f"settlement notification for Rp {order.grand_total - 1}, payment is Rp {order.grand_total}"
    )
    assert Journal.objects.count() == before["journals"] == 0
    assert OrderEvent.objects.count() == before["events"]
    shop_orders = ShopOrder.objects.filter(order=order).values_list("status", flat=True)
    assert sorted(shop_orders) == [S.AWAITING_PAYMENT] * 2
    stored = PaymentNotification.objects.get()
    assert stored.outcome == response.json()["status"]


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("data", "expected"),
    [
        (b"{not json", 400),
        (b"", 400),
        (b"\xff\xfe\x00", 400),
        (b"[1, 2]", 400),
        ("missing transaction_id", 400),
        ("missing signature_key", 400),
        ("gross_amount as a number", 400),
        ("transaction_status as null", 400),
        ("order_id too long", 400),
        ("gross_amount with cents, validly signed", 400),
    ],
)
def test_a_malformed_notification_is_refused_and_stores_nothing(client, payment, data, expected):
    if isinstance(data, str):
        amount = "150000.50" if "cents" in data else None
        body = notification_body(payment, "settlement", gross_amount=amount)
        if data.startswith("missing"):
            del body[data.split()[1]]
        elif data == "gross_amount as a number":
            body["gross_amount"] = payment.amount
        elif data == "transaction_status as null":
            body["transaction_status"] = None
        elif data == "order_id too long":
            body["order_id"] = "K" * 51
        data = raw(body)
    before = snapshot(payment)

    response = post_notification(client, data)

    assert response.status_code == expected
    assert snapshot(payment) == before
    assert PaymentNotification.objects.count() == 0


@pytest.mark.django_db
@pytest.mark.parametrize("method", ["get", "put", "delete"])
def test_only_post_is_allowed(client, payment, method):
    before = snapshot(payment)

    response = getattr(client, method)(notification_url())

    assert response.status_code == 405
    assert snapshot(payment) == before


@pytest.mark.django_db
def test_the_endpoint_needs_no_csrf_token(payment):
    client = Client(enforce_csrf_checks=True)

    response = post_notification(client, notification_body(payment))

    assert response.status_code == 200
    assert Payment.objects.get(pk=payment.pk).status == P.PAID


# --- The state machine --------------------------------------------------------------------------


@pytest.mark.django_db
def test_an_expiry_after_settlement_is_stored_and_ignored(client, payment):
    post_notification(client, notification_body(payment, "settlement"))

    response = post_notification(client, notification_body(payment, "expire"))

    assert response.status_code == 200
    assert response.json() == {"status": "ignored: expire after paid"}
    assert_paid_once(payment, notifications=2)
    assert PaymentNotification.objects.get(transaction_status="expire").outcome == (
        "ignored: expire after paid"
    )


@pytest.mark.django_db
def test_a_settlement_after_an_expiry_still_pays(client, payment):
    post_notification(client, notification_body(payment, "expire"))
    assert Payment.objects.get(pk=payment.pk).status == P.EXPIRED

    response = post_notification(client, notification_body(payment, "settlement"))

    assert response.json() == {"status": "paid"}
    assert_paid_once(payment, notifications=2)


@pytest.mark.django_db
def test_a_card_capture_pays_only_when_the_fraud_check_accepts(client, order):
    challenged, accepted = payment_for(order, attempt=1), payment_for(order, attempt=2)

    first = post_notification(
        client, notification_body(challenged, "capture", fraud_status="challenge")
    )
    second = post_notification(
        client, notification_body(accepted, "capture", fraud_status="accept")
    )

    assert first.json() == {"status": "ignored: capture (fraud_status challenge) moves nothing"}
    assert Payment.objects.get(pk=challenged.pk).status == P.PENDING
    assert Journal.objects.filter(payment=challenged).count() == 0
    assert second.json() == {"status": "paid"}
    assert_paid_once(accepted)


@pytest.mark.django_db
def test_a_midtrans_payment_is_checked_with_the_midtrans_server_key(client, order):
    payment = payment_for(order, provider=Provider.MIDTRANS)

    response = post_notification(client, notification_body(payment, "settlement"))

    assert response.json() == {"status": "paid"}
    assert PaymentNotification.objects.get().provider == Provider.MIDTRANS
    assert_paid_once(payment)


@pytest.mark.django_db
def test_money_for_an_order_cancelled_meanwhile_is_booked_and_flagged_for_a_refund(
    client, payment, order, buyer
):
    t.order_cancel(order_id=order.pk, actor=buyer)

    response = post_notification(client, notification_body(payment, "settlement"))

    assert response.json() == {"status": "flagged: paid after the order was cancelled"}
    payment.refresh_from_db()
    assert payment.status == P.PAID  # the gateway holds the buyer's money
    assert payment.flag_reason == "paid after the order was cancelled: refund it"
    assert paid_journal_legs(payment) == [
        (AccountKind.GATEWAY_RECEIVABLE, order.grand_total),
        (AccountKind.ESCROW, -order.grand_total),
    ]
    statuses = ShopOrder.objects.filter(order=order).values_list("status", flat=True)
    assert sorted(statuses) == [S.CANCELLED, S.CANCELLED]


@pytest.mark.django_db
def test_a_second_attempt_paid_for_an_already_paid_order_is_flagged_for_a_refund(client, order):
    first, second = payment_for(order, attempt=1), payment_for(order, attempt=2)
    post_notification(client, notification_body(first, "settlement"))

    response = post_notification(client, notification_body(second, "settlement"))

    assert response.json() == {"status": "flagged: the order was already paid"}
    second.refresh_from_db()
    assert (second.status, second.flag_reason) == (
        P.PAID,
        "paid twice: the order was already paid through another payment: refund it",
    )
    assert_paid_once(first)


@pytest.mark.django_db
def test_refunds_and_chargebacks_after_settlement(client, order):
    refunded, partial, charged = (payment_for(order, attempt=n) for n in (1, 2, 3))
    for payment in (refunded, partial, charged):
        post_notification(client, notification_body(payment, "settlement"))

    answers = [
        post_notification(client, notification_body(refunded, "refund")).json(),
        post_notification(client, notification_body(partial, "partial_refund")).json(),
        post_notification(client, notification_body(charged, "chargeback")).json(),
    ]

    assert answers == [
        {"status": "refunded"},
        {"status": "partial refund recorded; payment stays paid"},
        {"status": "flagged: chargeback"},
    ]
    statuses = dict(Payment.objects.values_list("pk", "status"))
    assert [statuses[p.pk] for p in (refunded, partial, charged)] == [P.REFUNDED, P.PAID, P.PAID]
    charged.refresh_from_db()
    assert charged.flag_reason.endswith("chargeback reported by the gateway")


@pytest.mark.django_db
def test_a_refund_of_an_unpaid_payment_is_ignored(client, payment):
    response = post_notification(client, notification_body(payment, "refund"))

    assert response.json() == {"status": "ignored: refund after pending"}
    assert Payment.objects.get(pk=payment.pk).status == P.PENDING
    assert PaymentNotification.objects.get().outcome == "ignored: refund after pending"


# The reference the state machine must agree with, written independently of the service: what
# each gateway status stands for, folded over PAYMENT_TRANSITIONS (a move the map does not allow
# changes nothing).
GATEWAY_MEANS = {
    "pending": "pending",
    "settlement": "paid",
    "expire": "expired",
    "cancel": "cancelled",
    "deny": "failed",
    "refund": "refunded",
}


def reference(statuses: tuple[str, ...]) -> tuple[str, bool]:
    """(final status, whether it was ever paid)."""
    state, was_paid = "pending", False
    for status in statuses:
        target = GATEWAY_MEANS[status]
        if target in PAYMENT_TRANSITIONS[state]:
            state = target
            was_paid = was_paid or target == "paid"
    return state, was_paid


def test_the_reference_itself():
    assert reference(("settlement", "expire", "pending")) == ("paid", True)
    assert reference(("expire", "settlement", "refund")) == ("refunded", True)
    assert reference(("refund", "deny", "settlement")) == ("paid", True)
    assert reference(("cancel", "expire", "deny", "pending")) == ("cancelled", False)


@pytest.mark.django_db
def test_every_ordering_of_six_statuses_ends_where_the_state_machine_says(client, order):
    orderings = list(itertools.permutations(GATEWAY_MEANS))
    assert len(orderings) == 720
    through_http = set(orderings[::120])  # a few through the endpoint, the rest direct
    expected = {}
    for number, statuses in enumerate(orderings, start=1):
        payment = payment_for(order, attempt=number)
        for status in statuses:
            body = notification_body(payment, status)
            if statuses in through_http:
                assert post_notification(client, body).status_code == 200
            else:
                assert notification_receive(raw_body=raw(body)).http_status == 200
        expected[payment.pk] = (statuses, reference(statuses))

    finals = dict(Payment.objects.filter(order=order).values_list("pk", "status"))
    paid_journals = set(
        Journal.objects.filter(idempotency_key__startswith="paid:").values_list(
            "payment_id", flat=True
        )
    )
    wrong = {
        statuses: (finals[pk], state)
        for pk, (statuses, (state, was_paid)) in expected.items()
        if finals[pk] != state or (pk in paid_journals) != was_paid
    }
    assert wrong == {}
    assert Journal.objects.filter(payment__order=order).count() == len(paid_journals)
    assert PaymentNotification.objects.count() == 720 * 6
    # The order is paid once, by the first payment that settled; every later one is flagged.
    events = OrderEvent.objects.filter(shop_order__order=order, to_status=S.PAID)
    assert events.count() == 2
    assert json.loads(PaymentNotification.objects.first().raw_body)["order_id"]
