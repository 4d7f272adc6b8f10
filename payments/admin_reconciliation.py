"""The reconciliation report for Finance, in the admin at payments/payment/reconciliation/:
settled payments against escrow (held + released + refunded) and the difference, payments still
pending past their expiry, flagged payments and refunds left to Finance. Read-only; computed when
the page is opened (payments.services.reconciliation). Staff with `payments.view_payment` only."""

from typing import Any

from django.contrib import admin
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.template.response import TemplateResponse
from django.urls import path
from django.utils.translation import gettext as _

from orders.models import ShopOrder
from payments.admin import PaymentAdmin
from payments.models import Payment
from payments.services.reconciliation import ledger_totals, payments_pending_past_expiry

# A list longer than this is cut: the page stays quick; the payments list filters the rest.
LIST_LIMIT = 200


class ReconciliationPaymentAdmin(PaymentAdmin):
    """The payments admin with the reconciliation page added."""

    def get_urls(self) -> list[Any]:
        return [
            path(
                "reconciliation/",
                self.admin_site.admin_view(self.reconciliation_view),
                name="payments_payment_reconciliation",
            ),
            *super().get_urls(),
        ]

    def reconciliation_view(self, request: HttpRequest) -> HttpResponse:
        if not request.user.has_perm("payments.view_payment"):
            raise PermissionDenied
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "title": _("Reconciliation"),
            "totals": ledger_totals(),
            "pending": list(payments_pending_past_expiry()[:LIST_LIMIT]),
            "flagged": list(
                Payment.objects.filter(flagged_at__isnull=False)
                .select_related("order")
                .order_by("-flagged_at", "-pk")[:LIST_LIMIT]
            ),
            "manual_refunds": list(
                ShopOrder.objects.filter(refund_manual_at__isnull=False, refund_sent_at=None)
                .select_related("order")
                .order_by("refund_manual_at", "pk")[:LIST_LIMIT]
            ),
            "limit": LIST_LIMIT,
        }
        return TemplateResponse(request, "admin/payments/payment/reconciliation.html", context)


admin.site.unregister(Payment)
admin.site.register(Payment, ReconciliationPaymentAdmin)
