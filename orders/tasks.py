import datetime as dt

from celery import shared_task
from django.utils import timezone

from orders.services import timers


@shared_task(acks_late=True)
def orders_run_timers() -> dict[str, int]:
    """Every minute: expire unpaid orders, cancel missed accept/ship deadlines, count overdue
    shipments as delivered, complete orders whose complaint window ended."""
    return timers.orders_run_timers()


@shared_task(acks_late=True)
def carts_purge_anonymous() -> int:
    """Anonymous carts untouched for 30 days go (their visitors' sessions have long expired)."""
    from orders.services.cart import carts_purge_anonymous as purge

    return purge(older_than=timezone.now() - dt.timedelta(days=30))
