"""Opening a shop and keeping it: profile, holiday mode, bank account, legal data, documents,
attribution."""

import datetime as dt
import io
from typing import IO, Any

from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext as _
from PIL import Image

from komeji.accounts.models import User
from komeji.accounts.validators import normalize_phone
from komeji.common.models import Region
from komeji.common.services import audit_record
from vendors import documents
from vendors.banks import BANK_NAMES
from vendors.models import BankAccount, Community, CommunityMember, Shop, ShopDocument, ShopMember
from vendors.selectors import shop_owned_by, user_has_verified_email
from vendors.services.common import lock_shop_access, notify, require
from vendors.services.errors import ShopNotFound, WrongPassword
from vendors.services.verification import shop_identity_changed
from vendors.validators import (
    mask,
    normalize_bank_account_number,
    normalize_nib,
    normalize_nik,
    normalize_npwp,
)

MAX_LOGO_BYTES = 2 * 1024 * 1024
HOLIDAY_MAX_DAYS = 90
# Wrong passwords on the bank-account form before it locks for a while.
BANK_PASSWORD_ATTEMPTS = 5
BANK_PASSWORD_LOCK_SECONDS = 15 * 60


def unique_shop_slug(name: str) -> str:
    base = slugify(name)[:80] or "toko"
    slug, n = base, 2
    while Shop.objects.filter(slug=slug).exists():
        slug, n = f"{base}-{n}", n + 1
    return slug


def clean_logo(upload: IO[bytes] | Any) -> ContentFile:
    """A logo re-encoded as a 512 px PNG without metadata, or ValidationError."""
    if getattr(upload, "size", 0) > MAX_LOGO_BYTES:
        raise ValidationError(_("The logo is larger than 2 MB."), code="logo_size")
    upload.seek(0)
    data = upload.read(MAX_LOGO_BYTES + 1)
    try:
        clean = documents.document_clean(io.BytesIO(data))
    except ValidationError:
        raise ValidationError(
            _("The logo must be a JPEG or PNG image."), code="logo_type"
        ) from None
    if clean.content_type == "application/pdf":
        raise ValidationError(_("The logo must be a JPEG or PNG image."), code="logo_type")
    with Image.open(io.BytesIO(clean.data)) as image:
        image.thumbnail((512, 512))
        out = io.BytesIO()
        image.save(out, format="PNG", optimize=True)
    return ContentFile(out.getvalue(), name="logo.png")


def _profile_values(
    *,
    name: str,
    description: str,
    region: Region,
    street: str,
    kecamatan: str,
    postal_code: str,
    phone: str,
) -> dict[str, Any]:
    return {
        "name": name.strip(),
        "description": description.strip(),
        "region": region,
        "street": street.strip(),
        "kecamatan": kecamatan.strip(),
        "postal_code": postal_code.strip(),
        "phone": normalize_phone(phone),
    }


@transaction.atomic
def shop_open(
    *,
    user: User,
    name: str,
    description: str,
    region: Region,
    street: str,
    kecamatan: str,
    postal_code: str,
    phone: str,
    community: Community | None = None,
    logo: IO[bytes] | None = None,
) -> Shop:
    """A signed-in user with a verified e-mail opens their own shop (one per account). A
    self-registered shop may name the active community of its kabupaten/kota."""
    User.objects.select_for_update().filter(pk=user.pk).get()
    require(
        user_has_verified_email(user=user),
        _("Verify your e-mail address first: open the link we sent you."),
    )
    require(shop_owned_by(user=user) is None, _("You already have a shop."))
    if community is not None:
        require(
            community.is_active and community.region_id == region.pk,
            _("Choose the community of your shop's kabupaten/kota."),
        )
    values = _profile_values(
        name=name,
        description=description,
        region=region,
        street=street,
        kecamatan=kecamatan,
        postal_code=postal_code,
        phone=phone,
    )
    now = timezone.now()
    shop = Shop(
        **values,
        slug=unique_shop_slug(values["name"]),
        community=community,
        created_by=user,
        claimed_at=now,
    )
    if logo is not None:
        shop.logo.save("logo.png", clean_logo(logo), save=False)
    shop.full_clean(exclude=["logo"])
    try:
        with transaction.atomic():
            shop.save()
    except IntegrityError:
        # Two shops with the same name opened at once: the slug decides.
        shop.slug = f"{shop.slug}-{now:%H%M%S}"
        shop.save()
    ShopMember.objects.create(shop=shop, user=user, role=ShopMember.Role.OWNER)
    audit_record(actor=user, action="shop.open", obj=shop)
    return shop


