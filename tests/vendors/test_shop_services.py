"""Shop services: opening, bank account with re-authentication, holiday mode, invitations,
verification rules and attribution."""

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from komeji.common.models import AuditLog, Notification
from tests.factories import PASSWORD, UserFactory
from tests.vendors.conftest import VALID_NIK, jpeg_upload, shop_profile
from vendors.models import BankAccount, Shop, ShopInvitation, ShopMember, ShopStatus
from vendors.services import bank as bank_services
from vendors.services import documents as document_services
from vendors.services import members as member_services
from vendors.services import shops as shop_services
from vendors.services import verification
from vendors.services.errors import ShopActionRefused, ShopNotFound, WrongPassword

pytestmark = pytest.mark.django_db


# --- Opening a shop ------------------------------------------------------------------------------


def test_an_unverified_email_cannot_open_a_shop():
    user = UserFactory(verified=False)
    with pytest.raises(ShopActionRefused):
        shop_services.shop_open(user=user, **shop_profile())
    assert not Shop.objects.exists()


def test_one_shop_per_owner_and_unique_slugs(owner, shop):
    with pytest.raises(ShopActionRefused):
        shop_services.shop_open(user=owner, **shop_profile(name="Toko Kedua"))
    same_name = shop_services.shop_open(user=UserFactory(), **shop_profile())
    assert (shop.slug, same_name.slug) == ("keripik-tempe-bu-siti", "keripik-tempe-bu-siti-2")
    assert ShopMember.objects.get(shop=shop).role == ShopMember.Role.OWNER
    assert shop.status == ShopStatus.DRAFT and shop.is_claimed and not shop.is_assisted


def test_a_self_registered_shop_may_join_only_its_regions_community(
    malang_community, pasuruan_community
):
    with pytest.raises(ShopActionRefused):
        shop_services.shop_open(
            user=UserFactory(), community=pasuruan_community, **shop_profile(region_code="3573")
        )
    shop = shop_services.shop_open(
        user=UserFactory(), community=malang_community, **shop_profile(region_code="3573")
    )
    assert (shop.community, shop.mentor) == (malang_community, None)


# --- Bank account ------------------------------------------------------------------------------


def _set_bank(shop, actor, password=PASSWORD, number="1234567890"):
    return bank_services.shop_bank_account_set(
        shop_id=shop.pk,
        actor=actor,
        password=password,
        bank_code="014",
        account_number=number,
        holder_name="Siti Rahayu",
    )


def test_bank_account_needs_the_password_and_holds_payouts_24_hours(owner, shop):
    with pytest.raises(WrongPassword):
        _set_bank(shop, owner, password="salah")
    assert not BankAccount.objects.exists()

    before = timezone.now()
    account = _set_bank(shop, owner)
    assert (account.bank_name, account.account_number) == ("Bank Central Asia (BCA)", "1234567890")
    assert account.payouts_held()
    assert account.payouts_held_until >= before + dt.timedelta(hours=24)
    assert not account.payouts_held(now=account.changed_at + dt.timedelta(hours=24, seconds=1))
    entry = AuditLog.objects.get(action="shop.bank_account.set")
    assert entry.actor == owner and "1234567890" not in str(entry.data)
    note = Notification.objects.get(recipient=owner, kind="shop.bank_account")
    assert "7890" in note.body and note.email is not None


def test_bank_account_locks_after_five_wrong_passwords(owner, shop):
    for _ in range(5):
        with pytest.raises(WrongPassword):
            _set_bank(shop, owner, password="salah")
    with pytest.raises(WrongPassword, match="15"):
        _set_bank(shop, owner)  # even the right one, for a while
    assert not BankAccount.objects.exists()


def test_only_the_owner_sets_the_bank_account(shop, staff, outsider):
    with pytest.raises(ShopActionRefused):
        _set_bank(shop, staff)
    with pytest.raises(ShopNotFound):
        _set_bank(shop, outsider)
    assert not BankAccount.objects.exists()


def test_bad_account_number_changes_nothing(owner, shop):
    _set_bank(shop, owner)
    with pytest.raises(ValidationError):
        _set_bank(shop, owner, number="12AB")
    assert BankAccount.objects.get(shop=shop).account_number == "1234567890"


def test_bank_page_shows_a_wrong_password_under_the_field(client, owner, shop):
    client.force_login(owner)
    response = client.post(
        reverse("vendors:bank_account", args=[shop.pk]),
        {
            "bank_code": "002",
            "account_number": "0011 2233 4455",
            "holder_name": "Siti",
            "password": "salah",
        },
    )
    assert response.status_code == 200
    assert response.context["form"].errors["password"]
    assert not BankAccount.objects.exists()


