"""Reads of the public catalogue: home, category, search, product and shop pages, and the sitemap.

Queries
-------
A list page is a fixed set of statements whatever its length. One statement lists, in order, the
ids of the first COUNT_CAP + 1 results (an index walk: `product_active_newest`,
`product_category_listing`, `min_price`, `region_id_cache`, `product_shop_status`; or the
full-text GIN index for a search): it gives the total, the page count and the page's ids, with no
COUNT(*) over 100,000 rows and no OFFSET walk. A second fetches the page's products by id with
their shop and region joined, a third prefetches their first images (DISTINCT ON product) with
the thumbnails. Badges and the halal / BPOM filters read the denormalised `has_halal`,
`has_bpom`, `has_pirt` flags (kept by product_refresh_search and the daily certificate check).
Beyond COUNT_CAP results a list says "more than 1,200 products" and offers that many: nobody
pages further, filters and search are the way in.

Search
------
`simple` configuration (PostgreSQL has no Indonesian stemmer). The words of the query (letters and
digits only: tsquery syntax from the visitor never reaches PostgreSQL) become a prefix tsquery,
`kerip:* & temp:*`, matched against `search_vector` (name A, shop name B, description C) through
its GIN index, ranked by ts_rank. A typed word that starts no known word of a product or shop
name (`SearchWord`) is corrected first, by trigram similarity against that short list (one small
statement for all the words): "kripik tempe" searches `(kripik:* | keripik:*) & tempe:*` and
finds "Keripik Tempe Malang", "keripk" finds "Keripik". The products themselves are only ever
searched through the full-text index.

Caching (Redis)
---------------
- The category tree and the regions are cached as small Python structures (`category_tree()`,
  `region_choices()`): the views resolve slugs and codes without a query.
- The rendered list fragments (category, search, home sections, shop products, related products)
  are cached for `LIST_TTL` seconds by the `{% cache %}` template tag, keyed by the normalised GET
  parameters (`BrowseParams.cache_key()`, tracking parameters dropped) and the language. The views
  hand the templates lazy results (SimpleLazyObject): on a hit no catalogue query runs at all. A
  changed price or stock shows in the lists within LIST_TTL.
- A product page fragment is cached under `product_page_key()`: product id, its version
  (`marketplace.cache.product_version`, bumped after commit by every service that changes the
  product, its variants, images or certificates), the shop's status and last change, the date
  (certificate validity ends at expiry) and the language: a change shows at once. The view
  still runs one indexed query per request (`product_public_summary`) so that a product or shop
  taken down answers 404 immediately whatever the cache holds.
- Nothing user-specific is inside a cached fragment: the header, CSRF tokens, the report form and
  the buyer's kabupaten/kota (a fragment is cached per region, not per user) stay outside.
"""

import datetime as dt
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode

from django.contrib.postgres.search import SearchQuery, SearchRank
from django.core.cache import cache
from django.db import connection
from django.db.models import (
    Count,
    F,
    Prefetch,
    QuerySet,
)
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from komeji.common.models import Region
from marketplace.cache import LIST_TTL, product_version
from marketplace.models import (
    Category,
    Certificate,
    CertificateStatus,
    Product,
    ProductImage,
    ProductStatus,
    Variant,
)
from vendors.models import Shop, ShopStatus

PAGE_SIZE = 24
COUNT_CAP = 1200  # 50 pages of 24
MAX_QUERY_LENGTH = 100
MAX_QUERY_WORDS = 8
# Words this long or longer are corrected when they start no known word; shorter ones are too
# ambiguous ("ke" starts a third of the catalogue) and are not ranked either.
CORRECT_MIN_LENGTH = 3
CORRECTIONS_PER_WORD = 3
HOME_NEWEST = 12
HOME_REGION = 12
HOME_SHOPS = 6
RELATED = 6

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
FEATURED_KEY = "catalogue:featured-shops"
FEATURED_TTL = 10 * 60


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


# --- Parameters of a list ----------------------------------------------------------------------


def _clean_query(raw: str) -> str:
    return " ".join(raw.split())[:MAX_QUERY_LENGTH].strip()


def _price(raw: str) -> int | None:
    """ "25.000", "Rp 25000" and "25000" are 25000; anything else is no bound."""
    digits = "".join(ch for ch in raw if ch.isdigit())[:12]
    return int(digits) if digits else None


