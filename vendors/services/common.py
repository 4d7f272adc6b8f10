"""Helpers shared by the vendors services."""

from collections.abc import Callable
from typing import Any

from django.utils import translation

from komeji.accounts.models import User
from komeji.common.services import notification_send
from vendors.models import Shop, ShopMember
from vendors.selectors import ShopAccess, shop_access_get
from vendors.services.errors import ShopActionRefused, ShopNotFound


def lock_shop_access(*, actor: Any, shop_id: int) -> ShopAccess:
    """Lock the shop row and return the actor's access; raise ShopNotFound when they have none.
    Call inside a transaction."""
    access = shop_access_get(user=actor, shop_id=shop_id, for_update=True)
    if access is None:
        raise ShopNotFound
    return access


def require(condition: bool, message: Any) -> None:
    if not condition:
        raise ShopActionRefused(message)


def shop_owner(shop: Shop) -> User | None:
    member = ShopMember.objects.filter(shop=shop, role="owner").select_related("user").first()
    return member.user if member is not None else None


def notify(
    *,
    recipient: User,
    kind: str,
    title: Callable[[], str],
    body: Callable[[], str],
    url: str,
    dedupe_key: str | None = None,
) -> None:
    """Notify in the recipient's language: `title` and `body` are evaluated under it."""
    with translation.override(recipient.language or "id"):
        notification_send(
            recipient=recipient,
            kind=kind,
            title=title(),
            body=body(),
            url=url,
            dedupe_key=dedupe_key,
        )