@transaction.atomic
def shop_update_profile(
    *,
    shop_id: int,
    actor: Any,
    name: str,
    description: str,
    region: Region,
    street: str,
    kecamatan: str,
    postal_code: str,
    phone: str,
    logo: IO[bytes] | None = None,
) -> Shop:
    access = lock_shop_access(actor=actor, shop_id=shop_id)
    require(access.can_edit_profile, _("Only the shop's owner can change its profile."))
    shop = access.shop
    values = _profile_values(
        name=name,
        description=description,
        region=region,
        street=street,
        kecamatan=kecamatan,
        postal_code=postal_code,
        phone=phone,
    )
    changed = [key for key, value in values.items() if getattr(shop, key) != value]
    for key, value in values.items():
        setattr(shop, key, value)
    if logo is not None:
        shop.logo.save("logo.png", clean_logo(logo), save=False)
        changed.append("logo")
    shop.full_clean(exclude=["logo"])
    shop.save()
    audit_record(
        actor=actor,
        action="shop.profile.update",
        obj=shop,
        data={"fields": changed, "as": access.role},
    )
    return shop


@transaction.atomic
def shop_set_holiday(
    *, shop_id: int, actor: Any, on_holiday: bool, until: dt.date | None = None
) -> Shop:
    """Holiday mode: no new orders until `until` (the return date shown to buyers)."""
    access = lock_shop_access(actor=actor, shop_id=shop_id)
    require(access.can_set_holiday, _("Only the shop's owner or staff can set holiday mode."))
    shop = access.shop
    today = timezone.localdate()
    if on_holiday:
        require(until is not None, _("Give the date the shop is back."))
        assert until is not None
        require(until > today, _("The return date must be after today."))
        require(
            until <= today + dt.timedelta(days=HOLIDAY_MAX_DAYS),
            _("Holiday mode lasts at most %(days)s days.") % {"days": HOLIDAY_MAX_DAYS},
        )
    shop.is_on_holiday = on_holiday
    shop.holiday_until = until if on_holiday else None
    shop.save(update_fields=["is_on_holiday", "holiday_until", "updated_at"])
    audit_record(
        actor=actor,
        action="shop.holiday.on" if on_holiday else "shop.holiday.off",
        obj=shop,
        data={"until": until.isoformat() if on_holiday and until else None},
    )
    return shop


# --- Bank account --------------------------------------------------------------------------------


def _password_key(user: User) -> str:
    return f"bank-password-failures:{user.pk}"


def _check_password(user: User, password: str) -> None:
    key = _password_key(user)
    failures = cache.get(key, 0)
    if failures >= BANK_PASSWORD_ATTEMPTS:
        raise WrongPassword(_("Too many wrong passwords. Try again in 15 minutes."))
    if not user.check_password(password):
        cache.add(key, 0, BANK_PASSWORD_LOCK_SECONDS)
        cache.incr(key)
        raise WrongPassword(_("The password is wrong. Your bank account was not changed."))
    cache.delete(key)


@transaction.atomic
def shop_bank_account_set(
    *,
    shop_id: int,
    actor: User,
    password: str,
    bank_code: str,
    account_number: str,
    holder_name: str,
) -> BankAccount:
    """Set or change where the shop's payouts go. Owner only, after typing the password again;
    audit-logged, the owner is notified, and payouts wait 24 hours after every change."""
    access = lock_shop_access(actor=actor, shop_id=shop_id)
    require(access.can_manage_bank, _("Only the shop's owner can change its bank account."))
    _check_password(actor, password)
    require(bank_code in BANK_NAMES, _("Choose a bank from the list."))
    number = normalize_bank_account_number(account_number)
    holder = holder_name.strip()
    require(bool(holder), _("Write the account holder's name as the bank knows it."))
    shop = access.shop
    now = timezone.now()
    account = BankAccount.objects.select_for_update().filter(shop=shop).first()
    previous = str(account) if account is not None else ""
    if account is None:
        account = BankAccount(shop=shop)
    account.bank_code = bank_code
    account.account_number = number
    account.holder_name = holder
    account.changed_at = now
    account.changed_by = actor
    account.save()
    audit_record(
        actor=actor,
        action="shop.bank_account.set",
        obj=shop,
        data={
            "previous": mask(previous.split(" a.n.")[0], keep_start=0) if previous else "",
            "bank": bank_code,
            "account": mask(number, keep_start=0, keep_end=4),
        },
    )
    notify(
        recipient=actor,
        kind="shop.bank_account",
        title=lambda: _("The bank account of %(shop)s was changed") % {"shop": shop.name},
        body=lambda: (
            _(
                "Payouts now go to %(bank)s ••••%(last4)s. They are held for 24 hours. If you did "
                "not make this change, change your password and contact Komeji at once."
            )
            % {"bank": BANK_NAMES[bank_code], "last4": number[-4:]}
        ),
        url=reverse("vendors:bank_account", args=[shop.pk]),
    )
    return account


# --- Legal data and documents -------------------------------------------------------------------


