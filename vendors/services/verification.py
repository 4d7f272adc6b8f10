"""Shop verification: draft → submitted → verified | rejected → resubmitted.

The allowed moves are models.SHOP_TRANSITIONS.

Every change goes through `shop_transition`, which checks the map, saves, appends a
ShopStatusEvent and an audit entry. Callers hold the lock on the shop row.
"""

from typing import Any

from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from komeji.common.services import audit_record
from vendors.models import SHOP_TRANSITIONS, Shop, ShopMember, ShopStatus, ShopStatusEvent
from vendors.selectors import shop_missing
from vendors.services.common import lock_shop_access, notify, require, shop_owner
from vendors.services.errors import ShopActionRefused, ShopNotFound


class ShopNotVerified(ShopActionRefused):
    def __init__(self) -> None:
        super().__init__(
            gettext_lazy("Only a verified shop can publish products. Complete the verification.")
        )


def shop_ensure_can_publish(*, shop: Shop) -> None:
    """Raise ShopNotVerified unless the shop may publish products (used by the catalogue).

    Call inside the transaction that publishes: the shop row is locked (FOR SHARE) until it
    commits, so a concurrent identity change cannot slip between this check and the publish.
    """
    current = (
        Shop.objects.select_for_update(no_key=True)
        .filter(pk=shop.pk)
        .values_list("status", flat=True)
        .first()
    )
    if current != ShopStatus.VERIFIED:
        raise ShopNotVerified


def shop_transition(*, shop: Shop, to_status: str, actor: Any, reason: str = "") -> Shop:
    """Move a locked shop to `to_status` if the map allows it."""
    from_status = shop.status
    if to_status not in SHOP_TRANSITIONS.get(from_status, set()):
        raise ShopActionRefused(
            gettext_lazy("This shop cannot go from “%(from)s” to “%(to)s”.")
            % {"from": ShopStatus(from_status).label, "to": ShopStatus(to_status).label}
        )
    now = timezone.now()
    shop.status = to_status
    shop.status_changed_at = now
    fields = ["status", "status_changed_at", "updated_at"]
    if to_status in (ShopStatus.SUBMITTED, ShopStatus.RESUBMITTED):
        shop.submitted_at = now
        fields.append("submitted_at")
    if to_status != ShopStatus.REJECTED and shop.rejection_reason:
        shop.rejection_reason = ""
        fields.append("rejection_reason")
    if to_status == ShopStatus.REJECTED:
        shop.rejection_reason = reason
        fields.append("rejection_reason")
    if to_status == ShopStatus.VERIFIED:
        if shop.first_verified_at is None:
            shop.first_verified_at = now
            fields.append("first_verified_at")
        shop.nib_verified_at = now if shop.nib else None
        fields.append("nib_verified_at")
    shop.save(update_fields=fields)
    ShopStatusEvent.objects.create(
        shop=shop,
        from_status=from_status,
        to_status=to_status,
        actor=actor if getattr(actor, "is_authenticated", False) else None,
        reason=reason,
        created_at=now,
    )
    audit_record(
        actor=actor,
        action=f"shop.status.{to_status}",
        obj=shop,
        reason=reason,
        data={"from": from_status, "to": to_status},
    )
    return shop


@transaction.atomic
def shop_submit(*, shop_id: int, actor: Any) -> Shop:
    """The owner sends the shop for review (draft → submitted, rejected → resubmitted)."""
    access = lock_shop_access(actor=actor, shop_id=shop_id)
    shop = access.shop
    require(access.can_submit, _("Only the shop's owner can send it for verification."))
    require(
        shop.status in (ShopStatus.DRAFT, ShopStatus.REJECTED),
        _("This shop is already waiting for verification or verified."),
    )
    missing = shop_missing(shop=shop)
    require(
        not missing,
        _("Complete these first: %(items)s.")
        % {"items": ", ".join(str(item.label) for item in missing)},
    )
    to_status = ShopStatus.SUBMITTED if shop.status == ShopStatus.DRAFT else ShopStatus.RESUBMITTED
    return shop_transition(shop=shop, to_status=to_status, actor=actor)


def shop_identity_changed(*, shop: Shop, actor: Any, what: str) -> None:
    """Call under the shop lock after identity data or a document changed: a verified shop goes
    back to review (its public page stays, but it cannot publish until verified again)."""
    if shop.status == ShopStatus.VERIFIED:
        shop_transition(
            shop=shop,
            to_status=ShopStatus.SUBMITTED,
            actor=actor,
            reason=_("Identity data changed: %(what)s") % {"what": what},
        )


def _lock_for_review(shop_id: int) -> Shop:
    shop = Shop.objects.select_for_update().filter(pk=shop_id).first()
    if shop is None:
        raise ShopNotFound
    return shop


def _require_moderator(actor: Any, shop: Shop) -> None:
    if not (getattr(actor, "is_authenticated", False) and actor.has_perm("vendors.verify_shop")):
        raise ShopActionRefused(_("Only a moderator can verify or reject shops."))
    # Separation of duties: nobody decides on a shop they belong to, mentored or drafted.
    involved = (
        shop.created_by_id == actor.pk
        or shop.mentor_id == actor.pk
        or ShopMember.objects.filter(shop=shop, user=actor).exists()
    )
    if involved:
        raise ShopActionRefused(
            _("You are involved with this shop: another moderator must decide on it.")
        )


@transaction.atomic
def shop_verify(*, shop_id: int, moderator: Any, note: str = "") -> Shop:
    shop = _lock_for_review(shop_id)
    _require_moderator(moderator, shop)
    require(shop.in_review, _("Only a shop waiting for verification can be verified."))
    shop_transition(shop=shop, to_status=ShopStatus.VERIFIED, actor=moderator, reason=note)
    owner = shop_owner(shop)
    if owner is not None:
        notify(
            recipient=owner,
            kind="shop.verified",
            title=lambda: _("Your shop %(shop)s is verified") % {"shop": shop.name},
            body=lambda: _(
                "Congratulations! Komeji checked your documents. Your shop can now publish "
                "products and shows the “Verified” badge."
            ),
            url=reverse("vendors:dashboard", args=[shop.pk]),
        )
    return shop


@transaction.atomic
def shop_reject(*, shop_id: int, moderator: Any, reason: str) -> Shop:
    reason = reason.strip()
    require(
        bool(reason), _("Write the reason for the rejection: the owner needs it to fix the shop.")
    )
    shop = _lock_for_review(shop_id)
    _require_moderator(moderator, shop)
    require(shop.in_review, _("Only a shop waiting for verification can be rejected."))
    shop_transition(shop=shop, to_status=ShopStatus.REJECTED, actor=moderator, reason=reason)
    owner = shop_owner(shop)
    if owner is not None:
        notify(
            recipient=owner,
            kind="shop.rejected",
            title=lambda: _("Verification of %(shop)s needs a fix") % {"shop": shop.name},
            body=lambda: (
                _("Reason: %(reason)s. Fix it and send the shop again.") % {"reason": reason}
            ),
            url=reverse("vendors:dashboard", args=[shop.pk]),
        )
    return shop
