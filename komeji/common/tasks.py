"""Celery tasks of the common app. They take ids, are idempotent and retry with backoff."""

from celery import shared_task

from komeji.common import services


@shared_task(
    bind=True,
    autoretry_for=(services.EmailDeliveryError,),
    retry_backoff=30,
    retry_backoff_max=3600,
    retry_jitter=True,
    max_retries=8,
)
def email_send(self, email_id: int) -> None:  # type: ignore[no-untyped-def]
    try:
        services.email_deliver(email_id=email_id)
    except services.EmailDeliveryError as exc:
        if self.request.retries >= self.max_retries:
            services.email_mark_failed(email_id=email_id, error=str(exc))
            return
        raise


@shared_task(
    bind=True,
    autoretry_for=(services.EmailDeliveryError,),
    retry_backoff=30,
    retry_backoff_max=3600,
    retry_jitter=True,
    max_retries=8,
)
def notification_deliver(self, notification_id: int) -> None:  # type: ignore[no-untyped-def]
    try:
        services.notification_deliver(notification_id=notification_id)
    except services.EmailDeliveryError as exc:
        if self.request.retries >= self.max_retries:
            services.notification_email_mark_failed(notification_id=notification_id, error=str(exc))
            return
        raise


@shared_task
def notifications_redeliver_stale() -> int:
    return services.notifications_redeliver_stale()
