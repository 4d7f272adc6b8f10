"""Who hears of an order's news: the buyer, or every owner and staff member of the shop."""

from collections.abc import Callable

from django.urls import reverse

from komeji.accounts.models import User
from orders.models import Order, ShopOrder
from vendors.models import ShopMember
from vendors.services.common import notify


def buyer_notify(
    *,
    order: Order,
    kind: str,
    title: Callable[[], str],
    body: Callable[[], str],
    dedupe_key: str,
) -> None:
    notify(
        recipient=order.buyer,
        kind=kind,
        title=title,
        body=body,
        url=reverse("orders:order_detail", args=[order.number]),
        dedupe_key=f"{dedupe_key}:buyer",
    )


def shop_notify(
    *,
    shop_order: ShopOrder,
    kind: str,
    title: Callable[[], str],
    body: Callable[[], str],
    dedupe_key: str,
) -> None:
    url = reverse("orders:shop_order_detail", args=[shop_order.shop_id, shop_order.pk])
    members = User.objects.filter(
        shop_memberships__shop_id=shop_order.shop_id,
        shop_memberships__role__in=[ShopMember.Role.OWNER, ShopMember.Role.STAFF],
        is_active=True,
    ).order_by("pk")
    for user in members:
        notify(
            recipient=user,
            kind=kind,
            title=title,
            body=body,
            url=url,
            dedupe_key=f"{dedupe_key}:shop:{user.pk}",
        )
