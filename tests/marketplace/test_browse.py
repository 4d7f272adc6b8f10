"""Public browsing: home, category and product pages, filters and sorts, what the public never
sees, fixed query counts, the Redis page cache, the shop page and the sitemap."""

import datetime as dt
import itertools
import re
from pathlib import Path

import pytest
from django.conf import settings
from django.core.cache import cache
from django.core.files.base import ContentFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from komeji.common.models import Region
from marketplace.cache import local_page_cache_clear
from marketplace.models import (
    Category,
    Certificate,
    CertificateStatus,
    Product,
    ProductImage,
    ProductStatus,
    Variant,
)
from marketplace.services import products as product_services
from marketplace.services.products import VariantInput
from tests.factories import AddressFactory, UserFactory
from tests.marketplace.conftest import make_product, verify
from tests.vendors.conftest import shop_profile
from vendors.models import Shop, ShopStatus
from vendors.services import shops as shop_services

pytestmark = pytest.mark.django_db

_sku = itertools.count(1)
TINY_JPEG = (
    b"\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00\xff\xdb\x00C\x00"
    + bytes(64)
    + b"\xff\xd9"
)


# --- Given helpers -------------------------------------------------------------------------------


@pytest.fixture(autouse=True)
def media(settings, tmp_path) -> Path:
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    }
    return tmp_path / "media"


def certify(product: Product, kind: str, *, days_left: int = 365, status: str = "verified"):
    """A certificate as a moderator left it; the product's badge flags follow (as the
    certificate services do)."""
    today = timezone.localdate()
    certificate = Certificate.objects.create(
        product=product,
        kind=kind,
        number=f"{kind.upper()}-{product.pk}-{next(_sku)}",
        issued_on=today - dt.timedelta(days=400),
        expires_on=today + dt.timedelta(days=days_left),
        scan=ContentFile(b"%PDF-1.4", name="scan.pdf"),
        status=status,
        rejection_reason="Buram" if status == "rejected" else "",
    )
    product_services.product_refresh_search(product_ids=[product.pk])
    return certificate


def add_image(product: Product, position: int = 0, thumbnails: dict | None = None) -> ProductImage:
    return ProductImage.objects.create(
        product=product,
        image=ContentFile(TINY_JPEG, name=f"foto-{position}.jpg"),
        width=8,
        height=8,
        position=position,
        thumbnails=thumbnails or {},
    )


def given_product(
    shop: Shop,
    actor,
    category: Category,
    name: str,
    *,
    price: int = 25_000,
    prices: tuple[int, ...] = (),
    stock: int = 40,
    publish: bool = True,
    published_at: dt.datetime | None = None,
    certificates: tuple[str, ...] = (),
    **extra,
) -> Product:
    """A product with one photo (two variants when `prices` has two), published through the
    service. Products of categories that need a certificate get a P-IRT unless told otherwise."""
    variants = [
        VariantInput(
            name=f"Varian {i}" if len(prices) > 1 else "",
            sku=f"SKU-{next(_sku)}",
            price=p,
            weight_grams=250,
            stock_on_hand=stock,
        )
        for i, p in enumerate(prices or (price,))
    ]
    product = make_product(shop, actor, category, name=name, variants=variants, **extra)
    add_image(product)
    needs = category.effective_requirement()
    for kind in certificates or (("pirt",) if needs else ()):
        certify(product, kind)
    if publish:
        product_services.product_publish(product_id=product.pk, actor=actor)
        if published_at is not None:
            Product.objects.filter(pk=product.pk).update(published_at=published_at)
    product.refresh_from_db()
    return product


def given_shop(region_code: str, name: str, *, verified: bool = True) -> tuple[Shop, object]:
    owner = UserFactory()
    shop = shop_services.shop_open(user=owner, **shop_profile(region_code=region_code, name=name))
    return (verify(shop) if verified else shop), owner


def names(response) -> list[str]:
    """Product names on the page's grid, in order."""
    html = response.content.decode()
    return re.findall(r'<span class="product-card-name">([^<]*)</span>', html)


def main(response) -> str:
    """The page's own content, without the shared header and footer."""
    return response.content.decode().split("<main")[1].split("</main>")[0]


