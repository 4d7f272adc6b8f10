"""Refunds at the gateway of paid ShopOrders cancelled before completion (DESIGN.md "Ledger":
refund before completion).

The cancellation (orders.services.transitions.shop_order_transition) records `refund_amount`,
books `refund:<shop order id>` (escrow → refunds) and, after commit, calls `refund_queue`. The task
(payments.tasks_refunds) then calls `shop_order_refund_send`: the gateway's refund API with the
deterministic key `refund-<shop order id>`, outside any transaction, so a retried or doubled task
is not a second refund (the gateway answers the same key with the first refund). The answer is
recorded on the ShopOrder: sent (time, gateway reference) or the error (retried with backoff; the
periodic `refunds_retry` sends again unsent refunds older than 10 minutes).

Refunded at the gateway only when the order's payment was booked (`order_payment_booked`) and
its provider has a refund API (sandbox, midtrans). Otherwise (bank transfer, no booked payment, or
the gateway kept failing) the ShopOrder is left to Finance for a manual refund
(`refund_manual_at`) and the Finance group is notified.
"""

import datetime as dt
import logging
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import transaction
from django.db.models import F, QuerySet
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from komeji.common.money import format_rupiah
from komeji.common.services import notification_send
from orders.models import ShopOrder
from payments.gateways.base import GatewayError, gateway_for
from payments.models import Payment, PaymentStatus, Provider
from payments.services.bookings import PAID_KIND, order_payment_booked

logger = logging.getLogger(__name__)

# The providers whose gateway refunds through its API.
REFUNDABLE = (Provider.SANDBOX, Provider.MIDTRANS)
# After this many failed attempts the refund is left to Finance.
MAX_ATTEMPTS = 12
# An unsent refund older than this is queued again by the periodic job.
REQUEUE_AFTER = dt.timedelta(minutes=10)
FINANCE_GROUP = "Finance"


class RefundNotSent(Exception):
    """The gateway refused or could not be reached: try again later."""


@dataclass(frozen=True)
class RefundResult:
    """What one attempt did: "sent", "already sent", "nothing to refund", "manual: …", or
    "error: …" (then RefundNotSent is raised instead)."""

    outcome: str
    reference: str = ""


def refund_key(shop_order_id: int) -> str:
    return f"refund-{shop_order_id}"


def refund_queue(*, shop_order_id: int) -> None:
    """Queue the refund of a cancelled paid ShopOrder. Call after commit (`on_commit`)."""
    from payments.tasks_refunds import shop_order_refund_send_task

    shop_order_refund_send_task.delay(shop_order_id)


def refundable_payment(*, order_id: int) -> Payment | None:
    """The order's payment whose money is in escrow: settled and booked (its `paid:` journal),
    the first one when the order was paid twice."""
    return (
        Payment.objects.filter(
            order_id=order_id,
            status=PaymentStatus.PAID,
            journals__kind=PAID_KIND,
        )
        .order_by("paid_at", "pk")
        .first()
    )


def _finance_users() -> QuerySet[Any]:
    return get_user_model().objects.filter(groups__name=FINANCE_GROUP, is_active=True)


def _leave_to_finance(shop_order_id: int, reason: str) -> RefundResult:
    with transaction.atomic():
        shop_order = (
            ShopOrder.objects.select_for_update(of=("self",))
            .select_related("order")
            .get(pk=shop_order_id)
        )
        if shop_order.refund_sent_at is not None:
            return RefundResult("already sent", shop_order.refund_reference)
        if shop_order.refund_manual_at is None:
            shop_order.refund_manual_at = timezone.now()
            shop_order.refund_error = reason
            shop_order.save(update_fields=["refund_manual_at", "refund_error", "updated_at"])
        url = reverse("admin:orders_shoporder_change", args=[shop_order.pk])
        for user in _finance_users():
            with translation.override(getattr(user, "language", "") or settings.LANGUAGE_CODE):
                notification_send(
                    recipient=user,
                    kind="refund_manual",
                    title=_("Refund %(amount)s by hand for order %(number)s")
                    % {
                        "amount": format_rupiah(shop_order.refund_amount),
                        "number": shop_order.order.number,
                    },
                    body=reason,
                    url=url,
                    dedupe_key=f"refund_manual:{shop_order.pk}:{user.pk}",
                )
    logger.warning("refund of shop order %s left to Finance: %s", shop_order_id, reason)
    return RefundResult(f"manual: {reason}")


