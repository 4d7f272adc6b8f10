"""Shop members and invitations: staff invited by the owner, and the owner of a shop a mentor
drafted, invited by the mentor. An invitation is accepted by a signed-in user whose verified
e-mail is the invited address."""

import datetime as dt
import secrets

from django.conf import settings
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from komeji.accounts.models import User
from komeji.common.services import audit_record, email_queue
from vendors.models import Shop, ShopInvitation, ShopMember
from vendors.selectors import invitation_token_hash, shop_owned_by, user_verified_emails
from vendors.services.common import lock_shop_access, notify, require
from vendors.services.errors import ShopActionRefused, ShopNotFound

MAX_STAFF = 10


def _require_staff_room(shop: Shop, *, pending_invitations: bool, replacing: str = "") -> None:
    """At most MAX_STAFF staff, counting open invitations (call under the shop lock)."""
    taken = ShopMember.objects.filter(shop=shop, role=ShopMember.Role.STAFF).count()
    if pending_invitations:
        taken += (
            ShopInvitation.objects.filter(
                shop=shop,
                role=ShopMember.Role.STAFF,
                accepted_at__isnull=True,
                revoked_at__isnull=True,
                expires_at__gt=timezone.now(),
            )
            .exclude(email__iexact=replacing)
            .count()
        )
    require(taken < MAX_STAFF, _("A shop has at most %(n)s staff members.") % {"n": MAX_STAFF})


def _token_hash(token: str) -> str:
    return invitation_token_hash(token)


def _send_invitation_email(*, invitation: ShopInvitation, token: str, inviter: User) -> None:
    invitee = User.objects.filter(email__iexact=invitation.email).first()
    language = invitee.language if invitee is not None else settings.LANGUAGE_CODE
    url = settings.KOMEJI_BASE_URL + reverse("vendors:invitation_accept", args=[token])
    context = {"invitation": invitation, "shop": invitation.shop, "inviter": inviter, "url": url}
    with translation.override(language):
        if invitation.role == ShopMember.Role.OWNER:
            subject = _("[Komeji] Your shop %(shop)s is ready for you") % {
                "shop": invitation.shop.name
            }
        else:
            subject = _("[Komeji] You are invited to help run %(shop)s") % {
                "shop": invitation.shop.name
            }
        body_text = render_to_string("emails/shop_invitation.txt", context)
        body_html = render_to_string("emails/shop_invitation.html", context)
    email_queue(to=invitation.email, subject=subject, body_text=body_text, body_html=body_html)


def _create_invitation(
    *, shop: Shop, email: str, role: str, actor: User
) -> tuple[ShopInvitation, str]:
    now = timezone.now()
    # A new invitation to the same address replaces the open one.
    ShopInvitation.objects.filter(
        shop=shop, email__iexact=email, accepted_at__isnull=True, revoked_at__isnull=True
    ).update(revoked_at=now, updated_at=now)
    token = secrets.token_urlsafe(32)
    invitation = ShopInvitation.objects.create(
        shop=shop,
        email=email,
        role=role,
        token_hash=_token_hash(token),
        invited_by=actor,
        expires_at=now + dt.timedelta(days=settings.KOMEJI_INVITATION_DAYS),
    )
    audit_record(
        actor=actor,
        action=f"shop.invitation.{role}",
        obj=shop,
        data={"email": email, "invitation": invitation.pk},
    )
    _send_invitation_email(invitation=invitation, token=token, inviter=actor)
    return invitation, token


@transaction.atomic
def shop_staff_invite(*, shop_id: int, actor: User, email: str) -> tuple[ShopInvitation, str]:
    """The owner invites a staff member by e-mail. Returns the invitation and the raw token
    (only in the e-mail otherwise)."""
    access = lock_shop_access(actor=actor, shop_id=shop_id)
    require(access.can_manage_members, _("Only the shop's owner can invite staff."))
    shop = access.shop
    email = email.strip().lower()
    require(
        not ShopMember.objects.filter(shop=shop, user__email__iexact=email).exists(),
        _("%(email)s is already a member of this shop.") % {"email": email},
    )
    _require_staff_room(shop, pending_invitations=True, replacing=email)
    return _create_invitation(shop=shop, email=email, role=ShopMember.Role.STAFF, actor=actor)


@transaction.atomic
def shop_owner_invite(*, shop_id: int, actor: User, email: str) -> tuple[ShopInvitation, str]:
    """A mentor invites the UMKM owner to take over a shop drafted for them (consent first)."""
    access = lock_shop_access(actor=actor, shop_id=shop_id)
    shop = access.shop
    require(
        access.is_mentor and shop.is_assisted and not shop.is_claimed,
        _("Only a mentor can invite the owner of a shop drafted for a UMKM."),
    )
    require(
        shop.consent_given_on is not None,
        _("Record the owner's consent before inviting them."),
    )
    email = email.strip().lower()
    require(
        email not in user_verified_emails(user=actor),
        _("Invite the UMKM owner's own e-mail address, not yours."),
    )
    return _create_invitation(shop=shop, email=email, role=ShopMember.Role.OWNER, actor=actor)