def clear_cache() -> None:
    client = cache._cache.get_client(write=True)  # type: ignore[attr-defined]
    prefix = settings.CACHES["default"]["KEY_PREFIX"]
    keys = list(client.scan_iter(match=f"{prefix}:*", count=1000))
    if keys:
        client.delete(*keys)
    local_page_cache_clear()


def query_count(client, url: str) -> int:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200, url
    return len(queries)


def ago(hours: int) -> dt.datetime:
    return timezone.now() - dt.timedelta(hours=hours)


@pytest.fixture
def english(client):
    client.cookies["django_language"] = "en"
    return client


# --- Category page: filters and sorts ------------------------------------------------------------


def test_a_top_category_lists_its_sub_categories_products(client, verified_shop, owner, categories):
    weaving = Category.objects.create(parent=categories["fashion"], name="Tenun", slug="tenun")
    given_product(
        verified_shop, owner, categories["batik"], "Batik Tulis Madura", published_at=ago(3)
    )
    given_product(verified_shop, owner, weaving, "Selendang Tenun", published_at=ago(2))
    given_product(verified_shop, owner, categories["crafts"], "Tas Anyaman Pandan")

    fashion = client.get(reverse("marketplace:category", args=["fesyen"]))
    batik = client.get(reverse("marketplace:category", args=["batik"]))

    assert fashion.status_code == 200
    assert names(fashion) == ["Selendang Tenun", "Batik Tulis Madura"]
    assert names(batik) == ["Batik Tulis Madura"]
    assert client.get(reverse("marketplace:category", args=["tidak-ada"])).status_code == 404


def test_filters_by_the_shops_kabupaten_kota_and_price_range(
    client, verified_shop, owner, categories
):
    surabaya, surabaya_owner = given_shop("3578", "Batik Surabaya")
    given_product(verified_shop, owner, categories["batik"], "Batik Malang Murah", price=50_000)
    given_product(verified_shop, owner, categories["batik"], "Batik Malang Mahal", price=250_000)
    given_product(surabaya, surabaya_owner, categories["batik"], "Batik Suroboyo", price=90_000)
    url = reverse("marketplace:category", args=["batik"])

    in_surabaya = client.get(url, {"region": "3578"})
    in_malang = client.get(url, {"region": "3573", "sort": "price_asc"})
    by_price = client.get(url, {"price_min": "50.000", "price_max": "90000", "sort": "price_asc"})
    exact_bounds = client.get(url, {"price_min": "90000", "price_max": "90000"})

    assert names(in_surabaya) == ["Batik Suroboyo"]
    assert names(in_malang) == ["Batik Malang Murah", "Batik Malang Mahal"]
    assert names(by_price) == ["Batik Malang Murah", "Batik Suroboyo"]
    assert names(exact_bounds) == ["Batik Suroboyo"]


def test_halal_and_bpom_filters_need_a_verified_unexpired_certificate(
    client, verified_shop, owner, categories
):
    snacks = categories["snacks"]
    given_product(verified_shop, owner, snacks, "Keripik Halal", certificates=("pirt", "halal"))
    expired = given_product(verified_shop, owner, snacks, "Keripik Halal Kedaluwarsa")
    Certificate.objects.create(
        product=expired,
        kind="halal",
        number="ID-LAMA",
        issued_on=dt.date(2020, 1, 1),
        expires_on=timezone.localdate() - dt.timedelta(days=1),  # valid through yesterday
        scan=ContentFile(b"%PDF-1.4", name="scan.pdf"),
        status=CertificateStatus.VERIFIED,
    )
    product_services.product_refresh_search(product_ids=[expired.pk])
    pending = given_product(verified_shop, owner, snacks, "Keripik Halal Menunggu")
    certify(pending, "halal", status="pending")
    given_product(verified_shop, owner, snacks, "Keripik BPOM", certificates=("bpom_md",))
    url = reverse("marketplace:category", args=["makanan-minuman"])

    halal = client.get(url, {"halal": "1"})
    bpom = client.get(url, {"bpom": "on"})
    both = client.get(url, {"halal": "1", "bpom": "1"})

    assert names(halal) == ["Keripik Halal"]
    assert names(bpom) == ["Keripik BPOM"]
    assert names(both) == []
    assert 'data-testid="no-results"' in both.content.decode()


