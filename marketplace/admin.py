"""Back office of the catalogue. Categories are edited here (superusers); products are read-only
(the shop edits them in the seller centre) and moderators block or unblock them with a reason.
Certificates form a queue (pending first) that moderators verify or reject; their scans open only
through the admin's scan view (no storage URL is ever shown). Buyers' reports form a queue too
(open first). Every decision goes through a service, which notifies the shop and audit-logs it."""

import datetime as dt
from typing import Any

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.db.models import Case, F, Q, QuerySet, Value, When
from django.db.models.functions import Coalesce
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.http.response import HttpResponseBase
from django.template.response import TemplateResponse
from django.urls import NoReverseMatch, path, reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy as pgettext

from komeji.common.templatetags.komeji import rupiah
from marketplace.forms_certificates import ModeratorReasonForm, ReportResolveForm
from marketplace.models import (
    Category,
    Certificate,
    CertificateStatus,
    ImportJob,
    Product,
    ProductImage,
    ProductReport,
    ProductStatus,
    ProductStatusEvent,
    Variant,
)
from marketplace.services import certificates as certificate_services
from marketplace.services import moderation
from marketplace.services.certificates import WARN_DAYS
from vendors.documents import private_file_response
from vendors.services.errors import ShopActionRefused, ShopNotFound

# Expressions are valid admin orderings; django-stubs types them as strings only, hence Any.
# A tree: each top category followed by its sub-categories.
CATEGORY_TREE_ORDER: Any = [
    Coalesce(F("parent__position"), F("position")),
    Coalesce(F("parent__name"), F("name")),
    Coalesce(F("parent_id"), F("id")),
    F("parent").asc(nulls_first=True),
    "position",
    "name",
]
# The verification queue: pending first, oldest first.
CERTIFICATES_PENDING_FIRST: Any = [
    Case(When(status=CertificateStatus.PENDING, then=Value(0)), default=Value(1)),
    "created_at",
]
# Open reports first (oldest first), then the most recently handled.
REPORTS_OPEN_FIRST: Any = [F("resolved_at").desc(nulls_first=True), "created_at"]

SCAN_TYPES = {
    "jpg": "image/jpeg",
    "jpeg": "image/jpeg",
    "png": "image/png",
    "pdf": "application/pdf",
}


def _public_url(product: Product) -> str:
    if not product.is_public:
        return ""
    try:
        return reverse("marketplace:product_detail", args=[product.slug])
    except NoReverseMatch:
        return ""


class _ReadOnlyInline(admin.TabularInline):
    """Shown to whoever may view the product; nothing is added, changed or deleted here."""

    extra = 0
    can_delete = False

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return request.user.has_perm("marketplace.view_product")


# --- Categories ----------------------------------------------------------------------------------


class _DecisionsOnlyAdmin(admin.ModelAdmin):
    """Read in the admin, changed only through its decision buttons (each a service call): no
    add, no delete, no save buttons."""

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def change_view(
        self,
        request: HttpRequest,
        object_id: str,
        form_url: str = "",
        extra_context: dict[str, Any] | None = None,
    ) -> HttpResponse:
        extra_context = {
            **(extra_context or {}),
            "show_save": False,
            "show_save_and_continue": False,
            "show_save_and_add_another": False,
            "show_delete": False,
        }
        return super().change_view(request, object_id, form_url, extra_context)


class TopLevelFilter(admin.SimpleListFilter):
    title = _("level")
    parameter_name = "level"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, Any]]:
        return [("top", _("Top categories")), ("sub", _("Sub-categories"))]

    def queryset(self, request: HttpRequest, queryset: QuerySet[Any]) -> QuerySet[Any]:
        if self.value() == "top":
            return queryset.filter(parent__isnull=True)
        if self.value() == "sub":
            return queryset.filter(parent__isnull=False)
        return queryset


