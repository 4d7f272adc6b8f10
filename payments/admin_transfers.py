"""Bank transfers waiting for Finance, in the admin at payments/payment/transfers/: each pending
transfer with an uploaded proof, the amount to look for on the bank statement (total + unique
code), a link to the proof, and the decision: confirm (the payment and the order become paid) or
reject with a reason (the buyer uploads another proof). payments.services.transfers does the work.

Rights: the list and the proofs need `payments.view_payment` (each proof opened is audit-logged);
deciding needs `payments.change_payment` (checked again by the services)."""

from typing import Any

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import path
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from komeji.common.services import audit_record
from payments.admin_reconciliation import ReconciliationPaymentAdmin
from payments.models import Payment, PaymentStatus, Provider
from payments.services.errors import PaymentNotFound, PaymentRefused
from payments.services.transfers import DECIDE_PERMISSION, transfer_confirm, transfer_reject
from payments.views.transfer import proof_response

LIST_LIMIT = 200
VIEW_PERMISSION = "payments.view_payment"


class TransferRejectForm(forms.Form):
    reason = forms.CharField(label=gettext_lazy("Why (the buyer reads it)"), max_length=500)


class TransferPaymentAdmin(ReconciliationPaymentAdmin):
    """The payments admin with the bank transfers' page added, and a transfer's fields on the
    payment's page (the proof itself only through the audit-logged view)."""

    TRANSFER_FIELDS = (
        "unique_code",
        "proof_uploaded_at",
        "decided_by",
        "decided_at",
        "rejection_reason",
    )

    def get_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        return [*super().get_fields(request, obj), *self.TRANSFER_FIELDS]

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        return [*super().get_readonly_fields(request, obj), *self.TRANSFER_FIELDS]

    def get_urls(self) -> list[Any]:
        view = self.admin_site.admin_view
        return [
            path("transfers/", view(self.transfers_view), name="payments_payment_transfers"),
            path(
                "transfers/<int:payment_id>/proof/",
                view(self.transfer_proof_view),
                name="payments_payment_transfer_proof",
            ),
            path(
                "transfers/<int:payment_id>/confirm/",
                view(require_POST(self.transfer_confirm_view)),
                name="payments_payment_transfer_confirm",
            ),
            path(
                "transfers/<int:payment_id>/reject/",
                view(require_POST(self.transfer_reject_view)),
                name="payments_payment_transfer_reject",
            ),
            *super().get_urls(),
        ]

    def transfers_view(self, request: HttpRequest) -> HttpResponse:
        if not request.user.has_perm(VIEW_PERMISSION):
            raise PermissionDenied
        waiting = (
            Payment.objects.filter(provider=Provider.TRANSFER, status=PaymentStatus.PENDING)
            .exclude(proof="")
            .select_related("order", "order__buyer")
            .order_by("proof_uploaded_at", "pk")
        )
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "title": _("Bank transfers waiting for confirmation"),
            "transfers": list(waiting[:LIST_LIMIT]),
            "can_decide": request.user.has_perm(DECIDE_PERMISSION),
            "reject_form": TransferRejectForm(),
            "limit": LIST_LIMIT,
        }
        return TemplateResponse(request, "admin/payments/payment/transfers.html", context)

    def transfer_proof_view(self, request: HttpRequest, payment_id: int) -> HttpResponseBase:
        if not request.user.has_perm(VIEW_PERMISSION):
            raise PermissionDenied
        payment = Payment.objects.filter(pk=payment_id, provider=Provider.TRANSFER).first()
        if payment is None or not payment.proof:
            raise Http404
        audit_record(
            actor=request.user,
            action="payment.transfer_proof_viewed",
            obj=payment,
            data={"proof": payment.proof.name},
        )
        return proof_response(payment)

    def transfer_confirm_view(self, request: HttpRequest, payment_id: int) -> HttpResponse:
        if not request.user.has_perm(DECIDE_PERMISSION):
            raise PermissionDenied
        try:
            done = transfer_confirm(payment_id=payment_id, actor=request.user)
        except PaymentNotFound:
            raise Http404 from None
        except PaymentRefused as exc:
            messages.error(request, str(exc.message))
        else:
            if done:
                messages.success(request, _("Transfer confirmed: the order is paid."))
            else:
                messages.info(request, _("This transfer was already confirmed."))
        return redirect("admin:payments_payment_transfers")

    def transfer_reject_view(self, request: HttpRequest, payment_id: int) -> HttpResponse:
        if not request.user.has_perm(DECIDE_PERMISSION):
            raise PermissionDenied
        form = TransferRejectForm(request.POST)
        if not form.is_valid():
            messages.error(request, _("Say why the proof is rejected: the buyer reads it."))
            return redirect("admin:payments_payment_transfers")
        try:
            transfer_reject(
                payment_id=payment_id, actor=request.user, reason=form.cleaned_data["reason"]
            )
        except PaymentNotFound:
            raise Http404 from None
        except PaymentRefused as exc:
            messages.error(request, str(exc.message))
        else:
            messages.success(request, _("Proof rejected: the buyer was told why."))
        return redirect("admin:payments_payment_transfers")


admin.site.unregister(Payment)
admin.site.register(Payment, TransferPaymentAdmin)
