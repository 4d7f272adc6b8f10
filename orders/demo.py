"""Demo orders: couriers and rate tables for the verified demo shops, and orders of the demo buyer
in every state, some of them "new orders" waiting for Keripik Tempe Bu Siti (the demo seller).

Everything goes through the services, as buyers and sellers would (cart, checkout, payment, the
shop's acts, the timer), so events, stock and notifications are what the site would have made.
Idempotent and converging: each scenario's orders carry checkout tokens derived from its name;
a scenario is placed again only when none of its orders is still in its state (a demo order moves
on when someone clicks through it, or when a timer passes), so a run adds nothing to a demo whose
every state is still on show.
"""

import datetime as dt
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.contrib.sessions.backends.db import SessionStore
from django.db.models import F
from django.utils import timezone

from komeji.accounts import services as account_services
from komeji.accounts.models import Address, User
from komeji.common.models import Region
from marketplace.demo import CATALOGUE
from marketplace.models import ProductStatus, Variant
from orders.models import (
    CartLine,
    Courier,
    Order,
    ShippingMethod,
    ShippingRate,
    ShopOrder,
    ShopOrderStatus,
)
from orders.services import transitions
from orders.services.cart import cart_add, cart_for
from orders.services.checkout import checkout_plan, order_place
from orders.services.errors import OrderRefused
from orders.services.shipping import RateInput, shipping_method_add, shipping_rate_save
from vendors.models import Shop, ShopMember, ShopStatus

S = ShopOrderStatus
SITI = "Keripik Tempe Bu Siti"
# Checkout tokens of demo orders: uuid5(namespace, "<scenario>:<n>").
TOKEN_NAMESPACE = uuid.UUID("6f1c4c1e-3a51-4c5e-9d0b-6b6f6d656a69")
GENERATIONS = 100

# (courier, service, Jawa Timur default (first kg, next kg, days), own kabupaten/kota (...))
METHODS: list[tuple[str, str, tuple[int, int, int, int], tuple[int, int, int, int]]] = [
    (Courier.JNE, "REG", (12_000, 8_000, 2, 3), (8_000, 5_000, 1, 2)),
    (Courier.JNT, "EZ", (11_000, 7_000, 2, 4), (7_000, 4_000, 1, 1)),
]
# Shops whose buyers may also fetch the goods themselves.
PICKUP_SHOPS = {SITI, "Anyaman Bambu Tulungagung"}


@dataclass(frozen=True)
class Scenario:
    key: str
    shops: tuple[str, ...]
    target: str  # a ShopOrderStatus, or "cancel_requested" / "cancelled_by_<who>"
    lines: int = 1  # per shop
    quantity: int = 1
    pick: int = 0  # which of the shop's products (in name order) comes first
    courier: str = Courier.JNE
    note: str = ""
    reason: str = ""  # the buyer's or the shop's words, where the scenario needs them


SCENARIOS: list[Scenario] = [
    Scenario("belum-bayar", ("Sambal Bawang Mbak Yuni", SITI), S.AWAITING_PAYMENT, pick=1),
    Scenario(
        "siti-baru-1", (SITI,), S.PAID, lines=2, note="Tolong dibungkus rapi, untuk oleh-oleh."
    ),
    Scenario("siti-baru-2", (SITI,), S.PAID, quantity=3, pick=3),
    Scenario("siti-baru-3", (SITI,), S.PAID, pick=5, courier=Courier.JNT),
    Scenario(
        "siti-minta-batal",
        (SITI,),
        "cancel_requested",
        pick=7,
        reason="Alamat pengiriman salah, mohon dibatalkan.",
    ),
    Scenario("siti-selesai", (SITI,), S.COMPLETED, lines=2, pick=9),
    Scenario("dikemas", ("Kopi Lereng Argopuro",), S.PROCESSING, lines=2),
    Scenario("dikirim", ("Batik Gentongan Madura",), S.SHIPPED, courier=Courier.JNT),
    Scenario("tiba", ("Tahu Takwa Kediri Bu Lilik",), S.DELIVERED, lines=2),
    Scenario(
        "selesai", ("Anyaman Bambu Tulungagung", "Bipang Beras Bu Suparmi"), S.COMPLETED, pick=2
    ),
    Scenario(
        "batal-pembeli",
        ("Bipang Beras Bu Suparmi",),
        "cancelled_by_buyer",
        reason="Salah pilih rasa, saya pesan ulang.",
    ),
    Scenario(
        "batal-toko",
        ("Kulit Magetan Jaya",),
        "cancelled_by_shop",
        pick=1,
        reason="Mohon maaf, ukuran ini sedang kosong. Produksi berikutnya bulan depan.",
    ),
    Scenario("batal-otomatis", ("Sambal Bawang Mbak Yuni",), "cancelled_by_timer", pick=4),
]


@dataclass
class OrdersDemoResult:
    methods_created: int = 0
    orders_created: int = 0
    orders: int = 0  # the demo orders there are now
    skipped: int = 0  # scenarios whose shops or products are missing