@admin.register(Category)
class CategoryAdmin(admin.ModelAdmin):
    list_display = [
        "tree_name",
        "parent",
        "position",
        "commission_bp",
        "commission_percent",
        "required_certificate",
        "requirement",
        "is_active",
    ]
    list_editable = ["position", "is_active"]
    list_filter = ["is_active", "required_certificate", TopLevelFilter]
    search_fields = ["name", "slug"]
    list_select_related = ["parent"]
    prepopulated_fields = {"slug": ("name",)}
    fields = [
        "parent",
        "name",
        "slug",
        "position",
        "commission_bp",
        "required_certificate",
        "is_active",
    ]
    ordering = CATEGORY_TREE_ORDER

    def formfield_for_foreignkey(self, db_field: Any, request: HttpRequest, **kwargs: Any) -> Any:
        if db_field.name == "parent":
            # Two levels: only a top category can be a parent.
            kwargs["queryset"] = Category.objects.filter(parent__isnull=True)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    @admin.display(description=_("name"))
    def tree_name(self, obj: Category) -> str:
        return f"\u2003\u203a {obj.name}" if obj.parent_id else obj.name

    @admin.display(description=_("commission"))
    def commission_percent(self, obj: Category) -> str:
        return f"{obj.commission_bp / 100:.2f} %"

    @admin.display(description=_("certificate needed (with parent's)"))
    def requirement(self, obj: Category) -> str:
        return certificate_services.requirement_label(obj.effective_requirement()) or "—"


# --- Products ------------------------------------------------------------------------------------


class VariantInline(_ReadOnlyInline):
    model = Variant
    fields = ("name", "sku", "price_rp", "weight_grams", "stock_on_hand", "stock_reserved")
    readonly_fields = fields

    @admin.display(description=_("price"))
    def price_rp(self, obj: Variant) -> str:
        return rupiah(obj.price)


class ImageInline(_ReadOnlyInline):
    model = ProductImage
    fields = ("preview", "position", "width", "height")
    readonly_fields = fields

    @admin.display(description=_("image"))
    def preview(self, obj: ProductImage) -> str:
        # Product photos are public anyway; show the smallest version there is.
        name = obj.thumbnails.get("160") or obj.image.name
        return format_html(
            '<img src="{}" alt="" width="80" height="80" style="object-fit:cover">',
            obj.image.storage.url(name),
        )


class StatusEventInline(_ReadOnlyInline):
    model = ProductStatusEvent
    fields = ("created_at", "from_status", "to_status", "actor", "reason")
    readonly_fields = fields
    ordering = ("-created_at",)
    verbose_name_plural = _("status history")


class CertificateInline(_ReadOnlyInline):
    model = Certificate
    fields = ("kind", "number", "issued_on", "expires_on", "status")
    readonly_fields = fields
    show_change_link = True

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return request.user.has_perm("marketplace.view_certificate")


class ReportInline(_ReadOnlyInline):
    model = ProductReport
    fields = ("created_at", "reason", "details", "reporter", "resolved_at", "resolution")
    readonly_fields = fields
    show_change_link = True
    ordering = REPORTS_OPEN_FIRST

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return request.user.has_perm("marketplace.view_productreport")


