"""Writes of the common app: audit log, outgoing e-mail, notifications."""

import datetime as dt
import logging
from typing import Any

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.core.mail import EmailMultiAlternatives
from django.db import models, transaction
from django.db.models import F
from django.template.loader import render_to_string
from django.utils import timezone, translation

from komeji.common.models import AuditLog, Notification, OutgoingEmail

logger = logging.getLogger(__name__)


# --- Audit log ----------------------------------------------------------------------------------


def audit_record(
    *,
    actor: Any,
    action: str,
    obj: models.Model | None = None,
    reason: str = "",
    data: dict[str, Any] | None = None,
) -> AuditLog:
    """Append one entry to the audit log. `actor` is a user, or None for the system."""
    user = actor if getattr(actor, "is_authenticated", False) else None
    return AuditLog.objects.create(
        actor=user,
        actor_repr=(user.email if user is not None else "system")[:255],
        action=action,
        content_type=ContentType.objects.get_for_model(obj) if obj is not None else None,
        object_id=str(obj.pk) if obj is not None else "",
        object_repr=str(obj)[:255] if obj is not None else "",
        reason=reason,
        data=data or {},
    )


# --- Outgoing e-mail ----------------------------------------------------------------------------


def email_queue(*, to: str, subject: str, body_text: str, body_html: str = "") -> OutgoingEmail:
    """Store an e-mail and send it from a Celery task after the current transaction commits."""
    email = OutgoingEmail.objects.create(
        to=to, subject=subject[:255], body_text=body_text, body_html=body_html
    )
    _enqueue_after_commit("email_send", email.pk)
    return email


class EmailDeliveryError(Exception):
    """Sending failed; the e-mail is pending again and the task should retry."""


def email_deliver(*, email_id: int) -> bool:
    """Send a queued e-mail at most once. Returns True when this call sent it.

    The claim is a guarded UPDATE (pending → sending), so of two deliveries of the same task only
    one sends; no row lock is held during the SMTP conversation. On failure the row goes back to
    pending and EmailDeliveryError is raised for the task to retry.
    """
    now = timezone.now()
    claimed = OutgoingEmail.objects.filter(pk=email_id, status=OutgoingEmail.Status.PENDING).update(
        status=OutgoingEmail.Status.SENDING,
        claimed_at=now,
        attempts=F("attempts") + 1,
        updated_at=now,
    )
    if not claimed:
        return False
    email = OutgoingEmail.objects.get(pk=email_id)
    message = EmailMultiAlternatives(subject=email.subject, body=email.body_text, to=[email.to])
    if email.body_html:
        message.attach_alternative(email.body_html, "text/html")
    try:
        message.send()
    except Exception as exc:
        OutgoingEmail.objects.filter(pk=email_id, status=OutgoingEmail.Status.SENDING).update(
            status=OutgoingEmail.Status.PENDING,
            last_error=repr(exc)[:2000],
            updated_at=timezone.now(),
        )
        raise EmailDeliveryError(str(exc)) from exc
    # Blank the body once sent: it may hold a password-reset or verification link.
    OutgoingEmail.objects.filter(pk=email_id, status=OutgoingEmail.Status.SENDING).update(
        status=OutgoingEmail.Status.SENT,
        sent_at=timezone.now(),
        updated_at=timezone.now(),
        body_text="",
        body_html="",
    )
    return True


def email_mark_failed(*, email_id: int, error: str) -> None:
    """Give up on an e-mail after the last retry (visible in the admin)."""
    OutgoingEmail.objects.filter(pk=email_id).exclude(status=OutgoingEmail.Status.SENT).update(
        status=OutgoingEmail.Status.FAILED,
        last_error=error[:2000],
        updated_at=timezone.now(),
        body_text="",
        body_html="",
    )


def notification_email_mark_failed(*, notification_id: int, error: str) -> None:
    email_id = (
        Notification.objects.filter(pk=notification_id).values_list("email_id", flat=True).first()
    )
    if email_id is not None:
        email_mark_failed(email_id=email_id, error=error)


# --- Notifications ------------------------------------------------------------------------------