@transaction.atomic
def shop_invitation_revoke(*, shop_id: int, actor: User, invitation_id: int) -> None:
    access = lock_shop_access(actor=actor, shop_id=shop_id)
    invitation = ShopInvitation.objects.filter(shop=access.shop, pk=invitation_id).first()
    if invitation is None:
        raise ShopNotFound
    allowed = (
        access.can_manage_members if invitation.role == ShopMember.Role.STAFF else access.is_mentor
    )
    require(allowed, _("You cannot cancel this invitation."))
    require(invitation.is_open(), _("This invitation is no longer open."))
    now = timezone.now()
    invitation.revoked_at = now
    invitation.save(update_fields=["revoked_at", "updated_at"])
    audit_record(
        actor=actor,
        action="shop.invitation.revoke",
        obj=access.shop,
        data={"email": invitation.email},
    )


@transaction.atomic
def shop_invitation_accept(*, token: str, user: User) -> ShopMember:
    """The invited user accepts. Staff join the shop; an owner takes over the drafted shop, after
    which the mentor can no longer edit it."""
    invitation = (
        ShopInvitation.objects.select_for_update().filter(token_hash=_token_hash(token)).first()
    )
    if invitation is None:
        raise ShopNotFound
    require(invitation.accepted_at is None, _("This invitation was already accepted."))
    require(invitation.revoked_at is None, _("This invitation was cancelled."))
    require(
        invitation.expires_at > timezone.now(),
        _("This invitation has expired. Ask for a new one."),
    )
    require(
        invitation.email.lower() in user_verified_emails(user=user),
        _(
            "This invitation is for %(email)s. Log in with that e-mail address (or add and "
            "verify it in your account) to accept it."
        )
        % {"email": invitation.email},
    )
    shop = Shop.objects.select_for_update().get(pk=invitation.shop_id)
    require(
        not ShopMember.objects.filter(shop=shop, user=user).exists(),
        _("You are already a member of this shop."),
    )
    now = timezone.now()
    if invitation.role == ShopMember.Role.STAFF:
        _require_staff_room(shop, pending_invitations=False)
    if invitation.role == ShopMember.Role.OWNER:
        User.objects.select_for_update().filter(pk=user.pk).get()
        require(not shop.is_claimed, _("This shop already has its owner."))
        require(
            shop_owned_by(user=user) is None,
            _("You already own a shop; an account can own only one."),
        )
        shop.claimed_at = now
        shop.save(update_fields=["claimed_at", "updated_at"])
        # Other open owner invitations of this shop end here.
        ShopInvitation.objects.filter(
            shop=shop, role=ShopMember.Role.OWNER, accepted_at__isnull=True, revoked_at__isnull=True
        ).exclude(pk=invitation.pk).update(revoked_at=now, updated_at=now)
    member = ShopMember.objects.create(shop=shop, user=user, role=invitation.role)
    invitation.accepted_at = now
    invitation.accepted_by = user
    invitation.save(update_fields=["accepted_at", "accepted_by", "updated_at"])
    audit_record(
        actor=user,
        action=f"shop.invitation.accept.{invitation.role}",
        obj=shop,
        data={"invitation": invitation.pk},
    )
    inviter = invitation.invited_by
    notify(
        recipient=inviter,
        kind="shop.invitation.accepted",
        title=lambda: (
            _("%(email)s accepted the invitation to %(shop)s")
            % {"email": invitation.email, "shop": shop.name}
        ),
        body=lambda: (
            _("The shop is now theirs: they complete it and send it for verification.")
            if invitation.role == ShopMember.Role.OWNER
            else _("They can now manage products and orders.")
        ),
        url=(
            reverse("vendors:community_shop", args=[shop.pk])
            if invitation.role == ShopMember.Role.OWNER
            else reverse("vendors:members", args=[shop.pk])
        ),
    )
    return member


@transaction.atomic
def shop_member_remove(*, shop_id: int, actor: User, member_id: int) -> None:
    access = lock_shop_access(actor=actor, shop_id=shop_id)
    require(access.can_manage_members, _("Only the shop's owner can remove members."))
    member = (
        ShopMember.objects.filter(shop=access.shop, pk=member_id).select_related("user").first()
    )
    if member is None:
        raise ShopNotFound
    if member.role == ShopMember.Role.OWNER:
        raise ShopActionRefused(_("The owner cannot be removed from the shop."))
    member.delete()
    audit_record(
        actor=actor, action="shop.member.remove", obj=access.shop, data={"user": member.user.email}
    )
