"""The shop's couriers and rate table in the seller centre (/seller/<shop>/pengiriman/). Owner
and staff only; anyone else, and a method or row of another shop, gets 404. The services check
the same access again under a lock on the shop."""

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import URLPattern, path
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from komeji.common.types import AuthenticatedRequest
from orders.forms.shipping import ShippingMethodAddForm, ShippingRateForm
from orders.models import Courier, ShippingMethod
from orders.selectors import shipping as selectors
from orders.services import shipping as services
from orders.services.errors import OrderNotFound, OrderRefused
from vendors.selectors import ShopAccess, shop_access_get


def _access(request: AuthenticatedRequest, shop_id: int) -> ShopAccess:
    access = shop_access_get(user=request.user, shop_id=shop_id)
    if access is None or not access.can_manage_orders:
        raise Http404
    return access


def _method(access: ShopAccess, method_id: int) -> ShippingMethod:
    method = selectors.shipping_method_get(shop=access.shop, method_id=method_id)
    if method is None:
        raise Http404
    return method


def _settings_context(
    access: ShopAccess, form: ShippingMethodAddForm, methods: list[ShippingMethod]
) -> dict[str, Any]:
    region = selectors.example_region()
    rows = [
        {"method": m, "example": selectors.fee_example(method=m, region=region)} for m in methods
    ]
    return {
        "access": access,
        "shop": access.shop,
        "form": form,
        "rows": rows,
        "has_active": any(
            m.is_active and (m.courier == Courier.PICKUP or m.rates.all()) for m in methods
        ),
        "example": next((row["example"] for row in rows if row["example"]), None)
        or selectors.sample_fee_example(region=region),
    }


@login_required
def shipping_settings(request: AuthenticatedRequest, shop_id: int) -> HttpResponse:
    """The shop's couriers with their rate tables, and the form to add one."""
    access = _access(request, shop_id)
    methods = list(selectors.shop_shipping_methods(shop=access.shop))
    form = ShippingMethodAddForm(request.POST or None, methods=methods)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            method = services.shipping_method_add(
                shop_id=shop_id,
                actor=request.user,
                courier=data["courier"],
                service=data["service"],
                default_rate=form.default_rate(),
                copy_from_method_id=data.get("copy_from"),
            )
        except OrderNotFound:
            raise Http404 from None
        except OrderRefused as exc:
            form.add_error(None, str(exc.message))
        else:
            if method.courier != Courier.PICKUP and not method.rates.exists():
                messages.info(
                    request,
                    _(
                        "%(method)s is added. Now give its prices: buyers can choose it once it "
                        "has a price to their kabupaten/kota."
                    )
                    % {"method": method},
                )
                return redirect("orders:shipping_method", shop_id, method.pk)
            messages.success(request, _("%(method)s is added and in use.") % {"method": method})
            return redirect("orders:shipping_settings", shop_id)
    return render(
        request, "orders/shipping_settings.html", _settings_context(access, form, methods)
    )


def _method_context(
    access: ShopAccess, method: ShippingMethod, form: ShippingRateForm
) -> dict[str, Any]:
    return {
        "access": access,
        "shop": access.shop,
        "method": method,
        "form": form,
        "example": selectors.fee_example(method=method, region=selectors.example_region()),
    }


@login_required
def shipping_method(request: AuthenticatedRequest, shop_id: int, method_id: int) -> HttpResponse:
    """One method's rate table, and the form to add a row to it."""
    access = _access(request, shop_id)
    method = _method(access, method_id)
    if method.courier == Courier.PICKUP:
        # Free, no rates: nothing to set up beyond its place in the list.
        return redirect("orders:shipping_settings", shop_id)
    form = ShippingRateForm(request.POST or None, method=method)
    if request.method == "POST" and form.is_valid():
        region = form.cleaned_data["region"]
        try:
            services.shipping_rate_save(
                shop_id=shop_id,
                actor=request.user,
                method_id=method.pk,
                rate_id=None,
                region_id=region.pk if region is not None else None,
                rate=form.rate(),
            )
        except OrderNotFound:
            raise Http404 from None
        except OrderRefused as exc:
            form.add_error(None, str(exc.message))
        else:
            messages.success(request, _("The price is saved."))
            return redirect("orders:shipping_method", shop_id, method.pk)
    return render(request, "orders/shipping_method.html", _method_context(access, method, form))


