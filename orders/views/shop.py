"""The shop's orders in the seller centre: lists by status, detail, acts, packing slip, label."""

from django.http import Http404, HttpRequest, HttpResponse
from django.urls import URLPattern, path


def shop_order_detail(request: HttpRequest, shop_id: int, shop_order_id: int) -> HttpResponse:
    raise Http404


urlpatterns: list[URLPattern] = [
    path(
        "seller/<int:shop_id>/pesanan/<int:shop_order_id>/",
        shop_order_detail,
        name="shop_order_detail",
    ),
]
