"""The buyer's orders: list, detail with timeline, acts, invoice."""

from django.http import Http404, HttpRequest, HttpResponse
from django.urls import URLPattern, path


def order_detail(request: HttpRequest, number: str) -> HttpResponse:
    raise Http404


urlpatterns: list[URLPattern] = [
    path("pesanan/<str:number>/", order_detail, name="order_detail"),
]