@transaction.atomic
def shop_update_legal(
    *,
    shop_id: int,
    actor: Any,
    owner_legal_name: str,
    nik: str,
    nib: str = "",
    npwp: str = "",
) -> Shop:
    """Identity and business numbers. Each is validated; a verified shop whose data change goes
    back to review."""
    access = lock_shop_access(actor=actor, shop_id=shop_id)
    require(access.can_edit_legal, _("Only the shop's owner can change its legal data."))
    shop = access.shop
    values = {
        "owner_legal_name": owner_legal_name.strip(),
        "nik": normalize_nik(nik) if nik.strip() else "",
        "nib": normalize_nib(nib) if nib.strip() else "",
        "npwp": normalize_npwp(npwp) if npwp.strip() else "",
    }
    changed = [key for key, value in values.items() if getattr(shop, key) != value]
    if not changed:
        return shop
    for key, value in values.items():
        setattr(shop, key, value)
    fields = [*changed, "updated_at"]
    if "nib" in changed:
        shop.nib_verified_at = None
        fields.append("nib_verified_at")
    shop.save(update_fields=fields)
    audit_record(
        actor=actor,
        action="shop.legal.update",
        obj=shop,
        data={"fields": changed, "as": access.role},
    )
    shop_identity_changed(shop=shop, actor=actor, what=", ".join(changed))
    return shop


def shop_document_upload(
    *, shop_id: int, actor: Any, kind: str, upload: IO[bytes] | Any
) -> ShopDocument:
    """Check, clean, encrypt and store a legal document, replacing the previous one of its kind.

    The file is checked and written before the transaction (no storage call under a row lock);
    if the database part fails, the new file is removed, and the old one only after commit.
    """
    require(kind in ShopDocument.Kind.values, _("Unknown document."))
    # Refuse early (and without touching storage) when the actor has no access.
    with transaction.atomic():
        access = lock_shop_access(actor=actor, shop_id=shop_id)
        require(access.can_edit_legal, _("Only the shop's owner can upload its documents."))
    clean = documents.document_clean(upload)
    stored = documents.document_write(
        name=f"shops/{shop_id}/{kind}-{timezone.now():%Y%m%d%H%M%S}.{clean.extension}.enc",
        clean=clean,
    )
    try:
        with transaction.atomic():
            access = lock_shop_access(actor=actor, shop_id=shop_id)
            require(access.can_edit_legal, _("Only the shop's owner can upload its documents."))
            shop = access.shop
            document = ShopDocument.objects.filter(shop=shop, kind=kind).first()
            old_name = document.storage_name if document is not None else None
            if document is None:
                document = ShopDocument(shop=shop, kind=kind)
            document.storage_name = stored
            document.content_type = clean.content_type
            document.size = len(clean.data)
            document.sha256 = clean.sha256
            document.uploaded_by = actor
            document.save()
            audit_record(
                actor=actor,
                action="shop.document.upload",
                obj=shop,
                data={"kind": kind, "replaced": old_name is not None, "as": access.role},
            )
            shop_identity_changed(shop=shop, actor=actor, what=str(document.get_kind_display()))
            if old_name:
                transaction.on_commit(lambda: documents.document_remove(name=old_name))
    except BaseException:
        documents.document_remove(name=stored)
        raise
    return document


# --- Attribution (admin) --------------------------------------------------------------------------


@transaction.atomic
def shop_attribution_change(
    *,
    shop_id: int,
    actor: User,
    community: Community | None,
    mentor: User | None,
    reason: str,
) -> Shop:
    """Change the community and mentor a shop is attributed to (it drives profit sharing)."""
    require(
        actor.has_perm("vendors.change_shop_attribution"),
        _("Only an administrator can change a shop's community or mentor."),
    )
    reason = reason.strip()
    require(bool(reason), _("Write why the attribution changes."))
    shop = Shop.objects.select_for_update().filter(pk=shop_id).first()
    if shop is None:
        raise ShopNotFound
    if mentor is not None:
        require(community is not None, _("A mentor comes with their community."))
        require(
            CommunityMember.objects.filter(community=community, user=mentor).exists(),
            _("This mentor is not a member of the chosen community."),
        )
    before = {"community": shop.community_id, "mentor": shop.mentor_id}
    shop.community = community
    shop.mentor = mentor
    shop.save(update_fields=["community", "mentor", "updated_at"])
    audit_record(
        actor=actor,
        action="shop.attribution.change",
        obj=shop,
        reason=reason,
        data={
            "before": before,
            "after": {"community": shop.community_id, "mentor": shop.mentor_id},
        },
    )
    return shop


def shop_document_open(*, document_id: int, actor: Any) -> tuple[ShopDocument, bytes]:
    """A moderator opens a legal document: allowed only with the view_legal_document permission,
    and every opening is audit-logged (before the file is read)."""
    if not (
        getattr(actor, "is_authenticated", False)
        and actor.is_staff
        and actor.has_perm("vendors.view_legal_document")
    ):
        raise ShopNotFound
    document = ShopDocument.objects.select_related("shop").filter(pk=document_id).first()
    if document is None:
        raise ShopNotFound
    audit_record(
        actor=actor,
        action="shop.document.view",
        obj=document.shop,
        data={"document": document.pk, "kind": document.kind},
    )
    return document, documents.document_read(name=document.storage_name)
