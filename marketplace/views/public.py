"""Public pages of the catalogue: home, category, search and product pages (GET only).

The views resolve what must be checked on every request (the category from the cached tree, the
product's public summary: one query), then hand the templates lazy results: the templates cache
the rendered list and product fragments (`{% cache %}`), so on a hit the catalogue queries never
run. Strategy and keys: marketplace.selectors.
"""

from typing import Any
from urllib.parse import urlencode

from django.conf import settings
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.template import TemplateDoesNotExist
from django.template.loader import get_template
from django.urls import URLPattern, path, reverse
from django.utils import translation
from django.utils.functional import SimpleLazyObject
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from marketplace import selectors
from marketplace.cache import LIST_TTL, PRODUCT_TTL, anonymous_page_cache
from marketplace.templatetags.catalogue import thumbnail_url
from orders.selectors.cart import product_buy_options_cached

REPORT_FORM_TEMPLATE = "marketplace/partials/report_form.html"


def _absolute(url: str) -> str:
    return url if url.startswith(("http://", "https://")) else settings.KOMEJI_BASE_URL + url


def _sort_choices(params: selectors.BrowseParams) -> list[tuple[str, Any]]:
    sorts = selectors.SORTS if params.query else selectors.SORTS[1:]
    return [(sort, selectors.SORT_LABELS[sort]) for sort in sorts]


def _listing(
    request: HttpRequest, params: selectors.BrowseParams, *, category: str
) -> SimpleLazyObject:
    """The page of products as a lazy object: it queries only when a template renders it (that
    is, when its fragment is not in the cache)."""

    def load() -> selectors.ProductPage:
        region = selectors.region_by_code(params.region)
        page = selectors.product_search(
            query=params.query,
            category=category,
            region_id=region.id if region else None,
            price_min=params.price_min,
            price_max=params.price_max,
            halal=params.halal,
            bpom=params.bpom,
            sort=params.sort,
            page=params.page,
        )
        return page.with_links(lambda n: request.path + params.querystring(page=n))

    return SimpleLazyObject(load)


def _list_context(
    request: HttpRequest, params: selectors.BrowseParams, *, category: str
) -> dict[str, Any]:
    tree = selectors.category_tree()
    return {
        "params": params,
        "results": _listing(request, params, category=category),
        "tree": tree,
        "regions": SimpleLazyObject(selectors.region_choices),
        "sort_choices": _sort_choices(params),
        "fragment_key": f"{params.cache_key()}|{translation.get_language()}",
        "list_ttl": LIST_TTL,
        # Canonical: normalised parameters, page 1 and tracking parameters left out.
        "canonical_url": _absolute(request.path + params.querystring()),
    }


@require_GET
@anonymous_page_cache
def home(request: HttpRequest) -> HttpResponse:
    query = " ".join(request.GET.get("q", "").split())
    if query:
        # The header's search form (on every page) sends its query here.
        return redirect(f"{reverse('marketplace:search')}?{urlencode({'q': query[:100]})}")
    region = selectors.region_by_id(selectors.buyer_region_id(user=request.user))
    language = translation.get_language()
    context = {
        "tree": selectors.category_tree(),
        "region_count": len(selectors.region_choices()),
        "newest": SimpleLazyObject(selectors.products_newest),
        "buyer_region": region,
        "region_products": SimpleLazyObject(
            lambda: selectors.products_newest(
                limit=selectors.HOME_REGION, region_id=region.id if region else None
            )
        ),
        "featured_shops": SimpleLazyObject(selectors.shops_featured),
        "fragment_key": language,
        "region_fragment_key": f"{region.id if region else 0}|{language}",
        "list_ttl": LIST_TTL,
        "canonical_url": _absolute(reverse("home")),
    }
    return render(request, "marketplace/home.html", context)


@require_GET
@anonymous_page_cache
def category(request: HttpRequest, slug: str) -> HttpResponse:
    tree = selectors.category_tree()
    node = tree.by_slug.get(slug)
    if node is None:
        raise Http404
    params = selectors.BrowseParams.from_get(request.GET, with_category=False)
    context = _list_context(request, params, category=node.slug)
    parent = tree.parent_of(node)
    context.update(
        {
            "category": node,
            "parent": parent,
            # A sub-category page lists its siblings, a top category its children.
            "subcategories": (parent or node).children,
            "fragment_key": f"{node.slug}|{context['fragment_key']}",
        }
    )
    return render(request, "marketplace/category.html", context)


@require_GET
@anonymous_page_cache
def search(request: HttpRequest) -> HttpResponse:
    params = selectors.BrowseParams.from_get(request.GET, with_category=True)
    context = _list_context(request, params, category=params.category)
    terms = selectors.SearchTerms.parse(params.query)
    context.update(
        {
            "query": params.query,
            "has_terms": bool(terms),
            # Without a query (or a filter) the page invites a search and shows what is new.
            "browse_only": not terms and not params.has_filters,
            "newest": SimpleLazyObject(selectors.products_newest),
            "newest_fragment_key": translation.get_language(),
        }
    )
    return render(request, "marketplace/search.html", context)


def _report_form_template() -> str:
    """The report form partial, once its author has added it (until then the page omits it)."""
    try:
        get_template(REPORT_FORM_TEMPLATE)
    except TemplateDoesNotExist:
        return ""
    return REPORT_FORM_TEMPLATE


@require_GET
def product_detail(request: HttpRequest, slug: str) -> HttpResponse:
    summary = selectors.product_public_summary(slug=slug)
    if summary is None:
        raise Http404
    language = translation.get_language()

    detail = SimpleLazyObject(lambda: selectors.product_detail(slug=slug))

    def load_og_image() -> str:
        image = getattr(detail, "card_image", None) if detail else None
        return _absolute(thumbnail_url(image, 640))

    def load_related() -> list[Any]:
        return selectors.product_related(product_id=summary.id, category_id=summary.category_id)

    fragment_key = selectors.product_page_key(summary=summary, language=language)
    # The "Add to cart" form is outside the cached fragment (it carries the visitor's CSRF
    # token); its variants are cached under the fragment's key, or read from `detail`.
    buy = SimpleLazyObject(
        lambda: product_buy_options_cached(page_key=fragment_key, product=lambda: detail or None)
    )

    context = {
        # `product` is the summary (id, slug, name: enough for the report form outside the
        # cache); `detail` is the full product, loaded only when the fragment is rendered.
        "product": summary,
        "detail": detail,
        "og_image": SimpleLazyObject(load_og_image),
        "related": SimpleLazyObject(load_related),
        "fragment_key": fragment_key,
        "buy": buy,
        "related_fragment_key": f"{summary.id}|{language}",
        "product_ttl": PRODUCT_TTL,
        "list_ttl": LIST_TTL,
        "canonical_url": _absolute(reverse("marketplace:product_detail", args=[summary.slug])),
        "base_url": settings.KOMEJI_BASE_URL,
        "report_form_template": _report_form_template(),
        "page_title": summary.name,
        "meta_description": " ".join(summary.description.split())[:160]
        or _("%(name)s from a verified UMKM of Jawa Timur, on Komeji.") % {"name": summary.name},
    }
    return render(request, "marketplace/product_detail.html", context)


urlpatterns: list[URLPattern] = [
    path("kategori/<slug:slug>/", category, name="category"),
    path("cari/", search, name="search"),
    path("produk/<slug:slug>/", product_detail, name="product_detail"),
]
