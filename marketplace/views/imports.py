"""Seller centre: export the shop's products as CSV, import a CSV (a Celery task with a progress
page that refreshes itself), the report of each import and its refused rows as CSV. Owner and
staff only; anyone else gets 404."""

from collections import Counter

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.urls import URLPattern, path
from django.utils import timezone
from django.utils.translation import gettext_lazy

from komeji.common.types import AuthenticatedRequest
from marketplace.forms_imports import ProductImportForm
from marketplace.models import ImportJob
from marketplace.services import imports as import_services
from vendors.selectors import ShopAccess, shop_access_get
from vendors.services.errors import ShopNotFound

OUTCOMES = {
    import_services.CREATED: gettext_lazy("Created"),
    import_services.UPDATED: gettext_lazy("Updated"),
    import_services.UNCHANGED: gettext_lazy("Unchanged"),
    import_services.REFUSED: gettext_lazy("Refused"),
}
# ?pemisah=titik-koma: a file Excel opens by double click in an Indonesian locale.
SEMICOLON = "titik-koma"


def _access(request: AuthenticatedRequest, shop_id: int) -> ShopAccess:
    access = shop_access_get(user=request.user, shop_id=shop_id)
    if access is None or not access.can_manage_products:
        raise Http404
    return access


def _csv_response(rows, filename: str, delimiter: str = ",") -> StreamingHttpResponse:  # type: ignore[no-untyped-def]
    response = StreamingHttpResponse(
        import_services.csv_bytes(rows, delimiter=delimiter), content_type="text/csv; charset=utf-8"
    )
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response["Cache-Control"] = "private, no-store"
    return response


@login_required
def product_export(request: AuthenticatedRequest, shop_id: int) -> StreamingHttpResponse:
    access = _access(request, shop_id)
    delimiter = ";" if request.GET.get("pemisah") == SEMICOLON else ","
    return _csv_response(
        import_services.products_export_rows(shop_id=shop_id),
        f"produk-{access.shop.slug}-{timezone.localdate():%Y%m%d}.csv",
        delimiter,
    )


@login_required
def product_import_template(request: AuthenticatedRequest, shop_id: int) -> StreamingHttpResponse:
    _access(request, shop_id)
    delimiter = ";" if request.GET.get("pemisah") == SEMICOLON else ","
    return _csv_response(
        import_services.import_template_rows(), "templat-impor-produk.csv", delimiter
    )


@login_required
def product_import(request: AuthenticatedRequest, shop_id: int) -> HttpResponse:
    access = _access(request, shop_id)
    form = ProductImportForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        try:
            job = import_services.import_job_create(
                shop_id=shop_id,
                actor=request.user,
                filename=form.cleaned_data["file"].name,
                data=form.data_bytes,
            )
        except ShopNotFound:
            raise Http404 from None
        except import_services.ImportRefused as exc:
            form.add_error("file", str(exc.message))
        else:
            return redirect("marketplace:product_import_job", shop_id, job.pk)
    categories = list(import_services.import_categories())
    return render(
        request,
        "marketplace/seller/import_upload.html",
        {
            "access": access,
            "shop": access.shop,
            "form": form,
            "jobs": import_services.import_jobs_recent(shop_id=shop_id),
            "categories": categories,
            "parent_ids": {c.parent_id for c in categories if c.parent_id},
            "max_rows": import_services.MAX_ROWS,
            "semicolon": SEMICOLON,
        },
    )


@login_required
def product_import_job(request: AuthenticatedRequest, shop_id: int, job_id: int) -> HttpResponse:
    access = _access(request, shop_id)
    job = import_services.import_job_get(shop_id=shop_id, job_id=job_id)
    if job is None:
        raise Http404
    finished = job.status in (ImportJob.Status.DONE, ImportJob.Status.FAILED)
    counts = Counter(entry["outcome"] for entry in job.report)
    shown = request.GET.get("hasil", "")
    if shown not in OUTCOMES:
        shown = ""
    entries = [
        {**entry, "label": OUTCOMES.get(entry["outcome"], entry["outcome"])}
        for entry in sorted(job.report, key=lambda e: e["row"])
        if not shown or entry["outcome"] == shown
    ]
    new_products = len(
        {e["product_id"] for e in job.report if e["outcome"] == import_services.CREATED}
    )
    return render(
        request,
        "marketplace/seller/import_job.html",
        {
            "access": access,
            "shop": access.shop,
            "job": job,
            "finished": finished,
            "stale": import_services.import_job_is_stale(job),
            "entries": entries,
            "filters": [(key, label, counts.get(key, 0)) for key, label in OUTCOMES.items()],
            "shown": shown,
            "unchanged_count": counts.get(import_services.UNCHANGED, 0),
            "new_products": new_products,
        },
    )


@login_required
def product_import_refused(
    request: AuthenticatedRequest, shop_id: int, job_id: int
) -> StreamingHttpResponse:
    _access(request, shop_id)
    job = import_services.import_job_get(shop_id=shop_id, job_id=job_id)
    if job is None or not job.refused_count:
        raise Http404
    try:
        rows = list(import_services.import_refused_rows(job=job))
    except (FileNotFoundError, import_services.ImportRefused):
        raise Http404 from None
    return _csv_response(rows, f"baris-ditolak-{job.pk}.csv")


urlpatterns: list[URLPattern] = [
    path("seller/<int:shop_id>/produk/ekspor.csv", product_export, name="product_export"),
    path("seller/<int:shop_id>/produk/impor/", product_import, name="product_import"),
    path(
        "seller/<int:shop_id>/produk/impor/templat.csv",
        product_import_template,
        name="product_import_template",
    ),
    path(
        "seller/<int:shop_id>/produk/impor/<int:job_id>/",
        product_import_job,
        name="product_import_job",
    ),
    path(
        "seller/<int:shop_id>/produk/impor/<int:job_id>/ditolak.csv",
        product_import_refused,
        name="product_import_refused",
    ),
]
