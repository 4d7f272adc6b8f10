"""The weekly payout run (Celery beat: Monday 06:00, CELERY_BEAT_SCHEDULE). Imported at the end of
payments/tasks.py so Celery's autodiscovery registers it."""

from celery import shared_task

from payments.services.payouts import payout_run_period


@shared_task(acks_late=True)
def payouts_run_weekly() -> int:
    """Create this ISO week's payout run. A retry or a second delivery finds the week's run and
    creates nothing. Returns the run's id."""
    run, _created = payout_run_period()
    return run.pk
