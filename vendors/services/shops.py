"""Opening a shop and keeping it: profile, holiday mode, bank account, legal data, documents,
attribution."""

import datetime as dt
import io
from collections.abc import Iterator
from contextlib import contextmanager
from typing import IO, Any

from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext as _
from PIL import Image

from komeji.accounts.models import User
from komeji.accounts.validators import normalize_phone
from komeji.common.models import Region
from komeji.common.services import audit_record
from vendors import documents
from vendors.models import Community, CommunityMember, Shop, ShopMember
from vendors.selectors import shop_owned_by, user_has_verified_email
from vendors.services.common import lock_shop_access, require
from vendors.services.errors import ShopNotFound
from vendors.services.verification import shop_identity_changed
from vendors.validators import normalize_nib, normalize_nik, normalize_npwp

MAX_LOGO_BYTES = 2 * 1024 * 1024
HOLIDAY_MAX_DAYS = 90


def require_not_in_review(shop: Shop) -> None:
    """What the moderator is checking stays as it is until they decide."""
    require(
        not shop.in_review,
        _(
            "Your shop is being verified. You can change its legal data and documents again "
            "after the decision (within 2 working days)."
        ),
    )


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


@contextmanager
def logo_stored_first(logo: IO[bytes] | None) -> Iterator[str | None]:
    """Clean and store a new logo before any row lock is taken (no storage call under a lock);
    if what follows fails, the stored file is removed again. Yields its storage name."""
    if logo is None:
        yield None
        return
    storage = Shop._meta.get_field("logo").storage  # type: ignore[attr-defined]
    name = storage.save(f"shops/logos/{timezone.now():%Y/%m}/logo.png", clean_logo(logo))
    try:
        yield name
    except BaseException:
        storage.delete(name)
        raise


def _remove_logo_after_commit(name: str) -> None:
    if name:
        storage = Shop._meta.get_field("logo").storage  # type: ignore[attr-defined]
        transaction.on_commit(lambda: storage.delete(name))


def shop_profile_values(
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
    with logo_stored_first(logo) as logo_name, transaction.atomic():
        return _shop_open_locked(
            user=user,
            values=shop_profile_values(
                name=name,
                description=description,
                region=region,
                street=street,
                kecamatan=kecamatan,
                postal_code=postal_code,
                phone=phone,
            ),
            community=community,
            logo_name=logo_name,
        )


def _shop_open_locked(
    *, user: User, values: dict[str, Any], community: Community | None, logo_name: str | None
) -> Shop:
    region = values["region"]
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
    now = timezone.now()
    shop = Shop(
        **values,
        slug=unique_shop_slug(values["name"]),
        community=community,
        created_by=user,
        claimed_at=now,
    )
    shop.logo.name = logo_name or ""
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


def shop_update_profile(
    *,
    shop_id: int,
    actor: User,
    name: str,
    description: str,
    region: Region,
    street: str,
    kecamatan: str,
    postal_code: str,
    phone: str,
    logo: IO[bytes] | None = None,
) -> Shop:
    values = shop_profile_values(
        name=name,
        description=description,
        region=region,
        street=street,
        kecamatan=kecamatan,
        postal_code=postal_code,
        phone=phone,
    )
    with logo_stored_first(logo) as logo_name, transaction.atomic():
        access = lock_shop_access(actor=actor, shop_id=shop_id)
        require(access.can_edit_profile, _("You cannot change this shop's profile."))
        shop = access.shop
        changed = [key for key, value in values.items() if getattr(shop, key) != value]
        for key, value in values.items():
            setattr(shop, key, value)
        if logo_name:
            _remove_logo_after_commit(shop.logo.name)
            shop.logo.name = logo_name
            changed.append("logo")
        shop.full_clean(exclude=["logo"])
        shop.save()
        if {"name", "region"} & set(changed):
            from marketplace.services.products import shop_products_refresh

            shop_products_refresh(shop_id=shop.pk)
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
    require(access.can_edit_legal, _("You cannot change this shop's legal data."))
    shop = access.shop
    require_not_in_review(shop)
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
        require(community is not None, _("Choose the mentor's community too."))
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
