import json
import logging

import requests
from celery import shared_task
from django.conf import settings
from django.urls import reverse

from payments.gateways import sandbox
from payments.models import Payment

logger = logging.getLogger(__name__)

OUTCOMES = (sandbox.SETTLEMENT, sandbox.DENY, sandbox.EXPIRE)
MAX_RETRIES = 6


class NotificationNotDelivered(Exception):
    """The notification endpoint could not be reached or answered 5xx: try again later."""


@shared_task(bind=True, acks_late=True, max_retries=MAX_RETRIES)
def sandbox_notify(self, payment_id: int, outcome: str) -> int:  # type: ignore[no-untyped-def]
    """The sandbox "gateway" tells Komeji what became of a payment (settlement, deny, expire):
    a Midtrans-format notification signed with the sandbox key, POSTed over HTTP to
    payments:notification, like Midtrans would. A connection error or a 5xx is retried with
    growing delays (1, 2, 4, … s); a 4xx is logged and not retried (it would be refused again).
    Returns the endpoint's HTTP status."""
    if outcome not in OUTCOMES:
        raise ValueError(f"unknown sandbox outcome: {outcome!r}")
    payment = Payment.objects.filter(pk=payment_id, provider=sandbox.PROVIDER).first()
    if payment is None:
        logger.warning("sandbox_notify: no sandbox payment %s", payment_id)
        return 404
    body = json.dumps(sandbox.notification(payment, outcome))
    url = settings.KOMEJI_BASE_URL + reverse("payments:notification")
    try:
        response = requests.post(
            url,
            data=body,
            headers={"Content-Type": "application/json", "Accept": "application/json"},
            timeout=(5, 20),
            allow_redirects=False,
        )
        if response.status_code >= 500:
            raise NotificationNotDelivered(f"{url} answered {response.status_code}")
    except (requests.ConnectionError, requests.Timeout, NotificationNotDelivered) as exc:
        logger.warning("sandbox_notify %s %s: %s", payment.gateway_order_id, outcome, exc)
        raise self.retry(exc=exc, countdown=2**self.request.retries) from exc
    if response.status_code >= 300:
        logger.error(
            "sandbox_notify %s %s refused: %s %s",
            payment.gateway_order_id,
            outcome,
            response.status_code,
            response.text[:500],
        )
    return response.status_code


# Refund and reconciliation tasks live in their own module.
from payments import tasks_refunds  # noqa: E402,F401

# isort: split
# The weekly payout run lives in its own module; importing it here registers it with Celery.
from payments import tasks_payouts  # noqa: E402,F401
