"""The buyer's payment pages: starting a payment from the order page, the sandbox payment page.

Only the buyer of the order sees them; anyone else gets 404."""

from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import URLPattern, path, reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from komeji.common.types import AuthenticatedRequest
from orders.models import ShopOrderStatus
from orders.selectors.orders import buyer_order_id
from payments.gateways import sandbox
from payments.gateways.base import GatewayError
from payments.models import Payment, PaymentStatus
from payments.services.errors import PaymentNotFound, PaymentRefused
from payments.services.payments import choice_parse, payment_start
from payments.tasks import sandbox_notify


class PayForm(forms.Form):
    """`choice` is "<provider>:<method>" (the method may be empty)."""

    choice = forms.CharField(max_length=60)

    def provider_and_method(self) -> tuple[str, str]:
        return choice_parse(self.cleaned_data["choice"])


class SandboxActForm(forms.Form):
    outcome = forms.ChoiceField(
        choices=[(o, o) for o in (sandbox.SETTLEMENT, sandbox.DENY, sandbox.EXPIRE)]
    )


@login_required
@require_POST
def pay_start(request: AuthenticatedRequest, number: str) -> HttpResponse:
    order_id = buyer_order_id(user=request.user, number=number)
    if order_id is None:
        raise Http404
    form = PayForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose how to pay."))
        return redirect("orders:order_detail", number)
    provider, method = form.provider_and_method()
    try:
        payment = payment_start(
            order_id=order_id, buyer=request.user, provider=provider, method=method
        )
    except PaymentNotFound:
        raise Http404 from None
    except PaymentRefused as exc:
        messages.error(request, str(exc.message))
        return redirect("orders:order_detail", number)
    except GatewayError:
        messages.error(
            request,
            _("The payment gateway did not answer. Nothing was charged: try again in a moment."),
        )
        return redirect("orders:order_detail", number)
    return redirect(payment.redirect_url)


def _sandbox_payment(request: AuthenticatedRequest, gateway_order_id: str) -> Payment:
    if sandbox.PROVIDER not in settings.KOMEJI_PAYMENT_PROVIDERS:
        raise Http404
    payment = (
        Payment.objects.select_related("order")
        .filter(
            gateway_order_id=gateway_order_id,
            provider=sandbox.PROVIDER,
            order__buyer=request.user,
        )
        .first()
    )
    if payment is None:
        raise Http404
    return payment


@login_required
@require_GET
def sandbox_page(request: AuthenticatedRequest, gateway_order_id: str) -> HttpResponse:
    payment = _sandbox_payment(request, gateway_order_id)
    order = payment.order
    pending = payment.status == PaymentStatus.PENDING
    awaiting = order.shop_orders.filter(status=ShopOrderStatus.AWAITING_PAYMENT).exists()
    instructions = payment.instructions or {}
    qr = instructions.get("qr_string")
    context = {
        "payment": payment,
        "order": order,
        "method_label": dict(sandbox.METHODS).get(payment.method, payment.method),
        "va_number": instructions.get("va_number", ""),
        "qr_svg": sandbox.qr_svg(qr) if isinstance(qr, str) and qr else "",
        "can_act": pending and awaiting,
        "waiting": pending and request.GET.get("sent") == "1",
        "outcomes": {
            "pay": sandbox.SETTLEMENT,
            "fail": sandbox.DENY,
            "expire": sandbox.EXPIRE,
        },
    }
    return render(request, "payments/sandbox_page.html", context)


@login_required
@require_POST
def sandbox_act(request: AuthenticatedRequest, gateway_order_id: str) -> HttpResponse:
    """The sandbox's buttons: queue the notification the gateway would send, then wait for it."""
    payment = _sandbox_payment(request, gateway_order_id)
    form = SandboxActForm(request.POST)
    if not form.is_valid():
        raise Http404
    if payment.status == PaymentStatus.PENDING:
        sandbox_notify.delay(payment.pk, form.cleaned_data["outcome"])
    url = reverse("payments:sandbox_page", args=[gateway_order_id])
    return redirect(f"{url}?sent=1")


urlpatterns: list[URLPattern] = [
    path("bayar/<str:number>/", pay_start, name="pay_start"),
    path("sandbox/<str:gateway_order_id>/", sandbox_page, name="sandbox_page"),
    path("sandbox/<str:gateway_order_id>/kirim/", sandbox_act, name="sandbox_act"),
]
