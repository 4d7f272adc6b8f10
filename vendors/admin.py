"""Back office for shops and communities. Moderators verify shops from the review queue: the
documents open through the protected, audit-logged view; decisions go through the services
(which notify the owner and write the audit log). Shop data are read-only here: the owner changes
them in the seller centre, and the attribution changes only through its own form with a reason."""

from typing import Any

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.db.models import Count, QuerySet
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html, format_html_join
from django.utils.safestring import mark_safe
from django.utils.translation import gettext_lazy as _

from vendors.forms import AttributionForm, RejectForm
from vendors.models import (
    REVIEW_QUEUE_STATUSES,
    BankAccount,
    Community,
    CommunityMember,
    Shop,
    ShopDocument,
    ShopMember,
    ShopReviewQueue,
    ShopStatusEvent,
)
from vendors.services import shops as shop_services
from vendors.services import verification
from vendors.services.errors import ShopActionRefused, ShopNotFound
from vendors.validators import mask


def _same_name(a: str, b: str) -> bool:
    def words(name: str) -> list[str]:
        return sorted(name.lower().replace(".", " ").split())

    return words(a) == words(b)


class CommunityMemberInline(admin.TabularInline):
    model = CommunityMember
    extra = 1
    autocomplete_fields = ["user"]


@admin.register(Community)
class CommunityAdmin(admin.ModelAdmin):
    list_display = ["name", "region", "is_active", "shop_count"]
    list_filter = ["is_active", "region"]
    search_fields = ["name", "region__name"]
    inlines = [CommunityMemberInline]

    def get_queryset(self, request: HttpRequest) -> QuerySet[Community]:
        return (
            super().get_queryset(request).select_related("region").annotate(n_shops=Count("shops"))
        )

    @admin.display(description=_("shops"), ordering="n_shops")
    def shop_count(self, obj: Any) -> int:
        return obj.n_shops


