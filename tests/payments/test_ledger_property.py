"""A property over random order lives: random shops, lines, prices, quantities and commission
rates; paid or not; each ShopOrder completed, cancelled after payment (paid or accepted), or left
open; random dated agreements. Every journal sums to zero (PostgreSQL's deferred check is made to
fire), and the money reconciles: escrow holds what was paid less what was released and refunded,
and what shops, platform, communities and refunds received is exactly what finished orders paid."""

import datetime as dt

import pytest
from django.db import connection, transaction
from django.db.models import Sum
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from komeji.common.money import split_by_basis_points
from orders.models import ShopOrderStatus
from payments.models import AccountKind, Journal, ProfitShareAgreement
from tests.payments.ledger_support import balances, complete, legs_of, make_order, move, pay
from vendors.models import Shop

S = ShopOrderStatus
K = AccountKind

line = st.tuples(
    st.integers(min_value=1, max_value=3_000_000),  # unit price
    st.integers(min_value=1, max_value=5),  # quantity
    st.one_of(st.sampled_from([0, 250, 500, 700, 1500, 10_000]), st.integers(0, 10_000)),
)
shop_order = st.fixed_dictionaries(
    {
        "community_shop": st.booleans(),
        "lines": st.lists(line, min_size=1, max_size=3),
        "shipping": st.integers(min_value=0, max_value=60_000),
        "fate": st.sampled_from(["complete", "cancel_paid", "cancel_processing", "open"]),
    }
)
order = st.fixed_dictionaries(
    {
        "paid": st.booleans(),
        # one ShopOrder per shop: at most one with the community shop and one without
        "shop_orders": st.lists(
            shop_order, min_size=1, max_size=2, unique_by=lambda so: so["community_shop"]
        ),
    }
)
agreement = st.one_of(
    st.none(),
    st.tuples(st.integers(0, 10_000), st.integers(min_value=-5, max_value=5)),  # bp, start offset
)


def _commission(lines: list[tuple[int, int, int]]) -> int:
    # Half up to whole rupiah, written out independently of komeji.common.money.apply_rate.
    total = 0
    for price, quantity, bp in lines:
        exact_times_2 = price * quantity * bp * 2
        total += (exact_times_2 + 10_000) // 20_000
    return total


@pytest.fixture
def shops(shop, other_shop, malang_community):
    Shop.objects.filter(pk=shop.pk).update(community=malang_community)
    shop.refresh_from_db()
    return {True: shop, False: other_shop}


@pytest.mark.django_db
@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(orders=st.lists(order, min_size=1, max_size=3), own=agreement, default=agreement)
def test_random_order_lives_balance_and_reconcile(
    buyer, shops, malang_community, orders, own, default
):
    today = timezone.localdate()
    with transaction.atomic():
        in_force: dict[str, int] = {}
        for scope, spec in (("own", own), ("default", default)):
            if spec is None:
                continue
            platform_bp, offset = spec
            ProfitShareAgreement.objects.create(
                community=malang_community if scope == "own" else None,
                platform_bp=platform_bp,
                community_bp=10_000 - platform_bp,
                valid_from=today + dt.timedelta(days=offset),
            )
            if offset <= 0:
                in_force[scope] = 10_000 - platform_bp
        community_bp = in_force.get("own", in_force.get("default", 0))

        paid = completed = refunded = 0
        expected_shares: dict[int, tuple[int, int, int]] = {}
        for spec in orders:
            made = make_order(
                buyer,
                [
                    (shops[so["community_shop"]], so["lines"], so["shipping"])
                    for so in spec["shop_orders"]
                ],
            )
            if spec["paid"]:
                pay(made)
                paid += made.grand_total
            by_shop = {so.shop_id: so for so in made.shop_orders.all()}
            for so_spec in spec["shop_orders"]:
                shop_order = by_shop[shops[so_spec["community_shop"]].pk]
                total = shop_order.goods_total + shop_order.shipping_fee
                if not spec["paid"]:
                    move(shop_order, S.CANCELLED)
                    continue
                fate = so_spec["fate"]
                if fate == "complete":
                    complete(shop_order)
                    completed += total
                    commission = _commission(so_spec["lines"])
                    bp = community_bp if so_spec["community_shop"] else 0
                    platform, community = split_by_basis_points(commission, [10_000 - bp, bp])
                    expected_shares[shop_order.pk] = (
                        shop_order.goods_total - commission + shop_order.shipping_fee,
                        platform,
                        community,
                    )
                elif fate == "cancel_paid":
                    move(shop_order, S.CANCELLED)
                    refunded += total
                elif fate == "cancel_processing":
                    move(shop_order, S.PROCESSING, S.CANCELLED)
                    refunded += total

        # PostgreSQL's deferred zero-sum check fires now, as it would at commit.
        with connection.cursor() as cursor:
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
            cursor.execute("SET CONSTRAINTS ALL DEFERRED")
        unbalanced = Journal.objects.annotate(total=Sum("legs__amount")).exclude(total=0).count()
        assert unbalanced == 0

        got = balances()
        assert got[K.GATEWAY_RECEIVABLE] == paid
        assert got[K.ESCROW] == -(paid - completed - refunded)
        assert got[K.REFUNDS] == -refunded
        assert got[K.SHOP_PAYABLE] + got[K.PLATFORM_REVENUE] + got[K.COMMUNITY_PAYABLE] + got[
            K.REFUNDS
        ] == -(completed + refunded)
        for shop_order_id, (shop_net, platform, community) in expected_shares.items():
            legs = legs_of(f"complete:{shop_order_id}")
            assert -sum(v for (kind, _o), v in legs.items() if kind == K.SHOP_PAYABLE) == shop_net
            assert -legs.get((K.PLATFORM_REVENUE, None), 0) == platform
            assert -legs.get((K.COMMUNITY_PAYABLE, malang_community.pk), 0) == community
        assert Journal.objects.filter(kind="payment_settled").count() == sum(
            1 for o in orders if o["paid"]
        )
        # Each example starts from an empty ledger.
        transaction.set_rollback(True)
