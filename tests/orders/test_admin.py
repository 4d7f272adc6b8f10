"""The orders back office: read-only orders, shop orders and carts for support (no add, no delete,
status never edited by hand), and shipping set-up that superusers may correct."""

import pytest
from django.urls import reverse

from orders.models import (
    Cart,
    Courier,
    Order,
    OrderEvent,
    ShippingMethod,
    ShippingRate,
    ShopOrder,
    ShopOrderStatus,
)
from orders.services import transitions as t
from tests.factories import UserFactory
from tests.orders.conftest import fill_cart, place, variant

pytestmark = pytest.mark.django_db


@pytest.fixture
def order(buyer, address, tempe, batik, owner) -> Order:
    fill_cart(buyer, (variant(tempe, 0), 2), (variant(batik), 1))
    placed = place(buyer, address)
    t.order_mark_paid(order_id=placed.pk, source="test")
    shop_order = placed.shop_orders.get(shop_name="Keripik Tempe Bu Siti")
    t.shop_order_accept(shop_order_id=shop_order.pk, actor=owner)
    t.shop_order_ship(shop_order_id=shop_order.pk, actor=owner, tracking_number="JNE0123456789")
    return placed


@pytest.fixture
def superuser(client):
    user = UserFactory(is_staff=True, is_superuser=True)
    client.force_login(user)
    return user


def test_changelists_and_change_pages_render_for_a_superuser(client, superuser, order, buyer):
    shop_order = order.shop_orders.get(shop_name="Keripik Tempe Bu Siti")
    method = ShippingMethod.objects.filter(shop=shop_order.shop).first()
    cart = Cart.objects.get(user=buyer)
    pages = {
        "orders": reverse("admin:orders_order_changelist"),
        "order": reverse("admin:orders_order_change", args=[order.pk]),
        "shop orders": reverse("admin:orders_shoporder_changelist"),
        "shop order": reverse("admin:orders_shoporder_change", args=[shop_order.pk]),
        "filtered": reverse("admin:orders_shoporder_changelist")
        + "?status__exact=shipped&courier__exact=jne",
        "methods": reverse("admin:orders_shippingmethod_changelist"),
        "method": reverse("admin:orders_shippingmethod_change", args=[method.pk]),
        "new method": reverse("admin:orders_shippingmethod_add"),
        "carts": reverse("admin:orders_cart_changelist"),
        "cart": reverse("admin:orders_cart_change", args=[cart.pk]),
    }

    statuses = {name: client.get(url).status_code for name, url in pages.items()}

    assert statuses == dict.fromkeys(pages, 200)
    detail = client.get(pages["shop order"]).content.decode()
    assert "JNE0123456789" in detail  # the shop order's tracking number
    assert "KTP-250" in detail  # its lines
    # Its timeline, every event of it.
    events = OrderEvent.objects.filter(shop_order=shop_order)
    assert events.filter(to_status=ShopOrderStatus.SHIPPED).exists()
    assert detail.count('<td class="field-to_status">') == events.count()
    assert 'name="_save"' not in detail
    assert order.number in client.get(pages["order"]).content.decode()


@pytest.mark.parametrize(
    "term",
    ["order_number", "Keripik Tempe", "buyer_email", "JNE0123456789"],
)
def test_shop_orders_are_found_by_number_shop_buyer_or_tracking_number(
    client, superuser, order, buyer, term
):
    term = {"order_number": order.number, "buyer_email": buyer.email}.get(term, term)

    page = client.get(reverse("admin:orders_shoporder_changelist"), {"q": term})

    assert page.status_code == 200
    assert page.context["cl"].result_count >= 1
    assert {so.order_id for so in page.context["cl"].result_list} == {order.pk}


def test_orders_cannot_be_added_or_deleted_in_the_admin(client, superuser, order):
    shop_order = order.shop_orders.first()
    refused = [
        client.get(reverse("admin:orders_order_add")),
        client.get(reverse("admin:orders_shoporder_add")),
        client.get(reverse("admin:orders_cart_add")),
        client.post(reverse("admin:orders_order_delete", args=[order.pk]), {"post": "yes"}),
        client.post(
            reverse("admin:orders_shoporder_delete", args=[shop_order.pk]), {"post": "yes"}
        ),
    ]

    assert [r.status_code for r in refused] == [403] * 5
    assert Order.objects.filter(pk=order.pk).exists()
    assert ShopOrder.objects.filter(pk=shop_order.pk).exists()
    # No bulk delete action either.
    changelist = client.get(reverse("admin:orders_shoporder_changelist"))
    assert "delete_selected" not in changelist.content.decode()


def test_a_status_cannot_be_changed_by_posting_the_change_form(client, superuser, order):
    shop_order = order.shop_orders.get(shop_name="Batik Tulis Jetis")
    before = (shop_order.status, shop_order.stock_state, shop_order.tracking_number)

    response = client.post(
        reverse("admin:orders_shoporder_change", args=[shop_order.pk]),
        {"status": ShopOrderStatus.CANCELLED, "tracking_number": "X", "stock_state": "released"},
    )

    assert response.status_code in (200, 302)
    shop_order.refresh_from_db()
    assert (shop_order.status, shop_order.stock_state, shop_order.tracking_number) == before
    assert before[0] == ShopOrderStatus.PAID


def test_superusers_correct_shipping_rates_staff_only_view_them(client, verified_shop):
    method = ShippingMethod.objects.create(shop=verified_shop, courier=Courier.POS)
    url = reverse("admin:orders_shippingmethod_change", args=[method.pk])
    client.force_login(UserFactory(is_staff=True, is_superuser=True))

    response = client.post(
        url,
        {
            "shop": verified_shop.pk,
            "courier": Courier.POS,
            "service": "Kilat",
            "is_active": "on",
            "rates-TOTAL_FORMS": "1",
            "rates-INITIAL_FORMS": "0",
            "rates-0-region": "",
            "rates-0-first_kg_price": "9000",
            "rates-0-next_kg_price": "3000",
            "rates-0-eta_days_min": "2",
            "rates-0-eta_days_max": "4",
        },
    )

    assert response.status_code == 302, response.context and response.context.get("errors")
    method.refresh_from_db()
    assert method.service == "Kilat"
    assert list(
        ShippingRate.objects.filter(method=method).values_list("first_kg_price", "next_kg_price")
    ) == [(9_000, 3_000)]

    viewer = UserFactory(is_staff=True)
    from django.contrib.auth.models import Permission

    viewer.user_permissions.add(Permission.objects.get(codename="view_shippingmethod"))
    client.force_login(viewer)
    assert client.get(url).status_code == 200
    assert client.get(reverse("admin:orders_shippingmethod_add")).status_code == 403
    assert client.post(url, {"shop": verified_shop.pk, "courier": "jne"}).status_code == 403
    method.refresh_from_db()
    assert method.courier == Courier.POS
