"""Balance pages: the shop owner's money in the seller centre, a community's share in the
community centre (coordinators only). Anyone else gets 404, as an outsider would."""

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import render
from django.urls import URLPattern, path
from django.views.decorators.http import require_GET

from komeji.common.types import AuthenticatedRequest
from payments.selectors import balance as selectors
from vendors.selectors import shop_access_get

ORDERS_PER_PAGE = 50


@login_required
@require_GET
def shop_balance(request: AuthenticatedRequest, shop_id: int) -> HttpResponse:
    access = shop_access_get(user=request.user, shop_id=shop_id)
    # The money is the owner's to see (the same right as the bank account), not staff's.
    if access is None or not access.can_manage_bank:
        raise Http404
    shop = access.shop
    orders = Paginator(selectors.shop_completed_orders(shop=shop), ORDERS_PER_PAGE)
    context = {
        "access": access,
        "shop": shop,
        "balance": selectors.shop_balance(shop=shop),
        "orders_page": orders.get_page(request.GET.get("p")),
        "payouts": selectors.payout_history(shop=shop),
    }
    return render(request, "payments/balance_shop.html", context)


@login_required
@require_GET
def community_balance(request: AuthenticatedRequest) -> HttpResponse:
    communities = selectors.communities_coordinated(user=request.user)
    if not communities:
        raise Http404
    chosen = request.GET.get("c", "")
    community = next((c for c in communities if str(c.pk) == chosen), communities[0])
    context = {
        "communities": communities,
        "community": community,
        "balance": selectors.community_balance(community=community),
        "by_month": selectors.community_share_by_month(community=community),
        "by_shop": selectors.community_share_by_shop(community=community),
        "payouts": selectors.payout_history(community=community),
    }
    return render(request, "payments/balance_community.html", context)


urlpatterns: list[URLPattern] = [
    path("seller/<int:shop_id>/saldo/", shop_balance, name="shop_balance"),
    path("community/saldo/", community_balance, name="community_balance"),
]
