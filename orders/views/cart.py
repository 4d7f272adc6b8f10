"""Cart and checkout pages."""

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import URLPattern, path
from django.views.decorators.http import require_GET


@require_GET
def cart(request: HttpRequest) -> HttpResponse:
    return render(request, "orders/cart.html")


urlpatterns: list[URLPattern] = [
    path("keranjang/", cart, name="cart"),
]
