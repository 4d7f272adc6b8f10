"""The catalogue's shared structures: the cached category tree and regions, the sorts, and
the loading of product cards and pages that every list uses (see the package docstring)."""

import datetime as dt
import math
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.core.cache import cache
from django.db.models import Prefetch, QuerySet
from django.utils.translation import gettext_lazy as _

from komeji.common.models import Region
from marketplace.cache import LIST_TTL
from marketplace.models import Category, Certificate, Product, ProductImage

PAGE_SIZE = 24
COUNT_CAP = 1200  # 50 pages of 24

SORT_RELEVANCE = "relevance"
SORT_NEWEST = "newest"
SORT_PRICE_ASC = "price_asc"
SORT_PRICE_DESC = "price_desc"
SORTS = (SORT_RELEVANCE, SORT_NEWEST, SORT_PRICE_ASC, SORT_PRICE_DESC)
SORT_LABELS = {
    SORT_RELEVANCE: _("Most relevant"),
    SORT_NEWEST: _("Newest"),
    SORT_PRICE_ASC: _("Lowest price"),
    SORT_PRICE_DESC: _("Highest price"),
}
ORDERINGS = {
    SORT_RELEVANCE: ["-rank", "-published_at", "-id"],
    SORT_NEWEST: ["-published_at", "-id"],
    SORT_PRICE_ASC: ["min_price", "-id"],
    SORT_PRICE_DESC: ["-min_price", "-id"],
}

BADGE_ORDER = ("Halal", "BPOM", "P-IRT")

TREE_KEY = "catalogue:category-tree"
REGIONS_KEY = "catalogue:regions"
REGIONS_TTL = 24 * 60 * 60


# --- Categories and regions (cached structures) -------------------------------------------------


@dataclass(frozen=True)
class CategoryNode:
    id: int
    slug: str
    name: str
    parent_id: int | None
    children: tuple["CategoryNode", ...] = ()

    @property
    def ids(self) -> list[int]:
        """This category and its sub-categories: what a filter on it matches."""
        return [self.id, *(child.id for child in self.children)]


@dataclass(frozen=True)
class CategoryTree:
    roots: tuple[CategoryNode, ...]
    by_slug: dict[str, CategoryNode] = field(default_factory=dict)
    by_id: dict[int, CategoryNode] = field(default_factory=dict)

    def parent_of(self, node: CategoryNode) -> CategoryNode | None:
        return self.by_id.get(node.parent_id) if node.parent_id else None


def _category_tree_build() -> CategoryTree:
    rows = list(
        Category.objects.filter(is_active=True)
        .order_by("position", "name")
        .values("id", "slug", "name", "parent_id")
    )
    children: dict[int, list[CategoryNode]] = {}
    for row in rows:
        if row["parent_id"] is not None:
            children.setdefault(row["parent_id"], []).append(CategoryNode(**row))
    roots = tuple(
        CategoryNode(**row, children=tuple(children.get(row["id"], [])))
        for row in rows
        if row["parent_id"] is None
    )
    by_slug: dict[str, CategoryNode] = {}
    for root in roots:
        by_slug[root.slug] = root
        for child in root.children:
            by_slug[child.slug] = child
    return CategoryTree(
        roots=roots, by_slug=by_slug, by_id={node.id: node for node in by_slug.values()}
    )


def category_tree() -> CategoryTree:
    """Active categories, two levels, in their admin order (cached LIST_TTL: the admin edits
    them rarely). A sub-category of an inactive parent is left out with it."""
    tree = cache.get(TREE_KEY)
    if tree is None:
        tree = _category_tree_build()
        cache.set(TREE_KEY, tree, LIST_TTL)
    return tree


@dataclass(frozen=True)
class RegionChoice:
    id: int
    code: str
    kind: str
    name: str

    @property
    def label(self) -> str:
        return f"{Region.Kind(self.kind).label} {self.name}"

    def __str__(self) -> str:
        return self.label


def region_choices() -> list[RegionChoice]:
    """The 38 kabupaten/kota, cached a day (they change only by a data migration)."""
    regions = cache.get(REGIONS_KEY)
    if regions is None:
        regions = [
            RegionChoice(**row)
            for row in Region.objects.order_by("kind", "name").values("id", "code", "kind", "name")
        ]
        cache.set(REGIONS_KEY, regions, REGIONS_TTL)
    return regions


