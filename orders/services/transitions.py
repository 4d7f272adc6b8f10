"""The order life: one transition function with the allowed map, and the named acts of buyers,
shops and timers built on it.

Every act locks its ShopOrder row (`select_for_update`), checks the map and who may do it,
saves with `update_fields`, appends an OrderEvent, and leaves notifications to after commit.
Stock moves with the status, under the same lock: released exactly once on cancellation (the
row's `stock_state` says whether it still holds a reservation), consumed on shipping.
"""

import datetime as dt
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from komeji.common.money import format_rupiah
from komeji.common.templatetags.komeji import wib
from komeji.common.workdays import add_working_days
from marketplace.models import Variant
from orders.models import (
    SHOP_ORDER_TRANSITIONS,
    Order,
    OrderEvent,
    OrderLine,
    ShopOrder,
    ShopOrderStatus,
    StockState,
)
from orders.services.errors import OrderNotFound, OrderRefused
from orders.services.notify import buyer_notify, shop_notify
from orders.services.stock import stock_consume, stock_release
from payments.services import refunds
from payments.services.bookings import shop_order_completed_book, shop_order_refund_book
from vendors.selectors import shop_access_get

S = ShopOrderStatus
Role = OrderEvent.Role

# The timestamp field each status sets when it is entered.
_ENTERED_AT: dict[str, str] = {
    S.PAID: "paid_at",
    S.PROCESSING: "accepted_at",
    S.SHIPPED: "shipped_at",
    S.DELIVERED: "delivered_at",
    S.COMPLETED: "completed_at",
    S.CANCELLED: "cancelled_at",
}


def _lock(shop_order_id: int) -> ShopOrder:
    shop_order = (
        ShopOrder.objects.select_for_update(of=("self",))
        .select_related("order", "order__buyer")
        .filter(pk=shop_order_id)
        .first()
    )
    if shop_order is None:
        raise OrderNotFound
    return shop_order


def _lock_variants_of(shop_order_ids: list[int]) -> None:
    """Before cancelling several ShopOrders of one order, lock all their variants in primary-key
    order, as checkout does: releasing them shop by shop would otherwise take the locks out of
    order and could deadlock with a checkout of the same goods."""
    variant_ids = OrderLine.objects.filter(
        shop_order_id__in=shop_order_ids, variant__isnull=False
    ).values("variant_id")
    list(
        Variant.objects.select_for_update()
        .filter(pk__in=variant_ids)
        .order_by("pk")
        .values_list("pk", flat=True)
    )


def _lines(shop_order: ShopOrder) -> list[tuple[int, int]]:
    return [
        (variant_id, quantity)
        for variant_id, quantity in shop_order.lines.filter(variant__isnull=False).values_list(
            "variant_id", "quantity"
        )
    ]


def _event(
    shop_order: ShopOrder,
    *,
    kind: str,
    actor: Any,
    role: str,
    reason: str = "",
    from_status: str = "",
    to_status: str = "",
    at: dt.datetime | None = None,
) -> None:
    user = actor if getattr(actor, "is_authenticated", False) else None
    OrderEvent.objects.create(
        shop_order=shop_order,
        kind=kind,
        from_status=from_status,
        to_status=to_status,
        actor=user,
        actor_role=role,
        reason=reason,
        created_at=at or timezone.now(),
    )