@admin.register(Product)
class ProductAdmin(_DecisionsOnlyAdmin):
    """Read-only: the shop edits its products in the seller centre. Moderators block/unblock."""

    list_display = ["name", "shop", "category", "status", "price_from", "published_at"]
    list_filter = ["status", "category", "condition", "shop__region"]
    search_fields = ["name", "slug", "shop_name", "variants__sku"]
    list_select_related = ["shop", "category", "category__parent"]
    date_hierarchy = "created_at"
    inlines = [VariantInline, ImageInline, CertificateInline, ReportInline, StatusEventInline]
    change_form_template = "admin/marketplace/product/change_form.html"
    fieldsets = [
        (_("Status"), {"fields": ["status", "status_reason", "published_at", "public_page"]}),
        (
            _("Product"),
            {
                "fields": [
                    "shop",
                    "category",
                    "name",
                    "slug",
                    "description",
                    "condition",
                    "min_order_qty",
                    "warranty_days",
                    "warranty_terms",
                    "price_from",
                    "created_at",
                    "updated_at",
                ]
            },
        ),
    ]

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> list[str]:
        return [str(f) for _title, options in self.fieldsets for f in options["fields"]]

    @admin.display(description=_("price from"), ordering="min_price")
    def price_from(self, obj: Product) -> str:
        return rupiah(obj.min_price)

    @admin.display(description=_("public page"))
    def public_page(self, obj: Product) -> str:
        url = _public_url(obj)
        if not url:
            return "—"
        return format_html('<a href="{}" target="_blank" rel="noopener">{}</a>', url, url)

    def get_urls(self) -> list[Any]:
        info = self.opts.app_label, self.opts.model_name
        return [
            path(
                "<int:product_id>/block/",
                self.admin_site.admin_view(self.block_view),
                name="{}_{}_block".format(*info),
            ),
            path(
                "<int:product_id>/unblock/",
                self.admin_site.admin_view(self.unblock_view),
                name="{}_{}_unblock".format(*info),
            ),
            *super().get_urls(),
        ]

    def block_view(self, request: HttpRequest, product_id: int) -> HttpResponse:
        return self._decision_view(request, product_id, block=True)

    def unblock_view(self, request: HttpRequest, product_id: int) -> HttpResponse:
        return self._decision_view(request, product_id, block=False)

    def _decision_view(self, request: HttpRequest, product_id: int, *, block: bool) -> HttpResponse:
        if not request.user.has_perm("marketplace.block_product"):
            raise PermissionDenied
        product = Product.objects.select_related("shop").filter(pk=product_id).first()
        if product is None:
            raise Http404
        change_url = reverse("admin:marketplace_product_change", args=[product_id])
        form = ModeratorReasonForm(request.POST or None)
        if request.method == "POST" and form.is_valid():
            service = moderation.product_block if block else moderation.product_unblock
            try:
                service(
                    product_id=product_id,
                    moderator=request.user,
                    reason=form.cleaned_data["reason"],
                )
            except ShopNotFound:
                raise Http404 from None
            except ShopActionRefused as exc:
                form.add_error(None, str(exc.message))
            else:
                done = _("%(product)s is blocked.") if block else _("%(product)s is unblocked.")
                self.message_user(request, done % {"product": product.name})
                return HttpResponseRedirect(change_url)
        title = _("Block %(product)s") if block else _("Unblock %(product)s")
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "product": product,
            "form": form,
            "block": block,
            "title": title % {"product": product.name},
        }
        return TemplateResponse(request, "admin/marketplace/product/decision.html", context)


# --- Certificates --------------------------------------------------------------------------------


class ExpiryFilter(admin.SimpleListFilter):
    title = _("validity")
    parameter_name = "validity"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, Any]]:
        return [
            ("expired", _("Expired")),
            ("expiring", _("Expires within %(days)s days") % {"days": WARN_DAYS}),
            ("valid", _("Valid for longer")),
        ]

    def queryset(self, request: HttpRequest, queryset: QuerySet[Any]) -> QuerySet[Any]:
        today = timezone.localdate()
        soon = today + dt.timedelta(days=WARN_DAYS)
        if self.value() == "expired":
            return queryset.filter(expires_on__lt=today)
        if self.value() == "expiring":
            return queryset.filter(expires_on__gte=today, expires_on__lte=soon)
        if self.value() == "valid":
            return queryset.filter(Q(expires_on__gt=soon) | Q(expires_on__isnull=True))
        return queryset


