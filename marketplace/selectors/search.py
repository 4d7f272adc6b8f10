"""The parameters of the category and search pages, and the full-text search with its
spelling corrections (see the package docstring)."""

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

from django.contrib.postgres.search import SearchQuery, SearchRank
from django.db import connection
from django.db.models import F, QuerySet

from marketplace.models import Product
from marketplace.selectors.catalogue import (
    ORDERINGS,
    SORT_NEWEST,
    SORT_RELEVANCE,
    SORTS,
    ProductPage,
    _paginate,
    category_tree,
    region_by_code,
)

MAX_QUERY_LENGTH = 100
MAX_QUERY_WORDS = 8
# Words this long or longer are corrected when they start no known word; shorter ones are too
# ambiguous ("ke" starts a third of the catalogue) and are not ranked either.
CORRECT_MIN_LENGTH = 3
CORRECTIONS_PER_WORD = 3


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


# --- Search ------------------------------------------------------------------------------------


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
