"""The whole assisted-onboarding flow over HTTP: a mentor drafts a shop for a UMKM, uploads its
documents, records the owner's consent and invites them; the owner accepts and sends the shop for
verification; a moderator rejects it with a reason in the admin, the owner fixes and resubmits, the
moderator approves. Each decision reaches the owner in the app and by e-mail and is audit-logged.
"""

import re

import pytest
from django.urls import reverse

from komeji.common.models import AuditLog, Notification, OutgoingEmail
from tests.factories import UserFactory
from tests.vendors.conftest import VALID_NIB, VALID_NIK, jpeg_upload
from vendors.models import Shop, ShopMember, ShopStatus, ShopStatusEvent
from vendors.services.verification import ShopNotVerified, shop_ensure_can_publish

pytestmark = pytest.mark.django_db


def _token_from_last_invitation_email(to: str) -> str:
    email = OutgoingEmail.objects.filter(to=to).latest("pk")
    match = re.search(r"/seller/undangan/([A-Za-z0-9_\-]+)/", email.body_text)
    assert match, email.body_text
    return match.group(1)


def test_mentor_to_owner_to_moderator(client, mentor, pasuruan_community, moderator, tmp_documents):
    # --- The mentor drafts the shop in the community centre.
    client.force_login(mentor)
    response = client.post(
        reverse("vendors:community_shop_create"),
        {
            "community": pasuruan_community.pk,
            "name": "Bandeng Presto Bu Rukmini",
            "description": "Bandeng presto duri lunak.",
            "region": pasuruan_community.region_id,
            "street": "Jl. Raya Bangil No. 17",
            "kecamatan": "Bangil",
            "postal_code": "67153",
            "phone": "0813 3374 1234",
        },
    )
    shop = Shop.objects.get(name="Bandeng Presto Bu Rukmini")
    assert response.status_code == 302
    assert response["Location"] == reverse("vendors:community_shop", args=[shop.pk])
    assert (shop.status, shop.is_assisted, shop.is_claimed) == (ShopStatus.DRAFT, True, False)
    assert (shop.community, shop.mentor, shop.created_by) == (pasuruan_community, mentor, mentor)

    # Legal data and documents, through the seller-centre pages the mentor may use.
    nik = "3514" + VALID_NIK[4:]
    client.post(
        reverse("vendors:legal", args=[shop.pk]),
        {"owner_legal_name": "Rukmini", "nik": nik, "nib": VALID_NIB, "npwp": ""},
    )
    for kind in ("ktp", "selfie"):
        client.post(
            reverse("vendors:document_upload", args=[shop.pk]),
            {"kind": kind, "file": jpeg_upload(f"{kind}.jpg")},
        )
    shop.refresh_from_db()
    assert (shop.nik, shop.nib) == (nik, VALID_NIB)
    assert set(shop.documents.values_list("kind", flat=True)) == {"ktp", "selfie"}

    # Inviting before consent is refused; the consent is recorded, then the invitation goes.
    client.post(reverse("vendors:community_invite_owner", args=[shop.pk]), {"email": "x@contoh.id"})
    assert not shop.invitations.exists()
    client.post(
        reverse("vendors:community_consent", args=[shop.pk]),
        {"owner_name": "Rukmini", "given_on": "2026-11-27", "confirmed": "on"},
    )
    client.post(
        reverse("vendors:community_invite_owner", args=[shop.pk]),
        {"email": "rukmini@contoh.id"},
    )
    shop.refresh_from_db()
    assert shop.consent_owner_name == "Rukmini"
    assert str(shop.consent_given_on) == "2026-11-27"
    assert shop.invitations.filter(email="rukmini@contoh.id", role="owner").count() == 1

    # The mentor cannot send it for verification nor set the bank account.
    assert client.post(reverse("vendors:submit", args=[shop.pk])).status_code == 404
    assert client.get(reverse("vendors:bank_account", args=[shop.pk])).status_code == 404
    home = client.get(reverse("vendors:community_home")).content.decode()
    assert "rukmini@contoh.id" in home  # pending invitation listed

    # Every mentor action is audit-logged with the mentor as actor.
    mentor_actions = set(
        AuditLog.objects.filter(object_id=str(shop.pk), actor=mentor).values_list(
            "action", flat=True
        )
    )
    assert mentor_actions == {
        "shop.draft_for_umkm",
        "shop.legal.update",
        "shop.document.upload",
        "shop.consent.record",
        "shop.invitation.owner",
    }

    # --- The owner accepts with the invited, verified address.
    token = _token_from_last_invitation_email("rukmini@contoh.id")
    stranger = UserFactory(email="bukan.rukmini@contoh.id")
    client.force_login(stranger)
    refused = client.post(reverse("vendors:invitation_accept", args=[token]))
    assert refused.status_code == 200  # the page again, with the reason
    assert not ShopMember.objects.filter(shop=shop).exists()

    owner = UserFactory(email="rukmini@contoh.id", full_name="Rukmini")
    client.force_login(owner)
    accepted = client.post(reverse("vendors:invitation_accept", args=[token]))
    assert accepted.status_code == 302
    shop.refresh_from_db()
    assert shop.is_claimed
    assert ShopMember.objects.get(shop=shop).user == owner
    # The mentor's editing ends with the acceptance.
    client.force_login(mentor)
    assert client.get(reverse("vendors:profile", args=[shop.pk])).status_code == 404

    # --- The owner sends it for verification.
    client.force_login(owner)
    client.post(reverse("vendors:submit", args=[shop.pk]))
    shop.refresh_from_db()
    assert shop.status == ShopStatus.SUBMITTED

    # --- The moderator finds it in the queue and opens a document through the protected view.
    client.force_login(moderator)
    queue = client.get(reverse("admin:vendors_shopreviewqueue_changelist"))
    assert queue.status_code == 200
    assert "Bandeng Presto Bu Rukmini" in queue.content.decode()
    change = client.get(reverse("admin:vendors_shop_change", args=[shop.pk])).content.decode()
    ktp = shop.documents.get(kind="ktp")
    assert reverse("vendors:document_view", args=[ktp.pk]) in change
    assert client.get(reverse("vendors:document_view", args=[ktp.pk])).status_code == 200

    # A rejection needs a reason.
    reject_url = reverse("admin:vendors_shop_reject", args=[shop.pk])
    assert client.post(reject_url, {"reason": ""}).status_code == 200
    shop.refresh_from_db()
    assert shop.status == ShopStatus.SUBMITTED
    client.post(reject_url, {"reason": "Foto KTP buram, mohon unggah ulang."})
    shop.refresh_from_db()
    assert shop.status == ShopStatus.REJECTED
    assert shop.rejection_reason == "Foto KTP buram, mohon unggah ulang."

    # The owner is told (in the app and by e-mail) and sees the reason.
    rejected_note = Notification.objects.get(recipient=owner, kind="shop.rejected")
    assert "Foto KTP buram" in rejected_note.body
    assert rejected_note.email is not None and rejected_note.email.to == owner.email
    client.force_login(owner)
    dashboard = client.get(reverse("vendors:dashboard", args=[shop.pk])).content.decode()
    assert "Foto KTP buram, mohon unggah ulang." in dashboard

    # --- The owner uploads a better photo and sends it again.
    client.post(
        reverse("vendors:document_upload", args=[shop.pk]),
        {"kind": "ktp", "file": jpeg_upload("ktp-baru.jpg", size=(800, 500))},
    )
    client.post(reverse("vendors:submit", args=[shop.pk]))
    shop.refresh_from_db()
    assert shop.status == ShopStatus.RESUBMITTED
    with pytest.raises(ShopNotVerified):
        shop_ensure_can_publish(shop=shop)

    # --- The moderator approves.
    client.force_login(moderator)
    client.post(reverse("admin:vendors_shop_verify", args=[shop.pk]))
    shop.refresh_from_db()
    assert shop.status == ShopStatus.VERIFIED
    assert shop.shows_nib_badge
    shop_ensure_can_publish(shop=shop)  # no exception
    assert Notification.objects.filter(recipient=owner, kind="shop.verified").count() == 1
    assert list(ShopStatusEvent.objects.filter(shop=shop).values_list("to_status", "actor")) == [
        ("submitted", owner.pk),
        ("rejected", moderator.pk),
        ("resubmitted", owner.pk),
        ("verified", moderator.pk),
    ]
    decisions = AuditLog.objects.filter(object_id=str(shop.pk), actor=moderator)
    assert set(decisions.values_list("action", flat=True)) == {
        "shop.status.rejected",
        "shop.status.verified",
        "shop.document.view",
    }

    # --- A verified shop whose identity data change goes back to review.
    client.force_login(owner)
    client.post(
        reverse("vendors:legal", args=[shop.pk]),
        {"owner_legal_name": "Rukmini Wati", "nik": nik, "nib": VALID_NIB, "npwp": ""},
    )
    shop.refresh_from_db()
    assert shop.status == ShopStatus.SUBMITTED
    assert shop.is_public  # the public page stays
    with pytest.raises(ShopNotVerified):
        shop_ensure_can_publish(shop=shop)
