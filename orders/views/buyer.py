"""The buyer's orders: list by status, detail with timeline and the acts open now, invoice.

Only the buyer sees an order; anyone else gets 404. Each POST binds a small form, calls one
service, shows a refusal's message, and redirects back to the order."""

from collections.abc import Callable
from typing import Any

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import URLPattern, path
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from komeji.common.types import AuthenticatedRequest
from orders.forms.orders import ReasonForm
from orders.models import Order, ShopOrderStatus
from orders.selectors import orders as selectors
from orders.services import transitions
from orders.views.common import act_with_message, form_value
from payments.services.payments import payment_choices

S = ShopOrderStatus
PAGE_SIZE = 20


def _order(request: AuthenticatedRequest, number: str) -> Order:
    order = selectors.buyer_order_get(user=request.user, number=number)
    if order is None:
        raise Http404
    return order


@login_required
@require_GET
def order_list(request: AuthenticatedRequest) -> HttpResponse:
    tab = selectors.tab_get(selectors.BUYER_TABS, request.GET.get("status", ""))
    shop_orders = selectors.buyer_shop_orders(user=request.user, tab=tab)
    page = Paginator(shop_orders, PAGE_SIZE).get_page(request.GET.get("page"))
    counts = selectors.buyer_tab_counts(user=request.user)
    context = {
        "tabs": [(t, counts[t.key]) for t in selectors.BUYER_TABS],
        "tab": tab,
        "shop_orders": page.object_list,
        "page": page,
    }
    return render(request, "orders/order_list.html", context)


def _payment_choices(order: Order) -> list[tuple[str, Any]]:
    choices = payment_choices()
    preferred = [c for c in choices if c[0].startswith(f"{order.payment_method}:")]
    return preferred + [c for c in choices if c not in preferred]


@login_required
@require_GET
def order_detail(request: AuthenticatedRequest, number: str) -> HttpResponse:
    order = _order(request, number)
    shop_orders = list(order.shop_orders.all())
    context = {
        "order": order,
        "shop_orders": shop_orders,
        "awaiting_payment": any(so.status == S.AWAITING_PAYMENT for so in shop_orders),
        # The pay form: the enabled gateways and methods, the one chosen at checkout first.
        "payment_choices": _payment_choices(order) if order.paid_at is None else [],
    }
    return render(request, "orders/order_detail.html", context)


@login_required
@require_GET
def order_invoice(request: AuthenticatedRequest, number: str) -> HttpResponse:
    order = _order(request, number)
    shop_orders = list(order.shop_orders.all())
    context = {
        "order": order,
        "shop_orders": shop_orders,
        "awaiting_payment": any(so.status == S.AWAITING_PAYMENT for so in shop_orders),
        "all_cancelled": all(so.status == S.CANCELLED for so in shop_orders),
    }
    return render(request, "orders/invoice.html", context)


def _reason(request: AuthenticatedRequest) -> str:
    return str(form_value(ReasonForm(request.POST), "reason"))


def _order_id(request: AuthenticatedRequest, number: str) -> int:
    order_id = selectors.buyer_order_id(user=request.user, number=number)
    if order_id is None:
        raise Http404
    return order_id


def _act(
    request: AuthenticatedRequest, number: str, act: Callable[[], Any], done: str
) -> HttpResponse:
    act_with_message(request, act, done)
    return redirect("orders:order_detail", number)


@login_required
@require_POST
def order_cancel(request: AuthenticatedRequest, number: str) -> HttpResponse:
    order_id = _order_id(request, number)
    return _act(
        request,
        number,
        lambda: transitions.order_cancel(
            order_id=order_id, actor=request.user, reason=_reason(request)
        ),
        _("The order is cancelled."),
    )


def _shop_order_act(
    request: AuthenticatedRequest,
    number: str,
    shop_order_id: int,
    act: Callable[[], Any],
    done: str,
) -> HttpResponse:
    if not selectors.buyer_shop_order_exists(
        user=request.user, number=number, shop_order_id=shop_order_id
    ):
        raise Http404
    return _act(request, number, act, done)


@login_required
@require_POST
def shop_order_confirm_received(
    request: AuthenticatedRequest, number: str, shop_order_id: int
) -> HttpResponse:
    return _shop_order_act(
        request,
        number,
        shop_order_id,
        lambda: transitions.shop_order_confirm_received(
            shop_order_id=shop_order_id, actor=request.user
        ),
        _("Thank you! The order is completed."),
    )


@login_required
@require_POST
def shop_order_extend_window(
    request: AuthenticatedRequest, number: str, shop_order_id: int
) -> HttpResponse:
    return _shop_order_act(
        request,
        number,
        shop_order_id,
        lambda: transitions.shop_order_extend_window(
            shop_order_id=shop_order_id, actor=request.user
        ),
        _("You have more time to check the goods."),
    )


@login_required
@require_POST
def shop_order_request_cancel(
    request: AuthenticatedRequest, number: str, shop_order_id: int
) -> HttpResponse:
    return _shop_order_act(
        request,
        number,
        shop_order_id,
        lambda: transitions.shop_order_request_cancel(
            shop_order_id=shop_order_id, actor=request.user, reason=_reason(request)
        ),
        _("Your request is sent. The shop answers it before shipping the order."),
    )


urlpatterns: list[URLPattern] = [
    path("pesanan/", order_list, name="order_list"),
    path("pesanan/<str:number>/", order_detail, name="order_detail"),
    path("pesanan/<str:number>/invoice/", order_invoice, name="order_invoice"),
    path("pesanan/<str:number>/batalkan/", order_cancel, name="order_cancel"),
    path(
        "pesanan/<str:number>/<int:shop_order_id>/diterima/",
        shop_order_confirm_received,
        name="shop_order_confirm_received",
    ),
    path(
        "pesanan/<str:number>/<int:shop_order_id>/perpanjang/",
        shop_order_extend_window,
        name="shop_order_extend_window",
    ),
    path(
        "pesanan/<str:number>/<int:shop_order_id>/ajukan-pembatalan/",
        shop_order_request_cancel,
        name="shop_order_request_cancel",
    ),
]
