"""The cart over HTTP: add from the product page, change and remove lines, the messages of a
cart whose prices or stock changed, the anonymous cart that merges at log-in, the header badge."""

import datetime as dt
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from marketplace.models import Product, ProductImage, ProductStatus, Variant
from orders.models import Cart, CartLine
from orders.services.cart import SESSION_KEY
from tests.factories import PASSWORD, UserFactory
from tests.orders.conftest import fill_cart, place, variant
from vendors.models import Shop

pytestmark = pytest.mark.django_db

CART = "/keranjang/"
ADD = "/keranjang/tambah/"


@pytest.fixture
def english(client):
    client.cookies["django_language"] = "en"
    return client


def product_url(product: Product) -> str:
    return reverse("marketplace:product_detail", args=[product.slug])


def add(client, v: Variant, quantity: int, **extra):
    return client.post(
        ADD,
        {"variant": v.pk, "quantity": quantity, "next": product_url(v.product), **extra},
    )


def lines(user=None) -> dict[str, tuple[int, int]]:
    """{sku: (quantity, price seen)} of the user's cart, or of every anonymous cart."""
    found = (
        CartLine.objects.filter(cart__user=user)
        if user
        else CartLine.objects.filter(cart__user__isnull=True)
    )
    return {line.variant.sku: (line.quantity, line.price_seen) for line in found}


def shown_messages(response) -> list[str]:
    return re.findall(r'<p class="alert alert-\w+">([^<]*)</p>', response.content.decode())


def on_holiday(shop: Shop, days: int = 5) -> None:
    Shop.objects.filter(pk=shop.pk).update(
        is_on_holiday=True, holiday_until=timezone.localdate() + dt.timedelta(days=days)
    )


# --- The product page's form ----------------------------------------------------------------------


def test_product_page_offers_variants_with_sold_out_ones_disabled(english, tempe):
    Variant.objects.filter(pk=variant(tempe, 1).pk).update(stock_on_hand=0)
    Product.objects.filter(pk=tempe.pk).update(min_order_qty=3)

    html = english.get(product_url(tempe)).content.decode()

    form = html.split('data-testid="buy-box"')[1].split("</section>")[0]
    assert f'action="{ADD}"' in form
    radios = re.findall(r'<input type="radio" name="variant" value="(\d+)"([^>]*)>', form)
    assert [(int(pk), attrs.strip()) for pk, attrs in radios] == [
        (variant(tempe, 0).pk, "checked required"),
        (variant(tempe, 1).pk, "disabled required"),
    ]
    assert 'name="quantity" value="3"' in form
    assert "Minimum order: 3" in form
    assert 'data-testid="add-to-cart"' in form and 'data-testid="buy-now"' in form


def test_product_page_has_no_form_when_the_shop_is_on_holiday(client, tempe, verified_shop):
    on_holiday(verified_shop)

    html = client.get(product_url(tempe)).content.decode()

    assert 'data-testid="buy-box"' not in html


def test_the_form_follows_stock_changes_at_once(
    client, tempe, buyer, address, django_capture_on_commit_callbacks
):
    url = product_url(tempe)
    assert "disabled" not in client.get(url).content.decode().split('data-testid="buy-box"')[1]
    # Another buyer takes the last 10 Original (stock changes bump the product's version).
    fill_cart(buyer, (variant(tempe, 1), 10))
    with django_capture_on_commit_callbacks(execute=True):
        place(buyer, address)

    form = client.get(url).content.decode().split('data-testid="buy-box"')[1]
    assert f'value="{variant(tempe, 1).pk}" disabled required' in form


# --- Adding ---------------------------------------------------------------------------------------


def test_an_anonymous_visitor_adds_to_a_cart_kept_in_the_session(english, tempe):
    pedas = variant(tempe, 0)

    first = add(english, pedas, 2)
    second = add(english, pedas, 1)

    assert first.status_code == 302 and first["Location"] == product_url(tempe)
    assert second["Location"] == product_url(tempe)
    cart = Cart.objects.get(pk=english.session[SESSION_KEY])
    assert cart.user is None
    assert lines() == {"KTP-250": (3, 25_000)}
    assert shown_messages(english.get(product_url(tempe))) == ["Added to your cart."] * 2