def shop_order_transition(
    *,
    shop_order: ShopOrder,
    to: str,
    actor: Any,
    role: str,
    reason: str = "",
    now: dt.datetime | None = None,
    fields: dict[str, Any] | None = None,
) -> None:
    """Move a ShopOrder the caller has locked (`_lock`) to `to`, if the map allows it.

    Sets the entered-at timestamp and `fields`, clears the deadlines of the step it leaves,
    moves the stock (release on cancellation, consume on shipping) and appends the event.
    Raises OrderRefused when the move is not allowed from the current status."""
    now = now or timezone.now()
    from_status = shop_order.status
    if to not in SHOP_ORDER_TRANSITIONS[from_status]:
        raise OrderRefused(
            _("This order is already “%(status)s”: that is no longer possible.")
            % {"status": shop_order.get_status_display()}
        )
    changed = {"status", "updated_at"}
    if to == S.CANCELLED and shop_order.stock_state == StockState.RESERVED:
        stock_release(lines=_lines(shop_order))
        shop_order.stock_state = StockState.RELEASED
        changed.add("stock_state")
    if to == S.SHIPPED and shop_order.stock_state == StockState.RESERVED:
        stock_consume(lines=_lines(shop_order))
        shop_order.stock_state = StockState.CONSUMED
        changed.add("stock_state")
    if to == S.CANCELLED and from_status in (S.PAID, S.PROCESSING):
        # Paid money goes back: payments (its own issue) refunds what is recorded here.
        shop_order.refund_amount = shop_order.goods_total + shop_order.shipping_fee
        shop_order.refund_requested_at = now
        changed |= {"refund_amount", "refund_requested_at"}
    if to == S.CANCELLED:
        shop_order.cancel_reason = reason
        changed.add("cancel_reason")
    for name in ("accept_by", "ship_by", "deliver_by", "complete_after"):
        if getattr(shop_order, name) is not None:
            setattr(shop_order, name, None)
            changed.add(name)
    shop_order.status = to
    setattr(shop_order, _ENTERED_AT[to], now)
    changed.add(_ENTERED_AT[to])
    for name, value in (fields or {}).items():
        setattr(shop_order, name, value)
        changed.add(name)
    shop_order.save(update_fields=sorted(changed))
    # The ledger moves with the status, in the same transaction: escrow is released on
    # completion, refunded on cancellation after payment (nothing when no payment was booked).
    if to == S.COMPLETED:
        shop_order_completed_book(shop_order=shop_order, actor=actor)
    elif to == S.CANCELLED and from_status in (S.PAID, S.PROCESSING):
        shop_order_refund_book(shop_order=shop_order, actor=actor)
        # The gateway refund is a network call: after commit, in a task.
        shop_order_id = shop_order.pk
        transaction.on_commit(lambda: refunds.refund_queue(shop_order_id=shop_order_id))
    _event(
        shop_order,
        kind="status",
        actor=actor,
        role=role,
        reason=reason,
        from_status=from_status,
        to_status=to,
        at=now,
    )


# --- Access -------------------------------------------------------------------------------------


def _as_buyer(shop_order: ShopOrder, actor: Any) -> None:
    if not getattr(actor, "is_authenticated", False) or shop_order.order.buyer_id != actor.pk:
        raise OrderNotFound


def _as_shop(shop_order: ShopOrder, actor: Any) -> None:
    access = shop_access_get(user=actor, shop_id=shop_order.shop_id)
    if access is None or not access.can_manage_orders:
        raise OrderNotFound


def _refused_if(condition: bool, message: Any) -> None:
    if condition:
        raise OrderRefused(message)


# --- Payment (called by payments; a placeholder until then) --------------------------------------


def order_mark_paid(*, order_id: int, actor: Any = None, source: str = "") -> list[int]:
    """The buyer's payment for the whole order arrived: every ShopOrder still awaiting payment
    becomes paid and gets its accept deadline. Idempotent: a second call finds none waiting and
    returns []. Returns the ids of the ShopOrders it moved. (An order that expired meanwhile is not
    revived: payments refunds a payment for a cancelled order.)"""
    now = timezone.now()
    moved: list[int] = []
    with transaction.atomic():
        order = Order.objects.select_for_update().filter(pk=order_id).first()
        if order is None:
            raise OrderNotFound
        ids = list(
            order.shop_orders.filter(status=S.AWAITING_PAYMENT)
            .order_by("pk")
            .values_list("pk", flat=True)
        )
        for shop_order_id in ids:
            shop_order = _lock(shop_order_id)
            if shop_order.status != S.AWAITING_PAYMENT:
                continue
            shop_order_transition(
                shop_order=shop_order,
                to=S.PAID,
                actor=actor,
                role=Role.SYSTEM if actor is None else Role.STAFF,
                reason=source,
                now=now,
                fields={"accept_by": now + dt.timedelta(hours=settings.KOMEJI_ACCEPT_HOURS)},
            )
            moved.append(shop_order.pk)
            _notify_shop_paid(shop_order)
        if moved and order.paid_at is None:
            order.paid_at = now
            order.save(update_fields=["paid_at", "updated_at"])
            _notify_buyer(
                order,
                "order_paid",
                lambda: _("Payment received for order %(number)s") % {"number": order.number},
                lambda: _("The shops have been told to prepare your order."),
            )
    return moved