def shop_order_refund_send(*, shop_order_id: int) -> RefundResult:
    """Send the ShopOrder's refund to its gateway, once. Call outside any transaction: it calls
    the gateway (network) holding no lock, then records the answer under the ShopOrder's lock.
    Raises RefundNotSent when the gateway refused or could not be reached (the error and the
    attempt are recorded; the caller retries)."""
    shop_order = ShopOrder.objects.filter(pk=shop_order_id).first()
    if shop_order is None or shop_order.refund_amount <= 0:
        return RefundResult("nothing to refund")
    if shop_order.refund_sent_at is not None:
        return RefundResult("already sent", shop_order.refund_reference)
    if shop_order.refund_manual_at is not None:
        return RefundResult("manual: already left to Finance")
    payment = refundable_payment(order_id=shop_order.order_id)
    if payment is None or not order_payment_booked(order_id=shop_order.order_id):
        return _leave_to_finance(
            shop_order_id, "no settled, booked payment to refund through a gateway"
        )
    if payment.provider not in REFUNDABLE:
        return _leave_to_finance(shop_order_id, f"paid by {payment.provider}: no refund API")

    key = refund_key(shop_order_id)
    try:
        answer = gateway_for(payment.provider).refund(payment, shop_order.refund_amount, key)
    except GatewayError as exc:
        error = str(exc)[:1000]
        with transaction.atomic():
            updated = ShopOrder.objects.filter(
                pk=shop_order_id, refund_sent_at__isnull=True
            ).update(
                refund_attempts=F("refund_attempts") + 1,
                refund_error=error,
                updated_at=timezone.now(),
            )
            attempts = ShopOrder.objects.values_list("refund_attempts", flat=True).get(
                pk=shop_order_id
            )
        logger.warning("refund %s of %s not sent: %s", key, payment.gateway_order_id, error)
        if updated and attempts >= MAX_ATTEMPTS:
            return _leave_to_finance(
                shop_order_id, f"the gateway refused {attempts} times; last: {error}"
            )
        raise RefundNotSent(error) from exc

    reference = str(answer.get("refund_chargeback_id") or answer.get("refund_key") or key)[:100]
    with transaction.atomic():
        locked = ShopOrder.objects.select_for_update(of=("self",)).get(pk=shop_order_id)
        if locked.refund_sent_at is not None:
            return RefundResult("already sent", locked.refund_reference)
        locked.refund_sent_at = timezone.now()
        locked.refund_reference = reference
        locked.refund_attempts += 1
        locked.refund_error = ""
        locked.save(
            update_fields=[
                "refund_sent_at",
                "refund_reference",
                "refund_attempts",
                "refund_error",
                "updated_at",
            ]
        )
    return RefundResult("sent", reference)


def refunds_unsent(*, now: dt.datetime | None = None) -> QuerySet[ShopOrder]:
    """Refunds due for more than REQUEUE_AFTER, neither sent nor left to Finance."""
    now = now or timezone.now()
    return ShopOrder.objects.filter(
        refund_amount__gt=0,
        refund_sent_at__isnull=True,
        refund_manual_at__isnull=True,
        refund_requested_at__lte=now - REQUEUE_AFTER,
    ).order_by("refund_requested_at", "pk")


def refunds_retry(*, now: dt.datetime | None = None) -> dict[int, str]:
    """The periodic sweep: send again every refund still unsent after REQUEUE_AFTER (a lost
    task, a gateway that was down), one after the other, outside any transaction. Safe while a
    task's retry is pending: the key makes a second call the same refund. Returns each
    ShopOrder id with its outcome."""
    outcomes: dict[int, str] = {}
    for shop_order_id in list(refunds_unsent(now=now).values_list("pk", flat=True)):
        try:
            outcomes[shop_order_id] = shop_order_refund_send(shop_order_id=shop_order_id).outcome
        except RefundNotSent as exc:
            outcomes[shop_order_id] = f"error: {exc}"
    return outcomes
