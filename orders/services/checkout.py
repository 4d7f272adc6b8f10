"""Checkout: the plan the buyer reviews (goods and shipping per shop, problems, totals), and
placing it as one Order with a ShopOrder per shop, its stock reserved all or nothing.

`checkout_plan` is a read (the checkout page shows it); `order_place` builds the same plan again
inside its transaction and refuses on any problem, so what is placed is what the rules allow now.
"""

import datetime as dt
import logging
import secrets
import uuid
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.db import IntegrityError, OperationalError, transaction
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from komeji.accounts.models import Address
from komeji.common.money import format_rupiah
from komeji.common.templatetags.komeji import wib
from marketplace.models import Variant
from orders.models import (
    Cart,
    CartLine,
    Order,
    OrderEvent,
    OrderLine,
    ShopOrder,
    payment_methods_offered,
)
from orders.services.errors import CheckoutChanged, OrderRefused, OutOfStock
from orders.services.notify import buyer_notify
from orders.services.stock import stock_reserve
from orders.shipping import Quote, quotes_for_shops
from payments.services.commission import commission_rate_for
from vendors.models import Shop, ShopStatus

logger = logging.getLogger(__name__)


@dataclass
class PlanLine:
    cart_line: CartLine
    variant: Variant
    quantity: int
    problem: str = ""

    @property
    def unit_price(self) -> int:
        return self.variant.price

    @property
    def line_total(self) -> int:
        return self.variant.price * self.quantity

    @property
    def price_changed(self) -> bool:
        return self.cart_line.price_seen != self.variant.price


@dataclass
class PlanGroup:
    shop: Shop
    lines: list[PlanLine]
    quotes: list[Quote] = field(default_factory=list)
    chosen: Quote | None = None
    note: str = ""
    problem: str = ""

    @property
    def goods_total(self) -> int:
        return sum(line.line_total for line in self.lines)

    @property
    def weight_grams(self) -> int:
        return sum(line.variant.weight_grams * line.quantity for line in self.lines)

    @property
    def shipping_fee(self) -> int:
        return self.chosen.fee if self.chosen else 0

    @property
    def total(self) -> int:
        return self.goods_total + self.shipping_fee


@dataclass
class CheckoutPlan:
    address: Address | None
    groups: list[PlanGroup]

    @property
    def goods_total(self) -> int:
        return sum(g.goods_total for g in self.groups)

    @property
    def shipping_total(self) -> int:
        return sum(g.shipping_fee for g in self.groups)

    @property
    def grand_total(self) -> int:
        return self.goods_total + self.shipping_total

    @property
    def problems(self) -> list[str]:
        found = [g.problem for g in self.groups if g.problem]
        found += [line.problem for g in self.groups for line in g.lines if line.problem]
        if self.address is None:
            found.append(_("Choose a shipping address."))
        if not self.groups:
            found.append(_("Your cart is empty."))
        return found

    @property
    def is_ready(self) -> bool:
        return not self.problems


def _line_problem(line: CartLine, variant: Variant, product_total: int, today: dt.date) -> str:
    product = variant.product
    name = str(variant)
    if not product.is_public:
        return _("%(name)s is no longer on sale.") % {"name": name}
    if variant.available <= 0:
        return _("%(name)s: out of stock.") % {"name": name}
    if line.quantity > variant.available:
        return _("%(name)s: only %(count)d left in stock.") % {
            "name": name,
            "count": variant.available,
        }
    if product_total < product.min_order_qty:
        return _("%(name)s: the minimum order is %(count)d.") % {
            "name": product.name,
            "count": product.min_order_qty,
        }
    return ""


def _shop_problem(shop: Shop, today: dt.date) -> str:
    if shop.status != ShopStatus.VERIFIED:
        return _("%(shop)s cannot take orders at the moment.") % {"shop": shop.name}
    if shop.is_closed_for_orders(today):
        return _("%(shop)s is on holiday until %(date)s.") % {
            "shop": shop.name,
            "date": date_format(shop.holiday_until, "j M Y") if shop.holiday_until else "",
        }
    return ""


