"""Back office for the community profit share: Finance keeps the dated agreements. Periods of one
scope (a community, or the default) never overlap: PostgreSQL's exclusion constraint refuses it,
and the form shows the same rule as an error (Django validates the constraint before saving)."""

from typing import Any

from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from payments.models import ProfitShareAgreement


class InForceFilter(admin.SimpleListFilter):
    title = _("in force today")
    parameter_name = "in_force"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, Any]]:
        return [("yes", _("In force today"))]

    def queryset(self, request: HttpRequest, queryset: QuerySet[Any]) -> QuerySet[Any]:
        if self.value() == "yes":
            today = timezone.localdate()
            return queryset.filter(valid_from__lte=today).exclude(valid_until__lt=today)
        return queryset


@admin.register(ProfitShareAgreement)
class ProfitShareAgreementAdmin(admin.ModelAdmin):
    list_display = ["scope", "platform_percent", "community_percent", "valid_from", "valid_until"]
    list_filter = [InForceFilter, "community"]
    list_select_related = ["community"]
    search_fields = ["community__name"]
    autocomplete_fields = ["community"]
    fields = ["community", "platform_bp", "community_bp", "valid_from", "valid_until", "note"]

    @admin.display(description=_("community"), ordering="community__name")
    def scope(self, obj: ProfitShareAgreement) -> str:
        return str(obj.community) if obj.community_id else str(_("Default (every community)"))

    @admin.display(description=_("platform"))
    def platform_percent(self, obj: ProfitShareAgreement) -> str:
        return f"{obj.platform_bp / 100:.2f} %"

    @admin.display(description=_("community share"))
    def community_percent(self, obj: ProfitShareAgreement) -> str:
        return f"{obj.community_bp / 100:.2f} %"

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        # Completed orders were split by it: end an agreement (valid until) instead of deleting.
        return False
