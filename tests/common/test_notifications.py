import time

import pytest
from celery.signals import before_task_publish, task_postrun
from django.core import mail
from django.db import transaction

from komeji.common import tasks
from komeji.common.models import Notification, OutgoingEmail
from komeji.common.services import notification_send, notifications_redeliver_stale
from tests.factories import UserFactory


def wait_for(predicate, timeout=15.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.05)
    return False


@pytest.fixture
def task_log():
    """Names and args of the tasks published and finished (the worker runs in this process)."""
    log = {"published": [], "finished": []}

    def on_publish(sender=None, body=None, **kwargs):
        log["published"].append((sender, tuple(body[0]) if body else ()))

    def on_postrun(sender=None, args=None, **kwargs):
        log["finished"].append((sender.name, tuple(args or ())))

    before_task_publish.connect(on_publish, weak=False)
    task_postrun.connect(on_postrun, weak=False)
    yield log
    before_task_publish.disconnect(on_publish)
    task_postrun.disconnect(on_postrun)


DELIVER = "komeji.common.tasks.notification_deliver"


@pytest.mark.django_db(transaction=True)
def test_notification_is_delivered_by_a_real_worker_once_even_when_the_task_runs_twice(
    celery_worker, task_log
):
    user = UserFactory(email="siti@contoh.id", full_name="Siti Rahayu")
    mail.outbox.clear()

    with transaction.atomic():
        notification = notification_send(
            recipient=user,
            kind="order.paid",
            title="Pesanan KMJ-1 dibayar",
            body="Segera proses pesanan.",
            url="/pesanan/1/",
        )
        # Nothing is queued before commit.
        assert task_log["published"] == []
    # The broker delivers the same task twice more at once (redelivery after a lost ack, a
    # retry): three deliveries race on two worker threads.
    tasks.notification_deliver.delay(notification.pk)
    tasks.notification_deliver.delay(notification.pk)
    assert task_log["published"].count((DELIVER, (notification.pk,))) == 3

    assert wait_for(lambda: task_log["finished"].count((DELIVER, (notification.pk,))) == 3)
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["siti@contoh.id"]
    assert message.subject == "[Komeji] Pesanan KMJ-1 dibayar"
    assert "Segera proses pesanan." in message.body
    assert "http://127.0.0.1:8000/pesanan/1/" in message.body
    notification.refresh_from_db()
    assert notification.delivered_at is not None
    email = OutgoingEmail.objects.get(pk=notification.email_id)
    assert email.status == OutgoingEmail.Status.SENT
    assert email.attempts == 1
    assert email.body_text == ""  # no link kept once sent


@pytest.mark.django_db(transaction=True)
def test_nothing_is_queued_when_the_transaction_rolls_back(celery_worker, task_log):
    user = UserFactory()
    mail.outbox.clear()
    with pytest.raises(RuntimeError), transaction.atomic():
        notification_send(recipient=user, kind="x", title="Tidak jadi")
        raise RuntimeError("rollback")
    assert task_log["published"] == []
    assert Notification.objects.count() == 0
    assert OutgoingEmail.objects.count() == 0
    assert mail.outbox == []


@pytest.mark.django_db
def test_a_dedupe_key_makes_a_second_call_a_no_op(django_capture_on_commit_callbacks):
    user = UserFactory()
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        first = notification_send(recipient=user, kind="x", title="Satu", dedupe_key="k:1")
        second = notification_send(recipient=user, kind="x", title="Dua", dedupe_key="k:1")
    assert second.pk == first.pk
    assert len(callbacks) == 1
    assert Notification.objects.count() == 1
    assert OutgoingEmail.objects.count() == 1


@pytest.mark.django_db
def test_delivery_is_idempotent_when_run_inline(django_capture_on_commit_callbacks):
    user = UserFactory()
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        notification = notification_send(recipient=user, kind="x", title="Halo", email=True)
    assert len(callbacks) == 1
    tasks.notification_deliver.run(notification.pk)
    tasks.notification_deliver.run(notification.pk)
    assert len(mail.outbox) == 1