def order_cancel(*, order_id: int, actor: Any, reason: str = "") -> None:
    """The buyer cancels an order they have not paid: all of it (one payment covers every shop)."""
    with transaction.atomic():
        order = Order.objects.select_for_update().filter(pk=order_id).first()
        if order is None or not getattr(actor, "is_authenticated", False):
            raise OrderNotFound
        if order.buyer_id != actor.pk:
            raise OrderNotFound
        waiting = list(
            order.shop_orders.filter(status=S.AWAITING_PAYMENT)
            .order_by("pk")
            .values_list("pk", flat=True)
        )
        _refused_if(not waiting, _("Only an order that is not paid yet can be cancelled here."))
        _lock_variants_of(waiting)
        for shop_order_id in waiting:
            shop_order = _lock(shop_order_id)
            shop_order_transition(
                shop_order=shop_order,
                to=S.CANCELLED,
                actor=actor,
                role=Role.BUYER,
                reason=reason or _("Cancelled by the buyer before payment."),
            )


def order_expire(*, order_id: int) -> bool:
    """Payment time is over: cancel what still awaits payment. False when nothing was due (paid,
    cancelled, or not yet expired): safe to run twice, and against a buyer's cancel."""
    now = timezone.now()
    with transaction.atomic():
        order = Order.objects.select_for_update(skip_locked=True).filter(pk=order_id).first()
        if order is None or order.payment_due_at > now:
            return False
        waiting = list(
            order.shop_orders.filter(status=S.AWAITING_PAYMENT)
            .order_by("pk")
            .values_list("pk", flat=True)
        )
        _lock_variants_of(waiting)
        for shop_order_id in waiting:
            shop_order = _lock(shop_order_id)
            shop_order_transition(
                shop_order=shop_order,
                to=S.CANCELLED,
                actor=None,
                role=Role.SYSTEM,
                reason=_("Not paid in time."),
                now=now,
            )
        if waiting:
            _notify_buyer(
                order,
                "order_expired",
                lambda: _("Order %(number)s was cancelled") % {"number": order.number},
                lambda: _("It was not paid in time. The goods went back on sale."),
            )
        return bool(waiting)


# --- The shop's acts ----------------------------------------------------------------------------


def shop_order_accept(*, shop_order_id: int, actor: Any) -> ShopOrder:
    now = timezone.now()
    with transaction.atomic():
        shop_order = _lock(shop_order_id)
        _as_shop(shop_order, actor)
        ship_by = add_working_days(now, settings.KOMEJI_SHIP_WORKING_DAYS)
        shop_order_transition(
            shop_order=shop_order,
            to=S.PROCESSING,
            actor=actor,
            role=Role.SHOP,
            now=now,
            fields={"ship_by": ship_by},
        )
        _notify_buyer(
            shop_order.order,
            f"shop_order_accepted:{shop_order.pk}",
            lambda: _("%(shop)s is packing your order") % {"shop": shop_order.shop_name},
            lambda: (
                _("Order %(number)s will be shipped soon.") % {"number": shop_order.order.number}
            ),
        )
    return shop_order


def shop_order_reject(*, shop_order_id: int, actor: Any, reason: str) -> ShopOrder:
    reason = reason.strip()
    with transaction.atomic():
        shop_order = _lock(shop_order_id)
        _as_shop(shop_order, actor)
        _refused_if(not reason, _("Tell the buyer why you reject the order."))
        _refused_if(
            shop_order.status != S.PAID,
            _("Only a new order can be rejected; ask the buyer before cancelling it."),
        )
        shop_order_transition(
            shop_order=shop_order, to=S.CANCELLED, actor=actor, role=Role.SHOP, reason=reason
        )
        _notify_cancelled(shop_order)
    return shop_order


def _tracking_number(value: str) -> str:
    """Spaces removed, upper case: "jne 0123 4567" is JNE01234567."""
    return "".join(value.split()).upper()


def _tracking_number_malformed(value: str) -> bool:
    bare = value.replace("-", "")
    return len(value) > 40 or not (bare.isascii() and bare.isalnum())


