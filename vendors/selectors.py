"""Reads of the vendors app: who may do what with a shop, checklists, and the centres' lists."""

import hashlib
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db.models import Count, Prefetch, Q, QuerySet
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from komeji.accounts.models import User
from vendors.models import (
    Community,
    CommunityMember,
    Shop,
    ShopDocument,
    ShopInvitation,
    ShopMember,
    ShopStatus,
)

# --- Access --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ShopAccess:
    """What one user may do with one shop.

    Owner: everything. Staff: products, orders and holiday mode (not the profile, legal data,
    members or bank account). Mentor (or coordinator) of the shop's community: the profile, legal
    data and documents of a shop they drafted for a UMKM, only until its owner accepts it.
    """

    shop: Shop
    role: str  # "owner" | "staff" | "mentor"

    @property
    def is_owner(self) -> bool:
        return self.role == ShopMember.Role.OWNER

    @property
    def is_mentor(self) -> bool:
        return self.role == "mentor"

    @property
    def can_edit_profile(self) -> bool:
        return self.is_owner or self.is_mentor

    @property
    def can_edit_legal(self) -> bool:
        return self.is_owner or self.is_mentor

    @property
    def can_manage_members(self) -> bool:
        return self.is_owner

    @property
    def can_manage_bank(self) -> bool:
        return self.is_owner

    @property
    def can_submit(self) -> bool:
        return self.is_owner

    @property
    def can_manage_products(self) -> bool:
        return self.role in (ShopMember.Role.OWNER, ShopMember.Role.STAFF)

    @property
    def can_manage_orders(self) -> bool:
        """Orders and the shipping set-up (couriers, rates)."""
        return self.role in (ShopMember.Role.OWNER, ShopMember.Role.STAFF)

    @property
    def can_set_holiday(self) -> bool:
        return self.role in (ShopMember.Role.OWNER, ShopMember.Role.STAFF)


def community_ids_of(*, user: Any) -> list[int]:
    """The active communities the user mentors or coordinates."""
    if not getattr(user, "is_authenticated", False):
        return []
    return list(
        CommunityMember.objects.filter(user=user, community__is_active=True).values_list(
            "community_id", flat=True
        )
    )


def shop_access_get(*, user: Any, shop_id: int, for_update: bool = False) -> ShopAccess | None:
    """The user's access to the shop, or None (the caller answers 404: the shop's existence is
    not revealed to outsiders). With `for_update`, the shop row is locked (inside a transaction)."""
    if not getattr(user, "is_authenticated", False):
        return None
    shops = Shop.objects.select_related("region", "community")
    if for_update:
        shops = Shop.objects.select_for_update(of=("self",)).select_related("region", "community")
    shop = shops.filter(pk=shop_id).first()
    if shop is None:
        return None
    role = ShopMember.objects.filter(shop=shop, user=user).values_list("role", flat=True).first()
    if role is not None:
        return ShopAccess(shop=shop, role=role)
    if (
        not shop.is_claimed
        and shop.community_id is not None
        and shop.community_id in community_ids_of(user=user)
    ):
        return ShopAccess(shop=shop, role="mentor")
    return None


def shops_of_member(*, user: User) -> QuerySet[Shop]:
    return Shop.objects.filter(memberships__user=user).select_related("region").order_by("name")


def shop_owned_by(*, user: User) -> Shop | None:
    return Shop.objects.filter(memberships__user=user, memberships__role="owner").first()


def user_has_verified_email(*, user: User) -> bool:
    from allauth.account.models import EmailAddress

    return EmailAddress.objects.filter(user=user, verified=True).exists()


def user_verified_emails(*, user: User) -> set[str]:
    from allauth.account.models import EmailAddress

    return {
        e.lower()
        for e in EmailAddress.objects.filter(user=user, verified=True).values_list(
            "email", flat=True
        )
    }


# --- Checklist -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class ChecklistItem:
    key: str
    label: str | Promise
    done: bool
    required: bool


REQUIREMENT_LABELS: dict[str, Promise] = {
    "nik": _("Owner's NIK and name as on the KTP"),
    "ktp": _("Photo of the KTP"),
    "selfie": _("Selfie holding the KTP"),
    "nib": _("NIB (Nomor Induk Berusaha)"),
    "npwp": _("NPWP"),
    "business_photo": _("Photo of the business"),
}


def _requirement_done(shop: Shop, key: str, document_kinds: set[str]) -> bool:
    if key == "nik":
        return bool(shop.nik and shop.owner_legal_name)
    if key in ("nib", "npwp"):
        return bool(getattr(shop, key))
    return key in document_kinds


def shop_checklist(*, shop: Shop, document_kinds: set[str] | None = None) -> list[ChecklistItem]:
    """What the shop has and lacks: required items for verification first, then recommended
    ones (NIB, business photo, NPWP, a courier to ship with)."""
    items = _verification_items(shop, document_kinds)
    # Not needed for verification, but buyers cannot order until a courier reaches them.
    has_courier = shop.shipping_methods.filter(
        Q(courier="pickup") | Q(rates__isnull=False), is_active=True
    ).exists()
    items.append(
        ChecklistItem(
            "shipping", _("At least one courier with its prices (Shipping)"), has_courier, False
        )
    )
    items.sort(key=lambda item: not item.required)
    return items