# --- Holiday mode --------------------------------------------------------------------------------


def test_holiday_mode_needs_a_future_return_date(owner, staff, shop):
    today = timezone.localdate()
    with pytest.raises(ShopActionRefused):
        shop_services.shop_set_holiday(shop_id=shop.pk, actor=owner, on_holiday=True, until=today)
    with pytest.raises(ShopActionRefused):
        shop_services.shop_set_holiday(
            shop_id=shop.pk, actor=owner, on_holiday=True, until=today + dt.timedelta(days=91)
        )
    until = today + dt.timedelta(days=5)
    shop = shop_services.shop_set_holiday(
        shop_id=shop.pk, actor=staff, on_holiday=True, until=until
    )
    assert shop.is_closed_for_orders() and shop.holiday_until == until
    assert not shop.is_closed_for_orders(today=until)
    shop = shop_services.shop_set_holiday(shop_id=shop.pk, actor=owner, on_holiday=False)
    assert (shop.is_on_holiday, shop.holiday_until) == (False, None)


# --- Staff invitations ---------------------------------------------------------------------------


def test_staff_invitation_is_accepted_only_by_the_invited_address(owner, shop):
    invitation, token = member_services.shop_staff_invite(
        shop_id=shop.pk, actor=owner, email="Joko@Contoh.id"
    )
    assert invitation.email == "joko@contoh.id"
    assert invitation.token_hash != token and len(token) >= 40

    with pytest.raises(ShopActionRefused):
        member_services.shop_invitation_accept(token=token, user=UserFactory())
    joko = UserFactory(email="joko@contoh.id")
    member = member_services.shop_invitation_accept(token=token, user=joko)
    assert (member.shop, member.role) == (shop, ShopMember.Role.STAFF)
    with pytest.raises(ShopActionRefused):
        member_services.shop_invitation_accept(token=token, user=joko)
    assert ShopMember.objects.filter(shop=shop).count() == 2


def test_expired_or_replaced_invitations_cannot_be_accepted(owner, shop):
    _, first_token = member_services.shop_staff_invite(
        shop_id=shop.pk, actor=owner, email="joko@contoh.id"
    )
    second, second_token = member_services.shop_staff_invite(
        shop_id=shop.pk, actor=owner, email="joko@contoh.id"
    )
    joko = UserFactory(email="joko@contoh.id")
    with pytest.raises(ShopActionRefused):
        member_services.shop_invitation_accept(token=first_token, user=joko)
    ShopInvitation.objects.filter(pk=second.pk).update(
        expires_at=timezone.now() - dt.timedelta(minutes=1)
    )
    with pytest.raises(ShopActionRefused):
        member_services.shop_invitation_accept(token=second_token, user=joko)
    assert not ShopMember.objects.filter(user=joko).exists()
    with pytest.raises(ShopNotFound):
        member_services.shop_invitation_accept(token="tidak-ada", user=joko)


def test_staff_cannot_invite_and_the_owner_cannot_be_removed(owner, staff, shop):
    with pytest.raises(ShopActionRefused):
        member_services.shop_staff_invite(shop_id=shop.pk, actor=staff, email="a@contoh.id")
    owner_member = ShopMember.objects.get(shop=shop, user=owner)
    with pytest.raises(ShopActionRefused):
        member_services.shop_member_remove(shop_id=shop.pk, actor=owner, member_id=owner_member.pk)
    staff_member = ShopMember.objects.get(shop=shop, user=staff)
    member_services.shop_member_remove(shop_id=shop.pk, actor=owner, member_id=staff_member.pk)
    assert list(ShopMember.objects.filter(shop=shop).values_list("user", flat=True)) == [owner.pk]


def test_an_owner_of_another_shop_cannot_take_over_a_drafted_shop(mentor, assisted_shop, shop):
    from vendors.services import communities

    communities.shop_record_consent(
        shop_id=assisted_shop.pk,
        mentor=mentor,
        owner_name="Siti",
        given_on=timezone.localdate(),
        confirmed=True,
    )
    owner_of_shop = ShopMember.objects.get(shop=shop).user
    _, token = member_services.shop_owner_invite(
        shop_id=assisted_shop.pk, actor=mentor, email=owner_of_shop.email
    )
    with pytest.raises(ShopActionRefused, match="satu akun hanya dapat memiliki satu toko"):
        member_services.shop_invitation_accept(token=token, user=owner_of_shop)
    assisted_shop.refresh_from_db()
    assert not assisted_shop.is_claimed


# --- Verification --------------------------------------------------------------------------------