@admin.register(Certificate)
class CertificateAdmin(_DecisionsOnlyAdmin):
    """The verification queue: pending certificates first, oldest first."""

    list_display = [
        "__str__",
        "product",
        "shop",
        "kind",
        "issued_on",
        "expires_on",
        "status",
        "created_at",
        "scan_link",
    ]
    list_filter = ["status", "kind", ExpiryFilter]
    search_fields = ["number", "product__name", "product__shop__name"]
    list_select_related = ["product", "product__shop"]
    ordering = CERTIFICATES_PENDING_FIRST
    change_form_template = "admin/marketplace/certificate/change_form.html"
    fields = (
        "product_link",
        "shop",
        "kind",
        "number",
        "issued_on",
        "expires_on",
        "scan_link",
        "scan_preview",
        "status",
        "rejection_reason",
        "verified_by",
        "verified_at",
        "expiry_warned_at",
        "created_at",
    )
    readonly_fields = fields

    @admin.display(description=_("shop"), ordering="product__shop__name")
    def shop(self, obj: Certificate) -> str:
        return obj.product.shop.name

    @admin.display(description=_("product"))
    def product_link(self, obj: Certificate) -> str:
        return format_html(
            '<a href="{}">{}</a> ({})',
            reverse("admin:marketplace_product_change", args=[obj.product_id]),
            obj.product.name,
            obj.product.category,
        )

    @admin.display(description=_("scan"))
    def scan_link(self, obj: Certificate) -> str:
        if not obj.scan:
            return "—"
        return format_html(
            '<a href="{}" target="_blank" rel="noopener">{}</a>',
            reverse("admin:marketplace_certificate_scan", args=[obj.pk]),
            _("Open the scan"),
        )

    @admin.display(description=_("preview"))
    def scan_preview(self, obj: Certificate) -> str:
        if not obj.scan or _scan_type(obj) == "application/pdf":
            return "—"
        return format_html(
            '<img src="{}" alt="" style="max-width:100%;max-height:480px">',
            reverse("admin:marketplace_certificate_scan", args=[obj.pk]),
        )

    def get_urls(self) -> list[Any]:
        info = self.opts.app_label, self.opts.model_name
        return [
            path(
                "<int:certificate_id>/scan/",
                self.admin_site.admin_view(self.scan_view),
                name="{}_{}_scan".format(*info),
            ),
            path(
                "<int:certificate_id>/verify/",
                self.admin_site.admin_view(self.verify_view),
                name="{}_{}_verify".format(*info),
            ),
            path(
                "<int:certificate_id>/reject/",
                self.admin_site.admin_view(self.reject_view),
                name="{}_{}_reject".format(*info),
            ),
            *super().get_urls(),
        ]

    def _change_url(self, certificate_id: int) -> str:
        return reverse("admin:marketplace_certificate_change", args=[certificate_id])

    def scan_view(self, request: HttpRequest, certificate_id: int) -> HttpResponseBase:
        """The scan, streamed from the storage to those who may view certificates."""
        if not request.user.has_perm("marketplace.view_certificate"):
            raise PermissionDenied
        certificate = Certificate.objects.filter(pk=certificate_id).first()
        if certificate is None or not certificate.scan:
            raise Http404
        content_type = _scan_type(certificate)
        try:
            handle = certificate.scan.open("rb")
        except FileNotFoundError:
            raise Http404 from None
        extension = certificate.scan.name.rsplit(".", 1)[-1].lower()
        return private_file_response(
            handle,
            content_type=content_type,
            filename=f"sertifikat-{certificate.kind}-{certificate.pk}.{extension}",
        )

    def verify_view(self, request: HttpRequest, certificate_id: int) -> HttpResponse:
        if request.method != "POST":
            return HttpResponseRedirect(self._change_url(certificate_id))
        if not request.user.has_perm("marketplace.verify_certificate"):
            raise PermissionDenied
        try:
            certificate = certificate_services.certificate_verify(
                certificate_id=certificate_id, moderator=request.user
            )
        except ShopNotFound:
            raise Http404 from None
        except ShopActionRefused as exc:
            self.message_user(request, str(exc.message), messages.ERROR)
        else:
            self.message_user(
                request, _("%(certificate)s is verified.") % {"certificate": certificate}
            )
        return HttpResponseRedirect(self._change_url(certificate_id))

    def reject_view(self, request: HttpRequest, certificate_id: int) -> HttpResponse:
        if not request.user.has_perm("marketplace.verify_certificate"):
            raise PermissionDenied
        certificate = (
            Certificate.objects.select_related("product").filter(pk=certificate_id).first()
        )
        if certificate is None:
            raise Http404
        form = ModeratorReasonForm(request.POST or None)
        if request.method == "POST" and form.is_valid():
            try:
                certificate_services.certificate_reject(
                    certificate_id=certificate_id,
                    moderator=request.user,
                    reason=form.cleaned_data["reason"],
                )
            except ShopActionRefused as exc:
                form.add_error(None, str(exc.message))
            else:
                self.message_user(
                    request, _("%(certificate)s is rejected.") % {"certificate": certificate}
                )
                return HttpResponseRedirect(self._change_url(certificate_id))
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "certificate": certificate,
            "form": form,
            "title": _("Reject %(certificate)s") % {"certificate": certificate},
        }
        return TemplateResponse(request, "admin/marketplace/certificate/reject.html", context)


def _scan_type(certificate: Certificate) -> str:
    extension = certificate.scan.name.rsplit(".", 1)[-1].lower()
    return SCAN_TYPES.get(extension, "application/octet-stream")


# --- Reports -------------------------------------------------------------------------------------


class OpenReportFilter(admin.SimpleListFilter):
    title = _("state")
    parameter_name = "state"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, Any]]:
        return [("open", pgettext("report state", "Open")), ("handled", _("Handled"))]

    def queryset(self, request: HttpRequest, queryset: QuerySet[Any]) -> QuerySet[Any]:
        if self.value() == "open":
            return queryset.filter(resolved_at__isnull=True)
        if self.value() == "handled":
            return queryset.filter(resolved_at__isnull=False)
        return queryset