@login_required
def shipping_rate_edit(
    request: AuthenticatedRequest, shop_id: int, method_id: int, rate_id: int
) -> HttpResponse:
    access = _access(request, shop_id)
    method = _method(access, method_id)
    rate = selectors.shipping_rate_get(method=method, rate_id=rate_id)
    if rate is None:
        raise Http404
    if request.method == "POST":
        form = ShippingRateForm(request.POST, method=method, rate_id=rate.pk)
        if form.is_valid():
            region = form.cleaned_data["region"]
            try:
                services.shipping_rate_save(
                    shop_id=shop_id,
                    actor=request.user,
                    method_id=method.pk,
                    rate_id=rate.pk,
                    region_id=region.pk if region is not None else None,
                    rate=form.rate(),
                )
            except OrderNotFound:
                raise Http404 from None
            except OrderRefused as exc:
                form.add_error(None, str(exc.message))
            else:
                messages.success(request, _("The price is saved."))
                return redirect("orders:shipping_method", shop_id, method.pk)
    else:
        form = ShippingRateForm(
            initial=ShippingRateForm.initial_from(rate), method=method, rate_id=rate.pk
        )
    context = {"access": access, "shop": access.shop, "method": method, "rate": rate, "form": form}
    return render(request, "orders/shipping_rate_form.html", context)


def _act(request: AuthenticatedRequest, shop_id: int, act: Any, done: str, **kwargs: Any) -> None:
    """Call one service; a refusal becomes a message, an unknown id a 404."""
    _access(request, shop_id)
    try:
        act(shop_id=shop_id, actor=request.user, **kwargs)
    except OrderNotFound:
        raise Http404 from None
    except OrderRefused as exc:
        messages.error(request, str(exc.message))
    else:
        messages.success(request, done)


@login_required
@require_POST
def shipping_method_toggle(
    request: AuthenticatedRequest, shop_id: int, method_id: int
) -> HttpResponse:
    is_active = request.POST.get("is_active") == "1"
    done = (
        _("The courier is in use: buyers can choose it.")
        if is_active
        else _("The courier is out of use: buyers no longer see it.")
    )
    _act(
        request,
        shop_id,
        services.shipping_method_toggle,
        done,
        method_id=method_id,
        is_active=is_active,
    )
    return redirect("orders:shipping_settings", shop_id)


@login_required
@require_POST
def shipping_method_delete(
    request: AuthenticatedRequest, shop_id: int, method_id: int
) -> HttpResponse:
    _act(
        request,
        shop_id,
        services.shipping_method_delete,
        _("The courier is deleted. Orders already placed with it keep their courier."),
        method_id=method_id,
    )
    return redirect("orders:shipping_settings", shop_id)


@login_required
@require_POST
def shipping_rate_delete(
    request: AuthenticatedRequest, shop_id: int, method_id: int, rate_id: int
) -> HttpResponse:
    _act(
        request,
        shop_id,
        services.shipping_rate_delete,
        _("The price row is deleted."),
        method_id=method_id,
        rate_id=rate_id,
    )
    return redirect("orders:shipping_method", shop_id, method_id)


urlpatterns: list[URLPattern] = [
    path("seller/<int:shop_id>/pengiriman/", shipping_settings, name="shipping_settings"),
    path(
        "seller/<int:shop_id>/pengiriman/<int:method_id>/",
        shipping_method,
        name="shipping_method",
    ),
    path(
        "seller/<int:shop_id>/pengiriman/<int:method_id>/status/",
        shipping_method_toggle,
        name="shipping_method_toggle",
    ),
    path(
        "seller/<int:shop_id>/pengiriman/<int:method_id>/hapus/",
        shipping_method_delete,
        name="shipping_method_delete",
    ),
    path(
        "seller/<int:shop_id>/pengiriman/<int:method_id>/tarif/<int:rate_id>/",
        shipping_rate_edit,
        name="shipping_rate_edit",
    ),
    path(
        "seller/<int:shop_id>/pengiriman/<int:method_id>/tarif/<int:rate_id>/hapus/",
        shipping_rate_delete,
        name="shipping_rate_delete",
    ),
]
