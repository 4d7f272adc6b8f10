import pytest
from django.db import DatabaseError, transaction

from komeji.common.models import AuditLog, Region
from komeji.common.services import audit_record
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def test_audit_record_stores_actor_object_and_reason():
    user = UserFactory(email="moderator@contoh.id")
    region = Region.objects.get(code="3514")
    entry = audit_record(actor=user, action="region.viewed", obj=region, reason="pengecekan")
    entry.refresh_from_db()
    assert entry.actor == user
    assert entry.actor_repr == "moderator@contoh.id"
    assert entry.object_id == str(region.pk)
    assert entry.object_repr == "Kabupaten Pasuruan"
    assert entry.reason == "pengecekan"
    assert entry.created_at is not None


def test_audit_without_user_is_the_system():
    entry = audit_record(actor=None, action="timer.fired")
    assert entry.actor is None
    assert entry.actor_repr == "system"


def test_audit_log_is_append_only_in_the_database():
    entry = audit_record(actor=None, action="x", reason="asli")
    with pytest.raises(DatabaseError), transaction.atomic():
        AuditLog.objects.filter(pk=entry.pk).update(reason="diubah")
    with pytest.raises(DatabaseError), transaction.atomic():
        AuditLog.objects.filter(pk=entry.pk).delete()
    entry.refresh_from_db()
    assert entry.reason == "asli"
    assert AuditLog.objects.count() == 1


def test_audit_log_is_read_only_in_the_admin(admin_client):
    audit_record(actor=None, action="demo.action", reason="alasan")
    response = admin_client.get("/admin/common/auditlog/")
    assert response.status_code == 200
    assert b"demo.action" in response.content
    assert admin_client.get("/admin/common/auditlog/add/").status_code == 403