def token(key: str, generation: int) -> uuid.UUID:
    return uuid.uuid5(TOKEN_NAMESPACE, f"{key}:{generation}")


def _owner(shop: Shop) -> User | None:
    member = ShopMember.objects.filter(shop=shop, role=ShopMember.Role.OWNER).first()
    return member.user if member else None


def _demo_shops() -> list[Shop]:
    return list(
        Shop.objects.filter(name__in=list(CATALOGUE), status=ShopStatus.VERIFIED)
        .select_related("region")
        .order_by("name")
    )


# --- Shipping -----------------------------------------------------------------------------------


def shipping_demo(shops: list[Shop]) -> int:
    """JNE REG and J&T EZ for every demo shop (a Jawa Timur default row and a cheaper row for
    its own kabupaten/kota), pick-up for a couple. Adds only what is missing."""
    created = 0
    for index, shop in enumerate(shops):
        owner = _owner(shop)
        if owner is None:
            continue
        bump = 1_000 * (index % 3)  # shops do not all charge the same
        for courier, service, default, own in METHODS:
            method = ShippingMethod.objects.filter(
                shop=shop, courier=courier, service=service
            ).first()
            if method is None:
                method = shipping_method_add(
                    shop_id=shop.pk,
                    actor=owner,
                    courier=courier,
                    service=service,
                    default_rate=RateInput(default[0] + bump, default[1], default[2], default[3]),
                )
                created += 1
            if not ShippingRate.objects.filter(method=method, region=shop.region).exists():
                shipping_rate_save(
                    shop_id=shop.pk,
                    actor=owner,
                    method_id=method.pk,
                    rate_id=None,
                    region_id=shop.region_id,
                    rate=RateInput(own[0] + bump, own[1], own[2], own[3]),
                )
        if (
            shop.name in PICKUP_SHOPS
            and not ShippingMethod.objects.filter(shop=shop, courier=Courier.PICKUP).exists()
        ):
            shipping_method_add(shop_id=shop.pk, actor=owner, courier=Courier.PICKUP)
            created += 1
    return created


# --- Orders -------------------------------------------------------------------------------------


def _in_target(order: Order, target: str) -> bool:
    shop_orders = list(order.shop_orders.all())
    if target == "cancel_requested":
        return all(so.has_pending_cancel_request for so in shop_orders)
    if target.startswith("cancelled"):
        return all(so.status == S.CANCELLED for so in shop_orders)
    if target == S.PROCESSING:
        return all(
            so.status == S.PROCESSING and not so.has_pending_cancel_request for so in shop_orders
        )
    return all(so.status == target for so in shop_orders)


def _variants(shop: Shop, scenario: Scenario) -> list[Variant] | None:
    """`scenario.lines` variants of different products of the shop, from product `pick` on (in
    name order), each on sale with stock to spare; None when the shop has too few."""
    candidates = (
        Variant.objects.filter(
            product__shop=shop,
            product__status=ProductStatus.ACTIVE,
            product__min_order_qty__lte=scenario.quantity,
            stock_on_hand__gte=F("stock_reserved") + scenario.quantity + 2,
        )
        .select_related("product")
        .order_by("product__name", "position", "pk")
    )
    by_product: dict[int, Variant] = {}
    for v in candidates:
        by_product.setdefault(v.product_id, v)
    products = list(by_product.values())
    if len(products) < scenario.lines:
        return None
    start = scenario.pick % len(products)
    return (products[start:] + products[:start])[: scenario.lines]


def _place(
    scenario: Scenario, *, buyer: User, address: Address, shops: dict[str, Shop], generation: int
) -> Order | None:
    cart = cart_for(user=buyer, session=SessionStore(), create=True)
    assert cart is not None
    picked: list[tuple[Variant, int]] = []
    for name in scenario.shops:
        shop = shops.get(name)
        variants = _variants(shop, scenario) if shop is not None else None
        if variants is None:
            return None
        picked += [(v, scenario.quantity) for v in variants]
    for v, quantity in picked:
        cart_add(cart=cart, variant_id=v.pk, quantity=quantity)
    plan = checkout_plan(cart=cart, address=address)
    shipping: dict[int, int] = {}
    notes: dict[int, str] = {}
    for group in plan.groups:
        quotes = [q for q in group.quotes if q.courier == scenario.courier] or group.quotes
        if quotes:
            shipping[group.shop.pk] = quotes[0].method_id
        if scenario.note:
            notes[group.shop.pk] = scenario.note
    return order_place(
        buyer=buyer,
        checkout_token=token(scenario.key, generation),
        address_id=address.pk,
        shipping=shipping,
        notes=notes,
    )