@dataclass(frozen=True)
class BrowseParams:
    """The GET parameters of a category or search page, normalised: unknown parameters (tracking
    ones, `utm_*`, `fbclid`) are dropped, values outside their domain are ignored. The same
    normalised form names the cached fragment, the canonical URL and the pagination links."""

    query: str = ""
    category: str = ""  # slug (search page; the category page takes it from the path)
    region: str = ""  # region code, e.g. "3573"
    price_min: int | None = None
    price_max: int | None = None
    halal: bool = False
    bpom: bool = False
    sort: str = ""
    page: int = 1

    @classmethod
    def from_get(cls, data: Any, *, with_category: bool) -> "BrowseParams":
        tree = category_tree()
        query = _clean_query(str(data.get("q", "")))
        category = str(data.get("category", "")) if with_category else ""
        if category not in tree.by_slug:
            category = ""
        region = str(data.get("region", ""))
        if region_by_code(region) is None:
            region = ""
        price_min = _price(str(data.get("price_min", "")))
        price_max = _price(str(data.get("price_max", "")))
        if price_min is not None and price_max is not None and price_min > price_max:
            price_min, price_max = price_max, price_min
        sort = str(data.get("sort", ""))
        if sort not in SORTS or (sort == SORT_RELEVANCE and not query):
            sort = ""
        if sort == (SORT_RELEVANCE if query else SORT_NEWEST):
            sort = ""  # the default is not spelled out
        try:
            page = max(1, min(int(str(data.get("page", "1"))), 10_000))
        except ValueError:
            page = 1
        return cls(
            query=query,
            category=category,
            region=region,
            price_min=price_min,
            price_max=price_max,
            halal=str(data.get("halal", "")) in ("1", "on", "true"),
            bpom=str(data.get("bpom", "")) in ("1", "on", "true"),
            sort=sort,
            page=page,
        )

    @property
    def effective_sort(self) -> str:
        return self.sort or (SORT_RELEVANCE if self.query else SORT_NEWEST)

    @property
    def has_filters(self) -> bool:
        return bool(
            self.category
            or self.region
            or self.price_min is not None
            or self.price_max is not None
            or self.halal
            or self.bpom
        )

    def items(self, *, page: int | None = None) -> list[tuple[str, str]]:
        page = self.page if page is None else page
        pairs = [
            ("q", self.query),
            ("category", self.category),
            ("region", self.region),
            ("price_min", "" if self.price_min is None else str(self.price_min)),
            ("price_max", "" if self.price_max is None else str(self.price_max)),
            ("halal", "1" if self.halal else ""),
            ("bpom", "1" if self.bpom else ""),
            ("sort", self.sort),
            ("page", str(page) if page > 1 else ""),
        ]
        return [(key, value) for key, value in pairs if value]

    def querystring(self, *, page: int | None = None) -> str:
        """`?q=…&page=2`, or "" when nothing is set (page 1 is never spelled out)."""
        pairs = self.items(page=page)
        return f"?{urlencode(pairs)}" if pairs else ""

    def cache_key(self) -> str:
        return urlencode(self.items())


# --- Product lists -------------------------------------------------------------------------------


def _valid_certificates(today: dt.date) -> QuerySet[Certificate]:
    return Certificate.objects.filter(
        status=CertificateStatus.VERIFIED, issued_on__lte=today, expires_on__gt=today
    )


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


@dataclass(frozen=True)
class SearchTerms:
    """A visitor's query made safe: its words (letters and digits only, lower case, at most
    MAX_QUERY_WORDS), joined by spaces in `text`. Empty when there is no word."""

    words: tuple[str, ...]

    @classmethod
    def parse(cls, raw: str) -> "SearchTerms":
        cleaned = _clean_query(raw).lower()
        # &, |, !, :, *, (, ), <, >, quotes and backslashes are dropped with everything else.
        words: list[str] = []
        current: list[str] = []
        for ch in cleaned:
            if ch.isalnum():
                current.append(ch)
            elif current:
                words.append("".join(current))
                current = []
        if current:
            words.append("".join(current))
        return cls(words=tuple(words[:MAX_QUERY_WORDS]))

    @property
    def text(self) -> str:
        return " ".join(self.words)

    def tsquery(self, corrections: dict[str, list[str]] | None = None) -> str:
        """`kerip:* & temp:*`; a corrected word as `(kripik:* | keripik:*)`. A lone letter is a
        whole word (as a prefix it would match most of the catalogue)."""
        corrections = corrections or {}
        parts = []
        for word in self.words:
            if len(word) == 1:
                parts.append(word)
                continue
            alternatives = [word, *(c for c in corrections.get(word, []) if c != word)]
            prefixes = " | ".join(f"{alternative}:*" for alternative in alternatives)
            parts.append(f"({prefixes})" if len(alternatives) > 1 else prefixes)
        return " & ".join(parts)

    def __bool__(self) -> bool:
        return bool(self.words)