class ShopMemberInline(admin.TabularInline):
    model = ShopMember
    extra = 0
    fields = ("user", "role", "created_at")
    readonly_fields = fields
    can_delete = False

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class ShopStatusEventInline(admin.TabularInline):
    model = ShopStatusEvent
    extra = 0
    fields = ("created_at", "from_status", "to_status", "actor", "reason")
    readonly_fields = fields
    can_delete = False
    ordering = ["-created_at"]

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class ShopAdmin(admin.ModelAdmin):
    list_display = ["name", "region", "status", "community", "mentor", "submitted_at", "created_at"]
    list_filter = ["status", "region", "community"]
    search_fields = ["name", "slug", "memberships__user__email", "owner_legal_name"]
    list_select_related = ["region", "community", "mentor"]
    date_hierarchy = "created_at"
    inlines = [ShopMemberInline, ShopStatusEventInline]
    change_form_template = "admin/vendors/shop/change_form.html"
    fieldsets = [
        (
            _("Verification"),
            {"fields": ["status", "submitted_at", "rejection_reason", "first_verified_at"]},
        ),
        (
            _("Identity and business"),
            {"fields": ["owner_legal_name", "nik", "nib", "nib_verified_at", "npwp", "documents"]},
        ),
        (
            _("Profile"),
            {
                "fields": [
                    "name",
                    "slug",
                    "description",
                    "region",
                    "street",
                    "kecamatan",
                    "postal_code",
                    "phone",
                    "is_on_holiday",
                    "holiday_until",
                    "bank",
                ]
            },
        ),
        (
            _("Attribution and onboarding"),
            {
                "fields": [
                    "community",
                    "mentor",
                    "is_assisted",
                    "created_by",
                    "consent_owner_name",
                    "consent_given_on",
                    "consent_recorded_by",
                    "claimed_at",
                ]
            },
        ),
        (_("Commission"), {"fields": ["commission_bp"]}),
    ]
    # The one field an admin edits here (every other is read-only; see get_readonly_fields).
    editable_fields = ("commission_bp",)

    def get_fieldsets(self, request: HttpRequest, obj: Any = None) -> Any:
        """Full NIK and NPWP only for those who may see legal documents (Moderators)."""
        if request.user.has_perm("vendors.view_legal_document"):
            return self.fieldsets
        masked = {"nik": "nik_masked", "npwp": "npwp_masked", "documents": "documents_count"}
        return [
            (title, {**options, "fields": [masked.get(str(f), str(f)) for f in options["fields"]]})
            for title, options in self.fieldsets
        ]

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> list[str]:
        editable = self.editable_fields if request.user.has_perm("vendors.change_shop") else ()
        return [
            str(f)
            for fieldset in self.get_fieldsets(request, obj)
            for f in fieldset[1]["fields"]
            if f not in editable
        ]

    def save_model(self, request: HttpRequest, obj: Shop, form: Any, change: bool) -> None:
        # Only the editable fields: a full save would write back every field as it was read.
        obj.save(update_fields=[*self.editable_fields, "updated_at"])

    @admin.display(description=_("NIK"))
    def nik_masked(self, obj: Shop) -> str:
        return mask(obj.nik) if obj.nik else "—"

    @admin.display(description=_("NPWP"))
    def npwp_masked(self, obj: Shop) -> str:
        return mask(obj.npwp) if obj.npwp else "—"

    @admin.display(description=_("documents"))
    def documents_count(self, obj: Shop) -> str:
        return ", ".join(str(d.get_kind_display()) for d in obj.documents.all()) or "—"

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    @admin.display(description=_("documents"))
    def documents(self, obj: Shop) -> str:
        docs = list(obj.documents.all())
        if not docs:
            return "—"
        return format_html_join(
            mark_safe("<br>"),
            '<a href="{}" target="_blank" rel="noopener">{}</a> ({} KB, {})',
            (
                (
                    reverse("vendors:document_view", args=[d.pk]),
                    d.get_kind_display(),
                    d.size // 1024,
                    d.content_type,
                )
                for d in docs
            ),
        )

    @admin.display(description=_("bank account"))
    def bank(self, obj: Shop) -> str:
        account = BankAccount.objects.filter(shop=obj).first()
        if account is None:
            return "—"
        number = mask(account.account_number, keep_start=0)
        text = f"{account.bank_name} {number} a.n. {account.holder_name}"
        if obj.owner_legal_name and not _same_name(account.holder_name, obj.owner_legal_name):
            return format_html(
                '{} <strong style="color:#B45309">{}</strong>',
                text,
                _("⚠ the holder is not the owner named on the KTP"),
            )
        return text

    def get_urls(self) -> list[Any]:
        info = self.opts.app_label, self.opts.model_name
        return [
            path(
                "<int:shop_id>/verify/",
                self.admin_site.admin_view(self.verify_view),
                name="{}_{}_verify".format(*info),
            ),
            path(
                "<int:shop_id>/reject/",
                self.admin_site.admin_view(self.reject_view),
                name="{}_{}_reject".format(*info),
            ),
            path(
                "<int:shop_id>/attribution/",
                self.admin_site.admin_view(self.attribution_view),
                name="{}_{}_attribution".format(*info),
            ),
            *super().get_urls(),
        ]

    def _change_url(self, shop_id: int) -> str:
        return reverse(f"admin:{self.opts.app_label}_{self.opts.model_name}_change", args=[shop_id])

    def _shop_or_404(self, shop_id: int) -> Shop:
        shop = Shop.objects.select_related("region").filter(pk=shop_id).first()
        if shop is None:
            raise Http404
        return shop

    def verify_view(self, request: HttpRequest, shop_id: int) -> HttpResponse:
        if request.method != "POST":
            return HttpResponseRedirect(self._change_url(shop_id))
        if not request.user.has_perm("vendors.verify_shop"):
            raise PermissionDenied
        try:
            shop = verification.shop_verify(shop_id=shop_id, moderator=request.user)
        except ShopNotFound:
            raise Http404 from None
        except ShopActionRefused as exc:
            self.message_user(request, str(exc.message), messages.ERROR)
        else:
            self.message_user(request, _("%(shop)s is verified.") % {"shop": shop.name})
        return HttpResponseRedirect(self._change_url(shop_id))

    def reject_view(self, request: HttpRequest, shop_id: int) -> HttpResponse:
        if not request.user.has_perm("vendors.verify_shop"):
            raise PermissionDenied
        shop = self._shop_or_404(shop_id)
        form = RejectForm(request.POST or None)
        if request.method == "POST" and form.is_valid():
            try:
                verification.shop_reject(
                    shop_id=shop_id, moderator=request.user, reason=form.cleaned_data["reason"]
                )
            except ShopActionRefused as exc:
                form.add_error(None, str(exc.message))
            else:
                self.message_user(request, _("%(shop)s is rejected.") % {"shop": shop.name})
                return HttpResponseRedirect(self._change_url(shop_id))
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "shop": shop,
            "form": form,
            "title": _("Reject %(shop)s") % {"shop": shop.name},
        }
        return TemplateResponse(request, "admin/vendors/shop/reject.html", context)

    def attribution_view(self, request: HttpRequest, shop_id: int) -> HttpResponse:
        if not request.user.has_perm("vendors.change_shop_attribution"):
            raise PermissionDenied
        shop = self._shop_or_404(shop_id)
        form = AttributionForm(
            request.POST or None, initial={"community": shop.community_id, "mentor": shop.mentor_id}
        )
        if request.method == "POST" and form.is_valid():
            try:
                shop_services.shop_attribution_change(
                    shop_id=shop_id,
                    actor=request.user,  # type: ignore[arg-type]
                    **form.cleaned_data,
                )
            except ShopActionRefused as exc:
                form.add_error(None, str(exc.message))
            else:
                self.message_user(request, _("The attribution is changed."))
                return HttpResponseRedirect(self._change_url(shop_id))
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "shop": shop,
            "form": form,
            "title": _("Community and mentor of %(shop)s") % {"shop": shop.name},
        }
        return TemplateResponse(request, "admin/vendors/shop/attribution.html", context)