def _complete(shop, owner, tmp_documents):
    shop_services.shop_update_legal(
        shop_id=shop.pk, actor=owner, owner_legal_name="Siti Rahayu", nik=VALID_NIK
    )
    for kind in ("ktp", "selfie"):
        document_services.shop_document_upload(
            shop_id=shop.pk, actor=owner, kind=kind, upload=jpeg_upload()
        )


def test_submission_needs_the_required_items(owner, shop, tmp_documents):
    with pytest.raises(ShopActionRefused) as refused:
        verification.shop_submit(shop_id=shop.pk, actor=owner)
    assert "KTP" in str(refused.value.message)
    shop.refresh_from_db()
    assert shop.status == ShopStatus.DRAFT
    _complete(shop, owner, tmp_documents)
    assert verification.shop_submit(shop_id=shop.pk, actor=owner).status == ShopStatus.SUBMITTED


def test_required_items_are_a_setting(settings, owner, shop, tmp_documents):
    settings.KOMEJI_VERIFICATION_REQUIRED = ["nik", "ktp", "selfie", "nib"]
    _complete(shop, owner, tmp_documents)
    with pytest.raises(ShopActionRefused, match="NIB"):
        verification.shop_submit(shop_id=shop.pk, actor=owner)
    shop.refresh_from_db()
    assert shop.status == ShopStatus.DRAFT and not shop.status_events.exists()


def test_staff_cannot_submit(owner, staff, shop, tmp_documents):
    _complete(shop, owner, tmp_documents)
    with pytest.raises(ShopActionRefused):
        verification.shop_submit(shop_id=shop.pk, actor=staff)
    shop.refresh_from_db()
    assert shop.status == ShopStatus.DRAFT and not shop.status_events.exists()


def test_only_moderators_decide_and_a_rejection_needs_a_reason(
    owner, shop, moderator, outsider, tmp_documents
):
    _complete(shop, owner, tmp_documents)
    verification.shop_submit(shop_id=shop.pk, actor=owner)
    with pytest.raises(ShopActionRefused):
        verification.shop_verify(shop_id=shop.pk, moderator=outsider)
    with pytest.raises(ShopActionRefused):
        verification.shop_reject(shop_id=shop.pk, moderator=moderator, reason="  ")
    shop.refresh_from_db()
    assert shop.status == ShopStatus.SUBMITTED
    verification.shop_verify(shop_id=shop.pk, moderator=moderator)
    with pytest.raises(ShopActionRefused):  # not in the queue any more
        verification.shop_reject(shop_id=shop.pk, moderator=moderator, reason="Terlambat")
    shop.refresh_from_db()
    assert shop.status == ShopStatus.VERIFIED and shop.first_verified_at is not None


def test_the_transition_map_refuses_other_moves(shop):
    locked = Shop.objects.get(pk=shop.pk)
    with pytest.raises(ShopActionRefused):
        verification.shop_transition(shop=locked, to_status=ShopStatus.VERIFIED, actor=None)
    shop.refresh_from_db()
    assert shop.status == ShopStatus.DRAFT
    assert not shop.status_events.exists()


def test_a_new_document_sends_a_verified_shop_back_to_review(owner, shop, moderator, tmp_documents):
    _complete(shop, owner, tmp_documents)
    verification.shop_submit(shop_id=shop.pk, actor=owner)
    verification.shop_verify(shop_id=shop.pk, moderator=moderator)
    document_services.shop_document_upload(
        shop_id=shop.pk, actor=owner, kind="selfie", upload=jpeg_upload()
    )
    shop.refresh_from_db()
    assert shop.status == ShopStatus.SUBMITTED
    # A profile change (not identity) keeps the verification.
    verification.shop_verify(shop_id=shop.pk, moderator=moderator)
    shop_services.shop_update_profile(
        shop_id=shop.pk, actor=owner, **shop_profile(name="Keripik Tempe Bu Siti Asli")
    )
    shop.refresh_from_db()
    assert shop.status == ShopStatus.VERIFIED


# --- Attribution ---------------------------------------------------------------------------------


