"""Reads of the balance pages: a shop's money (seller centre) and a community's share
(community centre). Every figure is a sum over the ledger or the orders, in a fixed number of
queries whatever the history's length."""

from dataclasses import dataclass
from typing import Any

from django.db.models import Count, F, OuterRef, QuerySet, Subquery, Sum
from django.db.models.functions import TruncMonth

from orders.models import ShopOrder, ShopOrderStatus
from payments.models import AccountKind, JournalLeg, PayoutLine, PayoutLineStatus
from payments.services.bookings import COMPLETED_KIND
from vendors.models import Community, CommunityMember, Shop

S = ShopOrderStatus
# Paid by the buyer and not yet completed (nor cancelled): the money waits in escrow.
IN_ESCROW_STATUSES = [S.PAID, S.PROCESSING, S.SHIPPED, S.DELIVERED]
PAYOUT_HISTORY_ROWS = 52  # a year of weekly runs


@dataclass(frozen=True)
class Balance:
    in_escrow: int
    available: int  # the payable's balance: what the next payout run would pay (if ≥ minimum)
    paid_out: int


def _owed(**account: Any) -> int:
    """What the platform owes on a payable: minus the sum of its legs (a credit balance)."""
    total = JournalLeg.objects.filter(**account).aggregate(t=Sum("amount"))["t"]
    return -int(total or 0)


def _paid_out(**payee: Any) -> int:
    total = PayoutLine.objects.filter(status=PayoutLineStatus.TRANSFERRED, **payee).aggregate(
        t=Sum("amount")
    )["t"]
    return int(total or 0)


def shop_balance(*, shop: Shop) -> Balance:
    """Three queries."""
    escrow = ShopOrder.objects.filter(shop=shop, status__in=IN_ESCROW_STATUSES).aggregate(
        t=Sum(F("goods_total") + F("shipping_fee"))
    )["t"]
    return Balance(
        in_escrow=int(escrow or 0),
        available=_owed(account__kind=AccountKind.SHOP_PAYABLE, account__shop=shop),
        paid_out=_paid_out(shop=shop),
    )


def shop_completed_orders(*, shop: Shop) -> QuerySet[ShopOrder]:
    """The shop's completed orders whose money was released (a completion journal), newest
    first, annotated with gross (goods + shipping), net (what the completion journal credited the
    shop's payable) and commission (gross - net)."""
    net = (
        JournalLeg.objects.filter(
            journal__shop_order=OuterRef("pk"),
            journal__kind=COMPLETED_KIND,
            account__kind=AccountKind.SHOP_PAYABLE,
        )
        .annotate(credit=-F("amount"))
        .values("credit")[:1]
    )
    return (
        ShopOrder.objects.filter(shop=shop, status=S.COMPLETED)
        .annotate(net=Subquery(net), gross=F("goods_total") + F("shipping_fee"))
        .filter(net__isnull=False)
        .annotate(commission=F("gross") - F("net"))
        .select_related("order")
        .order_by("-completed_at", "-id")
    )


def payout_history(**payee: Any) -> QuerySet[PayoutLine]:
    """`shop=…` or `community=…`: the payee's payout lines, newest first, with their run."""
    return (
        PayoutLine.objects.filter(**payee)
        .select_related("run")
        .order_by("-created_at", "-id")[:PAYOUT_HISTORY_ROWS]
    )


def communities_coordinated(*, user: Any) -> list[Community]:
    """The active communities the user coordinates (mentors do not see the money)."""
    if not getattr(user, "is_authenticated", False):
        return []
    return [
        member.community
        for member in CommunityMember.objects.filter(
            user=user, role=CommunityMember.Role.COORDINATOR, community__is_active=True
        )
        .select_related("community")
        .order_by("community__name")
    ]


def community_balance(*, community: Community) -> Balance:
    """Two queries. A community has no escrow of its own: its share is released at completion."""
    return Balance(
        in_escrow=0,
        available=_owed(account__kind=AccountKind.COMMUNITY_PAYABLE, account__community=community),
        paid_out=_paid_out(community=community),
    )


def _community_shares(community: Community) -> QuerySet[JournalLeg]:
    return JournalLeg.objects.filter(
        account__kind=AccountKind.COMMUNITY_PAYABLE,
        account__community=community,
        journal__kind=COMPLETED_KIND,
    )


def community_share_by_month(*, community: Community) -> list[dict[str, Any]]:
    """Rows of month (first day, local time), share, orders; newest month first."""
    return list(
        _community_shares(community)
        .annotate(month=TruncMonth("journal__created_at"))
        .values("month")
        .annotate(share=-Sum("amount"), orders=Count("id"))
        .order_by("-month")
    )


def community_share_by_shop(*, community: Community) -> list[dict[str, Any]]:
    """Rows of shop_id, shop_name, share, orders; largest share first."""
    return list(
        _community_shares(community)
        .values(
            shop_id=F("journal__shop_order__shop_id"),
            shop_name=F("journal__shop_order__shop__name"),
        )
        .annotate(share=-Sum("amount"), orders=Count("id"))
        .order_by("-share", "shop_name")
    )
