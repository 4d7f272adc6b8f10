"""Back office of payments, for Finance. Everything here is read-only: a payment's status moves
only through its notifications (payments/services/notifications.py) and the ledger is append-only
(a correction is a new journal, posted by a service). Flagged payments are the ones Finance must
look at: an amount that differs, money that arrived for an order no longer waiting, a chargeback."""

from typing import Any

from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from komeji.common.templatetags.komeji import rupiah
from payments.models import Journal, JournalLeg, Payment, PaymentNotification


class _ReadOnly:
    """No add, change or delete: the change page shows the row read-only."""

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class FlaggedFilter(admin.SimpleListFilter):
    title = _("flagged for Finance")
    parameter_name = "flagged"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, Any]]:
        return [("yes", _("Flagged")), ("no", _("Not flagged"))]

    def queryset(self, request: HttpRequest, queryset: QuerySet[Any]) -> QuerySet[Any]:
        if self.value() == "yes":
            return queryset.filter(flagged_at__isnull=False)
        if self.value() == "no":
            return queryset.filter(flagged_at__isnull=True)
        return queryset


class PaymentNotificationInline(_ReadOnly, admin.TabularInline):
    model = PaymentNotification
    extra = 0
    fields = ("created_at", "transaction_status", "transaction_id", "gross_amount", "outcome")
    readonly_fields = fields
    show_change_link = True


@admin.register(Payment)
class PaymentAdmin(_ReadOnly, admin.ModelAdmin):  # type: ignore[misc]
    list_display = [
        "gateway_order_id",
        "order",
        "provider",
        "amount_rp",
        "status",
        "paid_at",
        "flagged_at",
        "created_at",
    ]
    list_filter = [FlaggedFilter, "status", "provider"]
    search_fields = ["gateway_order_id", "order__number", "transaction_id", "order__buyer__email"]
    list_select_related = ["order"]
    date_hierarchy = "created_at"
    inlines = [PaymentNotificationInline]
    fields = (
        "order",
        "provider",
        "method",
        "gateway_order_id",
        "amount_rp",
        "status",
        "created_at",
        "expires_at",
        "paid_at",
        "transaction_id",
        "redirect_url",
        "instructions",
        "flagged_at",
        "flag_reason",
    )
    readonly_fields = fields

    @admin.display(description=_("amount"), ordering="amount")
    def amount_rp(self, obj: Payment) -> str:
        return rupiah(obj.amount)


@admin.register(PaymentNotification)
class PaymentNotificationAdmin(_ReadOnly, admin.ModelAdmin):  # type: ignore[misc]
    list_display = [
        "created_at",
        "provider",
        "gateway_order_id",
        "transaction_status",
        "gross_amount",
        "outcome",
    ]
    list_filter = ["provider", "transaction_status"]
    search_fields = ["gateway_order_id", "transaction_id"]
    date_hierarchy = "created_at"
    fields = (
        "created_at",
        "provider",
        "payment",
        "gateway_order_id",
        "transaction_id",
        "transaction_status",
        "status_code",
        "gross_amount",
        "outcome",
        "raw_body",
    )
    readonly_fields = fields


class JournalLegInline(_ReadOnly, admin.TabularInline):
    model = JournalLeg
    extra = 0
    fields = ("account", "amount_rp")
    readonly_fields = fields

    def get_queryset(self, request: HttpRequest) -> QuerySet[JournalLeg]:
        return (
            super()
            .get_queryset(request)
            .select_related("account", "account__shop", "account__community")
        )

    @admin.display(description=_("amount (debit +, credit -)"))
    def amount_rp(self, obj: JournalLeg) -> str:
        return rupiah(obj.amount)


@admin.register(Journal)
class JournalAdmin(_ReadOnly, admin.ModelAdmin):  # type: ignore[misc]
    list_display = ["idempotency_key", "kind", "payment", "shop_order", "actor", "created_at"]
    list_filter = ["kind"]
    search_fields = ["idempotency_key", "reason"]
    list_select_related = ["payment", "shop_order", "actor"]
    date_hierarchy = "created_at"
    inlines = [JournalLegInline]
    fields = (
        "idempotency_key",
        "kind",
        "created_at",
        "actor",
        "reason",
        "payment",
        "shop_order",
    )
    readonly_fields = fields


# The profit-share agreements' admin lives in its own module.
from payments import admin_agreements  # noqa: E402, F401

# isort: split
# The reconciliation report (a page of the payments admin).
from payments import admin_reconciliation  # noqa: E402, F401

# isort: split
# Payout runs and their lines.
from payments import admin_payouts  # noqa: E402, F401

# isort: split
# Bank transfers waiting for Finance's confirmation.
from payments import admin_transfers  # noqa: E402, F401
