"""Payments fixtures: an order of two shops placed through checkout (tests/orders/conftest.py),
a pending Payment of it created directly as given state, and signed Midtrans-format
notification bodies."""

import json
from typing import Any

import pytest
from django.urls import reverse

from orders.models import Order
from payments.gateways.signature import midtrans_signature
from payments.models import Payment, PaymentStatus, Provider
from tests.orders.conftest import *  # noqa: F403
from tests.orders.conftest import fill_cart, place, variant

MIDTRANS_TEST_KEY = "SB-Mid-server-TEST"


@pytest.fixture(autouse=True)
def _server_keys(settings) -> None:
    settings.KOMEJI_SANDBOX_SERVER_KEY = "SB-Komeji-sandbox-test"
    settings.MIDTRANS_SERVER_KEY = MIDTRANS_TEST_KEY


@pytest.fixture
def order(buyer, address, tempe, batik) -> Order:
    """Two Keripik Tempe Pedas (2 x Rp 25.000) and one batik (Rp 350.000), with shipping: two
    ShopOrders awaiting payment."""
    fill_cart(buyer, (variant(tempe, 0), 2), (variant(batik), 1))
    return place(buyer, address)


def payment_for(
    order: Order, *, attempt: int = 1, provider: str = Provider.SANDBOX, amount: int | None = None
) -> Payment:
    """Given state: a pending payment attempt of the order (the pay flow's tests cover how)."""
    return Payment.objects.create(
        order=order,
        provider=provider,
        method="bca_va",
        gateway_order_id=f"{order.number}-{attempt}",
        amount=order.grand_total if amount is None else amount,
        status=PaymentStatus.PENDING,
        expires_at=order.payment_due_at,
    )


@pytest.fixture
def payment(order) -> Payment:
    return payment_for(order)


def server_key_of(payment: Payment) -> str:
    from django.conf import settings

    if payment.provider == Provider.MIDTRANS:
        return settings.MIDTRANS_SERVER_KEY
    return settings.KOMEJI_SANDBOX_SERVER_KEY


def notification_body(
    payment: Payment,
    transaction_status: str = "settlement",
    *,
    gross_amount: str | None = None,
    status_code: str | None = None,
    transaction_id: str | None = None,
    server_key: str | None = None,
    **extra: Any,
) -> dict[str, Any]:
    """A notification as Midtrans sends it (PAYMENTS.md), signed with the payment's provider's
    key unless `server_key` says otherwise."""
    gross_amount = f"{payment.amount}.00" if gross_amount is None else gross_amount
    status_code = status_code or {"settlement": "200", "capture": "200"}.get(
        transaction_status, "201" if transaction_status == "pending" else "202"
    )
    body = {
        "transaction_time": "2026-03-02 10:15:00",
        "transaction_status": transaction_status,
        "transaction_id": transaction_id or f"tx-{payment.gateway_order_id}",
        "status_message": "midtrans payment notification",
        "status_code": status_code,
        "payment_type": "bank_transfer",
        "va_numbers": [{"bank": "bca", "va_number": "12345678901"}],
        "order_id": payment.gateway_order_id,
        "merchant_id": "G123456789",
        "gross_amount": gross_amount,
        "fraud_status": "accept",
        "currency": "IDR",
    }
    body.update(extra)
    body["signature_key"] = midtrans_signature(
        body["order_id"],
        body["status_code"],
        body["gross_amount"],
        server_key if server_key is not None else server_key_of(payment),
    )
    return body


def raw(body: dict[str, Any]) -> bytes:
    return json.dumps(body).encode()


def notification_url() -> str:
    return reverse("payments:notification")


def post_notification(client, body: dict[str, Any] | bytes):
    data = body if isinstance(body, bytes) else raw(body)
    return client.post(notification_url(), data=data, content_type="application/json")
