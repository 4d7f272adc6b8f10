"""Back office of payouts, for Finance: the runs with their lines (read-only), "Run payouts now",
the bank bulk-transfer CSV of a run's pending lines, and the decision on each line: transferred
(with the bank's reference) or failed (the reversal journal: the money is owed again).

Rights: viewing needs the view permission of payout runs; running needs `add_payoutrun`;
deciding a line and downloading the bank file need `change_payoutline`."""

from typing import Any

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.db.models import Count, QuerySet, Sum
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from komeji.common.templatetags.komeji import rupiah
from payments.models import PayoutLine, PayoutLineStatus, PayoutRun
from payments.services.errors import PaymentNotFound, PaymentRefused
from payments.services.payouts import (
    payout_line_mark_failed,
    payout_line_mark_transferred,
    payout_run_csv,
    payout_run_period,
)


class PayoutDecisionForm(forms.Form):
    outcome = forms.ChoiceField(
        label=gettext_lazy("Outcome"),
        choices=[
            (PayoutLineStatus.TRANSFERRED, gettext_lazy("Transferred")),
            (PayoutLineStatus.FAILED, gettext_lazy("Failed (the amount is owed again)")),
        ],
        widget=forms.RadioSelect,
    )
    reference = forms.CharField(
        label=gettext_lazy("Bank reference, or why it failed"), max_length=100, required=False
    )


class PayoutLineInline(admin.TabularInline):
    model = PayoutLine
    extra = 0
    can_delete = False
    fields = (
        "payee",
        "amount_rp",
        "bank",
        "status",
        "reference",
        "decided_by",
        "decided_at",
        "decide",
    )
    readonly_fields = fields

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def get_queryset(self, request: HttpRequest) -> QuerySet[PayoutLine]:
        return super().get_queryset(request).select_related("shop", "community", "decided_by")

    @admin.display(description=gettext_lazy("payee"))
    def payee(self, obj: PayoutLine) -> str:
        return str(obj.payee)

    @admin.display(description=gettext_lazy("amount"))
    def amount_rp(self, obj: PayoutLine) -> str:
        return rupiah(obj.amount)

    @admin.display(description=gettext_lazy("bank account"))
    def bank(self, obj: PayoutLine) -> str:
        return f"{obj.bank_code} {obj.account_number} a.n. {obj.holder_name}"

    @admin.display(description=gettext_lazy("decision"))
    def decide(self, obj: PayoutLine) -> str:
        if obj.status != PayoutLineStatus.PENDING:
            return ""
        url = reverse("admin:payments_payoutrun_decide", args=[obj.run_id, obj.pk])
        return format_html('<a class="button" href="{}">{}</a>', url, _("Decide"))


@admin.register(PayoutRun)
class PayoutRunAdmin(admin.ModelAdmin):  # type: ignore[misc]
    list_display = ["period_key", "status", "line_count", "total_rp", "created_by", "created_at"]
    list_filter = ["status"]
    list_select_related = ["created_by"]
    date_hierarchy = "created_at"
    inlines = [PayoutLineInline]
    fields = ("period_key", "status", "created_by", "created_at", "bank_file")
    readonly_fields = fields
    change_list_template = "admin/payments/payoutrun/change_list.html"

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False  # a run is created by "Run payouts now" or the weekly job, never by a form

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def get_queryset(self, request: HttpRequest) -> QuerySet[PayoutRun]:
        return (
            super()
            .get_queryset(request)
            .annotate(n_lines=Count("lines"), total=Sum("lines__amount"))
        )

    @admin.display(description=gettext_lazy("lines"), ordering="n_lines")
    def line_count(self, obj: Any) -> int:
        return int(obj.n_lines)

    @admin.display(description=gettext_lazy("total"), ordering="total")
    def total_rp(self, obj: Any) -> str:
        return rupiah(obj.total or 0)

    @admin.display(description=gettext_lazy("bank bulk-transfer file"))
    def bank_file(self, obj: PayoutRun) -> str:
        url = reverse("admin:payments_payoutrun_csv", args=[obj.pk])
        return format_html('<a class="button" href="{}">{}</a>', url, _("Download bank CSV"))

    def get_urls(self) -> list[Any]:
        return [
            path(
                "run-now/",
                self.admin_site.admin_view(self.run_now_view),
                name="payments_payoutrun_run_now",
            ),
            path(
                "<int:run_id>/csv/",
                self.admin_site.admin_view(self.csv_view),
                name="payments_payoutrun_csv",
            ),
            path(
                "<int:run_id>/lines/<int:line_id>/decide/",
                self.admin_site.admin_view(self.decide_view),
                name="payments_payoutrun_decide",
            ),
            *super().get_urls(),
        ]

    @staticmethod
    def _require(request: HttpRequest, permission: str) -> None:
        if not request.user.has_perm(permission):
            raise PermissionDenied

    def run_now_view(self, request: HttpRequest) -> HttpResponseBase:
        return require_POST(self._run_now)(request)

    def _run_now(self, request: HttpRequest) -> HttpResponse:
        self._require(request, "payments.add_payoutrun")
        run, created = payout_run_period(actor=request.user)
        if created:
            messages.success(
                request,
                _("Payout run %(period)s created with %(count)s lines.")
                % {"period": run.period_key, "count": run.lines.count()},
            )
        else:
            messages.warning(
                request,
                _("The run of %(period)s already exists: nothing new was created.")
                % {"period": run.period_key},
            )
        return redirect("admin:payments_payoutrun_change", run.pk)

    def csv_view(self, request: HttpRequest, run_id: int) -> HttpResponse:
        self._require(request, "payments.change_payoutline")
        run = PayoutRun.objects.filter(pk=run_id).first()
        if run is None:
            raise Http404
        response = HttpResponse(payout_run_csv(run=run), content_type="text/csv; charset=utf-8")
        filename = f"komeji-payout-{run.period_key}.csv"
        response["Content-Disposition"] = f'attachment; filename="{filename}"'
        return response

    def decide_view(self, request: HttpRequest, run_id: int, line_id: int) -> HttpResponse:
        self._require(request, "payments.change_payoutline")
        line = (
            PayoutLine.objects.select_related("run", "shop", "community")
            .filter(pk=line_id, run_id=run_id)
            .first()
        )
        if line is None:
            raise Http404
        form = PayoutDecisionForm(request.POST or None)
        if request.method == "POST" and form.is_valid():
            outcome = form.cleaned_data["outcome"]
            reference = form.cleaned_data["reference"]
            try:
                if outcome == PayoutLineStatus.TRANSFERRED:
                    payout_line_mark_transferred(
                        line_id=line.pk, reference=reference, actor=request.user
                    )
                else:
                    payout_line_mark_failed(line_id=line.pk, actor=request.user, reason=reference)
            except PaymentNotFound:
                raise Http404 from None
            except PaymentRefused as exc:
                form.add_error(None, str(exc.message))
            else:
                messages.success(
                    request,
                    _("The payout line is marked %(outcome)s.")
                    % {"outcome": PayoutLineStatus(outcome).label.lower()},
                )
                return redirect("admin:payments_payoutrun_change", run_id)
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "title": _("Payout to %(payee)s") % {"payee": line.payee},
            "line": line,
            "form": form,
        }
        return TemplateResponse(request, "admin/payments/payoutrun/decide.html", context)