admin.site.register(Shop, ShopAdmin)


@admin.register(ShopReviewQueue)
class ShopReviewQueueAdmin(ShopAdmin):
    """Shops waiting for a moderator, oldest first."""

    list_display = ["name", "region", "status", "community", "submitted_at"]
    list_filter = ["status", "region"]
    ordering = ["submitted_at"]
    date_hierarchy = None  # type: ignore[assignment]

    def get_queryset(self, request: HttpRequest) -> QuerySet[Shop]:
        return super().get_queryset(request).filter(status__in=REVIEW_QUEUE_STATUSES)

    def get_urls(self) -> list[Any]:
        return admin.ModelAdmin.get_urls(self)

    def _change_url(self, shop_id: int) -> str:
        return reverse("admin:vendors_shop_change", args=[shop_id])

    def change_view(self, request: HttpRequest, object_id: str, *args: Any, **kwargs: Any) -> Any:
        return HttpResponseRedirect(self._change_url(int(object_id)))


@admin.register(ShopDocument)
class ShopDocumentAdmin(admin.ModelAdmin):
    """Metadata only; the file opens through the protected view."""

    list_display = ["shop", "kind", "content_type", "size", "uploaded_by", "updated_at", "open"]
    list_filter = ["kind"]
    search_fields = ["shop__name"]
    list_select_related = ["shop", "uploaded_by"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    @admin.display(description=_("file"))
    def open(self, obj: ShopDocument) -> str:
        return format_html(
            '<a href="{}" target="_blank" rel="noopener">{}</a>',
            reverse("vendors:document_view", args=[obj.pk]),
            _("Open"),
        )