def _play(scenario: Scenario, order: Order, *, buyer: User) -> None:
    """Take a just-placed order to the scenario's state, each step by whoever does it."""
    target = scenario.target
    if target == S.AWAITING_PAYMENT:
        return
    if target == "cancelled_by_buyer":
        transitions.order_cancel(order_id=order.pk, actor=buyer, reason=scenario.reason)
        return
    if target == "cancelled_by_timer":
        # The payment time ran out: the expiry job's own act, once the deadline has passed.
        Order.objects.filter(pk=order.pk).update(
            payment_due_at=timezone.now() - dt.timedelta(minutes=1)
        )
        transitions.order_expire(order_id=order.pk)
        return
    _pay_on_sandbox(order)
    steps: list[Callable[[ShopOrder, Any], Any]] = []
    if target == "cancelled_by_shop":
        steps = [
            lambda so, owner: transitions.shop_order_reject(
                shop_order_id=so.pk, actor=owner, reason=scenario.reason
            )
        ]
    elif target != S.PAID:
        steps.append(
            lambda so, owner: transitions.shop_order_accept(shop_order_id=so.pk, actor=owner)
        )
        if target == "cancel_requested":
            steps.append(
                lambda so, owner: transitions.shop_order_request_cancel(
                    shop_order_id=so.pk, actor=buyer, reason=scenario.reason
                )
            )
        elif target != S.PROCESSING:
            steps.append(
                lambda so, owner: transitions.shop_order_ship(
                    shop_order_id=so.pk,
                    actor=owner,
                    tracking_number=f"{'JP' if so.courier == Courier.JNT else 'CGK'}"
                    f"{so.order.created_at:%y%m%d}{so.pk:06d}"
                    if so.is_tracked
                    else "",
                )
            )
            if target in (S.DELIVERED, S.COMPLETED):
                steps.append(
                    lambda so, owner: transitions.shop_order_mark_delivered(
                        shop_order_id=so.pk, actor=owner
                    )
                )
            if target == S.COMPLETED:
                steps.append(
                    lambda so, owner: transitions.shop_order_confirm_received(
                        shop_order_id=so.pk, actor=buyer
                    )
                )
    for shop_order in order.shop_orders.select_related("shop", "order").order_by("pk"):
        owner = _owner(shop_order.shop)
        for step in steps:
            step(shop_order, owner)


def _address(buyer: User) -> Address:
    address = (
        Address.objects.filter(user=buyer).order_by("-is_default", "pk").select_related("region")
    ).first()
    if address is not None:
        return address
    return account_services.address_create(
        user=buyer,
        label="Rumah",
        recipient_name=buyer.full_name or "Pembeli Demo",
        phone="081234567001",
        street="Jl. Raya Darmo No. 45, RT 02/RW 03",
        kecamatan="Wonokromo",
        region=Region.objects.get(code="3578"),
        postal_code="60241",
        is_default=True,
    )


def load_orders_demo(*, buyer: User) -> OrdersDemoResult:
    """Shipping for the demo shops, then each scenario whose state is not on show any more."""
    result = OrdersDemoResult()
    shops = _demo_shops()
    result.methods_created = shipping_demo(shops)
    by_name = {shop.name: shop for shop in shops}
    address = _address(buyer)
    cart = cart_for(user=buyer, session=SessionStore(), create=True)
    assert cart is not None
    # The buyer's own cart is set aside while the demo uses it, and put back after.
    kept = list(CartLine.objects.filter(cart=cart).values("variant_id", "quantity", "price_seen"))
    CartLine.objects.filter(cart=cart).delete()
    try:
        for scenario in SCENARIOS:
            tokens = {token(scenario.key, n): n for n in range(GENERATIONS)}
            existing = list(
                Order.objects.filter(buyer=buyer, checkout_token__in=list(tokens)).prefetch_related(
                    "shop_orders"
                )
            )
            result.orders += len(existing)
            if any(_in_target(order, scenario.target) for order in existing):
                continue
            used = {tokens[order.checkout_token] for order in existing}
            generation = next((n for n in range(GENERATIONS) if n not in used), None)
            if generation is None:
                result.skipped += 1
                continue
            try:
                order = _place(
                    scenario, buyer=buyer, address=address, shops=by_name, generation=generation
                )
            except OrderRefused:  # e.g. a shop on holiday today: that scenario waits
                CartLine.objects.filter(cart=cart).delete()
                order = None
            if order is None:
                result.skipped += 1
                continue
            _play(scenario, order, buyer=buyer)
            result.orders_created += 1
            result.orders += 1
    finally:
        CartLine.objects.filter(cart=cart).delete()
        CartLine.objects.bulk_create(CartLine(cart=cart, **line) for line in kept)
    return result


def _pay_on_sandbox(order: Order) -> None:
    """Pay as a buyer would: a sandbox payment and its signed settlement notification, through
    the notification service (the HTTP hop of the sandbox page is left out), so the ledger holds
    the money in escrow like for any paid order."""
    import json

    from payments.gateways import sandbox
    from payments.services.notifications import notification_receive
    from payments.services.payments import payment_start

    payment = payment_start(order_id=order.pk, buyer=order.buyer, provider="sandbox", method="va")
    body = json.dumps(sandbox.notification(payment, sandbox.SETTLEMENT)).encode()
    received = notification_receive(raw_body=body)
    if received.http_status != 200:
        raise RuntimeError(f"demo payment of {order.number} refused: {received.outcome}")
