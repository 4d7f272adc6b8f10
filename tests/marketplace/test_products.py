"""Products and variants: who may create and change them, the rules of publishing, quick edit,
the seller-centre pages, and the stock CHECKs of the database."""

import pytest
from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.urls import reverse

from marketplace.models import Product, ProductImage, ProductStatus, Variant
from marketplace.services import products as product_services
from marketplace.services.products import ProductRefused, VariantInput
from tests.marketplace.conftest import make_product, verify
from vendors.services.errors import ShopNotFound
from vendors.services.verification import ShopNotVerified

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


def add_image(product: Product) -> ProductImage:
    image = ProductImage(product=product, width=10, height=10)
    image.image.save("foto.jpg", ContentFile(b"not needed for these tests"), save=True)
    return image


# --- Create and edit ------------------------------------------------------------------------------


def test_a_member_creates_a_draft_with_its_variants(verified_shop, owner, categories):
    product = make_product(verified_shop, owner, categories["crafts"], name="Tas  Anyaman Pandan")
    assert (product.status, product.name, product.shop_name) == (
        ProductStatus.DRAFT,
        "Tas Anyaman Pandan",
        verified_shop.name,
    )
    assert product.slug == f"tas-anyaman-pandan-{product.pk}"
    assert list(product.variants.values_list("name", "sku", "price", "stock_on_hand")) == [
        ("Pedas, 250 g", "KTP-250", 25_000, 40),
        ("Original, 500 g", "KTO-500", 45_000, 10),
    ]
    product.refresh_from_db()
    assert product.min_price == 25_000
    assert product.region_id_cache == verified_shop.region_id


def test_staff_may_manage_products_outsiders_and_other_shops_may_not(
    verified_shop, staff, outsider, other_shop, categories
):
    make_product(verified_shop, staff, categories["crafts"])
    with pytest.raises(ShopNotFound):
        make_product(verified_shop, outsider, categories["crafts"], name="Bukan Punyaku")
    other_owner = other_shop.memberships.get().user
    product = Product.objects.get()
    with pytest.raises(ShopNotFound):
        product_services.product_update(
            product_id=product.pk,
            actor=other_owner,
            category=categories["crafts"],
            name="Dicuri",
            variants=[VariantInput(name="", sku="X", price=1000, weight_grams=1, stock_on_hand=1)],
        )
    product.refresh_from_db()
    assert product.name == "Keripik Tempe Pedas"
    assert Product.objects.count() == 1


@pytest.mark.parametrize(
    ("variants", "message"),
    [
        ([], "at least one variant"),
        (
            [
                VariantInput(name="A", sku="S1", price=1000, weight_grams=1, stock_on_hand=1),
                VariantInput(name="B", sku="s1", price=1000, weight_grams=1, stock_on_hand=1),
            ],
            "same SKU",
        ),
        ([VariantInput(name="", sku="S", price=99, weight_grams=1, stock_on_hand=1)], "Rp 100"),
        ([VariantInput(name="", sku="S", price=1000, weight_grams=0, stock_on_hand=1)], "1 g"),
        (
            [VariantInput(name="", sku="S", price=1000, weight_grams=1, stock_on_hand=-1)],
            "negative",
        ),
    ],
)
def test_bad_variants_are_refused_and_nothing_is_created(
    settings, verified_shop, owner, categories, variants, message
):
    from django.utils import translation

    with translation.override("en"), pytest.raises(ProductRefused, match=message):
        make_product(verified_shop, owner, categories["crafts"], variants=variants)
    assert not Product.objects.exists()


def test_a_sku_is_unique_within_the_shop(verified_shop, owner, categories, other_shop):
    make_product(verified_shop, owner, categories["crafts"])
    with pytest.raises(ProductRefused):
        make_product(verified_shop, owner, categories["crafts"], name="Produk Lain")
    # Another shop may use the same SKU.
    make_product(other_shop, other_shop.memberships.get().user, categories["crafts"])
    assert Product.objects.count() == 2


def test_a_top_category_with_children_is_refused(verified_shop, owner, categories):
    with pytest.raises(ProductRefused):
        make_product(verified_shop, owner, categories["food"])
    assert not Product.objects.exists()