def shop_order_ship(*, shop_order_id: int, actor: Any, tracking_number: str) -> ShopOrder:
    tracking_number = _tracking_number(tracking_number)
    now = timezone.now()
    with transaction.atomic():
        shop_order = _lock(shop_order_id)
        _as_shop(shop_order, actor)
        _refused_if(
            shop_order.status != S.PROCESSING,
            _("Only an accepted order that is not shipped yet can be shipped."),
        )
        _refused_if(
            shop_order.is_tracked and not tracking_number,
            _("Enter the courier's tracking number (nomor resi)."),
        )
        _refused_if(
            bool(tracking_number) and _tracking_number_malformed(tracking_number),
            _("A tracking number has only letters and digits, at most 40."),
        )
        shop_order_transition(
            shop_order=shop_order,
            to=S.SHIPPED,
            actor=actor,
            role=Role.SHOP,
            now=now,
            fields={
                "tracking_number": tracking_number,
                "deliver_by": now + dt.timedelta(days=settings.KOMEJI_DELIVERY_DAYS),
            },
        )
        _notify_buyer(
            shop_order.order,
            f"shop_order_shipped:{shop_order.pk}",
            lambda: _("Your order from %(shop)s is on its way") % {"shop": shop_order.shop_name},
            lambda: (
                _("%(courier)s, tracking number %(tracking)s.")
                % {
                    "courier": shop_order.get_courier_display(),
                    "tracking": shop_order.tracking_number,
                }
                if shop_order.tracking_number
                else _("Sent with %(courier)s.") % {"courier": shop_order.get_courier_display()}
            ),
        )
    return shop_order


def shop_order_tracking_update(
    *, shop_order_id: int, actor: Any, tracking_number: str
) -> ShopOrder:
    """Correct the tracking number of a shipped order (a typo); recorded in the timeline."""
    tracking_number = _tracking_number(tracking_number)
    with transaction.atomic():
        shop_order = _lock(shop_order_id)
        _as_shop(shop_order, actor)
        _refused_if(
            shop_order.status != S.SHIPPED,
            _("The tracking number can be corrected only while the order is on its way."),
        )
        _refused_if(
            not tracking_number or _tracking_number_malformed(tracking_number),
            _("A tracking number has only letters and digits, at most 40."),
        )
        if tracking_number == shop_order.tracking_number:
            return shop_order
        old = shop_order.tracking_number
        shop_order.tracking_number = tracking_number
        shop_order.save(update_fields=["tracking_number", "updated_at"])
        _event(
            shop_order,
            kind="tracking_changed",
            actor=actor,
            role=Role.SHOP,
            reason=f"{old} → {tracking_number}",
        )
    return shop_order


def shop_order_mark_delivered(*, shop_order_id: int, actor: Any) -> ShopOrder:
    with transaction.atomic():
        shop_order = _lock(shop_order_id)
        _as_shop(shop_order, actor)
        _refused_if(
            shop_order.status != S.SHIPPED,
            _("Only an order on its way can be marked as arrived."),
        )
        _deliver(shop_order, actor=actor, role=Role.SHOP)
    return shop_order


def shop_order_answer_cancel_request(
    *, shop_order_id: int, actor: Any, accept: bool, reason: str = ""
) -> ShopOrder:
    reason = reason.strip()
    with transaction.atomic():
        shop_order = _lock(shop_order_id)
        _as_shop(shop_order, actor)
        _refused_if(
            not shop_order.has_pending_cancel_request,
            _("There is no cancellation request waiting for an answer."),
        )
        if accept:
            shop_order_transition(
                shop_order=shop_order,
                to=S.CANCELLED,
                actor=actor,
                role=Role.SHOP,
                reason=shop_order.cancel_request_reason,
            )
            _notify_cancelled(shop_order)
        else:
            _refused_if(not reason, _("Tell the buyer why the order cannot be cancelled."))
            shop_order.cancel_request_declined_at = timezone.now()
            shop_order.save(update_fields=["cancel_request_declined_at", "updated_at"])
            _event(shop_order, kind="cancel_declined", actor=actor, role=Role.SHOP, reason=reason)
            _notify_buyer(
                shop_order.order,
                f"cancel_declined:{shop_order.pk}",
                lambda: _("%(shop)s cannot cancel your order") % {"shop": shop_order.shop_name},
                lambda: reason,
            )
    return shop_order


# --- The buyer's acts ---------------------------------------------------------------------------


