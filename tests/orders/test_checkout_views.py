"""Checkout over HTTP: signed-in only (the cart survives log-in), the plan with its quotes and
totals, placing once whatever the number of POSTs, and every refusal leaving nothing behind."""

import datetime as dt
import html as html_lib
import re
import uuid

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from komeji.common.models import Region
from marketplace.models import Product, ProductStatus, Variant
from orders.models import CartLine, Courier, Order, OrderLine, ShippingMethod, ShippingRate
from tests.factories import PASSWORD, AddressFactory, UserFactory
from tests.orders.conftest import fill_cart, ships_everywhere, variant
from vendors.models import Shop, ShopStatus

pytestmark = pytest.mark.django_db

CHECKOUT = "/checkout/"


@pytest.fixture
def english(client, buyer):
    client.cookies["django_language"] = "en"
    client.force_login(buyer)
    return client


@pytest.fixture
def cart(buyer, tempe, batik):
    """Tempe: 3 Pedas (250 g) + 1 Original (500 g) = Rp 120.000, 1.25 kg → 2 kg by JNE REG:
    Rp 10.000 + 5.000. Batik: 2 x Rp 350.000, 600 g → 1 kg by SiCepat REG: Rp 12.000."""
    return fill_cart(buyer, (variant(tempe, 0), 3), (variant(tempe, 1), 1), (variant(batik), 2))


def form_data(html: str) -> dict[str, str]:
    """What the browser would send from the checkout form as rendered: hidden fields, checked
    radios, text fields."""
    form = html.split("data-checkout-form>")[1].split("</form>")[0]
    data: dict[str, str] = {}
    for tag in re.findall(r"<input[^>]*>", form):
        kind = re.search(r'type="(\w+)"', tag)
        name = re.search(r'name="([^"]+)"', tag)
        value = re.search(r'value="([^"]*)"', tag)
        if not name or (kind and kind.group(1) == "radio" and " checked" not in tag):
            continue
        data[name.group(1)] = html_lib.unescape(value.group(1)) if value else ""
    return data


def shown_messages(response) -> list[str]:
    return re.findall(r'<p class="alert alert-\w+">([^<]*)</p>', response.content.decode())


def by_testid(html: str, name: str) -> list[str]:
    return re.findall(rf'data-testid="{name}">([^<]*)<', html)


def reserved(*variants: Variant) -> list[int]:
    return [Variant.objects.get(pk=v.pk).stock_reserved for v in variants]


# --- Signed-in only -------------------------------------------------------------------------------


def test_checkout_needs_a_login_and_the_cart_survives_it(client, tempe):
    buyer = UserFactory(email="ani@contoh.id")
    AddressFactory(user=buyer, is_default=True)
    client.post(
        "/keranjang/tambah/", {"variant": variant(tempe, 0).pk, "quantity": 2, "buy_now": "1"}
    )

    response = client.get(CHECKOUT)
    assert response.status_code == 302
    assert response["Location"] == "/akun/login/?next=/checkout/"

    login = client.post(
        "/akun/login/?next=/checkout/", {"login": "ani@contoh.id", "password": PASSWORD}
    )
    assert login["Location"] == CHECKOUT
    html = client.get(CHECKOUT).content.decode()
    assert "Keripik Tempe Pedas" in html
    assert CartLine.objects.get(cart__user=buyer).quantity == 2


# --- The page -------------------------------------------------------------------------------------


def test_the_page_shows_quotes_and_totals_per_shop(english, cart, address, verified_shop):
    html = english.get(CHECKOUT).content.decode()

    assert by_testid(html, "checkout-shop") == [
        "Keripik Tempe Bu Siti",
        "Batik Tulis Jetis",
    ]
    assert by_testid(html, "quote-fee") == ["Rp 15.000", "Rp 12.000"]
    assert by_testid(html, "quote-eta") == ["1\u20133 days", "1\u20133 days"]
    assert by_testid(html, "shop-goods") == ["Rp 120.000", "Rp 700.000"]
    assert by_testid(html, "shop-shipping") == ["Rp 15.000", "Rp 12.000"]
    assert by_testid(html, "goods-total") == ["Rp 820.000"]
    assert by_testid(html, "shipping-total") == ["Rp 27.000"]
    assert by_testid(html, "grand-total") == ["Rp 847.000"]
    data = form_data(html)
    assert data["address"] == str(address.pk)
    assert data["expected_goods_total"] == "820000"
    assert uuid.UUID(data["checkout_token"])
    assert data["payment_method"] == "sandbox"
    assert 'data-testid="checkout-problems"' not in html
    assert 'href="/akun/profil/alamat/tambah/?next=%2Fcheckout%2F"' in html