def test_sorts_newest_and_by_price(client, verified_shop, owner, categories):
    crafts = categories["crafts"]
    given_product(verified_shop, owner, crafts, "Tas Pandan", price=75_000, published_at=ago(30))
    given_product(verified_shop, owner, crafts, "Topi Bambu", price=20_000, published_at=ago(20))
    given_product(verified_shop, owner, crafts, "Vas Gerabah", price=150_000, published_at=ago(10))
    url = reverse("marketplace:category", args=["kerajinan"])

    assert names(client.get(url)) == ["Vas Gerabah", "Topi Bambu", "Tas Pandan"]
    assert names(client.get(url, {"sort": "price_asc"})) == [
        "Topi Bambu",
        "Tas Pandan",
        "Vas Gerabah",
    ]
    assert names(client.get(url, {"sort": "price_desc"})) == [
        "Vas Gerabah",
        "Tas Pandan",
        "Topi Bambu",
    ]
    # Relevance needs a query: without one it is the newest first.
    assert names(client.get(url, {"sort": "relevance"})) == [
        "Vas Gerabah",
        "Topi Bambu",
        "Tas Pandan",
    ]


def test_pagination_keeps_the_filters_and_the_canonical_url_drops_page_1_and_tracking(
    client, verified_shop, owner, categories
):
    for n in range(26):
        given_product(
            verified_shop, owner, categories["crafts"], f"Anyaman {n:02d}", price=10_000 + n
        )
    url = reverse("marketplace:category", args=["kerajinan"])

    first = client.get(
        url, {"sort": "price_asc", "price_min": "10000", "page": "1", "utm_source": "wa"}
    )
    second = client.get(url, {"sort": "price_asc", "price_min": "10000", "page": "2"})

    html = first.content.decode()
    assert len(names(first)) == 24
    assert names(second) == ["Anyaman 24", "Anyaman 25"]
    assert 'href="/kategori/kerajinan/?price_min=10000&amp;sort=price_asc&amp;page=2"' in html
    assert (
        f'<link rel="canonical" href="{settings.KOMEJI_BASE_URL}/kategori/kerajinan/'
        '?price_min=10000&amp;sort=price_asc">' in html
    )
    assert "utm_source" not in main(first)  # (the footer's language switcher keeps the URL)
    # A page past the end shows the last page.
    assert names(client.get(url, {"sort": "price_asc", "page": "99"})) == [
        "Anyaman 24",
        "Anyaman 25",
    ]


def test_the_filter_form_is_a_plain_get_form(client, categories):
    html = client.get(reverse("marketplace:category", args=["kerajinan"])).content.decode()

    assert '<form method="get" action="/kategori/kerajinan/" class="filters-form">' in html
    assert 'name="region"' in html and '<option value="3573"' in html
    assert 'name="price_min"' in html and 'name="halal"' in html and 'name="sort"' in html


# --- What the public never sees ------------------------------------------------------------------


def test_draft_hidden_blocked_and_unverified_shops_products_are_invisible(
    client, verified_shop, owner, categories
):
    crafts = categories["crafts"]
    visible = given_product(verified_shop, owner, crafts, "Anyaman Terlihat")
    draft = given_product(verified_shop, owner, crafts, "Anyaman Draf", publish=False)
    hidden = given_product(verified_shop, owner, crafts, "Anyaman Disembunyikan")
    product_services.product_hide(product_id=hidden.pk, actor=owner)
    blocked = given_product(verified_shop, owner, crafts, "Anyaman Diblokir")
    Product.objects.filter(pk=blocked.pk).update(
        status=ProductStatus.BLOCKED, status_reason="Barang palsu"
    )
    unverified_shop, unverified_owner = given_shop("3507", "Toko Belum Verifikasi", verified=False)
    unverified = given_product(
        unverified_shop, unverified_owner, crafts, "Anyaman Toko Baru", publish=False
    )
    Product.objects.filter(pk=unverified.pk).update(
        status=ProductStatus.ACTIVE, published_at=timezone.now()
    )
    rejected_shop, rejected_owner = given_shop("3578", "Toko Ditolak")
    rejected = given_product(rejected_shop, rejected_owner, crafts, "Anyaman Toko Ditolak")
    Shop.objects.filter(pk=rejected_shop.pk).update(
        status=ShopStatus.REJECTED, rejection_reason="Dokumen palsu"
    )
    invisible = [draft, hidden, blocked, unverified, rejected]

    pages = [
        client.get(reverse("home")),
        client.get(reverse("marketplace:category", args=["kerajinan"])),
        client.get(reverse("marketplace:search"), {"q": "anyaman"}),
        client.get(reverse("marketplace:search")),
    ]

    for page in pages:
        assert page.status_code == 200
        assert "Anyaman Terlihat" in names(page)
        assert not {p.name for p in invisible} & set(names(page))
    for product in invisible:
        url = reverse("marketplace:product_detail", args=[product.slug])
        assert client.get(url).status_code == 404, product.name
    detail = reverse("marketplace:product_detail", args=[visible.slug])
    assert client.get(detail).status_code == 200
    # Blocking the shown product takes its page down at once, whatever the cache holds.
    Product.objects.filter(pk=visible.pk).update(
        status=ProductStatus.BLOCKED, status_reason="Barang palsu"
    )
    assert client.get(detail).status_code == 404


