"""Commission and the community profit share.

- The rate of an order line: the shop's own rate (set by an admin), else its product's category
  rate, else `KOMEJI_DEFAULT_COMMISSION_BP`. Checkout snapshots it on the OrderLine; later changes
  never touch an order.
- The commission of a ShopOrder: each line's `line_total` at its snapshotted rate (rounded half
  up to whole rupiah, `apply_rate`), summed. Shipping carries no commission.
- The split: the commission goes to the platform and the shop's community by the
  ProfitShareAgreement in force on the completion date (the community's own, else the default
  one), by largest remainder. A shop without a community, or no agreement in force, gives it all
  to the platform.
"""

import datetime as dt
from dataclasses import dataclass

from django.conf import settings
from django.db.models import Q

from komeji.common.money import BASIS_POINTS_WHOLE, apply_rate, split_by_basis_points
from marketplace.models import Category
from orders.models import ShopOrder
from payments.models import ProfitShareAgreement
from vendors.models import Community, Shop


def commission_rate_for(*, shop: Shop, category: Category | None) -> int:
    """Basis points: shop override → category → the default."""
    if shop.commission_bp is not None:
        return shop.commission_bp
    if category is not None:
        return category.commission_bp
    return int(settings.KOMEJI_DEFAULT_COMMISSION_BP)


def _in_force(on: dt.date) -> Q:
    return Q(valid_from__lte=on) & (Q(valid_until__isnull=True) | Q(valid_until__gte=on))


def agreement_in_force(*, community: Community | None, on: dt.date) -> ProfitShareAgreement | None:
    """The community's own agreement in force on `on`, else the default one in force then, else
    None. (Periods of one scope never overlap, so there is at most one of each.)"""
    if community is None:
        return None
    agreements = ProfitShareAgreement.objects.filter(
        _in_force(on), Q(community=community) | Q(community__isnull=True)
    ).order_by("community_id")  # the community's own (not null) sorts before the default
    return agreements.first()


@dataclass(frozen=True)
class CommissionSplit:
    """What a completed ShopOrder's money becomes. `shop + platform + community == total`."""

    total: int  # goods + shipping: what leaves escrow
    goods: int
    shipping: int
    commission: int
    platform: int
    community: int
    community_payee: Community | None
    agreement: ProfitShareAgreement | None

    @property
    def shop(self) -> int:
        return self.goods - self.commission + self.shipping


def shop_order_commission(*, shop_order: ShopOrder) -> int:
    return sum(
        apply_rate(line_total, rate)
        for line_total, rate in shop_order.lines.values_list("line_total", "commission_bp")
    )


def commission_split(*, shop_order: ShopOrder, on: dt.date) -> CommissionSplit:
    """Split the ShopOrder's money as of the day `on` (its completion date)."""
    commission = shop_order_commission(shop_order=shop_order)
    community = shop_order.shop.community
    agreement = agreement_in_force(community=community, on=on)
    if agreement is None or agreement.community_bp == 0:
        platform, community_share = commission, 0
    else:
        platform, community_share = split_by_basis_points(
            commission, [agreement.platform_bp, agreement.community_bp]
        )
    assert platform + community_share == commission
    assert agreement is None or agreement.platform_bp + agreement.community_bp == (
        BASIS_POINTS_WHOLE
    )
    return CommissionSplit(
        total=shop_order.goods_total + shop_order.shipping_fee,
        goods=shop_order.goods_total,
        shipping=shop_order.shipping_fee,
        commission=commission,
        platform=platform,
        community=community_share,
        community_payee=community if community_share else None,
        agreement=agreement,
    )
