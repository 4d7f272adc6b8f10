"""The jobs Celery beat runs every minute. Each takes a bounded batch of due rows and handles
each in its own short transaction that re-checks the row under a SKIP LOCKED lock: running twice,
or at once on two workers, or against a person acting on the same order, does each thing once."""

import logging
from collections.abc import Callable

from django.conf import settings
from django.utils import timezone

from orders.models import Order, ShopOrder, ShopOrderStatus
from orders.services.transitions import (
    order_expire,
    shop_order_cancel_unaccepted,
    shop_order_cancel_unshipped,
    shop_order_complete_due,
    shop_order_deliver_overdue,
)

S = ShopOrderStatus
logger = logging.getLogger(__name__)


def _run(ids: list[int], act: Callable[..., bool], arg: str) -> int:
    """One row's failure (bad data, a notification that cannot render) is logged and skipped:
    it must not stop the rows behind it, nor the other jobs."""
    done = 0
    for pk in ids:
        try:
            done += bool(act(**{arg: pk}))
        except Exception:
            logger.exception("order timer %s failed for %s=%s", act.__name__, arg, pk)
    return done


def orders_expire_unpaid(*, batch: int | None = None) -> int:
    batch = batch or settings.KOMEJI_TIMER_BATCH
    ids = list(
        Order.objects.filter(
            payment_due_at__lte=timezone.now(), shop_orders__status=S.AWAITING_PAYMENT
        )
        .order_by("payment_due_at")
        .values_list("pk", flat=True)
        .distinct()[:batch]
    )
    return _run(ids, order_expire, "order_id")


def _due(status: str, field: str, batch: int | None) -> list[int]:
    return list(
        ShopOrder.objects.filter(status=status, **{f"{field}__lte": timezone.now()})
        .order_by(field)
        .values_list("pk", flat=True)[: batch or settings.KOMEJI_TIMER_BATCH]
    )


def shop_orders_cancel_unaccepted(*, batch: int | None = None) -> int:
    return _run(_due(S.PAID, "accept_by", batch), shop_order_cancel_unaccepted, "shop_order_id")


def shop_orders_cancel_unshipped(*, batch: int | None = None) -> int:
    return _run(_due(S.PROCESSING, "ship_by", batch), shop_order_cancel_unshipped, "shop_order_id")


def shop_orders_deliver_overdue(*, batch: int | None = None) -> int:
    return _run(_due(S.SHIPPED, "deliver_by", batch), shop_order_deliver_overdue, "shop_order_id")


def shop_orders_complete_due(*, batch: int | None = None) -> int:
    return _run(
        _due(S.DELIVERED, "complete_after", batch), shop_order_complete_due, "shop_order_id"
    )


def orders_run_timers() -> dict[str, int]:
    return {
        "expired": orders_expire_unpaid(),
        "unaccepted": shop_orders_cancel_unaccepted(),
        "unshipped": shop_orders_cancel_unshipped(),
        "delivered": shop_orders_deliver_overdue(),
        "completed": shop_orders_complete_due(),
    }
