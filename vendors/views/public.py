"""Public shop page and the moderators' document view."""

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.cache import never_cache

from vendors import selectors
from vendors.services import documents as document_services
from vendors.services.errors import ShopNotFound


def shop_page(request: HttpRequest, slug: str) -> HttpResponse:
    shop = selectors.shop_public_get(slug=slug)
    if shop is None:
        raise Http404
    return render(request, "vendors/shop_page.html", {"shop": shop})


@never_cache
@login_required
def document_view(request: HttpRequest, document_id: int) -> HttpResponse:
    """Moderators only; every opening is audit-logged by the service. Anyone else gets 404."""
    try:
        document, data = document_services.shop_document_open(
            document_id=document_id, actor=request.user
        )
    except ShopNotFound:
        raise Http404 from None
    response = HttpResponse(data, content_type=document.content_type)
    # Images open in the browser (sandboxed). A PDF downloads: browsers' PDF viewers refuse to
    # run in a sandboxed page, and its active content was refused at upload.
    disposition = "attachment" if document.content_type == "application/pdf" else "inline"
    response["Content-Disposition"] = (
        f'{disposition}; filename="{document.kind}-{document.shop_id}.{document.extension}"'
    )
    response["Content-Security-Policy"] = "default-src 'none'; img-src 'self'; sandbox"
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    return response
