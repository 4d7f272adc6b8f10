"""Celery tasks of refunds and reconciliation (payments.services.refunds, .reconciliation),
found by autodiscovery through the import at the bottom of payments/tasks.py."""

from celery import shared_task

from payments.services import reconciliation, refunds

# Growing delays between attempts of one refund task: 1, 2, 4, 8, 16 minutes; after that the
# periodic refunds_retry (every 10 minutes) keeps trying until MAX_ATTEMPTS.
REFUND_TASK_RETRIES = 5


@shared_task(bind=True, acks_late=True, max_retries=REFUND_TASK_RETRIES)
def shop_order_refund_send_task(self, shop_order_id: int) -> str:  # type: ignore[no-untyped-def]
    """Refund a cancelled paid ShopOrder at its gateway (idempotent by `refund-<id>`)."""
    try:
        return refunds.shop_order_refund_send(shop_order_id=shop_order_id).outcome
    except refunds.RefundNotSent as exc:
        raise self.retry(exc=exc, countdown=60 * 2**self.request.retries) from exc


@shared_task(acks_late=True)
def refunds_retry() -> dict[int, str]:
    """Every 10 minutes: send the refunds still unsent after 10 minutes."""
    return refunds.refunds_retry()


@shared_task(acks_late=True)
def reconciliation_run() -> dict[str, int]:
    """Nightly: ask the gateways about payments pending past expiry, compare the ledger."""
    return reconciliation.reconciliation_run().as_dict()