def test_update_keeps_reserved_stock_and_refuses_going_below_it(verified_shop, owner, categories):
    product = make_product(verified_shop, owner, categories["crafts"])
    pedas = product.variants.get(sku="KTP-250")
    Variant.objects.filter(pk=pedas.pk).update(stock_reserved=5)
    keep = [
        VariantInput(
            id=pedas.pk,
            name="Pedas, 250 g",
            sku="KTP-250",
            price=26_000,
            weight_grams=250,
            stock_on_hand=4,
        ),
    ]
    with pytest.raises(ProductRefused):
        product_services.product_update(
            product_id=product.pk,
            actor=owner,
            category=categories["crafts"],
            name=product.name,
            variants=keep,
        )
    pedas.refresh_from_db()
    assert (pedas.price, pedas.stock_on_hand, pedas.stock_reserved) == (25_000, 40, 5)
    assert product.variants.count() == 2

    # Deleting the variant with reservations is refused too; the other one may go.
    with pytest.raises(ProductRefused):
        product_services.product_update(
            product_id=product.pk,
            actor=owner,
            category=categories["crafts"],
            name=product.name,
            variants=[
                VariantInput(name="Baru", sku="NEW", price=1000, weight_grams=1, stock_on_hand=1)
            ],
        )
    product_services.product_update(
        product_id=product.pk,
        actor=owner,
        category=categories["crafts"],
        name=product.name,
        variants=[
            VariantInput(
                id=pedas.pk,
                name="Pedas, 250 g",
                sku="KTP-250",
                price=26_000,
                weight_grams=250,
                stock_on_hand=30,
            )
        ],
    )
    assert list(
        product.variants.values_list("sku", "price", "stock_on_hand", "stock_reserved")
    ) == [("KTP-250", 26_000, 30, 5)]
    product.refresh_from_db()
    assert product.min_price == 26_000


def test_the_database_refuses_negative_or_over_reserved_stock(verified_shop, owner, categories):
    variant = make_product(verified_shop, owner, categories["crafts"]).variants.first()
    for change in ({"stock_on_hand": -1}, {"stock_reserved": -1}, {"stock_reserved": 41}):
        with pytest.raises(IntegrityError), transaction.atomic():
            Variant.objects.filter(pk=variant.pk).update(**change)
    variant.refresh_from_db()
    assert (variant.stock_on_hand, variant.stock_reserved) == (40, 0)


def test_quick_edit_changes_price_and_stock(verified_shop, owner, categories):
    variant = make_product(verified_shop, owner, categories["crafts"]).variants.first()
    product_services.variant_quick_update(
        variant_id=variant.pk, actor=owner, price=27_500, stock_on_hand=12
    )
    variant.refresh_from_db()
    assert (variant.price, variant.stock_on_hand) == (27_500, 12)


# --- Publishing -----------------------------------------------------------------------------------


def test_an_unverified_shop_cannot_publish(shop, owner, categories):
    product = make_product(shop, owner, categories["crafts"])
    add_image(product)
    with pytest.raises(ShopNotVerified):
        product_services.product_publish(product_id=product.pk, actor=owner)
    product.refresh_from_db()
    assert product.status == ProductStatus.DRAFT


def test_publishing_needs_a_photo_then_works(verified_shop, owner, categories):
    product = make_product(verified_shop, owner, categories["crafts"])
    with pytest.raises(ProductRefused):
        product_services.product_publish(product_id=product.pk, actor=owner)
    add_image(product)
    product = product_services.product_publish(product_id=product.pk, actor=owner)
    assert product.status == ProductStatus.ACTIVE and product.published_at is not None
    assert Product.objects.public().filter(pk=product.pk).exists()
    product_services.product_hide(product_id=product.pk, actor=owner)
    assert not Product.objects.public().filter(pk=product.pk).exists()


def test_a_category_that_needs_a_certificate_blocks_publishing(verified_shop, owner, categories):
    product = make_product(verified_shop, owner, categories["snacks"])
    add_image(product)
    with pytest.raises(ProductRefused, match="P-IRT"):
        product_services.product_publish(product_id=product.pk, actor=owner)
    product.refresh_from_db()
    assert product.status == ProductStatus.DRAFT


def test_a_rejected_shops_products_are_not_public(shop, owner, categories):
    verify(shop)
    product = make_product(shop, owner, categories["crafts"])
    add_image(product)
    product_services.product_publish(product_id=product.pk, actor=owner)
    type(shop).objects.filter(pk=shop.pk).update(status="rejected", rejection_reason="x")
    assert not Product.objects.public().exists()