def test_buy_now_adds_and_goes_to_checkout(client, buyer, tempe):
    client.force_login(buyer)

    response = add(client, variant(tempe, 1), 1, buy_now="1")

    assert response["Location"] == "/checkout/"
    assert lines(buyer) == {"KTO-500": (1, 45_000)}


@pytest.mark.parametrize(
    "given, quantity, message",
    [
        ("sold_out", 1, "Out of stock."),
        ("", 11, "Only 10 left in stock."),
        ("moq", 2, "The minimum order for this product is 5."),
        ("hidden", 1, "This product is not on sale."),
        ("", 0, "Quantity must be between 1 and 999."),
    ],
)
def test_adding_is_refused_with_a_message_and_nothing_added(
    english, buyer, tempe, given, quantity, message
):
    original = variant(tempe, 1)  # 10 in stock
    if given == "sold_out":
        Variant.objects.filter(pk=original.pk).update(stock_on_hand=0)
    if given == "moq":
        Product.objects.filter(pk=tempe.pk).update(min_order_qty=5)
    if given == "hidden":
        Product.objects.filter(pk=tempe.pk).update(status=ProductStatus.HIDDEN)
    english.force_login(buyer)

    response = add(english, original, quantity)

    assert response.status_code == 302
    assert shown_messages(english.get(CART)) == [message]
    assert not CartLine.objects.exists()


def test_adding_from_a_shop_on_holiday_is_refused(english, buyer, tempe, verified_shop):
    on_holiday(verified_shop, days=3)
    english.force_login(buyer)
    back = (timezone.localdate() + dt.timedelta(days=3)).strftime("%-d %b %Y")

    add(english, variant(tempe), 1)

    assert shown_messages(english.get(CART)) == [
        f"Keripik Tempe Bu Siti is on holiday and takes no orders until {back}."
    ]
    assert not CartLine.objects.exists()


def test_an_unknown_variant_is_refused(english, buyer, db):
    english.force_login(buyer)

    add_response = english.post(ADD, {"variant": 987654, "quantity": 1})

    assert add_response["Location"] == CART
    assert shown_messages(english.get(CART)) == ["This product is not on sale."]


# --- Changing and removing ------------------------------------------------------------------------


def test_change_quantity_then_set_zero_removes(english, buyer, tempe):
    fill_cart(buyer, (variant(tempe, 0), 2), (variant(tempe, 1), 1))
    english.force_login(buyer)
    pedas = CartLine.objects.get(variant=variant(tempe, 0))

    changed = english.post(f"/keranjang/{pedas.pk}/ubah/", {"quantity": 5})
    assert changed["Location"] == f"{CART}#line-{pedas.pk}"
    assert lines(buyer) == {"KTP-250": (5, 25_000), "KTO-500": (1, 45_000)}

    english.post(f"/keranjang/{pedas.pk}/ubah/", {"quantity": 0})
    assert lines(buyer) == {"KTO-500": (1, 45_000)}
    assert shown_messages(english.get(CART)) == ["Removed from your cart."]


def test_changing_beyond_the_stock_is_refused(english, buyer, tempe):
    fill_cart(buyer, (variant(tempe, 1), 2))
    english.force_login(buyer)
    line = CartLine.objects.get()

    response = english.post(f"/keranjang/{line.pk}/ubah/", {"quantity": 11})

    assert response["Location"] == CART
    assert shown_messages(english.get(CART)) == ["Only 10 left in stock."]
    assert lines(buyer) == {"KTO-500": (2, 45_000)}


def test_remove_a_line(english, buyer, tempe):
    fill_cart(buyer, (variant(tempe, 0), 2), (variant(tempe, 1), 1))
    english.force_login(buyer)
    line = CartLine.objects.get(variant=variant(tempe, 1))

    response = english.post(f"/keranjang/{line.pk}/hapus/")

    assert response["Location"] == CART
    assert lines(buyer) == {"KTP-250": (2, 25_000)}
    assert shown_messages(english.get(CART)) == ["Removed from your cart."]


