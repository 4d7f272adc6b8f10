from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET


@require_GET
def cart(request: HttpRequest) -> HttpResponse:
    # The cart arrives with the orders issue; until then it is honestly empty.
    return render(request, "orders/cart.html")
