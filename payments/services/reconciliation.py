"""The nightly reconciliation (issue 6, "Reconciliation").

1. Every payment still pending an hour past its expiry is asked of its gateway
   (`gateway_for(provider).status(payment)`, outside any transaction) and the answer applied
   through the notifications' state machine (`notification_apply_fetched`). A Midtrans answer
   "404, transaction doesn't exist" (the buyer never chose a channel on Snap, whose token has
   expired) is applied as an expiry. Bank transfers have no status API: Finance confirms them.
2. The ledger is compared with the payments: the sum of settled payments (paid, or refunded
   since) must equal what the escrow account received, which is what it still holds plus what
   completions released plus what refunds took out. Any difference is notified to the Finance
   group (once per day) and shown on the admin page (payments/admin_reconciliation.py).

Idempotent: a second run asks again, stores nothing new for the same answers and notifies nobody
twice on the same day.
"""

import datetime as dt
import logging
from dataclasses import asdict, dataclass
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import transaction
from django.db.models import QuerySet, Sum
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from komeji.common.models import Notification
from komeji.common.money import format_rupiah
from komeji.common.services import notification_send
from payments.gateways.base import GATEWAYS, GatewayError, gateway_for
from payments.models import AccountKind, JournalLeg, Payment, PaymentStatus
from payments.services.bookings import COMPLETED_KIND, REFUND_KIND
from payments.services.notifications import notification_apply_fetched

logger = logging.getLogger(__name__)

# How long past its expiry a pending payment is left to its own notifications.
GRACE = dt.timedelta(hours=1)
FINANCE_GROUP = "Finance"


@dataclass(frozen=True)
class LedgerTotals:
    """Settled payments against what escrow received (held + released + refunded)."""

    settled: int
    escrow_held: int
    released: int
    refunded: int

    @property
    def accounted(self) -> int:
        return self.escrow_held + self.released + self.refunded

    @property
    def difference(self) -> int:
        return self.settled - self.accounted


@dataclass(frozen=True)
class ReconciliationResult:
    asked: int
    applied: int
    errors: int
    difference: int
    notified: int

    def as_dict(self) -> dict[str, int]:
        return asdict(self)


def payments_pending_past_expiry(*, now: dt.datetime | None = None) -> QuerySet[Payment]:
    """Pending payments an hour past their expiry, of the providers that have a status API."""
    now = now or timezone.now()
    return (
        Payment.objects.filter(
            status=PaymentStatus.PENDING,
            expires_at__lte=now - GRACE,
            provider__in=list(GATEWAYS),
        )
        .select_related("order")
        .order_by("expires_at", "pk")
    )


def _escrow_sum(**filters: Any) -> int:
    total = JournalLeg.objects.filter(account__kind=AccountKind.ESCROW, **filters).aggregate(
        total=Sum("amount")
    )["total"]
    return int(total or 0)


def ledger_totals() -> LedgerTotals:
    """The sums the reconciliation compares (four aggregate queries)."""
    settled = Payment.objects.filter(
        status__in=[PaymentStatus.PAID, PaymentStatus.REFUNDED]
    ).aggregate(total=Sum("amount"))["total"]
    return LedgerTotals(
        settled=int(settled or 0),
        # Escrow is credited (negative) when money arrives: what it holds is the opposite.
        escrow_held=-_escrow_sum(),
        released=_escrow_sum(journal__kind=COMPLETED_KIND),
        refunded=_escrow_sum(journal__kind=REFUND_KIND),
    )


def _fetched_payload(payment: Payment, answer: dict[str, Any]) -> dict[str, Any] | None:
    """The answer as a notification payload; a "not found" answer as an expiry; None when it
    says nothing that can be applied."""
    if str(answer.get("status_code")) == "404" and not answer.get("transaction_status"):
        return {
            "order_id": payment.gateway_order_id,
            "status_code": "404",
            "gross_amount": f"{payment.amount}.00",
            "transaction_id": f"not-found-{payment.gateway_order_id}",
            "transaction_status": "expire",
        }
    if not isinstance(answer.get("transaction_status"), str):
        return None
    payload = dict(answer)
    payload.setdefault("order_id", payment.gateway_order_id)
    # A status answer without a transaction id (none was made) still needs a unique key.
    payload.setdefault("transaction_id", f"status-{payment.gateway_order_id}")
    payload["status_code"] = str(payload.get("status_code", ""))
    return payload


def _ask(payment: Payment) -> bool | None:
    """Ask the gateway and apply the answer. True: applied (or a duplicate); False: nothing
    applicable; None: the gateway failed."""
    try:
        answer = gateway_for(payment.provider).status(payment)
    except GatewayError as exc:
        logger.warning("reconciliation: status of %s failed: %s", payment.gateway_order_id, exc)
        return None
    payload = _fetched_payload(payment, answer)
    if payload is None:
        logger.warning("reconciliation: %s answered %r", payment.gateway_order_id, answer)
        return False
    received = notification_apply_fetched(payment_id=payment.pk, payload=payload)
    logger.info(
        "reconciliation: %s %s → %s",
        payment.gateway_order_id,
        payload["transaction_status"],
        received.outcome,
    )
    return received.http_status == 200


def _notify_finance(totals: LedgerTotals, day: dt.date) -> int:
    """Tell every Finance user about a difference, once per user and day. Returns how many
    notifications are new."""
    users = get_user_model().objects.filter(groups__name=FINANCE_GROUP, is_active=True)
    url = reverse("admin:payments_payment_reconciliation")
    new = 0
    with transaction.atomic():
        for user in users.order_by("pk"):
            key = f"reconciliation:{day.isoformat()}:{user.pk}"
            if Notification.objects.filter(dedupe_key=key).exists():
                continue
            new += 1
            with translation.override(getattr(user, "language", "") or settings.LANGUAGE_CODE):
                notification_send(
                    recipient=user,
                    kind="reconciliation_difference",
                    title=_("The ledger does not reconcile: difference %(amount)s")
                    % {"amount": format_rupiah(totals.difference)},
                    body=_(
                        "Settled payments %(settled)s; escrow held %(held)s, released "
                        "%(released)s, refunded %(refunded)s."
                    )
                    % {
                        "settled": format_rupiah(totals.settled),
                        "held": format_rupiah(totals.escrow_held),
                        "released": format_rupiah(totals.released),
                        "refunded": format_rupiah(totals.refunded),
                    },
                    url=url,
                    dedupe_key=key,
                )
    return new


def reconciliation_run(*, now: dt.datetime | None = None) -> ReconciliationResult:
    """Ask, apply, compare, notify. Call outside any transaction (gateway calls)."""
    now = now or timezone.now()
    asked = applied = errors = 0
    for payment in list(payments_pending_past_expiry(now=now)):
        asked += 1
        done = _ask(payment)
        if done is None:
            errors += 1
        elif done:
            applied += 1
    totals = ledger_totals()
    notified = 0
    if totals.difference:
        logger.error("reconciliation: difference %s (%s)", totals.difference, totals)
        notified = _notify_finance(totals, timezone.localdate(now))
    return ReconciliationResult(
        asked=asked,
        applied=applied,
        errors=errors,
        difference=totals.difference,
        notified=notified,
    )
