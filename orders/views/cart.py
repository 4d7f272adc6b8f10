"""Cart and checkout pages: add to cart (product page), the cart grouped by shop (change
quantity, remove), and checkout (address, courier and note per shop, payment method, review,
place). Plain forms, redirect after POST; a refused act is a message, nothing changed."""

import uuid
from typing import Any
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import URLPattern, path, reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from komeji.common.types import AuthenticatedRequest
from orders.forms.cart import NOTE_MAX, CartAddForm, CartLineQuantityForm, CheckoutForm
from orders.models import CART_MAX_QUANTITY, payment_methods_offered
from orders.selectors.cart import buyer_addresses, cart_view
from orders.services.cart import cart_add, cart_for, cart_line_remove, cart_line_set_quantity
from orders.services.checkout import checkout_plan, order_place
from orders.services.errors import OrderRefused


def _safe_next(request: HttpRequest, url: str | None) -> str | None:
    if url and url_has_allowed_host_and_scheme(
        url, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return url
    return None


@require_GET
def cart(request: HttpRequest) -> HttpResponse:
    found = cart_for(user=request.user, session=request.session)
    return render(request, "orders/cart.html", {"view": cart_view(cart=found)})


@require_POST
def cart_add_view(request: HttpRequest) -> HttpResponse:
    form = CartAddForm(request.POST)
    back = _safe_next(request, request.POST.get("next")) or reverse("orders:cart")
    if not form.is_valid():
        if "variant" in form.errors:
            messages.error(request, _("Choose a variant."))
        else:
            messages.error(
                request,
                _("Quantity must be between 1 and %(max)d.") % {"max": CART_MAX_QUANTITY},
            )
        return redirect(back)
    found = cart_for(user=request.user, session=request.session, create=True)
    assert found is not None
    try:
        cart_add(
            cart=found,
            variant_id=form.cleaned_data["variant"],
            quantity=form.cleaned_data["quantity"],
        )
    except OrderRefused as exc:
        messages.error(request, exc.message)
        return redirect(back)
    if form.cleaned_data["buy_now"]:
        return redirect("orders:checkout")
    messages.success(request, _("Added to your cart."))
    return redirect(back)


@require_POST
def cart_line_update(request: HttpRequest, line_id: int) -> HttpResponse:
    form = CartLineQuantityForm(request.POST)
    found = cart_for(user=request.user, session=request.session)
    if not form.is_valid():
        messages.error(
            request, _("Quantity must be between 1 and %(max)d.") % {"max": CART_MAX_QUANTITY}
        )
        return redirect("orders:cart")
    try:
        if found is None:
            raise OrderRefused(_("This product is no longer in your cart."))
        line = cart_line_set_quantity(
            cart=found, line_id=line_id, quantity=form.cleaned_data["quantity"]
        )
    except OrderRefused as exc:
        messages.error(request, exc.message)
        return redirect("orders:cart")
    if line is None:
        messages.success(request, _("Removed from your cart."))
        return redirect("orders:cart")
    # Back to the line that changed, not the top of a long cart.
    return redirect(f"{reverse('orders:cart')}#line-{line.pk}")


@require_POST
def cart_line_remove_view(request: HttpRequest, line_id: int) -> HttpResponse:
    found = cart_for(user=request.user, session=request.session)
    if found is not None and cart_line_remove(cart=found, line_id=line_id):
        messages.success(request, _("Removed from your cart."))
    else:
        messages.error(request, _("This product is no longer in your cart."))
    return redirect("orders:cart")


def _checkout_page(
    request: AuthenticatedRequest, form: CheckoutForm, *, token: uuid.UUID | None = None
) -> HttpResponse:
    address = form.chosen_address()
    plan = checkout_plan(
        cart=cart_for(user=request.user, session=request.session),
        address=address,
        shipping=form.shipping(),
        notes=form.notes(),
    )
    checkout_url = reverse("orders:checkout")
    context: dict[str, Any] = {
        "plan": plan,
        "addresses": form.addresses,
        "address": address,
        "payment_methods": payment_methods_offered(),
        "payment_method": form.chosen_payment_method(),
        # A new page, a new token: placing it twice (a double click, a retried POST) finds the
        # order the first one placed.
        "checkout_token": token or uuid.uuid4(),
        "note_max": NOTE_MAX,
        "address_create_url": (
            f"{reverse('accounts:address_create')}?{urlencode({'next': checkout_url})}"
        ),
    }
    return render(request, "orders/checkout.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def checkout(request: AuthenticatedRequest) -> HttpResponse:
    addresses = list(buyer_addresses(user=request.user))
    if request.method == "GET":
        return _checkout_page(request, CheckoutForm(request.GET, addresses=addresses))
    form = CheckoutForm(request.POST, addresses=addresses)
    if "update" in request.POST:
        # "Update": show the page again for the new choices (the address, the couriers).
        return redirect(f"{reverse('orders:checkout')}?{form.querystring()}")
    token = form.token()
    if token is None:
        messages.error(request, _("This page has expired. Check your order and place it again."))
        return _checkout_page(request, form)
    try:
        order = order_place(
            buyer=request.user,
            checkout_token=token,
            address_id=form.posted_address_id(),
            shipping=form.shipping(),
            notes=form.notes(),
            payment_method=form.posted_payment_method(),
            expected_goods_total=form.posted_goods_total(),
            expected_fees=form.posted_fees(),
        )
    except OrderRefused as exc:
        messages.error(request, exc.message)
        return _checkout_page(request, form, token=token)
    return redirect(reverse("orders:order_detail", args=[order.number]))


urlpatterns: list[URLPattern] = [
    path("keranjang/", cart, name="cart"),
    path("keranjang/tambah/", cart_add_view, name="cart_add"),
    path("keranjang/<int:line_id>/ubah/", cart_line_update, name="cart_line_update"),
    path("keranjang/<int:line_id>/hapus/", cart_line_remove_view, name="cart_line_remove"),
    path("checkout/", checkout, name="checkout"),
]