# --- Home ----------------------------------------------------------------------------------------


def test_home_shows_categories_newest_products_buyer_region_and_featured_shops(
    client, verified_shop, owner, categories
):
    surabaya, surabaya_owner = given_shop("3578", "Kopi Suroboyo")
    given_product(verified_shop, owner, categories["crafts"], "Tas Pandan", published_at=ago(3))
    given_product(verified_shop, owner, categories["batik"], "Batik Malangan", published_at=ago(2))
    given_product(surabaya, surabaya_owner, categories["crafts"], "Kendi Tanah Liat")
    buyer = UserFactory()
    AddressFactory(user=buyer, region=Region.objects.get(code="3578"), is_default=True)

    anonymous = client.get(reverse("home")).content.decode()
    client.force_login(buyer)
    signed_in = client.get(reverse("home"))

    assert 'href="/kategori/makanan-minuman/"' in anonymous
    assert 'href="/kategori/keripik-camilan/"' in anonymous
    assert 'data-testid="home-region"' not in anonymous
    newest = anonymous.split('data-testid="home-newest"')[1].split("</section>")[0]
    assert re.findall(r'product-card-name">([^<]*)<', newest) == [
        "Kendi Tanah Liat",
        "Batik Malangan",
        "Tas Pandan",
    ]
    shops = anonymous.split('data-testid="home-shops"')[1].split("</section>")[0]
    assert re.findall(r'shop-tile-name">([^<]*)<', shops) == [
        "Keripik Tempe Bu Siti",
        "Kopi Suroboyo",
    ]
    html = signed_in.content.decode()
    region = html.split('data-testid="home-region"')[1].split("</section>")[0]
    assert "Kota Surabaya" in region
    assert re.findall(r'product-card-name">([^<]*)<', region) == ["Kendi Tanah Liat"]


def test_the_header_search_on_home_goes_to_the_search_page(client):
    response = client.get(reverse("home"), {"q": "  keripik   tempe "})

    assert response.status_code == 302
    assert response["Location"] == "/cari/?q=keripik+tempe"


# --- Product page --------------------------------------------------------------------------------


def test_product_page_shows_gallery_variants_stock_shop_badges_warranty_and_origin(
    english, verified_shop, owner, categories
):
    product = given_product(
        verified_shop,
        owner,
        categories["snacks"],
        "Keripik Tempe Malang",
        prices=(25_000, 45_000),
        certificates=("pirt", "halal"),
        warranty_days=7,
        warranty_terms="Tukar jika remuk saat tiba.",
    )
    add_image(product, position=1, thumbnails={"640": "products/x/b-640.webp"})
    low, gone = product.variants.order_by("position")
    Variant.objects.filter(pk=low.pk).update(stock_on_hand=3)
    Variant.objects.filter(pk=gone.pk).update(stock_on_hand=0)
    related = given_product(verified_shop, owner, categories["snacks"], "Keripik Singkong")
    given_product(verified_shop, owner, categories["crafts"], "Tas Pandan")

    response = english.get(reverse("marketplace:product_detail", args=[product.slug]))
    html = response.content.decode()

    assert response.status_code == 200
    assert html.count('<li><a href="/media/products/') == 2  # both photos, in order
    assert '<img src="/media/products/x/b-640.webp"' in html
    assert (
        'data-testid="product-price"><span class="muted">from</span> <span class="price">Rp 25.000'
        in html
    )
    assert "Rp 45.000" in html
    assert re.findall(r'data-testid="stock">([^<]*)<', html) == ["Only 3 left", "Out of stock"]
    assert re.findall(r'data-testid="badge">([^<]*)<', html) == ["Halal", "P-IRT"]
    assert 'data-testid="warranty-badge">7-day warranty<' in html
    assert 'data-testid="ships-from">Blimbing, Kota Malang<' in html
    shop_card = html.split('data-testid="shop-card"')[1].split("</section>")[0]
    assert "Keripik Tempe Bu Siti" in shop_card and 'data-testid="verified-badge"' in shop_card
    similar = html.split('data-testid="related"')[1].split("</section>")[0]
    assert re.findall(r'product-card-name">([^<]*)<', similar) == [related.name]


