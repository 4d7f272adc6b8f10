"""Notifications from the gateways that speak Midtrans' format (the sandbox and Midtrans), and the
payment state machine they drive (../shared/PAYMENTS.md, DESIGN.md "Payments and escrow").

A notification is checked (JSON, fields, known payment, signature over the raw strings), stored
raw once per (provider, transaction id, status), and applied under a lock on its Payment. A
duplicate changes nothing; a news that arrives out of order and that PAYMENT_TRANSITIONS does not
allow (an expiry after settlement) is stored, logged and ignored; a valid notification whose
amount differs from the payment is flagged for Finance and books nothing.

Midtrans status → PaymentStatus: settlement → paid; capture → paid only with fraud_status
"accept" (a "challenge" waits for the decision); pending → pending; expire → expired; cancel →
cancelled; deny → failed; refund → refunded (only from paid). A partial_refund is recorded on the
notification and the payment stays paid (the refund flow books what was returned); a chargeback is
recorded and the payment flagged for Finance.
"""

import json
import logging
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone

from komeji.common.money import InvalidAmount, parse_gateway_amount
from orders.models import Order
from orders.services.transitions import order_mark_paid
from payments.gateways.signature import signature_matches
from payments.models import (
    PAYMENT_TRANSITIONS,
    Payment,
    PaymentNotification,
    PaymentStatus,
    Provider,
)
from payments.services.bookings import payment_settled_book

logger = logging.getLogger(__name__)

P = PaymentStatus

# The string fields every notification must carry, with the longest value Komeji stores.
_REQUIRED: dict[str, int] = {
    "order_id": 50,
    "status_code": 10,
    "gross_amount": 30,
    "signature_key": 256,
    "transaction_id": 100,
    "transaction_status": 30,
}

# Gateway statuses that map to one PaymentStatus whatever else the notification says.
_PLAIN: dict[str, str] = {
    "settlement": P.PAID,
    "pending": P.PENDING,
    "expire": P.EXPIRED,
    "cancel": P.CANCELLED,
    "deny": P.FAILED,
    "refund": P.REFUNDED,
}


@dataclass(frozen=True)
class Received:
    """What the endpoint answers: the HTTP status and what was done ("paid", "duplicate",
    "ignored: …", "flagged: …", or why it was refused)."""

    http_status: int
    outcome: str


def server_key_for(provider: str) -> str:
    """The key that signs the provider's notifications; "" for a provider that sends none."""
    if provider == Provider.SANDBOX:
        return str(settings.KOMEJI_SANDBOX_SERVER_KEY)
    if provider == Provider.MIDTRANS:
        return str(settings.MIDTRANS_SERVER_KEY)
    return ""


def _parse(raw_body: bytes) -> dict[str, Any] | None:
    try:
        payload = json.loads(raw_body)
    except ValueError:  # JSONDecodeError and UnicodeDecodeError
        return None
    return payload if isinstance(payload, dict) else None


def _invalid_fields(payload: dict[str, Any]) -> list[str]:
    return [
        name
        for name, longest in _REQUIRED.items()
        if not isinstance(payload.get(name), str)
        or not payload[name]
        or len(payload[name]) > longest
        or "\x00" in payload[name]  # PostgreSQL text cannot hold it
    ]


def notification_receive(*, raw_body: bytes) -> Received:
    """Check, store and apply one notification body exactly as it arrived.

    400: not a JSON object, a required field missing or not a string, an amount that is not whole
    rupiah. 404: no payment has this order id. 403: the signature does not match the payment's
    provider's key. Nothing is stored for any of these. 200 otherwise, duplicates included."""
    payload = _parse(raw_body)
    if payload is None:
        return Received(400, "malformed body")
    invalid = _invalid_fields(payload)
    if invalid:
        return Received(400, "invalid fields: " + ", ".join(invalid))
    payment = Payment.objects.filter(gateway_order_id=payload["order_id"]).first()
    if payment is None:
        logger.warning("payment notification for unknown order id %r", payload["order_id"])
        return Received(404, "unknown order")
    if not signature_matches(payload, server_key_for(payment.provider)):
        logger.warning(
            "payment notification with a bad signature for %s (%s)",
            payment.gateway_order_id,
            payload["transaction_status"],
        )
        return Received(403, "bad signature")
    try:
        amount = parse_gateway_amount(payload["gross_amount"])
    except InvalidAmount:
        return Received(400, "invalid gross_amount")

    with transaction.atomic():
        try:
            with transaction.atomic():
                notification = PaymentNotification.objects.create(
                    provider=payment.provider,
                    payment=payment,
                    gateway_order_id=payment.gateway_order_id,
                    transaction_id=payload["transaction_id"],
                    transaction_status=payload["transaction_status"],
                    status_code=payload["status_code"],
                    gross_amount=payload["gross_amount"],
                    raw_body=raw_body.decode(json.detect_encoding(raw_body)),
                )
        except IntegrityError:
            # The same news already stored (and applied, or being applied by a concurrent
            # delivery that committed first).
            return Received(200, "duplicate")
        payment = Payment.objects.select_for_update().get(pk=payment.pk)
        outcome = _apply(payment=payment, payload=payload, amount=amount)
        notification.outcome = outcome[:200]
        notification.save(update_fields=["outcome", "updated_at"])
    if outcome.startswith(("ignored", "flagged")):
        logger.warning("payment %s: %s", payment.gateway_order_id, outcome)
    return Received(200, outcome)