def checkout_plan(
    *,
    cart: Cart | None,
    address: Address | None,
    shipping: dict[int, int] | None = None,
    notes: dict[int, str] | None = None,
) -> CheckoutPlan:
    """The cart grouped by shop with each group's courier quotes to the address, the chosen
    method (`shipping`: shop id → method id; else the cheapest delivered one) and every reason
    the order cannot be placed now."""
    shipping = shipping or {}
    notes = notes or {}
    today = timezone.localdate()
    lines = (
        list(
            cart.lines.select_related(
                "variant",
                "variant__product",
                "variant__product__shop",
                "variant__product__shop__region",
                "variant__product__category",
            ).order_by("variant__product__shop_id", "id")
        )
        if cart is not None
        else []
    )
    per_product: dict[int, int] = defaultdict(int)
    for line in lines:
        per_product[line.variant.product_id] += line.quantity
    groups: dict[int, PlanGroup] = {}
    for line in lines:
        variant = line.variant
        shop = variant.product.shop
        group = groups.get(shop.pk)
        if group is None:
            group = groups[shop.pk] = PlanGroup(
                shop=shop, lines=[], note=notes.get(shop.pk, "")[:200]
            )
            group.problem = _shop_problem(shop, today)
        group.lines.append(
            PlanLine(
                cart_line=line,
                variant=variant,
                quantity=line.quantity,
                problem=_line_problem(line, variant, per_product[variant.product_id], today),
            )
        )
    if address is not None and groups:
        quotes = quotes_for_shops(
            weights={shop_id: g.weight_grams for shop_id, g in groups.items()},
            region_id=address.region_id,
        )
        for shop_id, group in groups.items():
            group.quotes = quotes.get(shop_id, [])
            wanted = shipping.get(shop_id)
            group.chosen = next((q for q in group.quotes if q.method_id == wanted), None)
            if group.chosen is None and group.quotes:
                # As the big marketplaces do, the cheapest courier is chosen until the buyer
                # picks another; pick-up only when it is all there is (it asks a trip of them).
                delivered = [q for q in group.quotes if not q.is_pickup]
                group.chosen = (delivered or group.quotes)[0]
            if not group.problem and not group.quotes:
                group.problem = _("%(shop)s does not ship to %(region)s.") % {
                    "shop": group.shop.name,
                    "region": address.region,
                }
    return CheckoutPlan(address=address, groups=list(groups.values()))


def _order_number() -> str:
    day = timezone.localdate().strftime("%y%m%d")
    alphabet = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"
    # 32^8 numbers a day: a clash is practically impossible (and would only refuse the POST).
    return f"KMJ-{day}-{''.join(secrets.choice(alphabet) for _ in range(8))}"


def _as_seen(
    plan: CheckoutPlan,
    *,
    shipping: dict[int, int],
    expected_total: int | None,
    expected_goods_total: int | None,
    expected_fees: dict[int, int] | None,
) -> bool:
    """Is the plan what the buyer looked at? With `expected_fees` (the checkout page), every
    shop's courier must be the one posted, at the fee shown next to it, and the goods total the
    one shown: a courier deleted or re-priced meanwhile is reviewed again, never swapped."""
    if expected_total is not None and expected_total != plan.grand_total:
        return False
    if expected_fees is None:
        return expected_goods_total is None or expected_goods_total == plan.goods_total
    if expected_goods_total is None or expected_goods_total != plan.goods_total:
        return False
    for group in plan.groups:
        chosen = group.chosen
        if chosen is None or shipping.get(group.shop.pk) != chosen.method_id:
            return False
        if expected_fees.get(chosen.method_id) != chosen.fee:
            return False
    return True


def _retrying_deadlocks(fn: Any, attempts: int = 3) -> Any:
    """Run `fn` (a whole transaction); PostgreSQL's deadlock or serialization failure is retried
    rather than shown to the buyer (locks are taken in one order, so this is a last resort)."""
    for attempt in range(attempts):
        try:
            return fn()
        except OperationalError as exc:
            code = getattr(getattr(exc, "__cause__", None), "pgcode", None)
            if code not in ("40P01", "40001") or attempt == attempts - 1:
                raise
            logger.warning("checkout retried after %s", code)
    raise AssertionError("unreachable")