def test_product_page_in_indonesian_says_terverifikasi(client, verified_shop, owner, categories):
    product = given_product(verified_shop, owner, categories["crafts"], "Tas Pandan")

    html = client.get(reverse("marketplace:product_detail", args=[product.slug])).content.decode()

    assert 'data-testid="verified-badge">Terverifikasi<' in html


def test_product_page_seo_title_description_canonical_and_open_graph(
    client, verified_shop, owner, categories
):
    product = given_product(
        verified_shop,
        owner,
        categories["crafts"],
        "Tas Anyaman Pandan",
        description="Tas anyaman pandan buatan tangan pengrajin Tulungagung.",
    )
    ProductImage.objects.filter(product=product).update(
        thumbnails={"320": "products/p/a-320.webp", "640": "products/p/a-640.webp"}
    )
    url = reverse("marketplace:product_detail", args=[product.slug])

    html = client.get(url, {"utm_campaign": "wa"}).content.decode()

    base = settings.KOMEJI_BASE_URL
    assert "<title>Tas Anyaman Pandan · Komeji</title>" in html
    assert (
        '<meta name="description" content="Tas anyaman pandan buatan tangan pengrajin '
        'Tulungagung.">' in html
    )
    assert f'<link rel="canonical" href="{base}{url}">' in html
    assert '<meta property="og:type" content="product">' in html
    assert '<meta property="og:title" content="Tas Anyaman Pandan">' in html
    assert f'<meta property="og:image" content="{base}/media/products/p/a-640.webp">' in html


# --- Query counts and the cache ------------------------------------------------------------------


PAGES = {
    "home": lambda p: reverse("home"),
    "category": lambda p: reverse("marketplace:category", args=["kerajinan"]),
    "search": lambda p: reverse("marketplace:search") + "?q=anyaman",
    "product": lambda p: reverse("marketplace:product_detail", args=[p.slug]),
    "shop": lambda p: reverse("vendors:shop_page", args=[p.shop.slug]),
}
# Pinned: a page's queries do not grow with its length (cache empty, anonymous visitor).
# home: regions, categories, newest products + their first images, the shop ranking, its shops.
# category: categories, regions, the ordered ids, the page's products, their first images.
# search: the same and the spelling corrections of the words.
# product: still public?, product (shop, region, category joined), images, variants,
#   certificates, related products + their first images.
# shop: shop, the ordered ids, the page's products, their first images.
MAX_QUERIES = {"home": 6, "category": 5, "search": 6, "product": 7, "shop": 4}


@pytest.mark.parametrize("page_name", PAGES)
def test_a_page_runs_the_same_queries_for_5_or_30_products(
    page_name, client, verified_shop, owner, categories, django_assert_max_num_queries
):
    other, other_owner = given_shop("3578", "Anyaman Suroboyo")
    products = [
        given_product(
            other if n % 2 else verified_shop,
            other_owner if n % 2 else owner,
            categories["crafts"],
            f"Anyaman {n:02d}",
        )
        for n in range(5)
    ]
    for product in products:
        certify(product, "halal")
        add_image(product, position=1)
    url = PAGES[page_name](products[0])
    clear_cache()
    few = query_count(client, url)

    for n in range(5, 30):
        product = given_product(
            other if n % 2 else verified_shop,
            other_owner if n % 2 else owner,
            categories["crafts"],
            f"Anyaman {n:02d}",
        )
        certify(product, "halal")
        add_image(product, position=1)
    clear_cache()
    with django_assert_max_num_queries(MAX_QUERIES[page_name]):
        many = query_count(client, url)

    assert many == few
    # Cached: the list pages come whole from the page cache (anonymous visitor); the product and
    # shop pages check they are still public (one query).
    assert query_count(client, url) == (1 if page_name in ("product", "shop") else 0)


