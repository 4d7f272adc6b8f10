"""Starting a payment of an order: one Payment per attempt, opened at its gateway."""

import datetime as dt
import logging
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from orders.models import Order, ShopOrderStatus
from payments.gateways.base import Gateway, GatewayError, gateway_for
from payments.models import Payment, PaymentStatus
from payments.services.errors import PaymentNotFound, PaymentRefused

logger = logging.getLogger(__name__)


def payment_choices() -> list[tuple[str, Any]]:
    """What a buyer may pay with, in the order of KOMEJI_PAYMENT_PROVIDERS: (value, label), the
    value being "<provider>:<method>" (see `choice_parse`)."""
    choices: list[tuple[str, Any]] = []
    for provider in settings.KOMEJI_PAYMENT_PROVIDERS:
        try:
            gateway = gateway_for(provider)
        except GatewayError:
            continue
        choices += [(f"{provider}:{method}", label) for method, label in gateway.methods]
    return choices


def choice_parse(value: str) -> tuple[str, str]:
    """ "midtrans:" → ("midtrans", ""); "sandbox:va" → ("sandbox", "va")."""
    provider, _sep, method = value.partition(":")
    return provider, method


def _gateway(provider: str, method: str) -> Gateway:
    if provider not in settings.KOMEJI_PAYMENT_PROVIDERS:
        raise PaymentRefused(_("This payment method is not available."))
    try:
        gateway = gateway_for(provider)
    except GatewayError:
        raise PaymentRefused(_("This payment method is not available.")) from None
    if method not in {value for value, _label in gateway.methods}:
        raise PaymentRefused(_("This payment method is not available."))
    return gateway


def _expiry(provider: str) -> dt.timedelta:
    """How long an attempt with `provider` stays open (KOMEJI_PAYMENT_EXPIRY_HOURS)."""
    hours = settings.KOMEJI_PAYMENT_EXPIRY_HOURS.get(provider, settings.KOMEJI_PAYMENT_HOURS)
    return dt.timedelta(hours=hours)


def _open_attempt(*, order_id: int, buyer: Any, provider: str, method: str) -> tuple[Payment, bool]:
    """Under a lock on the order: the pending payment to reuse (True), or a new one (False)."""
    now = timezone.now()
    with transaction.atomic():
        order = Order.objects.select_for_update().filter(pk=order_id).first()
        if order is None or order.buyer_id != getattr(buyer, "pk", None):
            raise PaymentNotFound
        awaiting = order.shop_orders.filter(status=ShopOrderStatus.AWAITING_PAYMENT).exists()
        if order.paid_at is not None or not awaiting:
            raise PaymentRefused(_("This order is not waiting for payment."))
        if order.payment_due_at <= now:
            raise PaymentRefused(_("The time to pay this order has passed."))
        existing = (
            Payment.objects.filter(
                order=order,
                provider=provider,
                method=method,
                status=PaymentStatus.PENDING,
                expires_at__gt=now,
            )
            .exclude(redirect_url="")
            .order_by("-created_at", "-id")
            .first()
        )
        if existing is not None:
            return existing, True
        # Every attempt has its own gateway order id: Midtrans refuses one it has seen.
        attempt = Payment.objects.filter(order=order).count() + 1
        payment = Payment.objects.create(
            order=order,
            provider=provider,
            method=method,
            gateway_order_id=f"{order.number}-{attempt}",
            amount=order.grand_total,
            expires_at=min(order.payment_due_at, now + _expiry(provider)),
        )
        return payment, False


def payment_start(*, order_id: int, buyer: Any, provider: str, method: str = "") -> Payment:
    """Start (or resume) paying the buyer's order with `provider` and `method`; the returned
    payment's `redirect_url` is where the buyer pays.

    Refused (PaymentRefused, nothing written): a provider or method not offered, an order not
    waiting for payment or past its payment time. PaymentNotFound: not the buyer's order.
    A pending payment of the same provider and method is reused (a double click, the back
    button). The gateway is called after the payment row is committed and no lock is held; if it
    fails (GatewayError, re-raised) the attempt is marked failed and the next one gets a new
    gateway order id."""
    gateway = _gateway(provider, method)
    payment, reused = _open_attempt(
        order_id=order_id, buyer=buyer, provider=provider, method=method
    )
    if reused:
        return payment
    try:
        created = gateway.create(payment)
    except GatewayError:
        logger.warning("gateway %s refused %s", provider, payment.gateway_order_id, exc_info=True)
        Payment.objects.filter(pk=payment.pk, status=PaymentStatus.PENDING).update(
            status=PaymentStatus.FAILED,
            updated_at=timezone.now(),
        )
        raise
    payment.redirect_url = created.redirect_url
    payment.instructions = created.instructions
    payment.save(update_fields=["redirect_url", "instructions", "updated_at"])
    return payment
