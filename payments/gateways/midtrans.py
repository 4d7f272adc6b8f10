"""Midtrans: Snap to pay (the buyer chooses the channel on Midtrans' page), the Core API for a
transaction's status and for refunds (../shared/PAYMENTS.md). Notifications arrive at
payments:notification like the sandbox's.

Requests go with HTTP Basic auth (the server key, an empty password) and JSON, with timeouts;
an answer other than 2xx raises GatewayError with what Midtrans said."""

import math
from typing import Any

import requests
from django.conf import settings
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from orders.models import OrderLine, ShopOrder
from payments.gateways.base import Created, GatewayError
from payments.models import Payment

PROVIDER = "midtrans"
# (connect, read) seconds: a slow gateway must not hold a web worker for long.
TIMEOUT = (5, 20)
# Snap shows these channels: virtual accounts of BCA, BNI, BRI, Mandiri (echannel) and Permata,
# QRIS, GoPay, ShopeePay, and paying at Indomaret or Alfamart.
ENABLED_PAYMENTS = [
    "bca_va",
    "bni_va",
    "bri_va",
    "echannel",
    "permata_va",
    "other_qris",
    "gopay",
    "shopeepay",
    "indomaret",
    "alfamart",
]
METHODS: list[tuple[str, Any]] = [
    ("", _("Midtrans: virtual account, QRIS, GoPay, ShopeePay, Indomaret or Alfamart")),
]
NAME_MAX = 50  # Midtrans' limit on item names, ids and merchant names


def _cut(text: str) -> str:
    return text[:NAME_MAX]


def item_details(payment: Payment) -> list[dict[str, Any]]:
    """One item per order line and one shipping item per shop: their sum is the order total,
    which Midtrans requires to equal gross_amount."""
    items: list[dict[str, Any]] = []
    shop_orders = ShopOrder.objects.filter(order_id=payment.order_id).order_by("pk")
    lines = OrderLine.objects.filter(shop_order__order_id=payment.order_id).order_by("pk")
    lines_of: dict[int, list[OrderLine]] = {}
    for line in lines:
        lines_of.setdefault(line.shop_order_id, []).append(line)
    for shop_order in shop_orders:
        for line in lines_of.get(shop_order.pk, []):
            name = line.product_name
            if line.variant_name:
                name = f"{name} ({line.variant_name})"
            items.append(
                {
                    "id": _cut(line.sku or f"LINE-{line.pk}"),
                    "price": line.unit_price,
                    "quantity": line.quantity,
                    "name": _cut(name),
                    "merchant_name": _cut(shop_order.shop_name),
                }
            )
        if shop_order.shipping_fee:
            courier = f"{shop_order.get_courier_display()} {shop_order.courier_service}".strip()
            items.append(
                {
                    "id": f"SHIP-{shop_order.pk}",
                    "price": shop_order.shipping_fee,
                    "quantity": 1,
                    "name": _cut(f"Ongkir {courier}"),
                    "merchant_name": _cut(shop_order.shop_name),
                }
            )
    return items


def snap_body(payment: Payment, *, now: Any = None) -> dict[str, Any]:
    """The Snap create-transaction request for `payment` (its order is loaded here)."""
    now = now or timezone.now()
    order = payment.order
    items = item_details(payment)
    total = sum(item["price"] * item["quantity"] for item in items)
    if total != payment.amount:
        raise GatewayError(f"items sum to {total}, the payment is {payment.amount}")
    minutes = max(1, math.floor((payment.expires_at - now).total_seconds() / 60))
    buyer = order.buyer
    return {
        "transaction_details": {"order_id": payment.gateway_order_id, "gross_amount": total},
        "item_details": items,
        "customer_details": {
            "first_name": _cut(getattr(buyer, "full_name", "") or order.recipient_name),
            "email": buyer.email,
            "phone": order.recipient_phone,
            "shipping_address": {
                "first_name": _cut(order.recipient_name),
                "phone": order.recipient_phone,
                "address": order.street[:200],
                "city": str(order.region)[:50],
                "postal_code": order.postal_code,
                "country_code": "IDN",
            },
        },
        "enabled_payments": [payment.method] if payment.method else ENABLED_PAYMENTS,
        "expiry": {"unit": "minute", "duration": minutes},
        "callbacks": {
            "finish": settings.KOMEJI_BASE_URL + reverse("orders:order_detail", args=[order.number])
        },
    }


def _request(
    method: str, url: str, body: dict[str, Any] | None = None, *, also_ok: tuple[int, ...] = ()
) -> dict[str, Any]:
    try:
        response = requests.request(
            method,
            url,
            json=body,
            auth=(settings.MIDTRANS_SERVER_KEY, ""),
            headers={"Accept": "application/json"},
            timeout=TIMEOUT,
        )
    except requests.RequestException as exc:
        raise GatewayError(f"Midtrans could not be reached: {exc}") from exc
    try:
        answer = response.json()
    except ValueError:
        answer = {}
    if not 200 <= response.status_code < 300 and response.status_code not in also_ok:
        said = answer.get("error_messages") or answer.get("status_message") or response.text
        raise GatewayError(f"Midtrans answered {response.status_code}: {said}")
    if not isinstance(answer, dict):
        raise GatewayError(f"Midtrans answered {response.status_code} without a JSON object")
    return answer


class MidtransGateway:
    provider = PROVIDER
    methods = METHODS

    def create(self, payment: Payment) -> Created:
        answer = _request(
            "POST", f"{settings.MIDTRANS_SNAP_URL}/snap/v1/transactions", snap_body(payment)
        )
        redirect_url = answer.get("redirect_url")
        if not isinstance(redirect_url, str) or not redirect_url.startswith(
            ("https://", "http://")
        ):
            raise GatewayError(f"Midtrans gave no redirect_url: {answer}")
        return Created(redirect_url=redirect_url, instructions={"token": answer.get("token", "")})

    def status(self, payment: Payment) -> dict[str, Any]:
        """The transaction as Midtrans knows it; its `status_code` "404" means Midtrans has
        none under this order id (the buyer never chose a channel on Snap)."""
        return _request(
            "GET",
            f"{settings.MIDTRANS_API_URL}/v2/{payment.gateway_order_id}/status",
            also_ok=(404,),
        )

    def refund(self, payment: Payment, amount: int, key: str, reason: str = "") -> dict[str, Any]:
        answer = _request(
            "POST",
            f"{settings.MIDTRANS_API_URL}/v2/{payment.gateway_order_id}/refund",
            {"refund_key": key, "amount": amount, "reason": reason},
        )
        # The Core API answers HTTP 200 with the verdict in the body.
        if str(answer.get("status_code", "")) not in ("200", "201"):
            raise GatewayError(
                f"Midtrans refused the refund ({answer.get('status_code')}): "
                f"{answer.get('status_message', '')}"
            )
        return answer
