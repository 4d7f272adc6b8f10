"""Checkout under real concurrency (PostgreSQL, real threads started together): no oversell, all
or nothing per order, no deadlock reaching a buyer, one order per checkout token."""

import uuid

import pytest
from django.contrib.sessions.backends.db import SessionStore
from django.db.models import F, Sum

from komeji.accounts.models import Address, User
from marketplace.models import Variant
from orders.models import CartLine, Order, OrderLine, ShopOrder, ShopOrderStatus
from orders.services.cart import cart_add, cart_for
from orders.services.checkout import checkout_plan, order_place
from orders.services.errors import OrderRefused
from tests.concurrency.conftest import run_together, watching
from tests.factories import AddressFactory, UserFactory
from tests.orders.conftest import variant

pytestmark = pytest.mark.django_db(transaction=True)


def buyers_with_addresses(count: int) -> list[tuple[User, Address]]:
    people = []
    for n in range(count):
        user = UserFactory(full_name=f"Pembeli {n}")
        people.append((user, AddressFactory(user=user, is_default=True)))
    return people


def cart_of(user: User, *lines: tuple[Variant, int]) -> None:
    """The user's cart holds exactly these lines, added in this order."""
    cart = cart_for(user=user, session=SessionStore(), create=True)
    assert cart is not None
    CartLine.objects.filter(cart=cart).delete()
    for v, quantity in lines:
        cart_add(cart=cart, variant_id=v.pk, quantity=quantity)


def shipping_for(user: User, address: Address) -> dict[int, int]:
    cart = cart_for(user=user, session=SessionStore())
    plan = checkout_plan(cart=cart, address=address)
    return {g.shop.pk: g.quotes[0].method_id for g in plan.groups}


def placer(user: User, address: Address, shipping: dict[int, int], token: uuid.UUID | None = None):
    token = token or uuid.uuid4()

    def call() -> Order:
        return order_place(
            buyer=user, checkout_token=token, address_id=address.pk, shipping=shipping
        )

    return call


def stock(v: Variant) -> tuple[int, int]:
    return Variant.objects.values_list("stock_on_hand", "stock_reserved").get(pk=v.pk)


def _with_cart(person: tuple[User, Address], v: Variant) -> tuple[User, Address]:
    cart_of(person[0], (v, 1))
    return person


def test_fifty_buyers_for_ten_units_get_ten_orders_and_forty_clear_refusals(shops_and_products):
    tempe, _batik = shops_and_products
    original = variant(tempe, 1)  # Original 500 g
    name = str(original)
    # One answer whether the reservation's guarded UPDATE refused (OutOfStock) or the checkout
    # plan was read after the last unit went (OrderRefused): the product, then "out of stock".
    out_of_stock = f"{name}: out of stock."
    people = buyers_with_addresses(50)
    shipping = shipping_for(*_with_cart(people[0], original))

    for _round in range(5):
        # Reset: 10 units available again, every buyer's cart holds 1 of them.
        Variant.objects.filter(pk=original.pk).update(stock_on_hand=F("stock_reserved") + 10)
        on_hand_before, reserved_before = stock(original)
        orders_before = Order.objects.count()
        for user, _address in people:
            cart_of(user, (original, 1))

        with watching(lambda: stock(original)) as seen:
            outcomes = run_together([placer(user, address, shipping) for user, address in people])

        placed = [o.result for o in outcomes if o.error is None]
        errors = [o.error for o in outcomes if o.error is not None]
        assert len(placed) == 10, {repr(e) for e in errors}
        assert len({order.pk for order in placed}) == 10
        refused = [e for e in errors if isinstance(e, OrderRefused)]
        assert len(refused) == len(errors) == 40, errors
        assert {error.message for error in refused} == {out_of_stock}
        # Sampled while the fifty ran: never more reserved than on hand, never below zero.
        assert seen and all(0 <= r <= h for h, r in seen)
        on_hand, reserved = stock(original)
        assert (on_hand, reserved - reserved_before) == (on_hand_before, 10)
        assert on_hand - reserved == 0  # never below zero (the CHECK would have refused it)
        assert Order.objects.count() == orders_before + 10
        # The ten winners' carts are empty, the forty others still hold their unit.
        winners = {order.buyer_id for order in placed}
        for user, _address in people:
            left = CartLine.objects.filter(cart__user=user).count()
            assert left == (0 if user.pk in winners else 1)

    assert Order.objects.count() == 50
    assert OrderLine.objects.aggregate(units=Sum("quantity"))["units"] == 50