def test_a_shop_with_several_couriers_lets_the_buyer_choose(english, cart, address, verified_shop):
    pickup = ShippingMethod.objects.create(shop=verified_shop, courier=Courier.PICKUP)
    jne = ShippingMethod.objects.get(shop=verified_shop, courier=Courier.JNE)

    html = english.get(CHECKOUT).content.decode()

    assert by_testid(html, "quote-fee")[:2] == ["Rp 0", "Rp 15.000"]
    assert by_testid(html, "quote-eta")[:2] == ["Pick up at the shop", "1\u20133 days"]
    assert f'name="shipping_{verified_shop.pk}"' in html
    # Until the buyer picks, the cheapest courier that delivers (pick-up asks a trip of them).
    assert by_testid(html, "shop-shipping")[0] == "Rp 15.000"
    assert by_testid(html, "grand-total") == ["Rp 847.000"]
    assert 'data-testid="checkout-problems"' not in html

    chosen = english.get(CHECKOUT, {f"shipping_{verified_shop.pk}": pickup.pk}).content.decode()
    assert by_testid(chosen, "shop-shipping")[0] == "Rp 0"
    assert by_testid(chosen, "grand-total") == ["Rp 832.000"]
    assert 'data-testid="checkout-problems"' not in chosen
    chosen = english.get(CHECKOUT, {f"shipping_{verified_shop.pk}": jne.pk}).content.decode()
    assert by_testid(chosen, "grand-total") == ["Rp 847.000"]


def test_update_shows_the_page_again_for_the_new_choices(english, cart, buyer, verified_shop):
    AddressFactory(user=buyer, is_default=True)
    other = AddressFactory(user=buyer, region=Region.objects.get(code="3578"))
    jne = ShippingMethod.objects.get(shop=verified_shop)

    response = english.post(
        CHECKOUT,
        {
            "update": "1",
            "address": other.pk,
            f"shipping_{verified_shop.pk}": jne.pk,
            f"note_{verified_shop.pk}": "Tolong  dibungkus rapi",
            "checkout_token": str(uuid.uuid4()),
        },
    )

    assert response.status_code == 302
    assert response["Location"] == (
        f"{CHECKOUT}?address={other.pk}&shipping_{verified_shop.pk}={jne.pk}"
        f"&note_{verified_shop.pk}=Tolong+dibungkus+rapi&payment_method=sandbox"
    )
    html = english.get(response["Location"]).content.decode()
    assert form_data(html)["address"] == str(other.pk)
    assert form_data(html)[f"note_{verified_shop.pk}"] == "Tolong dibungkus rapi"
    assert not Order.objects.exists()


def test_an_empty_cart_has_nothing_to_check_out(english, address):
    html = english.get(CHECKOUT).content.decode()

    assert 'data-testid="cart-empty"' in html
    assert "data-checkout-form>" not in html


def test_a_buyer_without_an_address_is_asked_to_add_one(english, cart):
    html = english.get(CHECKOUT).content.decode()

    assert "Choose a shipping address." in html.split('data-testid="checkout-problems"')[1]
    assert 'data-testid="add-address"' in html
    assert 'data-testid="quote"' not in html


# --- Placing --------------------------------------------------------------------------------------


def test_place_creates_one_order_and_empties_the_ordered_lines(
    english, cart, address, tempe, batik, buyer, verified_shop
):
    data = form_data(english.get(CHECKOUT).content.decode())
    data[f"note_{verified_shop.pk}"] = "Pedas ya"

    response = english.post(CHECKOUT, data)

    order = Order.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"/pesanan/{order.number}/"
    assert (order.buyer, order.goods_total, order.shipping_total, order.grand_total) == (
        buyer,
        820_000,
        27_000,
        847_000,
    )
    assert str(order.checkout_token) == data["checkout_token"]
    assert order.region == address.region
    assert {so.shop_name: (so.courier, so.note) for so in order.shop_orders.all()} == {
        "Keripik Tempe Bu Siti": ("jne", "Pedas ya"),
        "Batik Tulis Jetis": ("sicepat", ""),
    }
    assert OrderLine.objects.count() == 3
    assert not CartLine.objects.filter(cart=cart).exists()
    assert reserved(variant(tempe, 0), variant(tempe, 1), variant(batik)) == [3, 1, 2]


def test_the_same_post_twice_places_one_order(english, cart, address, tempe):
    data = form_data(english.get(CHECKOUT).content.decode())

    first = english.post(CHECKOUT, data)
    second = english.post(CHECKOUT, data)

    order = Order.objects.get()
    assert first["Location"] == second["Location"] == f"/pesanan/{order.number}/"
    assert reserved(variant(tempe, 0)) == [3]