def test_a_price_change_shows_at_once_on_the_product_page(
    client, verified_shop, owner, categories, django_capture_on_commit_callbacks
):
    product = given_product(verified_shop, owner, categories["crafts"], "Tas Pandan", price=75_000)
    variant = product.variants.get()
    url = reverse("marketplace:product_detail", args=[product.slug])
    assert "Rp 75.000" in client.get(url).content.decode()
    assert query_count(client, url) == 1  # cached: only the "still public?" check

    with django_capture_on_commit_callbacks(execute=True):
        product_services.variant_quick_update(
            variant_id=variant.pk, actor=owner, price=69_000, stock_on_hand=2
        )

    html = client.get(url).content.decode()
    assert "Rp 69.000" in html and "Rp 75.000" not in html
    assert 'data-testid="stock">' in html


def test_list_pages_are_cached_for_list_ttl(client, verified_shop, owner, categories):
    product = given_product(verified_shop, owner, categories["crafts"], "Tas Pandan", price=75_000)
    url = reverse("marketplace:category", args=["kerajinan"])
    assert "Rp 75.000" in client.get(url).content.decode()

    Product.objects.filter(pk=product.pk).update(min_price=69_000)

    assert "Rp 75.000" in client.get(url).content.decode()  # within LIST_TTL
    clear_cache()  # LIST_TTL later
    assert "Rp 69.000" in client.get(url).content.decode()
    # Other parameters are another fragment: tracking parameters are not.
    assert query_count(client, url + "?utm_source=wa&fbclid=x") == 0


# --- Shop page and sitemap -----------------------------------------------------------------------


def test_the_shop_page_lists_its_public_products_paginated(
    client, verified_shop, owner, other_shop, categories
):
    for n in range(25):
        given_product(
            verified_shop,
            owner,
            categories["crafts"],
            f"Anyaman {n:02d}",
            published_at=ago(100 - n),
        )
    given_product(verified_shop, owner, categories["crafts"], "Anyaman Draf", publish=False)
    url = reverse("vendors:shop_page", args=[verified_shop.slug])

    first = client.get(url)
    second = client.get(url, {"page": "2"})

    assert first.status_code == 200
    assert len(names(first)) == 24 and names(first)[0] == "Anyaman 24"
    assert names(second) == ["Anyaman 00"]
    assert 'href="/toko/' + verified_shop.slug + '/?page=2"' in first.content.decode()
    empty = client.get(reverse("vendors:shop_page", args=[other_shop.slug])).content.decode()
    assert 'data-testid="no-products"' in empty


def test_sitemap_lists_categories_public_products_and_shops(
    client, verified_shop, owner, categories
):
    public = given_product(verified_shop, owner, categories["crafts"], "Tas Pandan")
    draft = given_product(verified_shop, owner, categories["crafts"], "Tas Draf", publish=False)
    never_verified, _ = given_shop("3507", "Toko Baru", verified=False)
    base = settings.KOMEJI_BASE_URL

    index = client.get("/sitemap.xml").content.decode()
    products = client.get("/sitemap-products.xml").content.decode()
    shops = client.get("/sitemap-shops.xml").content.decode()
    cats = client.get("/sitemap-categories.xml").content.decode()

    assert f"<loc>{base}/sitemap-products.xml</loc>" in index
    assert f"<loc>{base}/sitemap-shops.xml</loc>" in index
    assert f"<loc>{base}/sitemap-categories.xml</loc>" in index
    assert f"<loc>{base}/produk/{public.slug}/</loc>" in products
    assert draft.slug not in products
    assert f"<loc>{base}/toko/{verified_shop.slug}/</loc>" in shops
    assert never_verified.slug not in shops
    assert f"<loc>{base}/kategori/keripik-camilan/</loc>" in cats