def _target(payload: dict[str, Any]) -> str | None:
    """The PaymentStatus the gateway status stands for, or None when it moves nothing."""
    status = payload["transaction_status"]
    if status == "capture":
        return P.PAID if payload.get("fraud_status") == "accept" else None
    return _PLAIN.get(status)


def _flag(payment: Payment, reason: str) -> None:
    payment.flagged_at = payment.flagged_at or timezone.now()
    payment.flag_reason = f"{payment.flag_reason}\n{reason}".strip()
    payment.save(update_fields=["flagged_at", "flag_reason", "updated_at"])


def _apply(*, payment: Payment, payload: dict[str, Any], amount: int) -> str:
    """The state machine. Call under a lock on `payment`, in the notification's transaction."""
    status = payload["transaction_status"]
    if amount != payment.amount:
        reason = f"{status} notification for Rp {amount}, payment is Rp {payment.amount}"
        _flag(payment, reason)
        return f"flagged: amount differs ({reason})"
    if status == "chargeback":
        _flag(payment, "chargeback reported by the gateway")
        return "flagged: chargeback"
    if status == "partial_refund":
        if payment.status != P.PAID:
            return f"ignored: partial_refund while {payment.status}"
        return "partial refund recorded; payment stays paid"
    target = _target(payload)
    if target is None:
        fraud = payload.get("fraud_status")
        detail = f" (fraud_status {fraud})" if isinstance(fraud, str) and fraud else ""
        return f"ignored: {status}{detail} moves nothing"
    if target == payment.status:
        return f"unchanged: already {payment.status}"
    if target not in PAYMENT_TRANSITIONS[payment.status]:
        return f"ignored: {status} after {payment.status}"
    if target == P.PAID:
        return _paid(payment=payment, transaction_id=payload["transaction_id"])
    payment.status = target
    payment.save(update_fields=["status", "updated_at"])
    return str(target)


def _paid(*, payment: Payment, transaction_id: str) -> str:
    payment.status = P.PAID
    payment.paid_at = timezone.now()
    payment.transaction_id = transaction_id
    payment.save(update_fields=["status", "paid_at", "transaction_id", "updated_at"])
    payment_settled_book(payment=payment)
    moved = order_mark_paid(
        order_id=payment.order_id, source=f"{payment.provider} {payment.gateway_order_id}"
    )
    if moved:
        return "paid"
    # The money arrived but the order no longer waits for it. The refund flow arrives later:
    # until then Finance refunds it by hand.
    if Order.objects.filter(pk=payment.order_id, paid_at__isnull=False).exists():
        _flag(payment, "paid twice: the order was already paid through another payment: refund it")
        return "flagged: the order was already paid"
    _flag(payment, "paid after the order was cancelled: refund it")
    return "flagged: paid after the order was cancelled"


def notification_apply_fetched(*, payment_id: int, payload: dict[str, Any]) -> Received:
    """Apply what Komeji itself asked the gateway (its status API, for reconciliation) through
    the same state machine as a notification: stored once per (provider, transaction id, status)
    and applied under the Payment's lock. No signature check: the answer came back on Komeji's
    own authenticated request. Call outside any transaction holding locks.

    400: a required field (other than the signature) missing, or an amount that is not whole
    rupiah; 404: no such payment. Nothing is stored for these. 200 otherwise, duplicates
    included."""
    invalid = [name for name in _invalid_fields(payload) if name != "signature_key"]
    if invalid:
        return Received(400, "invalid fields: " + ", ".join(invalid))
    payment = Payment.objects.filter(pk=payment_id, gateway_order_id=payload["order_id"]).first()
    if payment is None:
        return Received(404, "unknown order")
    try:
        amount = parse_gateway_amount(payload["gross_amount"])
    except InvalidAmount:
        return Received(400, "invalid gross_amount")
    with transaction.atomic():
        try:
            with transaction.atomic():
                notification = PaymentNotification.objects.create(
                    provider=payment.provider,
                    payment=payment,
                    gateway_order_id=payment.gateway_order_id,
                    transaction_id=payload["transaction_id"],
                    transaction_status=payload["transaction_status"],
                    status_code=str(payload.get("status_code", ""))[:10],
                    gross_amount=payload["gross_amount"],
                    raw_body=json.dumps(payload, sort_keys=True),
                )
        except IntegrityError:
            return Received(200, "duplicate")
        payment = Payment.objects.select_for_update().get(pk=payment.pk)
        outcome = _apply(payment=payment, payload=payload, amount=amount)
        notification.outcome = outcome[:200]
        notification.save(update_fields=["outcome", "updated_at"])
    if outcome.startswith(("ignored", "flagged")):
        logger.warning("payment %s (status API): %s", payment.gateway_order_id, outcome)
    return Received(200, outcome)