def test_only_an_admin_changes_the_attribution_with_a_reason(
    shop, owner, malang_community, other_mentor, mentor
):
    admin = UserFactory(is_staff=True, is_superuser=True)
    with pytest.raises(ShopActionRefused):
        shop_services.shop_attribution_change(
            shop_id=shop.pk, actor=owner, community=malang_community, mentor=None, reason="x"
        )
    with pytest.raises(ShopActionRefused):
        shop_services.shop_attribution_change(
            shop_id=shop.pk, actor=admin, community=malang_community, mentor=None, reason=""
        )
    with pytest.raises(ShopActionRefused):  # a mentor of another community
        shop_services.shop_attribution_change(
            shop_id=shop.pk, actor=admin, community=malang_community, mentor=mentor, reason="x"
        )
    shop_services.shop_attribution_change(
        shop_id=shop.pk,
        actor=admin,
        community=malang_community,
        mentor=other_mentor,
        reason="Didampingi sejak pelatihan Oktober",
    )
    shop.refresh_from_db()
    assert (shop.community, shop.mentor) == (malang_community, other_mentor)
    entry = AuditLog.objects.get(action="shop.attribution.change")
    assert entry.reason == "Didampingi sejak pelatihan Oktober"
    assert entry.data["before"] == {"community": None, "mentor": None}


# --- Review findings -----------------------------------------------------------------------------


def test_while_in_review_the_legal_data_and_documents_stay_as_the_moderator_sees_them(
    owner, shop, tmp_documents
):
    _complete(shop, owner, tmp_documents)
    verification.shop_submit(shop_id=shop.pk, actor=owner)
    ktp = shop.documents.get(kind="ktp")
    with pytest.raises(ShopActionRefused):
        shop_services.shop_update_legal(
            shop_id=shop.pk, actor=owner, owner_legal_name="Orang Lain", nik=VALID_NIK
        )
    with pytest.raises(ShopActionRefused):
        document_services.shop_document_upload(
            shop_id=shop.pk, actor=owner, kind="ktp", upload=jpeg_upload()
        )
    shop.refresh_from_db()
    assert shop.owner_legal_name == "Siti Rahayu"
    assert shop.documents.get(kind="ktp").storage_name == ktp.storage_name
    assert sorted(p.name for p in tmp_documents.rglob("*.enc")) == sorted(
        p.rsplit("/", 1)[-1] for p in shop.documents.values_list("storage_name", flat=True)
    )


def test_a_moderator_does_not_decide_on_a_shop_they_are_involved_with(
    owner, shop, moderator, tmp_documents
):
    ShopMember.objects.create(shop=shop, user=moderator, role=ShopMember.Role.STAFF)
    _complete(shop, owner, tmp_documents)
    verification.shop_submit(shop_id=shop.pk, actor=owner)
    with pytest.raises(ShopActionRefused):
        verification.shop_verify(shop_id=shop.pk, moderator=moderator)
    shop.refresh_from_db()
    assert shop.status == ShopStatus.SUBMITTED


def test_open_invitations_count_towards_the_staff_limit(owner, shop):
    for n in range(member_services.MAX_STAFF):
        member_services.shop_staff_invite(shop_id=shop.pk, actor=owner, email=f"s{n}@contoh.id")
    with pytest.raises(ShopActionRefused):
        member_services.shop_staff_invite(shop_id=shop.pk, actor=owner, email="lagi@contoh.id")
    # Inviting an address again replaces its invitation: no extra seat is taken.
    member_services.shop_staff_invite(shop_id=shop.pk, actor=owner, email="s0@contoh.id")
    assert shop.invitations.filter(revoked_at__isnull=True).count() == member_services.MAX_STAFF


def test_a_rejected_shop_loses_its_public_page(client, owner, shop, moderator, tmp_documents):
    _complete(shop, owner, tmp_documents)
    verification.shop_submit(shop_id=shop.pk, actor=owner)
    verification.shop_verify(shop_id=shop.pk, moderator=moderator)
    url = reverse("vendors:shop_page", args=[shop.slug])
    assert client.get(url).status_code == 200
    shop_services.shop_update_legal(
        shop_id=shop.pk, actor=owner, owner_legal_name="Siti R.", nik=VALID_NIK
    )
    assert client.get(url).status_code == 200  # back in review, still public
    verification.shop_reject(shop_id=shop.pk, moderator=moderator, reason="Nama tidak sesuai KTP")
    assert client.get(url).status_code == 404


def test_only_moderators_see_the_full_nik_in_the_admin(client, owner, shop, moderator):
    from django.contrib.auth.models import Group

    shop_services.shop_update_legal(
        shop_id=shop.pk, actor=owner, owner_legal_name="Siti Rahayu", nik=VALID_NIK
    )
    call_centre = UserFactory(is_staff=True)
    call_centre.groups.add(Group.objects.get(name="Call centre"))
    url = reverse("admin:vendors_shop_change", args=[shop.pk])
    client.force_login(call_centre)
    page = client.get(url).content.decode()
    assert VALID_NIK not in page and "3573••••••••0001" in page
    client.force_login(moderator)
    assert VALID_NIK in client.get(url).content.decode()