def test_a_courier_picked_without_update_is_placed_at_the_fee_shown(
    english, cart, address, tempe, verified_shop
):
    from orders.models import Courier
    from tests.orders.conftest import ships_everywhere

    express = ships_everywhere(verified_shop, courier=Courier.JNT, service="EZ", first=20_000)
    data = form_data(english.get(CHECKOUT).content.decode())
    data[f"shipping_{verified_shop.pk}"] = str(express.pk)  # no "Update" pressed (no JS)

    response = english.post(CHECKOUT, data)

    assert response.status_code == 302
    shop_order = Order.objects.get().shop_orders.get(shop=verified_shop)
    # 1,25 kg → 2 kg at the fee shown next to J&T EZ: Rp 20.000 + Rp 5.000
    assert (shop_order.courier, shop_order.shipping_fee) == ("jnt", 25_000)


def test_a_fee_changed_since_the_page_was_shown_is_reviewed_again(
    english, cart, address, tempe, verified_shop
):
    from orders.models import ShippingRate

    data = form_data(english.get(CHECKOUT).content.decode())
    ShippingRate.objects.filter(method__shop=verified_shop).update(first_kg_price=11_000)

    response = english.post(CHECKOUT, data)

    assert response.status_code == 200
    assert shown_messages(response) == [
        "Prices or shipping changed since you looked. Check the new total."
    ]
    assert not Order.objects.exists()
    assert reserved(variant(tempe, 0)) == [0]


def test_a_total_changed_since_the_page_was_shown_is_reviewed_again(english, cart, address, tempe):
    data = form_data(english.get(CHECKOUT).content.decode())
    Variant.objects.filter(pk=variant(tempe, 0).pk).update(price=26_000)

    response = english.post(CHECKOUT, data)

    assert response.status_code == 200
    assert shown_messages(response) == [
        "Prices or shipping changed since you looked. Check the new total."
    ]
    html = response.content.decode()
    assert by_testid(html, "grand-total") == ["Rp 850.000"]
    assert form_data(html)["expected_goods_total"] == "823000"
    assert not Order.objects.exists()

    placed = english.post(CHECKOUT, form_data(html))
    assert placed.status_code == 302
    assert Order.objects.get().grand_total == 850_000


def given_shops_rates_only_to_malang(shop: Shop) -> None:
    method = ShippingMethod.objects.get(shop=shop)
    ShippingRate.objects.filter(method=method).delete()
    ships_everywhere(
        shop, courier=method.courier, service=method.service, region=Region.objects.get(code="3573")
    )


def refusal_setup(kind: str, *, tempe, batik, buyer, verified_shop, other_shop) -> str:
    """Make the cart unplaceable in one way; the message the buyer reads."""
    back = timezone.localdate() + dt.timedelta(days=4)
    if kind == "outside_rates":
        given_shops_rates_only_to_malang(other_shop)
        return "Batik Tulis Jetis does not ship to Kota Surabaya."
    if kind == "not_verified":
        Shop.objects.filter(pk=verified_shop.pk).update(status=ShopStatus.RESUBMITTED)
        return "Keripik Tempe Bu Siti cannot take orders at the moment."
    if kind == "moq":
        Product.objects.filter(pk=tempe.pk).update(min_order_qty=5)
        return "Keripik Tempe Pedas: the minimum order is 5."
    if kind == "holiday":
        Shop.objects.filter(pk=verified_shop.pk).update(is_on_holiday=True, holiday_until=back)
        return f"Keripik Tempe Bu Siti is on holiday until {back.strftime('%-d %b %Y')}."
    if kind == "hidden":
        Product.objects.filter(pk=batik.pk).update(status=ProductStatus.HIDDEN)
        return "Batik Tulis Jetis Sidoarjo is no longer on sale."
    if kind == "out_of_stock":
        Variant.objects.filter(pk=variant(batik).pk).update(stock_on_hand=1)
        return "Batik Tulis Jetis Sidoarjo: only 1 left in stock."
    raise AssertionError(kind)


@pytest.mark.parametrize(
    "kind", ["outside_rates", "not_verified", "moq", "holiday", "hidden", "out_of_stock"]
)
def test_placing_is_refused_with_a_message_and_nothing_reserved(
    kind, english, cart, buyer, tempe, batik, verified_shop, other_shop
):
    surabaya = AddressFactory(user=buyer, is_default=True, region=Region.objects.get(code="3578"))
    data = form_data(english.get(CHECKOUT).content.decode())
    assert data["address"] == str(surabaya.pk)
    message = refusal_setup(
        kind,
        tempe=tempe,
        batik=batik,
        buyer=buyer,
        verified_shop=verified_shop,
        other_shop=other_shop,
    )

    response = english.post(CHECKOUT, data)

    assert response.status_code == 200
    assert shown_messages(response) == [message]
    problems = response.content.decode().split('data-testid="checkout-problems"')[1]
    assert message in problems.split("</div>")[0]
    assert not Order.objects.exists()
    assert reserved(variant(tempe, 0), variant(tempe, 1), variant(batik)) == [0, 0, 0]
    assert CartLine.objects.filter(cart=cart).count() == 3