def test_another_persons_line_cannot_be_changed_or_removed(english, buyer, outsider, tempe):
    fill_cart(buyer, (variant(tempe, 0), 2))
    fill_cart(outsider, (variant(tempe, 1), 1))
    theirs = CartLine.objects.get(cart__user=buyer)
    english.force_login(outsider)

    english.post(f"/keranjang/{theirs.pk}/ubah/", {"quantity": 7})
    changed = shown_messages(english.get(CART))
    english.post(f"/keranjang/{theirs.pk}/hapus/")
    removed = shown_messages(english.get(CART))

    assert changed == removed == ["This product is no longer in your cart."]
    assert lines(buyer) == {"KTP-250": (2, 25_000)}
    assert lines(outsider) == {"KTO-500": (1, 45_000)}


def test_cart_actions_answer_post_only(client, buyer, tempe):
    client.force_login(buyer)
    fill_cart(buyer, (variant(tempe, 0), 2))
    line = CartLine.objects.get()

    assert client.get(ADD).status_code == 405
    assert client.get(f"/keranjang/{line.pk}/hapus/").status_code == 405
    assert lines(buyer) == {"KTP-250": (2, 25_000)}


# --- The cart page --------------------------------------------------------------------------------


def test_the_cart_groups_lines_by_shop_with_subtotals_and_total(
    english, buyer, tempe, batik, other_shop
):
    ProductImage.objects.create(
        product=tempe, image="products/t/a.jpg", thumbnails={"160": "products/t/a-160.webp"}
    )
    fill_cart(buyer, (variant(tempe, 0), 3), (variant(batik), 1), (variant(tempe, 1), 1))
    english.force_login(buyer)

    html = english.get(CART).content.decode()

    groups = html.split('data-testid="cart-group"')[1:]
    assert [re.search(r'data-testid="cart-shop">([^<]*)<', g).group(1) for g in groups] == [
        "Keripik Tempe Bu Siti",
        "Batik Tulis Jetis",
    ]
    assert f'href="/toko/{other_shop.slug}/"' in groups[1]
    assert re.findall(r'data-testid="line-total">([^<]*)<', groups[0]) == [
        "Rp 75.000",
        "Rp 45.000",
    ]
    assert re.findall(r'data-testid="shop-subtotal">([^<]*)<', html) == [
        "Rp 120.000",
        "Rp 350.000",
    ]
    assert 'data-testid="cart-total">Rp 470.000<' in html
    assert "Total goods (3 products)" in html
    assert '<img src="/media/products/t/a-160.webp"' in groups[0]
    assert 'data-testid="line-problem"' not in html
    assert 'href="/checkout/"' in html


def test_the_cart_says_what_changed_since_the_buyer_added(english, buyer, tempe, batik):
    fill_cart(buyer, (variant(tempe, 0), 3), (variant(tempe, 1), 2), (variant(batik), 1))
    english.force_login(buyer)
    Variant.objects.filter(pk=variant(tempe, 0).pk).update(price=27_500)
    Variant.objects.filter(pk=variant(tempe, 1).pk).update(stock_on_hand=1)
    Variant.objects.filter(pk=variant(batik).pk).update(stock_on_hand=2)

    html = english.get(CART).content.decode()

    found = {
        sku: (
            re.findall(r'data-testid="line-problem">([^<]*)<', line),
            re.findall(r'data-testid="line-notice">([^<]*)<', line),
        )
        for sku, line in zip(
            ["KTP-250", "KTO-500", "BTJ-01"], html.split('data-testid="cart-line"')[1:]
        )
    }
    assert found == {
        "KTP-250": ([], ["The price changed from Rp 25.000 to Rp 27.500."]),
        "KTO-500": (["Only 1 left in stock."], []),
        "BTJ-01": ([], ["Only 2 left in stock."]),
    }
    # Totals are at today's prices.
    assert 'data-testid="cart-total">Rp 522.500<' in html
    assert 'data-testid="cart-problems"' in html


def test_the_cart_marks_products_no_longer_sold_holidays_and_the_minimum(
    english, buyer, tempe, batik, other_shop
):
    fill_cart(buyer, (variant(tempe, 0), 2), (variant(batik), 1))
    english.force_login(buyer)
    Product.objects.filter(pk=tempe.pk).update(min_order_qty=5)
    Product.objects.filter(pk=batik.pk).update(status=ProductStatus.HIDDEN)
    on_holiday(other_shop, days=2)
    back = (timezone.localdate() + dt.timedelta(days=2)).strftime("%-d %b %Y")

    html = english.get(CART).content.decode()

    assert re.findall(r'data-testid="line-problem">([^<]*)<', html) == [
        "The minimum order for this product is 5.",
        "This product is no longer on sale.",
    ]
    assert re.findall(r'data-testid="shop-problem">([^<]*)<', html) == [
        f"Batik Tulis Jetis is on holiday until {back}."
    ]
    Variant.objects.filter(pk=variant(tempe, 0).pk).update(stock_on_hand=0)
    assert re.findall(r'data-testid="line-problem">([^<]*)<', english.get(CART).content.decode())[
        :2
    ] == ["Out of stock.", "The minimum order for this product is 5."]