def order_place(
    *,
    buyer: Any,
    checkout_token: uuid.UUID,
    address_id: int,
    shipping: dict[int, int],
    notes: dict[int, str] | None = None,
    payment_method: str = "",
    expected_total: int | None = None,
    expected_goods_total: int | None = None,
    expected_fees: dict[int, int] | None = None,
) -> Order:
    """Place the buyer's cart as one Order. Idempotent by `checkout_token`: the same token again
    (a double click, a retried POST) returns the order it placed.

    Refused (OrderRefused, nothing reserved or written): any problem of the plan, a payment method
    not offered, a price the buyer did not see (CheckoutChanged: the buyer reviews
    again), a variant short of stock (OutOfStock). What the buyer saw is `expected_total` (the
    grand total), or `expected_goods_total` with `expected_fees` (method id → the fee shown next
    to that courier): the page can then place a courier chosen without reloading it."""
    existing = Order.objects.filter(buyer=buyer, checkout_token=checkout_token).first()
    if existing is not None:
        return existing
    offered = [value for value, _label in payment_methods_offered()]
    payment_method = payment_method or (offered[0] if offered else "")
    if payment_method not in offered:
        raise OrderRefused(_("Choose a payment method."))
    address = Address.objects.filter(pk=address_id, user=buyer).select_related("region").first()
    if address is None:
        raise OrderRefused(_("Choose a shipping address."))

    def place() -> Order:
        with transaction.atomic():
            cart = Cart.objects.select_for_update().filter(user=buyer).first()
            # A concurrent POST of the same checkout waited on the cart lock: its order is there.
            placed = Order.objects.filter(buyer=buyer, checkout_token=checkout_token).first()
            if placed is not None:
                return placed
            plan = checkout_plan(cart=cart, address=address, shipping=shipping, notes=notes)
            if plan.problems:
                raise OrderRefused(plan.problems[0])
            if not _as_seen(
                plan,
                shipping=shipping,
                expected_total=expected_total,
                expected_goods_total=expected_goods_total,
                expected_fees=expected_fees,
            ):
                raise CheckoutChanged(
                    _("Prices or shipping changed since you looked. Check the new total.")
                )
            now = timezone.now()
            order = Order.objects.create(
                number=_order_number(),
                buyer=buyer,
                checkout_token=checkout_token,
                recipient_name=address.recipient_name,
                recipient_phone=address.phone,
                street=address.street,
                kecamatan=address.kecamatan,
                region=address.region,
                postal_code=address.postal_code,
                goods_total=plan.goods_total,
                shipping_total=plan.shipping_total,
                grand_total=plan.grand_total,
                payment_method=payment_method,
                payment_due_at=now + dt.timedelta(hours=settings.KOMEJI_PAYMENT_HOURS),
            )
            try:
                stock_reserve(
                    lines=[
                        (line.variant.pk, line.quantity) for g in plan.groups for line in g.lines
                    ]
                )
            except OutOfStock as exc:
                name = next(
                    str(line.variant)
                    for g in plan.groups
                    for line in g.lines
                    if line.variant.pk == exc.variant_id
                )
                # The words of the checkout plan's own check, for the same situation.
                if exc.available:
                    message = _("%(name)s: only %(count)d left in stock.") % {
                        "name": name,
                        "count": exc.available,
                    }
                else:
                    message = _("%(name)s: out of stock.") % {"name": name}
                raise OutOfStock(
                    message, variant_id=exc.variant_id, available=exc.available
                ) from exc
            order_lines = []
            for group in plan.groups:
                assert group.chosen is not None
                shop_order = ShopOrder.objects.create(
                    order=order,
                    shop=group.shop,
                    shop_name=group.shop.name,
                    courier=group.chosen.courier,
                    courier_service=group.chosen.service,
                    shipping_fee=group.chosen.fee,
                    eta_days_min=group.chosen.eta_days_min,
                    eta_days_max=group.chosen.eta_days_max,
                    weight_grams=group.weight_grams,
                    goods_total=group.goods_total,
                    note=group.note,
                )
                OrderEvent.objects.create(
                    shop_order=shop_order,
                    kind="status",
                    to_status=shop_order.status,
                    actor=buyer,
                    actor_role=OrderEvent.Role.BUYER,
                    created_at=now,
                )
                for line in group.lines:
                    variant = line.variant
                    order_lines.append(
                        OrderLine(
                            shop_order=shop_order,
                            product=variant.product,
                            variant=variant,
                            product_name=variant.product.name,
                            variant_name=variant.name,
                            sku=variant.sku,
                            unit_price=variant.price,
                            quantity=line.quantity,
                            line_total=line.line_total,
                            weight_grams=variant.weight_grams,
                            warranty_days=variant.product.warranty_days,
                            commission_bp=commission_rate_for(
                                shop=group.shop, category=variant.product.category
                            ),
                        )
                    )
            OrderLine.objects.bulk_create(order_lines)
            CartLine.objects.filter(
                pk__in=[line.cart_line.pk for g in plan.groups for line in g.lines]
            ).delete()
            buyer_notify(
                order=order,
                kind="order_placed",
                title=lambda: (
                    _("Order %(number)s is waiting for payment") % {"number": order.number}
                ),
                body=lambda: (
                    _("Pay %(total)s before %(deadline)s.")
                    % {
                        "total": format_rupiah(order.grand_total),
                        "deadline": wib(order.payment_due_at),
                    }
                ),
                dedupe_key=f"order_placed:{order.pk}",
            )
            return order

    try:
        return _retrying_deadlocks(place)
    except IntegrityError:
        # A concurrent POST with the same token committed first: that is this order.
        existing = Order.objects.filter(buyer=buyer, checkout_token=checkout_token).first()
        if existing is None:
            raise
        return existing