@admin.register(ProductReport)
class ProductReportAdmin(_DecisionsOnlyAdmin):
    """Buyers' reports: open ones first (oldest first), then the handled ones."""

    list_display = ["__str__", "product_link", "reporter", "created_at", "state", "resolved_by"]
    list_filter = [OpenReportFilter, "reason"]
    search_fields = ["product__name", "product__shop_name", "reporter__email", "details"]
    list_select_related = ["product", "reporter", "resolved_by"]
    ordering = REPORTS_OPEN_FIRST
    change_form_template = "admin/marketplace/productreport/change_form.html"
    fields = (
        "product_link",
        "product_status",
        "reason",
        "details",
        "reporter",
        "created_at",
        "resolved_at",
        "resolved_by",
        "resolution",
    )
    readonly_fields = fields

    @admin.display(description=_("product"), ordering="product__name")
    def product_link(self, obj: ProductReport) -> str:
        return format_html(
            '<a href="{}">{}</a>',
            reverse("admin:marketplace_product_change", args=[obj.product_id]),
            obj.product.name,
        )

    @admin.display(description=_("product status"))
    def product_status(self, obj: ProductReport) -> str:
        return str(obj.product.get_status_display())

    @admin.display(description=_("state"), ordering="resolved_at")
    def state(self, obj: ProductReport) -> str:
        return str(_("Handled") if obj.resolved_at else pgettext("report state", "Open"))

    def get_urls(self) -> list[Any]:
        info = self.opts.app_label, self.opts.model_name
        return [
            path(
                "<int:report_id>/resolve/",
                self.admin_site.admin_view(self.resolve_view),
                name="{}_{}_resolve".format(*info),
            ),
            *super().get_urls(),
        ]

    def resolve_view(self, request: HttpRequest, report_id: int) -> HttpResponse:
        if not request.user.has_perm("marketplace.change_productreport"):
            raise PermissionDenied
        report = (
            ProductReport.objects.select_related("product", "reporter").filter(pk=report_id).first()
        )
        if report is None:
            raise Http404
        can_block = (
            request.user.has_perm("marketplace.block_product")
            and report.product.status != ProductStatus.BLOCKED
        )
        form = ReportResolveForm(request.POST or None)
        if not can_block:
            del form.fields["block"]
        if request.method == "POST" and form.is_valid():
            try:
                moderation.report_resolve(
                    report_id=report_id,
                    moderator=request.user,
                    resolution=form.cleaned_data["resolution"],
                    block=bool(form.cleaned_data.get("block")),
                )
            except ShopNotFound:
                raise Http404 from None
            except ShopActionRefused as exc:
                form.add_error(None, str(exc.message))
            else:
                self.message_user(request, _("The report is handled."))
                return HttpResponseRedirect(
                    reverse("admin:marketplace_productreport_change", args=[report_id])
                )
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "report": report,
            "form": form,
            "title": _("Handle the report on %(product)s") % {"product": report.product.name},
        }
        return TemplateResponse(request, "admin/marketplace/productreport/resolve.html", context)


# --- Imports -------------------------------------------------------------------------------------


@admin.register(ImportJob)
class ImportJobAdmin(admin.ModelAdmin):
    """Read-only: imports run from the seller centre."""

    list_display = [
        "__str__",
        "shop",
        "uploaded_by",
        "status",
        "total_rows",
        "created_count",
        "updated_count",
        "refused_count",
        "finished_at",
    ]
    list_filter = ["status"]
    search_fields = ["shop__name", "uploaded_by__email"]
    list_select_related = ["shop", "uploaded_by"]
    date_hierarchy = "created_at"
    fields = (
        "shop",
        "uploaded_by",
        "file_name",
        "status",
        "total_rows",
        "processed_rows",
        "created_count",
        "updated_count",
        "refused_count",
        "error",
        "report",
        "created_at",
        "finished_at",
    )
    readonly_fields = fields

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    @admin.display(description=_("file"))
    def file_name(self, obj: ImportJob) -> str:
        # The name only: the uploaded CSV is the shop's data, not for a public link.
        return obj.file.name or "—"