def shop_order_confirm_received(*, shop_order_id: int, actor: Any) -> ShopOrder:
    """ "Pesanan diterima": the buyer has the goods. A shipped order becomes delivered and
    completed at once; a delivered one completed (the complaint window closes)."""
    now = timezone.now()
    with transaction.atomic():
        shop_order = _lock(shop_order_id)
        _as_buyer(shop_order, actor)
        _refused_if(
            shop_order.status not in (S.SHIPPED, S.DELIVERED),
            _("You can confirm receipt once the order has been shipped."),
        )
        if shop_order.status == S.SHIPPED:
            _deliver(shop_order, actor=actor, role=Role.BUYER, now=now, notify=False)
        shop_order_transition(
            shop_order=shop_order,
            to=S.COMPLETED,
            actor=actor,
            role=Role.BUYER,
            reason=_("The buyer confirmed receipt."),
            now=now,
        )
        _notify_completed(shop_order)
    return shop_order


def shop_order_extend_window(*, shop_order_id: int, actor: Any) -> ShopOrder:
    """Once per order, the buyer gets more days before it completes (goods not checked yet)."""
    with transaction.atomic():
        shop_order = _lock(shop_order_id)
        _as_buyer(shop_order, actor)
        _refused_if(
            not shop_order.can_extend_window(),
            _("The time to check the goods can be extended once, before it ends."),
        )
        days = settings.KOMEJI_COMPLAINT_WINDOW_EXTENSION_DAYS
        assert shop_order.complete_after is not None
        shop_order.complete_after = shop_order.complete_after + dt.timedelta(days=days)
        shop_order.window_extended = True
        shop_order.save(update_fields=["complete_after", "window_extended", "updated_at"])
        _event(
            shop_order,
            kind="window_extended",
            actor=actor,
            role=Role.BUYER,
            reason=_("Extended by %(days)d days.") % {"days": days},
        )
    return shop_order


def shop_order_request_cancel(*, shop_order_id: int, actor: Any, reason: str) -> ShopOrder:
    """The buyer asks the shop to cancel a paid order; the shop answers (accept or decline)."""
    reason = reason.strip()
    with transaction.atomic():
        shop_order = _lock(shop_order_id)
        _as_buyer(shop_order, actor)
        _refused_if(not reason, _("Tell the shop why you want to cancel."))
        _refused_if(
            not shop_order.can_buyer_cancel_request(),
            _("A cancellation can be asked once, before the order is shipped."),
        )
        shop_order.cancel_requested_at = timezone.now()
        shop_order.cancel_request_reason = reason[:1000]
        shop_order.save(
            update_fields=["cancel_requested_at", "cancel_request_reason", "updated_at"]
        )
        _event(shop_order, kind="cancel_requested", actor=actor, role=Role.BUYER, reason=reason)
        shop_notify(
            shop_order=shop_order,
            kind="cancel_requested",
            title=lambda: (
                _("The buyer asks to cancel order %(number)s") % {"number": shop_order.order.number}
            ),
            body=lambda: reason,
            dedupe_key=f"cancel_requested:{shop_order.pk}",
        )
    return shop_order


# --- Timers (system) ----------------------------------------------------------------------------


def _lock_due(shop_order_id: int, status: str, deadline_field: str, now: dt.datetime) -> Any:
    """The ShopOrder, locked, if it is still in `status` and past its deadline; else None. Skips
    a row another worker holds: that worker is already handling it."""
    return (
        ShopOrder.objects.select_for_update(of=("self",), skip_locked=True)
        .select_related("order", "order__buyer")
        .filter(pk=shop_order_id, status=status, **{f"{deadline_field}__lte": now})
        .first()
    )


def _cancel_overdue(shop_order_id: int, status: str, deadline_field: str, reason: str) -> bool:
    now = timezone.now()
    with transaction.atomic():
        shop_order = _lock_due(shop_order_id, status, deadline_field, now)
        if shop_order is None:
            return False
        shop_order_transition(
            shop_order=shop_order,
            to=S.CANCELLED,
            actor=None,
            role=Role.SYSTEM,
            reason=reason,
            now=now,
        )
        _notify_cancelled(shop_order)
        return True


def shop_order_cancel_unaccepted(*, shop_order_id: int) -> bool:
    return _cancel_overdue(
        shop_order_id, S.PAID, "accept_by", _("The shop did not accept the order in time.")
    )


def shop_order_cancel_unshipped(*, shop_order_id: int) -> bool:
    return _cancel_overdue(
        shop_order_id, S.PROCESSING, "ship_by", _("The shop did not ship the order in time.")
    )