def notification_send(
    *,
    recipient: Any,
    kind: str,
    title: str,
    body: str = "",
    url: str = "",
    email: bool = True,
    dedupe_key: str | None = None,
) -> Notification:
    """Notify a user in the app and (when `email` and they have an address) by e-mail.

    Call inside the transaction that made the news: the rows commit with it, and the delivery
    task is queued only after commit. Title and body are given already translated in the
    recipient's language (`recipient.language`; wrap the caller's gettext calls in
    `translation.override(recipient.language)`); the e-mail around them is rendered in it here.

    With `dedupe_key` (e.g. `order-paid:123:buyer`), a second call with the same key returns the
    first notification and sends nothing: callers that may run twice stay idempotent. Two
    concurrent first calls cannot both commit: the unique constraint fails the second, whose
    task retry then finds the first.
    """
    if dedupe_key is not None:
        existing = Notification.objects.filter(dedupe_key=dedupe_key).first()
        if existing is not None:
            return existing
    outgoing = None
    if email and recipient.email:
        absolute_url = f"{settings.KOMEJI_BASE_URL}{url}" if url.startswith("/") else url
        context = {"recipient": recipient, "title": title, "body": body, "url": absolute_url}
        with translation.override(getattr(recipient, "language", None) or settings.LANGUAGE_CODE):
            body_text = render_to_string("emails/notification.txt", context)
            body_html = render_to_string("emails/notification.html", context)
        outgoing = OutgoingEmail.objects.create(
            to=recipient.email,
            subject=f"[Komeji] {title}"[:255],
            body_text=body_text,
            body_html=body_html,
        )
    notification = Notification.objects.create(
        recipient=recipient,
        kind=kind,
        title=title,
        body=body,
        url=url,
        email=outgoing,
        dedupe_key=dedupe_key,
    )
    _enqueue_after_commit("notification_deliver", notification.pk)
    return notification


def notification_deliver(*, notification_id: int) -> None:
    """Show the notification in the inbox and send its e-mail; safe to run any number of times."""
    now = timezone.now()
    Notification.objects.filter(pk=notification_id, delivered_at__isnull=True).update(
        delivered_at=now, updated_at=now
    )
    email_id = (
        Notification.objects.filter(pk=notification_id).values_list("email_id", flat=True).first()
    )
    if email_id is not None:
        email_deliver(email_id=email_id)


def notification_mark_read(*, user: Any, notification_id: int) -> bool:
    """Mark one of the user's notifications read. False when it is not theirs or not found."""
    now = timezone.now()
    found = Notification.objects.filter(pk=notification_id, recipient=user).exists()
    Notification.objects.filter(pk=notification_id, recipient=user, read_at__isnull=True).update(
        read_at=now, updated_at=now
    )
    return found


def notifications_mark_all_read(*, user: Any) -> int:
    now = timezone.now()
    return Notification.objects.filter(
        recipient=user, read_at__isnull=True, delivered_at__isnull=False
    ).update(read_at=now, updated_at=now)


def notifications_redeliver_stale(*, older_than: dt.timedelta | None = None) -> int:
    """Re-queue what a lost broker message or a crashed worker left behind. Returns how many.

    Undelivered notifications and pending e-mails older than `older_than` are queued again (the
    delivery itself is idempotent); an e-mail stuck in `sending` that long is presumed not sent
    and goes back to pending (at-least-once beats never for a lost worker).
    """
    older_than = older_than or dt.timedelta(minutes=settings.KOMEJI_EMAIL_STALE_MINUTES)
    cutoff = timezone.now() - older_than
    OutgoingEmail.objects.filter(status=OutgoingEmail.Status.SENDING, claimed_at__lt=cutoff).update(
        status=OutgoingEmail.Status.PENDING, updated_at=timezone.now()
    )

    from komeji.common import tasks

    count = 0
    for pk in Notification.objects.filter(
        delivered_at__isnull=True, created_at__lt=cutoff
    ).values_list("pk", flat=True)[:1000]:
        tasks.notification_deliver.delay(pk)
        count += 1
    notified_email_ids = Notification.objects.filter(email__isnull=False).values("email_id")
    for pk in (
        OutgoingEmail.objects.filter(status=OutgoingEmail.Status.PENDING, updated_at__lt=cutoff)
        .exclude(pk__in=notified_email_ids.filter(delivered_at__isnull=True))
        .values_list("pk", flat=True)[:1000]
    ):
        tasks.email_send.delay(pk)
        count += 1
    return count


def _enqueue_after_commit(task_name: str, pk: int) -> None:
    from komeji.common import tasks

    task = getattr(tasks, task_name)

    def send() -> None:
        try:
            task.delay(pk)
        except Exception:
            # The row is committed; notifications_redeliver_stale queues it again later.
            logger.exception("could not queue %s(%s); periodic redelivery will", task_name, pk)

    transaction.on_commit(send)
