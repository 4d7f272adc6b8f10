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

Modules
-------
- catalogue: the category tree and regions (cached structures), the sorts, product cards and
  pages (`ProductPage`); the base the other two import from.
- search: the list parameters (`BrowseParams`), the visitor's words (`SearchTerms`), spelling
  corrections and `product_search`.
- pages: the home sections, related products, a shop's products, the product page and the
  sitemap.

Every public name is re-exported here: callers import `marketplace.selectors` and need not know
the split.
"""

from marketplace.selectors.catalogue import (
    BADGE_ORDER,
    COUNT_CAP,
    ORDERINGS,
    PAGE_SIZE,
    REGIONS_KEY,
    REGIONS_TTL,
    SORT_LABELS,
    SORT_NEWEST,
    SORT_PRICE_ASC,
    SORT_PRICE_DESC,
    SORT_RELEVANCE,
    SORTS,
    TREE_KEY,
    CategoryNode,
    CategoryTree,
    PageLink,
    ProductPage,
    RegionChoice,
    category_tree,
    region_by_code,
    region_by_id,
    region_choices,
)
from marketplace.selectors.pages import (
    FEATURED_KEY,
    FEATURED_TTL,
    HOME_NEWEST,
    HOME_REGION,
    HOME_SHOPS,
    RELATED,
    ProductSummary,
    buyer_region_id,
    product_detail,
    product_page_key,
    product_public_summary,
    product_related,
    products_newest,
    shop_products,
    shops_featured,
    sitemap_products,
    sitemap_shops,
)
from marketplace.selectors.search import (
    CORRECT_MIN_LENGTH,
    CORRECTIONS_PER_WORD,
    MAX_QUERY_LENGTH,
    MAX_QUERY_WORDS,
    BrowseParams,
    SearchTerms,
    product_search,
    search_corrections,
)
from marketplace.selectors.seller import seller_product_counts, seller_products

__all__ = [
    "BADGE_ORDER",
    "CORRECTIONS_PER_WORD",
    "CORRECT_MIN_LENGTH",
    "COUNT_CAP",
    "FEATURED_KEY",
    "FEATURED_TTL",
    "HOME_NEWEST",
    "HOME_REGION",
    "HOME_SHOPS",
    "MAX_QUERY_LENGTH",
    "MAX_QUERY_WORDS",
    "ORDERINGS",
    "PAGE_SIZE",
    "REGIONS_KEY",
    "REGIONS_TTL",
    "RELATED",
    "SORTS",
    "SORT_LABELS",
    "SORT_NEWEST",
    "SORT_PRICE_ASC",
    "SORT_PRICE_DESC",
    "SORT_RELEVANCE",
    "TREE_KEY",
    "BrowseParams",
    "CategoryNode",
    "CategoryTree",
    "PageLink",
    "ProductPage",
    "ProductSummary",
    "RegionChoice",
    "SearchTerms",
    "buyer_region_id",
    "category_tree",
    "product_detail",
    "product_page_key",
    "product_public_summary",
    "product_related",
    "product_search",
    "products_newest",
    "region_by_code",
    "region_by_id",
    "region_choices",
    "search_corrections",
    "seller_product_counts",
    "seller_products",
    "shop_products",
    "shops_featured",
    "sitemap_products",
    "sitemap_shops",
]