@pytest.mark.django_db
def test_a_stale_sending_email_is_requeued(django_capture_on_commit_callbacks):
    import datetime as dt

    from django.utils import timezone

    user = UserFactory()
    with django_capture_on_commit_callbacks(execute=False):
        notification = notification_send(recipient=user, kind="x", title="Halo")
    long_ago = timezone.now() - dt.timedelta(hours=1)
    OutgoingEmail.objects.filter(pk=notification.email_id).update(
        status="sending", claimed_at=long_ago
    )
    Notification.objects.filter(pk=notification.pk).update(created_at=long_ago)
    from komeji.celery import app

    with app.connection_for_write() as conn:
        conn.default_channel.queue_purge(app.conf.task_default_queue)
    count = notifications_redeliver_stale()
    assert count == 1  # the undelivered notification (which carries its e-mail)
    assert OutgoingEmail.objects.get(pk=notification.email_id).status == "pending"
    with app.connection_for_write() as conn:
        conn.default_channel.queue_purge(app.conf.task_default_queue)


@pytest.mark.django_db
def test_inbox_shows_delivered_notifications_with_unread_count(client):
    user = UserFactory()
    other = UserFactory()
    Notification.objects.create(recipient=user, kind="x", title="Belum terkirim")
    shown = Notification.objects.create(
        recipient=user, kind="x", title="Pesanan dikirim", delivered_at="2026-11-28T10:00Z"
    )
    Notification.objects.create(
        recipient=other, kind="x", title="Milik orang lain", delivered_at="2026-11-28T10:00Z"
    )
    client.force_login(user)

    page = client.get("/notifikasi/")
    assert page.status_code == 200
    html = page.content.decode()
    assert "Pesanan dikirim" in html
    assert "Belum terkirim" not in html
    assert "Milik orang lain" not in html
    assert 'data-testid="unread-count">1<' in html

    response = client.post(f"/notifikasi/{shown.pk}/buka/", {"next": "https://evil.example/"})
    assert response.status_code == 302
    assert response["Location"] == "/notifikasi/"
    shown.refresh_from_db()
    assert shown.read_at is not None
    assert 'data-testid="unread-count"' not in client.get("/notifikasi/").content.decode()


@pytest.mark.django_db
def test_someone_elses_notification_is_404_and_unchanged(client):
    owner = UserFactory()
    theirs = Notification.objects.create(
        recipient=owner, kind="x", title="Rahasia", delivered_at="2026-11-28T10:00Z"
    )
    client.force_login(UserFactory())
    assert client.post(f"/notifikasi/{theirs.pk}/buka/").status_code == 404
    theirs.refresh_from_db()
    assert theirs.read_at is None


@pytest.mark.django_db
def test_inbox_needs_login(client):
    response = client.get("/notifikasi/")
    assert response.status_code == 302
    assert response["Location"].startswith("/akun/login/")


@pytest.mark.django_db
def test_a_failed_send_goes_back_to_pending_and_the_retry_sends_it(settings):
    from komeji.common.services import EmailDeliveryError, email_deliver, email_queue
    from tests.mail_backends import FlakyBackend

    settings.EMAIL_BACKEND = "tests.mail_backends.FlakyBackend"
    FlakyBackend.failures = 1
    mail.outbox.clear()
    email = email_queue(to="a@contoh.id", subject="Halo", body_text="Isi")

    with pytest.raises(EmailDeliveryError):
        email_deliver(email_id=email.pk)
    email.refresh_from_db()
    assert email.status == OutgoingEmail.Status.PENDING
    assert email.attempts == 1
    assert "SMTP server unreachable" in email.last_error
    assert mail.outbox == []

    assert email_deliver(email_id=email.pk) is True
    assert email_deliver(email_id=email.pk) is False
    email.refresh_from_db()
    assert email.status == OutgoingEmail.Status.SENT
    assert email.attempts == 2
    assert len(mail.outbox) == 1