def test_carts_filled_in_opposite_orders_never_deadlock_and_reserve_all_or_nothing(
    shops_and_products,
):
    tempe, batik = shops_and_products
    a, b = variant(tempe, 0), variant(batik)  # two shops: each order splits in two
    Variant.objects.filter(pk=a.pk).update(stock_on_hand=25)
    Variant.objects.filter(pk=b.pk).update(stock_on_hand=20)
    people = buyers_with_addresses(30)
    wants: dict[int, tuple[int, int]] = {}
    for n, (user, _address) in enumerate(people):
        qa, qb = 1 + n % 2, 1 + (n // 2) % 2  # 45 of A and 45 of B asked for in all
        wants[user.pk] = (qa, qb)
        if n % 2:
            cart_of(user, (a, qa), (b, qb))
        else:
            cart_of(user, (b, qb), (a, qa))
    shipping = shipping_for(*people[0])

    outcomes = run_together([placer(user, address, shipping) for user, address in people])

    unexpected = [o.error for o in outcomes if o.error and not isinstance(o.error, OrderRefused)]
    assert unexpected == []  # a deadlock would be an OperationalError here
    placed = [o.result for o in outcomes if o.error is None]
    refused_buyers = {
        user.pk for (user, _a), o in zip(people, outcomes, strict=True) if o.error is not None
    }
    assert 0 < len(placed) < 30  # some fail: 45 asked of each, 25 and 20 in stock
    assert Order.objects.count() == len(placed)

    # Every order holds both lines with the buyer's quantities: all reserved, or no order at all.
    for order in placed:
        lines = {
            line.variant_id: line.quantity
            for line in OrderLine.objects.filter(shop_order__order=order)
        }
        assert lines == {a.pk: wants[order.buyer_id][0], b.pk: wants[order.buyer_id][1]}
        assert ShopOrder.objects.filter(order=order).count() == 2
    for v in (a, b):
        ordered = (
            OrderLine.objects.filter(variant=v)
            .exclude(shop_order__status=ShopOrderStatus.CANCELLED)
            .aggregate(units=Sum("quantity"))["units"]
            or 0
        )
        on_hand, reserved = stock(v)
        assert reserved == ordered
        assert 0 <= reserved <= on_hand
    # A refused buyer's cart is untouched; a served buyer's is empty.
    for user, _address in people:
        count = CartLine.objects.filter(cart__user=user).count()
        assert count == (2 if user.pk in refused_buyers else 0)


def test_the_same_place_order_post_twice_at_once_places_one_order(shops_and_products, buyer):
    tempe, _batik = shops_and_products
    pedas = variant(tempe, 0)
    address = AddressFactory(user=buyer, is_default=True)
    shipping = shipping_for(*_with_cart((buyer, address), pedas))

    for round_number in range(1, 11):
        cart_of(buyer, (pedas, 2))
        token = uuid.uuid4()
        call = placer(buyer, address, shipping, token=token)

        outcomes = run_together([call, call])

        assert [o.error for o in outcomes] == [None, None]
        first, second = (o.result for o in outcomes)
        assert first.pk == second.pk
        assert Order.objects.filter(buyer=buyer, checkout_token=token).count() == 1
        assert Order.objects.count() == round_number
        assert stock(pedas) == (40, 2 * round_number)


def test_a_seller_editing_stock_while_buyers_check_out_never_deadlocks(shops_and_products, owner):
    """Checkout holds a variant's lock to commit, whose foreign-key check reads the product; the
    seller's edit locks the product, then the variant. Neither may wait on the other in a cycle
    (the edit takes its product lock FOR NO KEY UPDATE)."""
    from django.db import OperationalError

    from marketplace.services.products import variant_quick_update

    tempe, _batik = shops_and_products
    pedas = variant(tempe, 0)
    people = buyers_with_addresses(10)
    shipping = shipping_for(*_with_cart(people[0], pedas))
    for _round in range(8):
        Variant.objects.filter(pk=pedas.pk).update(stock_on_hand=F("stock_reserved") + 20)
        for user, _address in people:
            cart_of(user, (pedas, 1))
        on_hand = Variant.objects.get(pk=pedas.pk).stock_on_hand

        def edit(stock_on_hand: int = on_hand + 5) -> Variant:
            return variant_quick_update(
                variant_id=pedas.pk, actor=owner, price=25_000, stock_on_hand=stock_on_hand
            )

        calls = [placer(user, address, shipping) for user, address in people]
        outcomes = run_together([edit, *calls, edit])
        errors = [o.error for o in outcomes if o.error is not None]
        assert not [e for e in errors if isinstance(e, OperationalError)], errors
        # Enough stock for all ten, and the edits only add: nobody is refused.
        assert errors == []
