"""The buyer's bank-transfer page: the platform's account, the exact amount (with its unique
code), the time to pay, and the upload of the proof; the buyer's own proof, streamed from the
private storage. Only the buyer of the order sees them; anyone else gets 404."""

from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse, HttpResponseBase
from django.shortcuts import redirect, render
from django.urls import URLPattern, path
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_POST

from komeji.common.types import AuthenticatedRequest
from orders.models import ShopOrderStatus
from payments.gateways import transfer
from payments.models import Payment, PaymentStatus
from payments.services.errors import PaymentNotFound, PaymentRefused
from payments.services.transfers import transfer_proof_upload
from vendors.documents import private_file_response

CONTENT_TYPES = {"jpg": "image/jpeg", "png": "image/png", "pdf": "application/pdf"}


class ProofForm(forms.Form):
    proof = forms.FileField(label=gettext_lazy("Proof of transfer (photo or PDF)"))


def _transfer_payment(request: AuthenticatedRequest, gateway_order_id: str) -> Payment:
    if transfer.PROVIDER not in settings.KOMEJI_PAYMENT_PROVIDERS:
        raise Http404
    payment = (
        Payment.objects.select_related("order")
        .filter(
            gateway_order_id=gateway_order_id,
            provider=transfer.PROVIDER,
            order__buyer=request.user,
        )
        .first()
    )
    if payment is None:
        raise Http404
    return payment


@login_required
@require_GET
def transfer_page(request: AuthenticatedRequest, gateway_order_id: str) -> HttpResponse:
    payment = _transfer_payment(request, gateway_order_id)
    return _render(request, payment, ProofForm())


def _render(request: AuthenticatedRequest, payment: Payment, form: ProofForm) -> HttpResponse:
    order = payment.order
    awaiting = order.shop_orders.filter(status=ShopOrderStatus.AWAITING_PAYMENT).exists()
    amount = f"{payment.amount:,}".replace(",", ".")
    head, _sep, tail = amount.rpartition(".")
    context = {
        "payment": payment,
        "order": order,
        "form": form,
        "bank_name": settings.KOMEJI_TRANSFER_BANK_NAME,
        "account_number": settings.KOMEJI_TRANSFER_ACCOUNT_NUMBER,
        "account_holder": settings.KOMEJI_TRANSFER_ACCOUNT_HOLDER,
        # "Rp 435.|123": the last 3 digits (the unique code) stand out.
        "amount_head": f"{head}." if head else "",
        "amount_tail": tail,
        "can_upload": payment.status == PaymentStatus.PENDING and awaiting,
    }
    return render(request, "payments/transfer_page.html", context)


@login_required
@require_POST
def transfer_proof(request: AuthenticatedRequest, gateway_order_id: str) -> HttpResponse:
    payment = _transfer_payment(request, gateway_order_id)
    form = ProofForm(request.POST, request.FILES)
    if not form.is_valid():
        return _render(request, payment, form)
    try:
        transfer_proof_upload(
            payment_id=payment.pk, buyer=request.user, file=form.cleaned_data["proof"]
        )
    except PaymentNotFound:
        raise Http404 from None
    except PaymentRefused as exc:
        form.add_error("proof", str(exc.message))
        return _render(request, payment, form)
    messages.success(request, _("Proof received. Finance will confirm your transfer soon."))
    return redirect("payments:transfer_page", gateway_order_id)


@login_required
@require_GET
def transfer_proof_file(request: AuthenticatedRequest, gateway_order_id: str) -> HttpResponseBase:
    payment = _transfer_payment(request, gateway_order_id)
    return proof_response(payment)


def proof_response(payment: Payment) -> HttpResponseBase:
    """The payment's proof from the private storage (404 when there is none)."""
    if not payment.proof:
        raise Http404
    extension = payment.proof.name.rsplit(".", 1)[-1].lower()
    try:
        handle = payment.proof.open("rb")
    except FileNotFoundError:
        raise Http404 from None
    return private_file_response(
        handle,
        content_type=CONTENT_TYPES.get(extension, "application/octet-stream"),
        filename=f"bukti-transfer-{payment.gateway_order_id}.{extension}",
    )


urlpatterns: list[URLPattern] = [
    path("transfer/<str:gateway_order_id>/", transfer_page, name="transfer_page"),
    path("transfer/<str:gateway_order_id>/bukti/", transfer_proof, name="transfer_proof"),
    path(
        "transfer/<str:gateway_order_id>/bukti/lihat/",
        transfer_proof_file,
        name="transfer_proof_file",
    ),
]
