"""Reads of the order pages: the buyer's orders and a shop's orders, by status tab, with the rows
each page shows already joined or prefetched (a page runs the same queries whatever its length)."""

from dataclasses import dataclass
from typing import Any

from django.db.models import Count, Prefetch, Q, QuerySet
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from orders.models import Order, OrderEvent, OrderLine, ShopOrder, ShopOrderStatus

S = ShopOrderStatus


@dataclass(frozen=True)
class Tab:
    key: str
    label: str | Promise
    statuses: tuple[str, ...]  # empty: every status


# The buyer's tabs (Tokopedia's "Daftar Transaksi"): paid and processing are both "Diproses".
BUYER_TABS: tuple[Tab, ...] = (
    Tab("", _("All"), ()),
    Tab("unpaid", _("Awaiting payment"), (S.AWAITING_PAYMENT,)),
    Tab("processing", _("Processing"), (S.PAID, S.PROCESSING)),
    Tab("shipped", _("Shipped"), (S.SHIPPED,)),
    Tab("delivered", _("Delivered"), (S.DELIVERED,)),
    Tab("completed", _("Completed"), (S.COMPLETED,)),
    Tab("cancelled", _("Cancelled"), (S.CANCELLED,)),
)

# The shop's tabs, in the order work arrives; "new" first (the default).
SHOP_TABS: tuple[Tab, ...] = (
    Tab("new", _("New orders"), (S.PAID,)),
    Tab("to-ship", _("To ship"), (S.PROCESSING,)),
    Tab("shipped", _("Shipped"), (S.SHIPPED,)),
    Tab("delivered", _("Delivered"), (S.DELIVERED,)),
    Tab("completed", _("Completed"), (S.COMPLETED,)),
    Tab("cancelled", _("Cancelled"), (S.CANCELLED,)),
    Tab("unpaid", _("Not paid yet"), (S.AWAITING_PAYMENT,)),
)


def tab_get(tabs: tuple[Tab, ...], key: str) -> Tab:
    """The tab named `key`, or the first one (an unknown key shows the default tab)."""
    return next((tab for tab in tabs if tab.key == key), tabs[0])


def _tab_counts(shop_orders: QuerySet[ShopOrder], tabs: tuple[Tab, ...]) -> dict[str, int]:
    """Every tab's count in one query. Counting `status` (never null) rather than the id lets
    PostgreSQL answer a shop's counts from the (shop, status) index alone."""
    aggregates: dict[str, Any] = {
        f"n{i}": Count("status", filter=Q(status__in=tab.statuses))
        if tab.statuses
        else Count("status")
        for i, tab in enumerate(tabs)
    }
    counts = shop_orders.order_by().aggregate(**aggregates)
    return {tab.key: counts[f"n{i}"] or 0 for i, tab in enumerate(tabs)}


def _lines() -> Prefetch:
    return Prefetch("lines", queryset=OrderLine.objects.order_by("id"))


def _events() -> Prefetch:
    return Prefetch("events", queryset=OrderEvent.objects.order_by("created_at", "id"))


# --- The buyer ----------------------------------------------------------------------------------


def buyer_shop_orders(*, user: Any, tab: Tab) -> QuerySet[ShopOrder]:
    """The buyer's ShopOrders (one card each, newest first), with their Order and lines."""
    shop_orders = ShopOrder.objects.filter(order__buyer=user)
    if tab.statuses:
        shop_orders = shop_orders.filter(status__in=tab.statuses)
    return (
        shop_orders.select_related("order")
        .prefetch_related(_lines())
        .order_by("-order__created_at", "-order_id", "id")
    )


def buyer_tab_counts(*, user: Any) -> dict[str, int]:
    return _tab_counts(ShopOrder.objects.filter(order__buyer=user), BUYER_TABS)


def buyer_order_get(*, user: Any, number: str) -> Order | None:
    """The buyer's own order with everything its detail and invoice pages show; None for anyone
    else's (the view answers 404)."""
    if not getattr(user, "is_authenticated", False):
        return None
    return (
        Order.objects.select_related("region", "buyer")
        .prefetch_related(
            Prefetch(
                "shop_orders",
                queryset=ShopOrder.objects.select_related("shop", "shop__region")
                .prefetch_related(_lines(), _events())
                .order_by("id"),
            )
        )
        .filter(number=number, buyer=user)
        .first()
    )


def buyer_order_id(*, user: Any, number: str) -> int | None:
    if not getattr(user, "is_authenticated", False):
        return None
    return Order.objects.filter(number=number, buyer=user).values_list("pk", flat=True).first()


def buyer_shop_order_exists(*, user: Any, number: str, shop_order_id: int) -> bool:
    return ShopOrder.objects.filter(
        pk=shop_order_id, order__number=number, order__buyer=user
    ).exists()


# --- The shop -----------------------------------------------------------------------------------


def shop_shop_orders(*, shop_id: int, tab: Tab) -> QuerySet[ShopOrder]:
    """The shop's orders in one tab: the most urgent first where a step has a deadline."""
    shop_orders = ShopOrder.objects.filter(shop_id=shop_id)
    if tab.statuses:
        shop_orders = shop_orders.filter(status__in=tab.statuses)
    ordering: list[str] = ["-created_at", "-id"]
    if tab.statuses == (S.PAID,):
        ordering = ["accept_by", "id"]
    elif tab.statuses == (S.PROCESSING,):
        ordering = ["ship_by", "id"]
    return (
        shop_orders.select_related("order", "order__buyer")
        .prefetch_related(_lines())
        .order_by(*ordering)
    )


def shop_tab_counts(*, shop_id: int) -> dict[str, int]:
    return _tab_counts(ShopOrder.objects.filter(shop_id=shop_id), SHOP_TABS)


def shop_new_order_count(*, shop_id: int) -> int:
    """Paid orders waiting for the shop to accept them (the seller-centre menu shows it)."""
    return ShopOrder.objects.filter(shop_id=shop_id, status=S.PAID).count()


def shop_order_exists(*, shop_id: int, shop_order_id: int) -> bool:
    return ShopOrder.objects.filter(pk=shop_order_id, shop_id=shop_id).exists()


def shop_order_get(*, shop_id: int, shop_order_id: int) -> ShopOrder | None:
    """One order of the shop with what its detail, packing slip and label show; None when it is
    not this shop's."""
    return (
        ShopOrder.objects.select_related("order", "order__buyer", "order__region", "shop__region")
        .prefetch_related(_lines(), _events())
        .filter(pk=shop_order_id, shop_id=shop_id)
        .first()
    )
