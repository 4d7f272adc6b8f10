"""sitemap.xml: an index of three sections (categories, public products, public shops), each a
sitemap of at most `limit` URLs per page (`?p=2`, …), all on KOMEJI_BASE_URL like the canonical
links. The index is ours rather than django.contrib.sitemaps.views.index, which takes the domain
from the Site row instead."""

import datetime as dt
from typing import Any
from urllib.parse import urlsplit

from django.conf import settings
from django.contrib.sitemaps import Sitemap
from django.contrib.sitemaps.views import SitemapIndexItem  # type: ignore[attr-defined]
from django.db.models import Max
from django.http import HttpRequest
from django.template.response import TemplateResponse
from django.urls import reverse

from marketplace import selectors


class _KomejiSitemap(Sitemap):
    """Absolute URLs on KOMEJI_BASE_URL, whatever the Site row or the request's host says."""

    limit = 10_000

    @property
    def protocol(self) -> str:  # type: ignore[override]
        return urlsplit(settings.KOMEJI_BASE_URL).scheme or "https"

    def get_domain(self, site: Any = None) -> str:
        return urlsplit(settings.KOMEJI_BASE_URL).netloc


class CategorySitemap(_KomejiSitemap):
    changefreq = "daily"
    priority = 0.6

    def items(self) -> list[selectors.CategoryNode]:
        tree = selectors.category_tree()
        return [node for root in tree.roots for node in (root, *root.children)]

    def location(self, item: selectors.CategoryNode) -> str:
        return reverse("marketplace:category", args=[item.slug])


class ProductSitemap(_KomejiSitemap):
    changefreq = "daily"
    priority = 0.8

    def items(self) -> Any:
        return selectors.sitemap_products()

    def location(self, item: Any) -> str:
        return reverse("marketplace:product_detail", args=[item.slug])

    def lastmod(self, item: Any) -> dt.datetime:
        return item.updated_at

    def get_latest_lastmod(self) -> dt.datetime | None:
        # One aggregate, not a pass over every product.
        return selectors.sitemap_products().aggregate(latest=Max("updated_at"))["latest"]


class ShopSitemap(_KomejiSitemap):
    changefreq = "weekly"
    priority = 0.5

    def items(self) -> Any:
        return selectors.sitemap_shops()

    def location(self, item: Any) -> str:
        return reverse("vendors:shop_page", args=[item.slug])

    def lastmod(self, item: Any) -> dt.datetime:
        return item.updated_at

    def get_latest_lastmod(self) -> dt.datetime | None:
        return selectors.sitemap_shops().aggregate(latest=Max("updated_at"))["latest"]


SITEMAPS: dict[str, type[Sitemap]] = {
    "categories": CategorySitemap,
    "products": ProductSitemap,
    "shops": ShopSitemap,
}


def sitemap_index(request: HttpRequest) -> TemplateResponse:
    """The index at /sitemap.xml: one entry per section page (`sitemap-<section>.xml?p=N`)."""
    items: list[SitemapIndexItem] = []
    for section, sitemap_class in SITEMAPS.items():
        sitemap = sitemap_class()
        url = settings.KOMEJI_BASE_URL + reverse("sitemap_section", kwargs={"section": section})
        lastmod = sitemap.get_latest_lastmod()
        items.append(SitemapIndexItem(url, lastmod))
        for page in range(2, sitemap.paginator.num_pages + 1):
            items.append(SitemapIndexItem(f"{url}?p={page}", lastmod))
    return TemplateResponse(
        request, "sitemap_index.xml", {"sitemaps": items}, content_type="application/xml"
    )
