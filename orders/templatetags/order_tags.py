"""Template helpers of the order pages: `{% load order_tags %}`."""

import datetime as dt
from collections.abc import Callable
from decimal import Decimal
from typing import Any

from django import template
from django.utils import formats, timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from orders.models import OrderEvent, ShopOrderStatus
from orders.selectors.orders import shop_new_order_count

register = template.Library()
S = ShopOrderStatus


def time_left_text(deadline: dt.datetime | None, now: dt.datetime | None = None) -> str:
    """`2 days 5 hours left`, `5 hours left`, `12 minutes left`, or `time is up`."""
    if deadline is None:
        return ""
    seconds = (deadline - (now or timezone.now())).total_seconds()
    if seconds <= 0:
        return _("time is up")
    minutes = int(seconds // 60)
    days, rest = divmod(minutes, 24 * 60)
    hours, minutes = divmod(rest, 60)
    if days:
        parts = [ngettext("%d day", "%d days", days) % days]
        if hours:
            parts.append(ngettext("%d hour", "%d hours", hours) % hours)
    elif hours:
        parts = [ngettext("%d hour", "%d hours", hours) % hours]
    else:
        minutes = max(minutes, 1)
        parts = [ngettext("%d minute", "%d minutes", minutes) % minutes]
    return _("%(time)s left") % {"time": " ".join(parts)}


@register.filter
def time_left(deadline: dt.datetime | None) -> str:
    return time_left_text(deadline)


@register.filter
def kg(grams: int | None) -> str:
    """`1250` → `1,25 kg` (in the active language's number format)."""
    if grams is None or grams == "":
        return ""
    return f"{formats.number_format(Decimal(int(grams)) / 1000)} kg"


_STATUS_EVENTS: dict[str, Callable[[], str]] = {
    S.AWAITING_PAYMENT: lambda: _("Order placed"),
    S.PAID: lambda: _("Payment received"),
    S.PROCESSING: lambda: _("The shop accepted the order"),
    S.SHIPPED: lambda: _("Shipped"),
    S.DELIVERED: lambda: _("Arrived at the destination"),
    S.COMPLETED: lambda: _("Completed"),
    S.CANCELLED: lambda: _("Cancelled"),
}
_OTHER_EVENTS: dict[str, Callable[[], str]] = {
    "tracking_changed": lambda: _("Tracking number corrected"),
    "cancel_requested": lambda: _("The buyer asked to cancel"),
    "cancel_declined": lambda: _("The shop declined the cancellation"),
    "window_extended": lambda: _("Time to check the goods extended"),
}


@register.filter
def event_text(event: OrderEvent) -> str:
    if event.kind == "status":
        text = _STATUS_EVENTS.get(event.to_status)
    else:
        text = _OTHER_EVENTS.get(event.kind)
    return text() if text else event.kind


@register.simple_tag(takes_context=True)
def shop_new_orders(context: template.Context, shop: Any) -> int:
    """The seller-centre menu's count of new (paid, not yet accepted) orders: one query, none on
    a page that has counted them already (`new_order_count` in its context)."""
    counted = context.get("new_order_count")
    if counted is not None:
        return int(counted)
    return shop_new_order_count(shop_id=shop.pk)