# One word's corrections, unless a known word starts with it. Literal values (bound client-side)
# let PostgreSQL plan each word with the indexes (the LIKE prefix on the word index).
_CORRECTION_SQL = (
    "(SELECT %s AS typed, word FROM marketplace_searchword"
    " WHERE word %% %s"
    " AND NOT EXISTS (SELECT 1 FROM marketplace_searchword WHERE word LIKE %s)"
    " ORDER BY similarity(word, %s) DESC, word LIMIT %s)"
)


def search_corrections(*, words: Sequence[str]) -> dict[str, list[str]]:
    """For each word that starts no known word of a product or shop name, the CORRECTIONS_PER_WORD
    known words most similar to it (trigram similarity, pg_trgm's 0.3 threshold): "kripik" →
    ["keripik"]. One statement for all the words; the words are bound parameters."""
    typed = [word for word in dict.fromkeys(words) if len(word) >= CORRECT_MIN_LENGTH]
    if not typed:
        return {}
    params: list[Any] = []
    for word in typed:
        params += [word, word, f"{word}%", word, CORRECTIONS_PER_WORD]
    corrections: dict[str, list[str]] = {}
    with connection.cursor() as cursor:
        cursor.execute(" UNION ALL ".join([_CORRECTION_SQL] * len(typed)), params)
        for word, correction in cursor.fetchall():
            corrections.setdefault(word, []).append(correction)
    return corrections


def product_search(
    *,
    query: str = "",
    category: str = "",
    region_id: int | None = None,
    price_min: int | None = None,
    price_max: int | None = None,
    halal: bool = False,
    bpom: bool = False,
    sort: str = "",
    page: int = 1,
) -> ProductPage:
    """The public product list behind the category and search pages.

    `category` is a slug; a top category includes its sub-categories (an unknown slug matches
    nothing). `region_id` is the shop's kabupaten/kota. Prices bound the product's lowest variant
    price. `halal` / `bpom`: the product has a verified, unexpired certificate of that kind.
    `sort`: relevance (only with a query; the default then), newest (the default), price_asc,
    price_desc. Returns the page (PAGE_SIZE products, clamped to the last page)."""
    queryset: QuerySet[Product] = Product.objects.public()
    terms = SearchTerms.parse(query)
    if category:
        node = category_tree().by_slug.get(category)
        queryset = queryset.filter(category_id__in=node.ids) if node else queryset.none()
    if region_id is not None:
        queryset = queryset.filter(region_id_cache=region_id)
    if price_min is not None:
        queryset = queryset.filter(min_price__gte=price_min)
    if price_max is not None:
        queryset = queryset.filter(min_price__lte=price_max)
    if halal:
        queryset = queryset.filter(has_halal=True)
    if bpom:
        queryset = queryset.filter(has_bpom=True)
    sort = sort if sort in SORTS else ""
    if not terms and sort == SORT_RELEVANCE:
        sort = ""
    sort = sort or (SORT_RELEVANCE if terms else SORT_NEWEST)
    if sort == SORT_RELEVANCE and len(terms.text) < CORRECT_MIN_LENGTH:
        # "ke" matches a third of the catalogue by prefix: ranking it all says nothing.
        sort = SORT_NEWEST
    if terms:
        corrections = search_corrections(words=terms.words)
        full_text = SearchQuery(terms.tsquery(corrections), search_type="raw", config="simple")
        queryset = queryset.filter(search_vector=full_text)
        if sort == SORT_RELEVANCE:
            queryset = queryset.annotate(rank=SearchRank(F("search_vector"), full_text))
    ids = queryset.order_by(*ORDERINGS[sort]).values_list("id", flat=True)
    return _paginate(ids, page=page)


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
