"""Orders fixtures: on-sale products of two verified shops that ship everywhere, a buyer with an
address, and helpers to fill a cart and place it."""

import uuid

import pytest

from komeji.accounts.models import Address, User
from komeji.common.models import Region
from marketplace.models import Product, ProductStatus, Variant
from marketplace.services.products import VariantInput
from orders.models import Courier, Order, ShippingMethod, ShippingRate
from orders.services.cart import cart_add, cart_for
from orders.services.checkout import checkout_plan, order_place
from tests.factories import AddressFactory, UserFactory
from tests.marketplace.conftest import *  # noqa: F403
from tests.marketplace.conftest import make_product
from vendors.models import Shop


def on_sale(product: Product) -> Product:
    """Given-state helper: the product is published (the catalogue tests cover how)."""
    Product.objects.filter(pk=product.pk).update(status=ProductStatus.ACTIVE)
    product.refresh_from_db()
    return product


def ships_everywhere(
    shop: Shop,
    *,
    courier: str = Courier.JNE,
    service: str = "REG",
    first: int = 10_000,
    next_kg: int = 5_000,
    region: Region | None = None,
) -> ShippingMethod:
    method, _ = ShippingMethod.objects.get_or_create(shop=shop, courier=courier, service=service)
    ShippingRate.objects.create(
        method=method,
        region=region,
        first_kg_price=first,
        next_kg_price=next_kg,
        eta_days_min=1,
        eta_days_max=3,
    )
    return method


@pytest.fixture
def buyer(db) -> User:
    return UserFactory(full_name="Ani Wulandari")


@pytest.fixture
def address(buyer) -> Address:
    return AddressFactory(user=buyer, is_default=True)


@pytest.fixture
def tempe(verified_shop, owner, categories) -> Product:
    """Keripik Tempe Bu Siti: Pedas 250 g (Rp 25.000, 40 in stock), Original 500 g (Rp 45.000,
    10 in stock)."""
    ships_everywhere(verified_shop)
    return on_sale(make_product(verified_shop, owner, categories["crafts"]))


@pytest.fixture
def batik(other_shop, categories) -> Product:
    """Batik Tulis Jetis: one variant, Rp 350.000, 5 in stock, 300 g."""
    from vendors.models import ShopMember

    seller = ShopMember.objects.get(shop=other_shop, role="owner").user
    ships_everywhere(other_shop, courier=Courier.SICEPAT, first=12_000, next_kg=6_000)
    return on_sale(
        make_product(
            other_shop,
            seller,
            categories["batik"],
            name="Batik Tulis Jetis Sidoarjo",
            variants=[
                VariantInput(
                    name="", sku="BTJ-01", price=350_000, weight_grams=300, stock_on_hand=5
                )
            ],
        )
    )


def variant(product: Product, index: int = 0) -> Variant:
    return list(product.variants.order_by("position", "id"))[index]


def fill_cart(user: User, *lines: tuple[Variant, int]):
    from django.contrib.sessions.backends.db import SessionStore

    cart = cart_for(user=user, session=SessionStore(), create=True)
    for v, quantity in lines:
        cart_add(cart=cart, variant_id=v.pk, quantity=quantity)
    return cart


def place(user: User, address: Address, **kwargs) -> Order:
    """Place the user's cart with the cheapest courier of each shop."""
    cart = cart_for(user=user, session=None, create=False)  # type: ignore[arg-type]
    plan = checkout_plan(cart=cart, address=address)
    shipping = {g.shop.pk: g.quotes[0].method_id for g in plan.groups if g.quotes}
    return order_place(
        buyer=user,
        checkout_token=kwargs.pop("token", None) or uuid.uuid4(),
        address_id=address.pk,
        shipping=shipping,
        **kwargs,
    )