def _verification_items(shop: Shop, document_kinds: set[str] | None) -> list[ChecklistItem]:
    """Required items first, then recommended ones (NIB, business photo, NPWP), then what an
    assisted shop needs (consent, owner)."""
    if document_kinds is None:
        document_kinds = set(shop.documents.values_list("kind", flat=True))
    required = set(settings.KOMEJI_VERIFICATION_REQUIRED)
    items = [
        ChecklistItem(key, label, _requirement_done(shop, key, document_kinds), key in required)
        for key, label in REQUIREMENT_LABELS.items()
    ]
    if shop.is_assisted:
        consent_done = shop.consent_given_on is not None
        items.append(
            ChecklistItem(
                "consent", _("Owner's consent recorded by the mentor"), consent_done, True
            )
        )
        items.append(
            ChecklistItem("owner", _("Owner has accepted the shop"), shop.is_claimed, True)
        )
    items.sort(key=lambda item: not item.required)
    return items


def shop_missing(*, shop: Shop, document_kinds: set[str] | None = None) -> list[ChecklistItem]:
    """The required items still missing: a shop can be submitted when this is empty."""
    items = _verification_items(shop, document_kinds)
    return [item for item in items if item.required and not item.done]


# --- Pages ---------------------------------------------------------------------------------------


def shop_documents(*, shop: Shop) -> dict[str, ShopDocument]:
    return {d.kind: d for d in shop.documents.select_related("uploaded_by")}


def shop_members(*, shop: Shop) -> QuerySet[ShopMember]:
    return shop.memberships.select_related("user").order_by("role", "created_at")


def shop_open_invitations(*, shop: Shop) -> QuerySet[ShopInvitation]:
    return shop.invitations.filter(
        accepted_at__isnull=True, revoked_at__isnull=True, expires_at__gt=timezone.now()
    ).select_related("invited_by")


def invitation_token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def shop_invitation_get(*, token: str) -> ShopInvitation | None:
    """The invitation a link's token names (only its hash is stored), or None."""
    return (
        ShopInvitation.objects.select_related("shop", "shop__region", "invited_by")
        .filter(token_hash=invitation_token_hash(token))
        .first()
    )


def shop_public_get(*, slug: str) -> Shop | None:
    """A shop has a public page once verified; it keeps it while re-checked after a change of
    identity data, and loses it when a moderator rejects it."""
    return (
        Shop.objects.select_related("region", "community")
        .filter(slug=slug, first_verified_at__isnull=False)
        .exclude(status=ShopStatus.REJECTED)
        .first()
    )


def community_shops(*, user: User) -> QuerySet[Shop]:
    """Shops of the communities the user mentors or coordinates, with what the checklist needs."""
    return (
        Shop.objects.filter(community_id__in=community_ids_of(user=user))
        .select_related("region", "community", "mentor")
        .prefetch_related(
            Prefetch("documents", queryset=ShopDocument.objects.only("shop_id", "kind")),
            Prefetch(
                "memberships",
                queryset=ShopMember.objects.filter(role="owner").select_related("user"),
                to_attr="owner_memberships",
            ),
        )
        .order_by("status", "name")
    )


def community_status_counts(*, user: User) -> dict[str, int]:
    rows = (
        Shop.objects.filter(community_id__in=community_ids_of(user=user))
        .values("status")
        .annotate(n=Count("id"))
    )
    counts = {status: 0 for status in ShopStatus.values}
    for row in rows:
        counts[row["status"]] = row["n"]
    return counts


def community_pending_invitations(*, user: User) -> QuerySet[ShopInvitation]:
    return (
        ShopInvitation.objects.filter(
            shop__community_id__in=community_ids_of(user=user),
            role=ShopMember.Role.OWNER,
            accepted_at__isnull=True,
            revoked_at__isnull=True,
        )
        .select_related("shop", "invited_by")
        .order_by("expires_at")
    )


def communities_of(*, user: User) -> QuerySet[Community]:
    return Community.objects.filter(memberships__user=user, is_active=True).select_related("region")


def community_shop_get(*, user: User, shop_id: int) -> Shop | None:
    """A shop of one of the user's communities (claimed or not), or None."""
    return (
        Shop.objects.select_related("region", "community", "mentor")
        .filter(pk=shop_id, community_id__in=community_ids_of(user=user))
        .first()
    )


def region_communities(*, region_id: int) -> QuerySet[Community]:
    return Community.objects.filter(region_id=region_id, is_active=True)


def review_queue() -> QuerySet[Shop]:
    return Shop.objects.filter(
        Q(status=ShopStatus.SUBMITTED) | Q(status=ShopStatus.RESUBMITTED)
    ).order_by("submitted_at")