def test_an_empty_cart(client, buyer):
    client.force_login(buyer)

    html = client.get(CART).content.decode()

    assert 'data-testid="cart-empty"' in html
    assert 'data-testid="cart-count"' not in html


def test_the_cart_page_runs_the_same_queries_for_1_or_9_lines(
    client, buyer, tempe, batik, verified_shop, owner, categories, django_assert_max_num_queries
):
    from marketplace.services.products import VariantInput
    from tests.marketplace.conftest import make_product
    from tests.orders.conftest import on_sale

    client.force_login(buyer)
    fill_cart(buyer, (variant(tempe, 0), 1))
    with CaptureQueriesContext(connection) as one:
        assert client.get(CART).status_code == 200

    fill_cart(buyer, (variant(tempe, 1), 1), (variant(batik), 1))
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
        ProductImage.objects.create(product=more, image=f"products/{n}.jpg")
        fill_cart(buyer, *[(v, 1) for v in more.variants.all()])
    assert CartLine.objects.count() == 9

    # session, user, cart, its lines (variant, product, shop joined), first images; the header:
    # cart badge, unread notifications, community menu
    with django_assert_max_num_queries(8):
        assert client.get(CART).status_code == 200
    with CaptureQueriesContext(connection) as nine:
        client.get(CART)
    assert len(nine) == len(one)


# --- Badge and the anonymous cart at log-in -------------------------------------------------------


def test_the_header_badge_counts_the_lines(client, buyer, tempe, batik):
    assert 'data-testid="cart-count"' not in client.get(CART).content.decode()
    add(client, variant(tempe, 0), 4)
    assert 'data-testid="cart-count">1<' in client.get(CART).content.decode()

    fill_cart(buyer, (variant(tempe, 0), 1), (variant(batik), 2))
    client.force_login(buyer)
    assert 'data-testid="cart-count">2<' in client.get("/").content.decode()


def test_an_anonymous_visitor_with_a_cart_never_gets_a_cached_page(client, tempe):
    home = client.get("/").content.decode()  # cached now for anonymous visitors
    assert 'data-testid="cart-count"' not in home

    add(client, variant(tempe, 0), 1)
    client.get(CART)  # reads the "Added" message

    response = client.get("/")
    assert "X-Komeji-Cache" not in response
    assert 'data-testid="cart-count">1<' in response.content.decode()
    # Nor was the page with their badge stored for others.
    other = client.__class__()
    assert 'data-testid="cart-count"' not in other.get("/").content.decode()


def test_the_anonymous_cart_merges_into_the_buyers_at_login(client, tempe, batik):
    buyer = UserFactory(email="ani@contoh.id")
    fill_cart(buyer, (variant(tempe, 0), 3), (variant(batik), 1))
    add(client, variant(tempe, 0), 2)
    add(client, variant(tempe, 1), 1)
    anonymous_id = client.session[SESSION_KEY]

    response = client.post("/akun/login/", {"login": "ani@contoh.id", "password": PASSWORD})

    assert response.status_code == 302
    assert lines(buyer) == {
        "KTP-250": (5, 25_000),
        "KTO-500": (1, 45_000),
        "BTJ-01": (1, 350_000),
    }
    assert not Cart.objects.filter(pk=anonymous_id).exists()
    assert SESSION_KEY not in client.session
    assert 'data-testid="cart-count">3<' in client.get(CART).content.decode()


def test_logging_in_without_an_anonymous_cart_keeps_the_buyers_cart(client, tempe):
    buyer = UserFactory(email="budi@contoh.id")
    fill_cart(buyer, (variant(tempe, 0), 3))

    client.post("/akun/login/", {"login": "budi@contoh.id", "password": PASSWORD})

    assert lines(buyer) == {"KTP-250": (3, 25_000)}
    assert Cart.objects.count() == 1
