"""The shop's orders in the seller centre: lists by status, detail with the acts open now, packing
slip and A6 shipping label. Owner and staff (`can_manage_orders`) only; anyone else, mentors
included, and an order of another shop get 404.

Each POST binds a small form, calls one service, shows a refusal's message, and redirects back to
the order."""

from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import URLPattern, path
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from komeji.common.types import AuthenticatedRequest
from orders.forms.orders import CancelAnswerForm, ReasonForm, TrackingForm
from orders.models import ShopOrder
from orders.selectors import orders as selectors
from orders.services import transitions
from orders.views.common import act_with_message, form_value
from vendors.selectors import ShopAccess, shop_access_get

PAGE_SIZE = 20


def _access(request: AuthenticatedRequest, shop_id: int) -> ShopAccess:
    access = shop_access_get(user=request.user, shop_id=shop_id)
    if access is None or not access.can_manage_orders:
        raise Http404
    return access


def _shop_order(
    request: AuthenticatedRequest, shop_id: int, shop_order_id: int
) -> tuple[ShopAccess, ShopOrder]:
    access = _access(request, shop_id)
    shop_order = selectors.shop_order_get(shop_id=access.shop.pk, shop_order_id=shop_order_id)
    if shop_order is None:
        raise Http404
    return access, shop_order


@login_required
@require_GET
def shop_order_list(request: AuthenticatedRequest, shop_id: int) -> HttpResponse:
    access = _access(request, shop_id)
    tab = selectors.tab_get(selectors.SHOP_TABS, request.GET.get("status", ""))
    shop_orders = selectors.shop_shop_orders(shop_id=access.shop.pk, tab=tab)
    page = Paginator(shop_orders, PAGE_SIZE).get_page(request.GET.get("page"))
    counts = selectors.shop_tab_counts(shop_id=access.shop.pk)
    context = {
        "access": access,
        "shop": access.shop,
        "tabs": [(t, counts[t.key]) for t in selectors.SHOP_TABS],
        "new_order_count": counts["new"],
        "tab": tab,
        "shop_orders": page.object_list,
        "page": page,
    }
    return render(request, "orders/shop_order_list.html", context)


@login_required
@require_GET
def shop_order_detail(
    request: AuthenticatedRequest, shop_id: int, shop_order_id: int
) -> HttpResponse:
    access, shop_order = _shop_order(request, shop_id, shop_order_id)
    context = {
        "access": access,
        "shop": access.shop,
        "shop_order": shop_order,
        "order": shop_order.order,
    }
    return render(request, "orders/shop_order_detail.html", context)


def _print_page(
    request: AuthenticatedRequest, shop_id: int, shop_order_id: int, template: str
) -> HttpResponse:
    access, shop_order = _shop_order(request, shop_id, shop_order_id)
    if not shop_order.can_print_shipping:
        # Not paid yet, cancelled, or done: there is nothing to pack, and the address is not
        # the shop's to print.
        raise Http404
    context = {"access": access, "shop": access.shop, "shop_order": shop_order}
    return render(request, template, context)


@login_required
@require_GET
def packing_slip(request: AuthenticatedRequest, shop_id: int, shop_order_id: int) -> HttpResponse:
    return _print_page(request, shop_id, shop_order_id, "orders/packing_slip.html")


@login_required
@require_GET
def shipping_label(request: AuthenticatedRequest, shop_id: int, shop_order_id: int) -> HttpResponse:
    return _print_page(request, shop_id, shop_order_id, "orders/shipping_label.html")


# --- Acts ---------------------------------------------------------------------------------------


def _act(
    request: AuthenticatedRequest,
    shop_id: int,
    shop_order_id: int,
    act: Callable[[], Any],
    done: str,
) -> HttpResponse:
    access = _access(request, shop_id)
    if not selectors.shop_order_exists(shop_id=access.shop.pk, shop_order_id=shop_order_id):
        raise Http404
    act_with_message(request, act, done)
    return redirect("orders:shop_order_detail", shop_id, shop_order_id)


