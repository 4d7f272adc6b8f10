"""Public shop page and the moderators' document view."""

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import render
from django.utils import translation
from django.utils.functional import SimpleLazyObject
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from marketplace import selectors as catalogue
from marketplace.cache import LIST_TTL, anonymous_page_cache
from vendors import selectors
from vendors.documents import private_file_response
from vendors.models import Shop
from vendors.services import documents as document_services
from vendors.services.errors import ShopNotFound


@require_GET
def shop_page(request: HttpRequest, slug: str) -> HttpResponse:
    """The shop and its public products, newest first, paginated. Whether the shop is public is
    checked on every request (one query), so a rejected shop is a 404 at once; the page itself
    comes from the anonymous page cache, the product list from its fragment cache (LIST_TTL)."""
    shop = selectors.shop_public_get(slug=slug)
    if shop is None:
        raise Http404
    return _shop_page(request, shop=shop)


@anonymous_page_cache
def _shop_page(request: HttpRequest, *, shop: Shop) -> HttpResponse:
    try:
        page_number = max(1, min(int(request.GET.get("page", "1")), 10_000))
    except ValueError:
        page_number = 1

    def load() -> catalogue.ProductPage:
        page = catalogue.shop_products(shop_id=shop.pk, page=page_number)
        return page.with_links(lambda n: request.path + (f"?page={n}" if n > 1 else ""))

    canonical = request.path + (f"?page={page_number}" if page_number > 1 else "")
    context = {
        "shop": shop,
        "results": SimpleLazyObject(load),
        "fragment_key": f"{shop.pk}|{page_number}|{translation.get_language()}",
        "list_ttl": LIST_TTL,
        "canonical_url": settings.KOMEJI_BASE_URL + canonical,
    }
    return render(request, "vendors/shop_page.html", context)


@never_cache
@login_required
def document_view(request: HttpRequest, document_id: int) -> HttpResponseBase:
    """Moderators only; every opening is audit-logged by the service. Anyone else gets 404."""
    try:
        document, data = document_services.shop_document_open(
            document_id=document_id, actor=request.user
        )
    except ShopNotFound:
        raise Http404 from None
    return private_file_response(
        data,
        content_type=document.content_type,
        filename=f"{document.kind}-{document.shop_id}.{document.extension}",
    )