def region_by_code(code: str) -> RegionChoice | None:
    return next((r for r in region_choices() if r.code == code), None)


def region_by_id(region_id: int | None) -> RegionChoice | None:
    return next((r for r in region_choices() if r.id == region_id), None)


# --- Product lists -------------------------------------------------------------------------------


def _valid_certificates(today: dt.date) -> QuerySet[Certificate]:
    return Certificate.objects.filter(Certificate.valid_on(today))


def _card_queryset(queryset: QuerySet[Product]) -> QuerySet[Product]:
    """What a product card shows, in two queries: the product with its shop and region (joined),
    and its first image (DISTINCT ON product) with the thumbnails."""
    first_images = (
        ProductImage.objects.order_by("product_id", "position", "id")
        .distinct("product_id")
        .only("id", "product_id", "image", "thumbnails", "width", "height", "position")
    )
    return (
        queryset.select_related("shop", "shop__region")
        .defer("description", "warranty_terms", "search_vector")
        .prefetch_related(Prefetch("images", queryset=first_images, to_attr="first_images"))
    )


def _badges(product: Product) -> list[str]:
    flags = {"Halal": product.has_halal, "BPOM": product.has_bpom, "P-IRT": product.has_pirt}
    return [badge for badge in BADGE_ORDER if flags[badge]]


def _decorate(products: list[Product]) -> list[Product]:
    """Set `card_image` (first image or None) and `badges` ("Halal", "BPOM", "P-IRT")."""
    for product in products:
        images = getattr(product, "first_images", [])
        product.card_image = images[0] if images else None  # type: ignore[attr-defined]
        product.badges = _badges(product)  # type: ignore[attr-defined]
    return products


@dataclass(frozen=True)
class PageLink:
    number: int | None  # None: an ellipsis
    url: str = ""
    current: bool = False


@dataclass
class ProductPage:
    """One page of a product list. `total` is exact below COUNT_CAP, else COUNT_CAP
    (`capped` True) and the list ends at the cap."""

    products: list[Product]
    number: int
    total: int
    capped: bool
    per_page: int = PAGE_SIZE
    links: list[PageLink] = field(default_factory=list)
    previous_url: str = ""
    next_url: str = ""

    @property
    def num_pages(self) -> int:
        return max(1, math.ceil(self.total / self.per_page))

    @property
    def has_previous(self) -> bool:
        return self.number > 1

    @property
    def has_next(self) -> bool:
        return self.number < self.num_pages

    @property
    def has_other_pages(self) -> bool:
        return self.num_pages > 1

    def with_links(self, url_for_page: Callable[[int], str]) -> "ProductPage":
        """Fill `links` (first, last and two around the current page, ellipses between) and the
        previous/next URLs from `url_for_page(n)`."""
        wanted = {1, self.num_pages, *range(self.number - 2, self.number + 3)}
        numbers = sorted(n for n in wanted if 1 <= n <= self.num_pages)
        links: list[PageLink] = []
        previous = 0
        for n in numbers:
            if n - previous > 1:
                links.append(PageLink(number=None))
            links.append(PageLink(number=n, url=url_for_page(n), current=n == self.number))
            previous = n
        self.links = links
        self.previous_url = url_for_page(self.number - 1) if self.has_previous else ""
        self.next_url = url_for_page(self.number + 1) if self.has_next else ""
        return self


def _paginate(ids_query: Any, *, page: int) -> ProductPage:
    """The ids of the first COUNT_CAP + 1 results in order (one statement) give the total, the
    page count and the page's ids; then the page's products with their first images. Three
    queries (one when the list is empty)."""
    ids = list(ids_query[: COUNT_CAP + 1])
    capped = len(ids) > COUNT_CAP
    ids = ids[:COUNT_CAP]
    num_pages = max(1, math.ceil(len(ids) / PAGE_SIZE))
    number = min(max(1, page), num_pages)
    page_ids = ids[(number - 1) * PAGE_SIZE : number * PAGE_SIZE]
    products: list[Product] = []
    if page_ids:
        # Still public: a product taken down between the two statements is left out.
        rows = _card_queryset(Product.objects.public().filter(pk__in=page_ids))
        found = {product.pk: product for product in rows}
        products = _decorate([found[pk] for pk in page_ids if pk in found])
    return ProductPage(products=products, number=number, total=len(ids), capped=capped)
