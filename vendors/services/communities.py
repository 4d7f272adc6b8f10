"""Assisted onboarding: a mentor (or coordinator) of an RTIK chapter drafts a shop for a UMKM,
records the owner's consent, and invites the owner, who accepts before the shop is theirs.
Every step is audit-logged with the mentor as actor."""

import datetime as dt
from typing import IO

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from komeji.accounts.models import User
from komeji.common.models import Region
from komeji.common.services import audit_record
from vendors.models import Community, CommunityMember, Shop
from vendors.services.common import lock_shop_access, require
from vendors.services.shops import logo_stored_first, shop_profile_values, unique_shop_slug


def shop_draft_for_umkm(
    *,
    mentor: User,
    community: Community,
    name: str,
    description: str,
    region: Region,
    street: str,
    kecamatan: str,
    postal_code: str,
    phone: str,
    logo: IO[bytes] | None = None,
) -> Shop:
    require(
        community.is_active
        and CommunityMember.objects.filter(community=community, user=mentor).exists(),
        _("You can draft shops only for a community you belong to."),
    )
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
        shop = Shop(
            **values,
            slug=unique_shop_slug(values["name"]),
            community=community,
            mentor=mentor,
            created_by=mentor,
            is_assisted=True,
        )
        shop.logo.name = logo_name or ""
        shop.full_clean(exclude=["logo"])
        shop.save()
        audit_record(
            actor=mentor,
            action="shop.draft_for_umkm",
            obj=shop,
            data={"community": community.pk},
        )
    return shop


@transaction.atomic
def shop_record_consent(
    *, shop_id: int, mentor: User, owner_name: str, given_on: dt.date, confirmed: bool
) -> Shop:
    """The mentor records that the UMKM owner agreed to have the shop opened on their behalf."""
    access = lock_shop_access(actor=mentor, shop_id=shop_id)
    shop = access.shop
    require(
        access.is_mentor and shop.is_assisted and not shop.is_claimed,
        _("Only the mentor of a shop not yet accepted by its owner records the consent."),
    )
    require(confirmed, _("Tick the box to confirm that the owner gave their consent."))
    owner_name = owner_name.strip()
    require(bool(owner_name), _("Write the owner's name."))
    require(given_on <= timezone.localdate(), _("The date of the consent cannot be in the future."))
    shop.consent_owner_name = owner_name
    shop.consent_given_on = given_on
    shop.consent_recorded_by = mentor
    shop.save(
        update_fields=[
            "consent_owner_name",
            "consent_given_on",
            "consent_recorded_by",
            "updated_at",
        ]
    )
    audit_record(
        actor=mentor,
        action="shop.consent.record",
        obj=shop,
        data={"owner_name": owner_name, "given_on": given_on.isoformat()},
    )
    return shop