def test_the_page_shows_the_problem_before_placing(english, cart, buyer, other_shop):
    given_shops_rates_only_to_malang(other_shop)
    AddressFactory(user=buyer, is_default=True, region=Region.objects.get(code="3578"))

    html = english.get(CHECKOUT).content.decode()

    problems = html.split('data-testid="checkout-problems"')[1].split("</div>")[0]
    assert "Batik Tulis Jetis does not ship to Kota Surabaya." in problems
    assert "No courier of this shop delivers to this address." in html


def test_someone_elses_address_is_refused(english, cart, address, outsider):
    data = form_data(english.get(CHECKOUT).content.decode())
    data["address"] = str(AddressFactory(user=outsider).pk)

    response = english.post(CHECKOUT, data)

    assert shown_messages(response) == ["Choose a shipping address."]
    assert not Order.objects.exists()


def test_a_post_without_its_token_is_not_placed(english, cart, address):
    data = form_data(english.get(CHECKOUT).content.decode())
    del data["checkout_token"]

    response = english.post(CHECKOUT, data)

    assert response.status_code == 200
    assert shown_messages(response) == [
        "This page has expired. Check your order and place it again."
    ]
    assert not Order.objects.exists()


def test_an_unknown_payment_method_is_refused(english, cart, address):
    data = form_data(english.get(CHECKOUT).content.decode())
    data["payment_method"] = "bitcoin"

    response = english.post(CHECKOUT, data)

    assert shown_messages(response) == ["Choose a payment method."]
    assert not Order.objects.exists()


# --- Queries --------------------------------------------------------------------------------------


def test_the_checkout_page_runs_the_same_queries_for_2_or_8_lines(
    english,
    buyer,
    address,
    tempe,
    batik,
    verified_shop,
    owner,
    categories,
    django_assert_max_num_queries,
):
    from marketplace.services.products import VariantInput
    from tests.marketplace.conftest import make_product
    from tests.orders.conftest import on_sale

    fill_cart(buyer, (variant(tempe, 0), 1), (variant(batik), 1))
    with CaptureQueriesContext(connection) as two:
        assert english.get(CHECKOUT).status_code == 200

    for n in range(3):
        more = on_sale(
            make_product(
                verified_shop,
                owner,
                categories["crafts"],
                name=f"Tas {n}",
                variants=[
                    VariantInput(
                        name=size,
                        sku=f"TAS-{n}-{size}",
                        price=50_000,
                        weight_grams=300,
                        stock_on_hand=9,
                    )
                    for size in ("S", "M")
                ],
            )
        )
        fill_cart(buyer, *[(v, 1) for v in more.variants.all()])
    assert CartLine.objects.count() == 8

    # session, user, addresses, cart, its lines (joined), shipping methods, their rates to the
    # destination (one query for every shop); the header: cart badge, unread notifications,
    # community menu
    with django_assert_max_num_queries(10):
        assert english.get(CHECKOUT).status_code == 200
    with CaptureQueriesContext(connection) as eight:
        english.get(CHECKOUT)
    assert len(eight) == len(two)


def test_a_courier_replaced_since_the_page_was_shown_is_reviewed_again(
    english, cart, address, tempe, verified_shop
):
    """The page showed JNE REG; the shop then deleted it and added a dearer J&T EZ, now its only
    courier. The same POST is not placed with the courier the buyer never saw."""
    from orders.models import Courier, ShippingMethod
    from tests.orders.conftest import ships_everywhere

    data = form_data(english.get(CHECKOUT).content.decode())
    ShippingMethod.objects.filter(shop=verified_shop).delete()
    ships_everywhere(verified_shop, courier=Courier.JNT, service="EZ", first=95_000)

    response = english.post(CHECKOUT, data)

    assert response.status_code == 200
    assert shown_messages(response) == [
        "Prices or shipping changed since you looked. Check the new total."
    ]
    assert not Order.objects.exists()
    assert reserved(variant(tempe, 0)) == [0]


@pytest.mark.parametrize(
    "query",
    [
        "shipping_1=%C2%B2",
        "shipping_%C2%B2=1",
        "address=%C2%B2",
        "fee_1=%C2%B2",
        "shipping_1=" + "9" * 5000,
    ],
)
def test_malformed_choices_are_ignored_not_a_server_error(english, cart, address, query):
    assert english.get(f"{CHECKOUT}?{query}").status_code == 200
    assert (
        english.post(CHECKOUT, query, content_type="application/x-www-form-urlencoded").status_code
        == 200
    )