@login_required
@require_POST
def shop_order_accept(
    request: AuthenticatedRequest, shop_id: int, shop_order_id: int
) -> HttpResponse:
    return _act(
        request,
        shop_id,
        shop_order_id,
        lambda: transitions.shop_order_accept(shop_order_id=shop_order_id, actor=request.user),
        _("Order accepted. Pack it and ship it before the deadline."),
    )


@login_required
@require_POST
def shop_order_reject(
    request: AuthenticatedRequest, shop_id: int, shop_order_id: int
) -> HttpResponse:
    return _act(
        request,
        shop_id,
        shop_order_id,
        lambda: transitions.shop_order_reject(
            shop_order_id=shop_order_id,
            actor=request.user,
            reason=form_value(ReasonForm(request.POST, prefix="reject"), "reason"),
        ),
        _("Order rejected. The buyer gets their money back."),
    )


@login_required
@require_POST
def shop_order_ship(
    request: AuthenticatedRequest, shop_id: int, shop_order_id: int
) -> HttpResponse:
    return _act(
        request,
        shop_id,
        shop_order_id,
        lambda: transitions.shop_order_ship(
            shop_order_id=shop_order_id,
            actor=request.user,
            tracking_number=form_value(TrackingForm(request.POST), "tracking_number"),
        ),
        _("Marked as shipped. The buyer has been told."),
    )


@login_required
@require_POST
def shop_order_tracking_update(
    request: AuthenticatedRequest, shop_id: int, shop_order_id: int
) -> HttpResponse:
    return _act(
        request,
        shop_id,
        shop_order_id,
        lambda: transitions.shop_order_tracking_update(
            shop_order_id=shop_order_id,
            actor=request.user,
            tracking_number=form_value(TrackingForm(request.POST), "tracking_number"),
        ),
        _("The tracking number is saved."),
    )


@login_required
@require_POST
def shop_order_mark_delivered(
    request: AuthenticatedRequest, shop_id: int, shop_order_id: int
) -> HttpResponse:
    return _act(
        request,
        shop_id,
        shop_order_id,
        lambda: transitions.shop_order_mark_delivered(
            shop_order_id=shop_order_id, actor=request.user
        ),
        _("Marked as arrived. The buyer has %(days)d working days to check the goods.")
        % {"days": settings.KOMEJI_COMPLAINT_WINDOW_WORKING_DAYS},
    )


@login_required
@require_POST
def shop_order_answer_cancel_request(
    request: AuthenticatedRequest, shop_id: int, shop_order_id: int
) -> HttpResponse:
    form = CancelAnswerForm(request.POST, prefix="answer")
    accept = form.is_valid() and form.cleaned_data["decision"] == "accept"

    def answer() -> None:
        form_value(form, "decision")
        transitions.shop_order_answer_cancel_request(
            shop_order_id=shop_order_id,
            actor=request.user,
            accept=accept,
            reason=form.cleaned_data["reason"],
        )

    return _act(
        request,
        shop_id,
        shop_order_id,
        answer,
        _("The order is cancelled. The buyer gets their money back.")
        if accept
        else _("The buyer has been told the order goes ahead."),
    )


_BASE = "seller/<int:shop_id>/pesanan/<int:shop_order_id>/"

urlpatterns: list[URLPattern] = [
    path("seller/<int:shop_id>/pesanan/", shop_order_list, name="shop_order_list"),
    path(_BASE, shop_order_detail, name="shop_order_detail"),
    path(f"{_BASE}slip/", packing_slip, name="shop_order_packing_slip"),
    path(f"{_BASE}label/", shipping_label, name="shop_order_shipping_label"),
    path(f"{_BASE}terima/", shop_order_accept, name="shop_order_accept"),
    path(f"{_BASE}tolak/", shop_order_reject, name="shop_order_reject"),
    path(f"{_BASE}kirim/", shop_order_ship, name="shop_order_ship"),
    path(f"{_BASE}resi/", shop_order_tracking_update, name="shop_order_tracking_update"),
    path(f"{_BASE}tiba/", shop_order_mark_delivered, name="shop_order_mark_delivered"),
    path(
        f"{_BASE}pembatalan/",
        shop_order_answer_cancel_request,
        name="shop_order_answer_cancel_request",
    ),
]
