"""The cart: one per signed-in buyer; an anonymous visitor's is found by the id in their session
and merges into their own at log-in. Changes to one cart are serialised by a lock on its row."""

import datetime as dt
from typing import Any

from django.contrib.sessions.backends.base import SessionBase
from django.db import IntegrityError, transaction
from django.db.models import Sum
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from marketplace.models import Variant
from orders.models import CART_MAX_LINES, CART_MAX_QUANTITY, Cart, CartLine
from orders.services.errors import OrderRefused

SESSION_KEY = "komeji_cart_id"


def cart_for(*, user: Any, session: SessionBase, create: bool = False) -> Cart | None:
    """The cart of the request's person: the user's own when signed in, else the one whose id
    is in the session. With `create`, one is made when there is none."""
    if getattr(user, "is_authenticated", False):
        cart = Cart.objects.filter(user=user).first()
        if cart is None and create:
            try:
                with transaction.atomic():
                    cart = Cart.objects.create(user=user)
            except IntegrityError:  # created by a concurrent request
                cart = Cart.objects.get(user=user)
        return cart
    cart_id = session.get(SESSION_KEY)
    cart = Cart.objects.filter(pk=cart_id, user__isnull=True).first() if cart_id else None
    if cart is None and create:
        cart = Cart.objects.create()
        session[SESSION_KEY] = cart.pk
    return cart


def _lock(cart: Cart) -> None:
    Cart.objects.select_for_update().filter(pk=cart.pk).first()


def _buyable_variant(variant_id: int) -> Variant:
    variant = (
        Variant.objects.select_related("product", "product__shop").filter(pk=variant_id).first()
    )
    if variant is None or not variant.product.is_public:
        raise OrderRefused(_("This product is not on sale."))
    if variant.product.shop.is_closed_for_orders():
        raise OrderRefused(
            _("%(shop)s is on holiday and takes no orders until %(date)s.")
            % {
                "shop": variant.product.shop.name,
                "date": date_format(variant.product.shop.holiday_until, "j M Y")
                if variant.product.shop.holiday_until
                else "",
            }
        )
    return variant


def _check_quantity(variant: Variant, quantity: int, *, in_cart_other: int = 0) -> None:
    if quantity < 1 or quantity > CART_MAX_QUANTITY:
        raise OrderRefused(
            _("Quantity must be between 1 and %(max)d.") % {"max": CART_MAX_QUANTITY}
        )
    available = variant.available
    if available <= 0:
        raise OrderRefused(_("Out of stock."))
    if quantity > available:
        raise OrderRefused(_("Only %(count)d left in stock.") % {"count": available})
    moq = variant.product.min_order_qty
    if quantity + in_cart_other < moq:
        raise OrderRefused(_("The minimum order for this product is %(count)d.") % {"count": moq})


def _same_product_elsewhere(cart: Cart, variant: Variant) -> int:
    return (
        CartLine.objects.filter(cart=cart, variant__product_id=variant.product_id)
        .exclude(variant=variant)
        .aggregate(total=Sum("quantity"))["total"]
        or 0
    )


def cart_add(*, cart: Cart, variant_id: int, quantity: int) -> CartLine:
    """Add `quantity` of a variant (to what is already in the cart). Refused with a message:
    not on sale, shop on holiday, more than is in stock, below the product's minimum order."""
    with transaction.atomic():
        _lock(cart)
        variant = _buyable_variant(variant_id)
        line = CartLine.objects.filter(cart=cart, variant=variant).first()
        if line is None and cart.lines.count() >= CART_MAX_LINES:
            raise OrderRefused(
                _("A cart holds at most %(count)d products.") % {"count": CART_MAX_LINES}
            )
        new_quantity = quantity + (line.quantity if line else 0)
        if quantity < 1:
            raise OrderRefused(
                _("Quantity must be between 1 and %(max)d.") % {"max": CART_MAX_QUANTITY}
            )
        _check_quantity(variant, new_quantity, in_cart_other=_same_product_elsewhere(cart, variant))
        if line is None:
            line = CartLine.objects.create(
                cart=cart, variant=variant, quantity=new_quantity, price_seen=variant.price
            )
        else:
            line.quantity = new_quantity
            line.price_seen = variant.price
            line.save(update_fields=["quantity", "price_seen", "updated_at"])
        Cart.objects.filter(pk=cart.pk).update(updated_at=timezone.now())
    return line


def cart_line_set_quantity(*, cart: Cart, line_id: int, quantity: int) -> CartLine | None:
    """Set a line's quantity; 0 removes it (returns None). The buyer has now seen the price."""
    with transaction.atomic():
        _lock(cart)
        line = CartLine.objects.select_related("variant").filter(cart=cart, pk=line_id).first()
        if line is None:
            raise OrderRefused(_("This product is no longer in your cart."))
        if quantity == 0:
            line.delete()
            return None
        variant = _buyable_variant(line.variant_id)
        _check_quantity(variant, quantity, in_cart_other=_same_product_elsewhere(cart, variant))
        line.quantity = quantity
        line.price_seen = variant.price
        line.save(update_fields=["quantity", "price_seen", "updated_at"])
        Cart.objects.filter(pk=cart.pk).update(updated_at=timezone.now())
    return line


def cart_line_remove(*, cart: Cart, line_id: int) -> bool:
    with transaction.atomic():
        _lock(cart)
        deleted, _detail = CartLine.objects.filter(cart=cart, pk=line_id).delete()
    return bool(deleted)


def cart_merge(*, user: Any, session: SessionBase) -> int:
    """At log-in: move the anonymous cart's lines into the user's cart (quantities add up, to at
    most CART_MAX_QUANTITY; stock is checked again on the cart page and at checkout) and delete
    it. Returns how many lines came over."""
    anonymous_id = session.get(SESSION_KEY)
    if not anonymous_id:
        return 0
    own = cart_for(user=user, session=session, create=True)
    assert own is not None
    moved = 0
    with transaction.atomic():
        carts = {
            c.pk: c
            for c in Cart.objects.select_for_update()
            .filter(pk__in=[own.pk, anonymous_id])
            .order_by("pk")
        }
        anonymous = carts.get(anonymous_id)
        if anonymous is not None and anonymous.user_id is None:
            existing = {line.variant_id: line for line in own.lines.all()}
            for line in anonymous.lines.all():
                mine = existing.get(line.variant_id)
                if mine is None:
                    if len(existing) >= CART_MAX_LINES:
                        continue
                    CartLine.objects.create(
                        cart=own,
                        variant_id=line.variant_id,
                        quantity=line.quantity,
                        price_seen=line.price_seen,
                    )
                    existing[line.variant_id] = line
                else:
                    mine.quantity = min(mine.quantity + line.quantity, CART_MAX_QUANTITY)
                    mine.save(update_fields=["quantity", "updated_at"])
                moved += 1
            anonymous.delete()
    session.pop(SESSION_KEY, None)
    return moved


def carts_purge_anonymous(*, older_than: dt.datetime) -> int:
    deleted, _detail = Cart.objects.filter(user__isnull=True, updated_at__lt=older_than).delete()
    return deleted
