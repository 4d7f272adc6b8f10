"""The home sections (newest, buyer's region, featured shops), related products, a shop's
products, the product page and the sitemap (see the package docstring)."""

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.core.cache import cache
from django.db.models import Count, Prefetch, QuerySet
from django.utils import timezone

from marketplace.cache import product_version
from marketplace.models import Product, ProductImage, ProductStatus, Variant
from marketplace.selectors.catalogue import (
    BADGE_ORDER,
    ORDERINGS,
    SORT_NEWEST,
    ProductPage,
    _card_queryset,
    _decorate,
    _paginate,
    _valid_certificates,
)
from vendors.models import Shop, ShopStatus

HOME_NEWEST = 12
HOME_REGION = 12
HOME_SHOPS = 6
RELATED = 6

FEATURED_KEY = "catalogue:featured-shops"
FEATURED_TTL = 10 * 60


# --- Home, related and shop lists ---------------------------------------------------------------


def products_newest(*, limit: int = HOME_NEWEST, region_id: int | None = None) -> list[Product]:
    """The newest public products (of shops in `region_id` when given), ready for cards."""
    queryset: QuerySet[Product] = Product.objects.public()
    if region_id is not None:
        queryset = queryset.filter(region_id_cache=region_id)
    return _decorate(list(_card_queryset(queryset.order_by(*ORDERINGS[SORT_NEWEST]))[:limit]))


def product_related(*, product_id: int, category_id: int, limit: int = RELATED) -> list[Product]:
    """Newest public products of the same category, without the product itself."""
    queryset = (
        Product.objects.public()
        .filter(category_id=category_id)
        .exclude(pk=product_id)
        .order_by(*ORDERINGS[SORT_NEWEST])
    )
    return _decorate(list(_card_queryset(queryset)[:limit]))


def shop_products(*, shop_id: int, page: int = 1) -> ProductPage:
    """A public shop's public products, newest first, PAGE_SIZE a page."""
    ids = (
        Product.objects.public()
        .filter(shop_id=shop_id)
        .order_by(*ORDERINGS[SORT_NEWEST])
        .values_list("id", flat=True)
    )
    return _paginate(ids, page=page)


def shops_featured(*, limit: int = HOME_SHOPS) -> list[Shop]:
    """Verified shops with the most active products (at least one), `active_products` set.

    The ranking is an aggregate over every active product (an index-only scan of
    product_shop_status, tens of milliseconds at 100,000 products): it is cached FEATURED_TTL.
    The shops themselves are read on every call, so one no longer verified drops out at once."""
    ranking = cache.get(FEATURED_KEY)
    if ranking is None:
        ranking = list(
            Product.objects.filter(status=ProductStatus.ACTIVE, shop__status=ShopStatus.VERIFIED)
            .order_by()
            .values("shop_id")
            .annotate(active=Count("shop_id"))
            .order_by("-active", "shop_id")
            .values_list("shop_id", "active")[: limit * 2]
        )
        cache.set(FEATURED_KEY, ranking, FEATURED_TTL)
    counts = dict(ranking)
    shops = (
        Shop.objects.filter(pk__in=counts, status=ShopStatus.VERIFIED)
        .select_related("region")
        .only("id", "name", "slug", "logo", "status", "region__id", "region__kind", "region__name")
    )
    featured = sorted(shops, key=lambda shop: (-counts[shop.pk], shop.name))[:limit]
    for shop in featured:
        shop.active_products = counts[shop.pk]  # type: ignore[attr-defined]
    return featured


def buyer_region_id(*, user: Any) -> int | None:
    """The kabupaten/kota of a signed-in buyer's default address (None: anonymous or none)."""
    if not getattr(user, "is_authenticated", False):
        return None
    from komeji.accounts.models import Address

    return (
        Address.objects.filter(user=user, is_default=True)
        .values_list("region_id", flat=True)
        .first()
    )


# --- Product page --------------------------------------------------------------------------------


@dataclass(frozen=True)
class ProductSummary:
    """What the product page needs on every request, cached page or not: one indexed query."""

    id: int
    slug: str
    name: str
    description: str
    category_id: int
    shop_id: int
    shop_status: str
    shop_updated_at: dt.datetime

    @property
    def pk(self) -> int:
        return self.id


def product_public_summary(*, slug: str) -> ProductSummary | None:
    """The public product with this slug (None: draft, hidden, blocked, unknown, or its shop is
    not public)."""
    row = (
        Product.objects.public()
        .filter(slug=slug)
        .values(
            "id",
            "slug",
            "name",
            "description",
            "category_id",
            "shop_id",
            "shop__status",
            "shop__updated_at",
        )
        .first()
    )
    if row is None:
        return None
    return ProductSummary(
        id=row["id"],
        slug=row["slug"],
        name=row["name"],
        description=row["description"],
        category_id=row["category_id"],
        shop_id=row["shop_id"],
        shop_status=row["shop__status"],
        shop_updated_at=row["shop__updated_at"],
    )


def product_page_key(*, summary: ProductSummary, language: str) -> str:
    """The cache key of the product page fragment: anything that changes it changes the key."""
    return ":".join(
        [
            str(summary.id),
            str(product_version(summary.id)),
            summary.shop_status,
            str(int(summary.shop_updated_at.timestamp() * 1_000_000)),
            timezone.localdate().isoformat(),
            language,
        ]
    )


def product_detail(*, slug: str) -> Product | None:
    """A public product with everything its page shows, in four queries: the product with shop,
    region and category (joined), all images in order, variants in order, the certificates valid
    today (`valid_certificates`, and the `badges` they give; `card_image` the first image;
    `price_varies` when the variants' prices differ)."""
    today = timezone.localdate()
    product = (
        Product.objects.public()
        .filter(slug=slug)
        .select_related("shop", "shop__region", "category", "category__parent")
        .defer("search_vector")
        .prefetch_related(
            Prefetch("images", queryset=ProductImage.objects.order_by("position", "id")),
            Prefetch("variants", queryset=Variant.objects.order_by("position", "id")),
            Prefetch(
                "certificates",
                queryset=_valid_certificates(today).order_by("kind", "-expires_on"),
                to_attr="valid_certificates",
            ),
        )
        .first()
    )
    if product is None:
        return None
    images = list(product.images.all())
    prices = {variant.price for variant in product.variants.all()}
    product.card_image = images[0] if images else None  # type: ignore[attr-defined]
    product.price_varies = len(prices) > 1  # type: ignore[attr-defined]
    # Today's certificates (the flags wait for the morning check).
    present = {certificate.badge for certificate in product.valid_certificates}  # type: ignore[attr-defined]
    product.badges = [b for b in BADGE_ORDER if b in present]  # type: ignore[attr-defined]
    return product


# --- Sitemap -------------------------------------------------------------------------------------


def sitemap_products() -> QuerySet[Product]:
    return Product.objects.public().order_by("id").only("id", "slug", "updated_at")


def sitemap_shops() -> QuerySet[Shop]:
    return (
        Shop.objects.filter(first_verified_at__isnull=False)
        .exclude(status=ShopStatus.REJECTED)
        .order_by("id")
        .only("id", "slug", "updated_at")
    )
