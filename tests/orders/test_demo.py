"""`manage.py demo_data`, the orders part: the demo shops ship, the demo buyer has orders in every
state made by the services, Bu Siti has new orders waiting, and a second run adds nothing."""

import io

import pytest
from django.contrib.sessions.backends.db import SessionStore
from django.core.management import call_command
from django.db.models import Model, Sum

from komeji.accounts.models import User
from komeji.common.models import Notification, OutgoingEmail
from marketplace.models import Variant
from orders.demo import load_orders_demo
from orders.models import (
    CartLine,
    Courier,
    Order,
    OrderEvent,
    OrderLine,
    ShippingMethod,
    ShippingRate,
    ShopOrder,
    ShopOrderStatus,
    StockState,
)
from orders.services.cart import cart_add, cart_for
from orders.services.transitions import order_cancel
from vendors.models import Shop, ShopStatus

S = ShopOrderStatus
pytestmark = pytest.mark.django_db

COUNTED: list[type[Model]] = [
    Order,
    ShopOrder,
    OrderLine,
    OrderEvent,
    ShippingMethod,
    ShippingRate,
    CartLine,
    Notification,
    OutgoingEmail,
]


@pytest.fixture
def demo_storage(settings, tmp_path):
    """Sample documents and product photos go to a temporary directory."""
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.STORAGES = {
        **settings.STORAGES,
        "documents": {
            "BACKEND": "vendors.documents.PrivateFileSystemStorage",
            "OPTIONS": {"location": str(tmp_path / "documents")},
        },
    }
    return tmp_path


def run_demo_data() -> str:
    out = io.StringIO()
    call_command("demo_data", stdout=out, stderr=io.StringIO())
    return out.getvalue()


def row_counts() -> dict[str, int]:
    return {model.__name__: model._default_manager.count() for model in COUNTED}


def test_demo_orders_in_every_state_and_a_second_run_adds_nothing(demo_storage):
    """Given nothing, when demo_data runs twice, then every state is on show once."""
    output = run_demo_data()

    assert "Orders: 13 of pembeli@komeji.id (13 new)" in output
    buyer = User.objects.get(email="pembeli@komeji.id")
    assert buyer.check_password("komeji-demo-2026")
    mine = ShopOrder.objects.filter(order__buyer=buyer)
    for status in S.values:
        assert mine.filter(status=status).exists(), status
    shipped = mine.filter(status=S.SHIPPED).get()
    assert shipped.courier == Courier.JNT and shipped.tracking_number.startswith("JP")

    # Cancelled by the buyer, by the shop with its reason, and by the payment timer.
    cancels = OrderEvent.objects.filter(shop_order__in=mine, to_status=S.CANCELLED)
    assert set(cancels.values_list("actor_role", flat=True)) == {"buyer", "shop", "system"}
    rejected = cancels.get(actor_role="shop")
    assert rejected.reason.startswith("Mohon maaf, ukuran ini sedang kosong")
    assert rejected.actor.email == "umkm13@komeji.id"  # Kulit Magetan Jaya's owner
    assert cancels.get(actor_role="buyer").reason == "Salah pilih rasa, saya pesan ulang."

    # Bu Siti (penjual@komeji.id) has new orders to accept and a cancellation request to answer.
    siti = Shop.objects.get(name="Keripik Tempe Bu Siti")
    assert siti.memberships.get(role="owner").user.email == "penjual@komeji.id"
    assert ShopOrder.objects.filter(shop=siti, status=S.PAID).count() == 3
    assert ShopOrder.objects.filter(shop=siti, status=S.PAID, note__contains="oleh-oleh").exists()
    assert any(so.has_pending_cancel_request for so in ShopOrder.objects.filter(shop=siti))

    # Every verified demo shop ships with JNE REG and J&T EZ: a default row and its own region.
    verified = Shop.objects.filter(status=ShopStatus.VERIFIED, shipping_methods__isnull=False)
    assert verified.distinct().count() == 8
    for shop in verified.distinct():
        for courier, service in ((Courier.JNE, "REG"), (Courier.JNT, "EZ")):
            method = ShippingMethod.objects.get(shop=shop, courier=courier, service=service)
            regions = set(method.rates.values_list("region_id", flat=True))
            assert regions == {None, shop.region_id}
            default = method.rates.get(region=None)
            own = method.rates.get(region=shop.region)
            assert own.first_kg_price < default.first_kg_price
    assert ShippingMethod.objects.filter(courier=Courier.PICKUP).count() == 2

    # Events tell the whole story: placed first, the current status last.
    for shop_order in mine:
        events = list(shop_order.events.filter(kind="status").order_by("created_at", "id"))
        assert events[0].to_status == S.AWAITING_PAYMENT
        assert events[-1].to_status == shop_order.status
    # Stock: what is reserved is exactly what the orders still holding stock hold.
    for v in Variant.objects.filter(stock_reserved__gt=0):
        held = OrderLine.objects.filter(
            variant=v, shop_order__stock_state=StockState.RESERVED
        ).aggregate(units=Sum("quantity"))["units"]
        assert v.stock_reserved == held
    assert not Variant.objects.filter(
        pk__in=OrderLine.objects.filter(shop_order__stock_state=StockState.RESERVED).values(
            "variant_id"
        ),
        stock_reserved=0,
    ).exists()

    # The buyer's own cart survives a run; the second run places nothing again.
    cart = cart_for(user=buyer, session=SessionStore(), create=True)
    some_variant = OrderLine.objects.filter(shop_order__in=mine).first().variant
    cart_add(cart=cart, variant_id=some_variant.pk, quantity=1)
    before = row_counts()
    statuses = dict(mine.values_list("pk", "status"))

    output = run_demo_data()

    assert "Orders: 13 of pembeli@komeji.id (0 new), 0 shipping methods added." in output
    assert row_counts() == before
    assert dict(mine.values_list("pk", "status")) == statuses
    assert list(CartLine.objects.filter(cart=cart).values_list("variant_id", "quantity")) == [
        (some_variant.pk, 1)
    ]

    # A state that moved on (someone tried the demo, or a timer passed) is shown again.
    unpaid = mine.filter(status=S.AWAITING_PAYMENT)
    assert unpaid.count() == 2  # one order of two shops
    order_cancel(order_id=unpaid.first().order_id, actor=buyer)

    result = load_orders_demo(buyer=buyer)

    assert (result.orders_created, result.orders, result.skipped) == (1, 14, 0)
    assert unpaid.count() == 2
    assert Order.objects.filter(buyer=buyer).count() == 14
