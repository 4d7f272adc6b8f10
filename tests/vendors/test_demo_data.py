"""`manage.py demo_data`: shops in every verification state across East Java, RTIK communities,
locally drawn sample documents, and a second run that changes nothing."""

import io
from pathlib import Path

import pytest
from allauth.account.models import EmailAddress
from django.core.management import call_command
from django.db.models import Model

from komeji.accounts.models import Address, User
from komeji.common.models import AuditLog, Notification, OutgoingEmail
from vendors import documents
from vendors.models import (
    BankAccount,
    Community,
    CommunityMember,
    Shop,
    ShopDocument,
    ShopInvitation,
    ShopMember,
    ShopStatus,
    ShopStatusEvent,
)
from vendors.validators import normalize_nib, normalize_nik

pytestmark = pytest.mark.django_db

COUNTED: list[type[Model]] = [
    User,
    EmailAddress,
    Address,
    Community,
    CommunityMember,
    Shop,
    ShopMember,
    ShopInvitation,
    ShopDocument,
    BankAccount,
    ShopStatusEvent,
    AuditLog,
    Notification,
    OutgoingEmail,
]


@pytest.fixture
def demo_documents(settings, tmp_path) -> Path:
    """The sample documents go to a temporary private directory."""
    root = tmp_path / "documents"
    settings.STORAGES = {
        **settings.STORAGES,
        "documents": {
            "BACKEND": "vendors.documents.PrivateFileSystemStorage",
            "OPTIONS": {"location": str(root)},
        },
    }
    return root


def run_demo_data() -> str:
    out = io.StringIO()
    call_command("demo_data", stdout=out, stderr=io.StringIO())
    return out.getvalue()


def row_counts() -> dict[str, int]:
    return {model.__name__: model._default_manager.count() for model in COUNTED}


def test_demo_data_covers_every_status_five_regions_and_two_mentors(demo_documents):
    output = run_demo_data()

    for status in ShopStatus.values:
        assert Shop.objects.filter(status=status).exists(), status
    assert Shop.objects.values("region").distinct().count() >= 5

    pasuruan = Community.objects.get(name="Relawan TIK Kabupaten Pasuruan", region__code="3514")
    mentors = pasuruan.memberships.filter(role=CommunityMember.Role.MENTOR)
    assert mentors.count() >= 2
    assert set(mentors.values_list("user__email", flat=True)) >= {
        "pendamping@komeji.id",
        "pendamping2@komeji.id",
    }
    assert pasuruan.memberships.filter(
        role=CommunityMember.Role.COORDINATOR, user__email="koordinator@komeji.id"
    ).exists()
    assert Community.objects.filter(name="Relawan TIK Kota Malang", region__code="3573").exists()

    siti = Shop.objects.get(name="Keripik Tempe Bu Siti")
    assert siti.status == ShopStatus.VERIFIED
    assert siti.region.code == "3573"
    assert siti.memberships.get(role=ShopMember.Role.OWNER).user.email == "penjual@komeji.id"
    assert siti.bank_account.bank_code == "014"
    assert siti.shows_nib_badge

    rejected = Shop.objects.get(status=ShopStatus.REJECTED)
    assert rejected.rejection_reason == "Foto KTP buram, mohon unggah ulang."

    # Assisted onboarding: one drafted shop waits for its owner, another was taken over.
    waiting = Shop.objects.get(is_assisted=True, claimed_at__isnull=True)
    assert waiting.region.code == "3514" and waiting.consent_given_on is not None
    assert waiting.invitations.filter(
        role=ShopMember.Role.OWNER, accepted_at__isnull=True, revoked_at__isnull=True
    ).exists()
    assert Shop.objects.filter(
        is_assisted=True, region__code="3514", status=ShopStatus.VERIFIED, claimed_at__isnull=False
    ).exists()

    # Every status change went through the services (an event per change).
    assert ShopStatusEvent.objects.filter(to_status=ShopStatus.RESUBMITTED).exists()

    # Fictional but valid numbers; documents encrypted, decrypting to the drawn JPEGs.
    for shop in Shop.objects.exclude(nik=""):
        assert normalize_nik(shop.nik) == shop.nik
        assert shop.nik[12] == "9"
        if shop.nib:
            assert normalize_nib(shop.nib) == shop.nib
    ktp = ShopDocument.objects.filter(shop=siti, kind=ShopDocument.Kind.KTP).get()
    stored = (demo_documents / ktp.storage_name).read_bytes()
    assert not stored.startswith(b"\xff\xd8")
    assert documents.document_read(name=ktp.storage_name).startswith(b"\xff\xd8\xff")

    assert "komeji-demo-2026" in output
    for email in ("pendamping2@komeji.id", "koordinator@komeji.id", "umkm1@komeji.id"):
        assert email in output
        assert EmailAddress.objects.filter(email=email, verified=True).exists()
    assert User.objects.get(email="pendamping2@komeji.id").check_password("komeji-demo-2026")


def test_a_second_run_creates_nothing(demo_documents):
    run_demo_data()
    before = row_counts()
    statuses = dict(Shop.objects.values_list("name", "status"))

    run_demo_data()

    assert row_counts() == before
    assert dict(Shop.objects.values_list("name", "status")) == statuses