def shop_order_deliver_overdue(*, shop_order_id: int) -> bool:
    now = timezone.now()
    with transaction.atomic():
        shop_order = _lock_due(shop_order_id, S.SHIPPED, "deliver_by", now)
        if shop_order is None:
            return False
        _deliver(
            shop_order,
            actor=None,
            role=Role.SYSTEM,
            now=now,
            reason=_("Counted as delivered: nobody confirmed it within the delivery time."),
        )
        return True


def shop_order_complete_due(*, shop_order_id: int) -> bool:
    """The complaint window ended. (The complaints issue makes an open complaint hold this.)"""
    now = timezone.now()
    with transaction.atomic():
        shop_order = _lock_due(shop_order_id, S.DELIVERED, "complete_after", now)
        if shop_order is None:
            return False
        shop_order_transition(
            shop_order=shop_order,
            to=S.COMPLETED,
            actor=None,
            role=Role.SYSTEM,
            reason=_("The time to report a problem ended."),
            now=now,
        )
        _notify_completed(shop_order)
        _notify_buyer(
            shop_order.order,
            f"shop_order_completed:{shop_order.pk}",
            lambda: _("Your order from %(shop)s is completed") % {"shop": shop_order.shop_name},
            lambda: _("The time to report a problem ended and the shop is paid. Thank you!"),
        )
        return True


# --- Shared steps and notifications -------------------------------------------------------------


def _deliver(
    shop_order: ShopOrder,
    *,
    actor: Any,
    role: str,
    now: dt.datetime | None = None,
    reason: str = "",
    notify: bool = True,
) -> None:
    now = now or timezone.now()
    window_ends = add_working_days(now, settings.KOMEJI_COMPLAINT_WINDOW_WORKING_DAYS)
    shop_order_transition(
        shop_order=shop_order,
        to=S.DELIVERED,
        actor=actor,
        role=role,
        reason=reason,
        now=now,
        fields={"complete_after": window_ends},
    )
    if notify:
        _notify_buyer(
            shop_order.order,
            f"shop_order_delivered:{shop_order.pk}",
            lambda: _("Your order from %(shop)s has arrived") % {"shop": shop_order.shop_name},
            lambda: (
                _("Check the goods. Confirm receipt, or report a problem before %(date)s.")
                % {"date": wib(window_ends)}
            ),
        )


def _notify_buyer(order: Order, key: str, title: Any, body: Any) -> None:
    buyer_notify(
        order=order, kind=key.split(":")[0], title=title, body=body, dedupe_key=f"{key}:{order.pk}"
    )


def _notify_shop_paid(shop_order: ShopOrder) -> None:
    shop_notify(
        shop_order=shop_order,
        kind="shop_order_paid",
        title=lambda: _("New order %(number)s") % {"number": shop_order.order.number},
        body=lambda: (
            _("%(total)s, paid. Accept it before %(deadline)s.")
            % {
                "total": format_rupiah(shop_order.goods_total),
                "deadline": wib(shop_order.accept_by) if shop_order.accept_by else "",
            }
        ),
        dedupe_key=f"shop_order_paid:{shop_order.pk}",
    )


def _notify_cancelled(shop_order: ShopOrder) -> None:
    def body() -> str:
        text = shop_order.cancel_reason
        if shop_order.refund_amount:
            text += " " + _("%(amount)s will be refunded.") % {
                "amount": format_rupiah(shop_order.refund_amount)
            }
        return text

    _notify_buyer(
        shop_order.order,
        f"shop_order_cancelled:{shop_order.pk}",
        lambda: _("Your order from %(shop)s was cancelled") % {"shop": shop_order.shop_name},
        body,
    )
    shop_notify(
        shop_order=shop_order,
        kind="shop_order_cancelled",
        title=lambda: _("Order %(number)s was cancelled") % {"number": shop_order.order.number},
        body=lambda: shop_order.cancel_reason,
        dedupe_key=f"shop_order_cancelled:{shop_order.pk}",
    )


def _notify_completed(shop_order: ShopOrder) -> None:
    shop_notify(
        shop_order=shop_order,
        kind="shop_order_completed",
        title=lambda: _("Order %(number)s is completed") % {"number": shop_order.order.number},
        body=lambda: (
            _("The buyer's payment of %(total)s will be released to your balance.")
            % {"total": format_rupiah(shop_order.goods_total)}
        ),
        dedupe_key=f"shop_order_completed:{shop_order.pk}",
    )