# --- Pages ----------------------------------------------------------------------------------------


def test_the_product_pages_answer_members_only(
    client, verified_shop, owner, staff, outsider, other_shop, categories
):
    product = make_product(verified_shop, owner, categories["crafts"])
    urls = [
        reverse("marketplace:product_list", args=[verified_shop.pk]),
        reverse("marketplace:product_create", args=[verified_shop.pk]),
        reverse("marketplace:product_edit", args=[verified_shop.pk, product.pk]),
    ]
    for user, expected in ((owner, 200), (staff, 200), (outsider, 404)):
        client.force_login(user)
        assert [client.get(url).status_code for url in urls] == [expected] * 3
    # The product under another shop's id (even the other shop's own owner): 404.
    client.force_login(other_shop.memberships.get().user)
    url = reverse("marketplace:product_edit", args=[other_shop.pk, product.pk])
    assert client.get(url).status_code == 404
    variant = product.variants.first()
    quick = reverse("marketplace:variant_quick_edit", args=[other_shop.pk, variant.pk])
    assert client.post(quick, {"price": "1000", "stock_on_hand": "0"}).status_code == 404
    variant.refresh_from_db()
    assert (variant.price, variant.stock_on_hand) == (25_000, 40)


def test_create_page_saves_a_product_with_rupiah_prices(client, verified_shop, owner, categories):
    client.force_login(owner)
    response = client.post(
        reverse("marketplace:product_create", args=[verified_shop.pk]),
        {
            "name": "Batik Tulis Sidoarjo Motif Kupu",
            "category": categories["batik"].pk,
            "description": "Katun primisima, 2 x 1,15 m.",
            "condition": "new",
            "min_order_qty": "1",
            "warranty_days": "0",
            "warranty_terms": "",
            "variants-TOTAL_FORMS": "2",
            "variants-INITIAL_FORMS": "0",
            "variants-MIN_NUM_FORMS": "0",
            "variants-MAX_NUM_FORMS": "50",
            "variants-0-name": "",
            "variants-0-sku": "btk-kupu",
            "variants-0-price": "Rp 350.000",
            "variants-0-weight_grams": "300",
            "variants-0-stock_on_hand": "5",
        },
    )
    product = Product.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse(
        "marketplace:product_edit", args=[verified_shop.pk, product.pk]
    )
    assert list(product.variants.values_list("sku", "price")) == [("BTK-KUPU", 350_000)]


def test_quick_edit_from_the_list(client, verified_shop, staff, categories, owner):
    variant = make_product(verified_shop, owner, categories["crafts"]).variants.first()
    client.force_login(staff)
    response = client.post(
        reverse("marketplace:variant_quick_edit", args=[verified_shop.pk, variant.pk]),
        {"price": "23.500", "stock_on_hand": "7"},
    )
    assert response.status_code == 302
    variant.refresh_from_db()
    assert (variant.price, variant.stock_on_hand) == (23_500, 7)
    # A price with cents is refused and changes nothing.
    client.post(
        reverse("marketplace:variant_quick_edit", args=[verified_shop.pk, variant.pk]),
        {"price": "23.500,50", "stock_on_hand": "1"},
    )
    variant.refresh_from_db()
    assert (variant.price, variant.stock_on_hand) == (23_500, 7)


def test_every_status_change_is_an_event_and_the_map_refuses_others(
    verified_shop, owner, categories
):
    product = make_product(verified_shop, owner, categories["crafts"])
    add_image(product)
    product_services.product_publish(product_id=product.pk, actor=owner)
    product_services.product_hide(product_id=product.pk, actor=owner)
    with pytest.raises(ProductRefused):  # hidden → hidden is not a move
        product_services.product_hide(product_id=product.pk, actor=owner)
    assert list(product.status_events.values_list("from_status", "to_status", "actor")) == [
        ("draft", "active", owner.pk),
        ("active", "hidden", owner.pk),
    ]
    locked = Product.objects.get(pk=product.pk)
    with pytest.raises(ProductRefused):  # hidden → draft is not in the map
        product_services.product_transition(product=locked, to_status="draft", actor=owner)
    product.refresh_from_db()
    assert product.status == ProductStatus.HIDDEN
