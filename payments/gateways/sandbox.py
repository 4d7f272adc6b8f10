"""The sandbox gateway: Komeji's own payment page for the demo and development.

It pretends to be Midtrans: the buyer presses Pay / Fail / Expire on the sandbox page, and a task
(payments.tasks.sandbox_notify) sends a Midtrans-format notification signed with
KOMEJI_SANDBOX_SERVER_KEY over HTTP to the notification endpoint, through the same code path as a
real gateway's."""

import uuid
from typing import Any

import segno
from django.conf import settings
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from payments.gateways.base import Created
from payments.gateways.signature import midtrans_signature
from payments.models import Payment, PaymentStatus

PROVIDER = "sandbox"

VA = "va"
QRIS = "qris"
EWALLET = "ewallet"
METHODS: list[tuple[str, Any]] = [
    (VA, _("Virtual account (sandbox)")),
    (QRIS, _("QRIS (sandbox)")),
    (EWALLET, _("E-wallet (sandbox)")),
]
PAYMENT_TYPES = {VA: "bank_transfer", QRIS: "qris", EWALLET: "gopay"}

# What the sandbox page's buttons make the "gateway" say, with Midtrans' status codes.
SETTLEMENT = "settlement"
DENY = "deny"
EXPIRE = "expire"
STATUS_CODES = {SETTLEMENT: "200", DENY: "202", EXPIRE: "407"}
_STATUS_OF_PAYMENT = {
    PaymentStatus.PENDING: ("pending", "201"),
    PaymentStatus.PAID: ("settlement", "200"),
    PaymentStatus.EXPIRED: ("expire", "407"),
    PaymentStatus.CANCELLED: ("cancel", "200"),
    PaymentStatus.FAILED: ("deny", "202"),
    PaymentStatus.REFUNDED: ("refund", "200"),
}
# The sandbox's transaction ids are derived from the gateway order id: a retried or repeated
# notification carries the same id, as Midtrans' would.
_NAMESPACE = uuid.UUID("6f1b7f0e-6c1d-4a55-9a86-0b0f3f6d5a11")


def va_number(payment: Payment) -> str:
    """A fake 16-digit virtual-account number: the sandbox's "bank" prefix and the payment."""
    return f"8808{payment.pk:012d}"


def qr_string(payment: Payment) -> str:
    return f"KOMEJI-SANDBOX:{payment.gateway_order_id}:{payment.amount}"


def qr_svg(data: str) -> str:
    """The QR code of `data` as inline SVG, drawn here (no outside service, no image file)."""
    svg: str = segno.make(data, error="m").svg_inline(scale=5, title="QRIS")
    return svg


def transaction_id(payment: Payment) -> str:
    return payment.transaction_id or str(uuid.uuid5(_NAMESPACE, payment.gateway_order_id))


def _wib(moment: Any) -> str:
    return timezone.localtime(moment).strftime("%Y-%m-%d %H:%M:%S")


def notification(payment: Payment, transaction_status: str, *, now: Any = None) -> dict[str, Any]:
    """The notification Midtrans would send for `payment` reaching `transaction_status`
    (settlement, deny or expire), signed with the sandbox's server key."""
    now = now or timezone.now()
    status_code = STATUS_CODES[transaction_status]
    gross_amount = f"{payment.amount}.00"
    body: dict[str, Any] = {
        "transaction_time": _wib(payment.created_at or now),
        "transaction_status": transaction_status,
        "transaction_id": transaction_id(payment),
        "status_message": "midtrans payment notification",
        "status_code": status_code,
        "signature_key": midtrans_signature(
            payment.gateway_order_id,
            status_code,
            gross_amount,
            settings.KOMEJI_SANDBOX_SERVER_KEY,
        ),
        "payment_type": PAYMENT_TYPES.get(payment.method, "bank_transfer"),
        "order_id": payment.gateway_order_id,
        "merchant_id": "KOMEJI-SANDBOX",
        "gross_amount": gross_amount,
        "fraud_status": "accept",
        "currency": "IDR",
    }
    if transaction_status == SETTLEMENT:
        body["settlement_time"] = _wib(now)
    if payment.method == VA:
        body["va_numbers"] = [{"bank": "sandbox", "va_number": va_number(payment)}]
    elif payment.method == QRIS:
        body["acquirer"] = "sandbox"
    return body


class SandboxGateway:
    provider = PROVIDER
    methods = METHODS

    def create(self, payment: Payment) -> Created:
        instructions: dict[str, Any] = {"method": payment.method}
        if payment.method == VA:
            instructions["va_number"] = va_number(payment)
        else:
            instructions["qr_string"] = qr_string(payment)
        return Created(
            redirect_url=reverse("payments:sandbox_page", args=[payment.gateway_order_id]),
            instructions=instructions,
        )

    def status(self, payment: Payment) -> dict[str, Any]:
        """The sandbox's "gateway" is Komeji itself: it knows what the notifications said."""
        transaction_status, status_code = _STATUS_OF_PAYMENT[PaymentStatus(payment.status)]
        return {
            "status_code": status_code,
            "transaction_status": transaction_status,
            "transaction_id": transaction_id(payment),
            "order_id": payment.gateway_order_id,
            "gross_amount": f"{payment.amount}.00",
            "payment_type": PAYMENT_TYPES.get(payment.method, "bank_transfer"),
            "fraud_status": "accept",
            "currency": "IDR",
        }

    def refund(self, payment: Payment, amount: int, key: str) -> dict[str, Any]:
        """Always approved: no money moved in the sandbox."""
        return {
            "status_code": "200",
            "status_message": "Success, refund request is approved",
            "transaction_id": transaction_id(payment),
            "order_id": payment.gateway_order_id,
            "gross_amount": f"{payment.amount}.00",
            "currency": "IDR",
            "transaction_status": "refund" if amount >= payment.amount else "partial_refund",
            "refund_amount": f"{amount}.00",
            "refund_key": key,
        }
