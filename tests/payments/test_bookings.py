"""The journals of an order's life: completion (escrow → shop, platform, community), refund
before completion (escrow → refunds), and nothing booked where nothing is in escrow."""

import datetime as dt

import pytest
from django.utils import timezone

from komeji.common.money import split_by_basis_points
from orders.models import ShopOrderStatus
from orders.services import transitions
from payments.models import AccountKind, Journal, JournalLeg, ProfitShareAgreement
from payments.services.bookings import shop_order_completed_book, shop_order_refund_book
from tests.orders.conftest import fill_cart, place, variant
from tests.payments.ledger_support import (
    balance,
    balances,
    complete,
    legs_of,
    make_order,
    move,
    pay,
)
from vendors.models import Shop

S = ShopOrderStatus
K = AccountKind


@pytest.fixture
def community_shop(shop, malang_community) -> Shop:
    """Keripik Tempe Bu Siti, onboarded by Relawan TIK Kota Malang."""
    Shop.objects.filter(pk=shop.pk).update(community=malang_community)
    shop.refresh_from_db()
    return shop


def agreement(community, platform_bp: int, community_bp: int, since: dt.date, until=None):
    return ProfitShareAgreement.objects.create(
        community=community,
        platform_bp=platform_bp,
        community_bp=community_bp,
        valid_from=since,
        valid_until=until,
    )


def today() -> dt.date:
    return timezone.localdate()


def test_completion_splits_commission_70_30(buyer, community_shop, malang_community):
    # Given goods of Rp 120.000 at 5 % with Rp 15.000 shipping, an agreement 70/30 in force
    agreement(malang_community, 7000, 3000, today() - dt.timedelta(days=30))
    order = make_order(buyer, [(community_shop, [(40_000, 3, 500)], 15_000)])
    pay(order)
    shop_order = order.shop_orders.get()
    # When it completes
    complete(shop_order)
    # Then escrow releases Rp 135.000: shop 129.000, platform 4.200, community 1.800
    assert legs_of(f"complete:{shop_order.pk}") == {
        (K.ESCROW, None): 135_000,
        (K.SHOP_PAYABLE, community_shop.pk): -129_000,
        (K.PLATFORM_REVENUE, None): -4_200,
        (K.COMMUNITY_PAYABLE, malang_community.pk): -1_800,
    }
    assert balance(K.ESCROW) == 0
    journal = Journal.objects.get(idempotency_key=f"complete:{shop_order.pk}")
    assert journal.kind == "shop_order_completed"
    assert journal.shop_order_id == shop_order.pk
    assert journal.reason == "commission 6000, share 7000/3000 bp"


def test_shop_without_community_gives_all_commission_to_platform(buyer, shop):
    # Given a default agreement: it does not apply to a shop without a community
    agreement(None, 7000, 3000, today() - dt.timedelta(days=30))
    order = make_order(buyer, [(shop, [(40_000, 3, 500)], 15_000)])
    pay(order)
    shop_order = order.shop_orders.get()
    complete(shop_order)
    assert legs_of(f"complete:{shop_order.pk}") == {
        (K.ESCROW, None): 135_000,
        (K.SHOP_PAYABLE, shop.pk): -129_000,
        (K.PLATFORM_REVENUE, None): -6_000,
    }


def test_agreement_not_yet_in_force_falls_back_to_default(buyer, community_shop, malang_community):
    # Given the community's own 50/50 agreement starts tomorrow; the default 80/20 is in force
    agreement(malang_community, 5000, 5000, today() + dt.timedelta(days=1))
    agreement(None, 8000, 2000, today() - dt.timedelta(days=10))
    # and its earlier own agreement ended yesterday
    agreement(
        malang_community, 6000, 4000, today() - dt.timedelta(days=60), today() - dt.timedelta(1)
    )
    order = make_order(buyer, [(community_shop, [(40_000, 3, 500)], 15_000)])
    pay(order)
    shop_order = complete(order.shop_orders.get())
    legs = legs_of(f"complete:{shop_order.pk}")
    assert legs[(K.PLATFORM_REVENUE, None)] == -4_800
    assert legs[(K.COMMUNITY_PAYABLE, malang_community.pk)] == -1_200


def test_no_agreement_in_force_gives_all_to_platform(buyer, community_shop, malang_community):
    agreement(malang_community, 5000, 5000, today() + dt.timedelta(days=1))
    order = make_order(buyer, [(community_shop, [(40_000, 3, 500)], 15_000)])
    pay(order)
    shop_order = complete(order.shop_orders.get())
    assert legs_of(f"complete:{shop_order.pk}") == {
        (K.ESCROW, None): 135_000,
        (K.SHOP_PAYABLE, community_shop.pk): -129_000,
        (K.PLATFORM_REVENUE, None): -6_000,
    }


def test_odd_amounts_split_exactly_by_largest_remainder(buyer, community_shop, malang_community):
    assert split_by_basis_points(123_457, [9000, 700, 300]) == [111_111, 8_642, 3_704]
    # Given Rp 123.457 of goods at 100 % and at 2.5 %, a 90/10 agreement
    agreement(malang_community, 9000, 1000, today())
    order = make_order(buyer, [(community_shop, [(123_457, 1, 10_000), (123_457, 1, 250)], 9_999)])
    pay(order)
    shop_order = complete(order.shop_orders.get())
    # Commission 123.457 + 3.086 (3.086,425 rounded) = 126.543; 90 % = 113.888,7 → 113.889
    legs = legs_of(f"complete:{shop_order.pk}")
    assert legs == {
        (K.ESCROW, None): 256_913,
        (K.SHOP_PAYABLE, community_shop.pk): -130_370,
        (K.PLATFORM_REVENUE, None): -113_889,
        (K.COMMUNITY_PAYABLE, malang_community.pk): -12_654,
    }
    assert sum(legs.values()) == 0


def test_refund_before_completion_moves_escrow_to_refunds(buyer, shop, other_shop):
    # Given a paid order of two shops
    order = make_order(
        buyer, [(shop, [(25_000, 2, 500)], 10_000), (other_shop, [(350_000, 1, 700)], 12_000)]
    )
    pay(order)
    first, second = order.shop_orders.order_by("pk")
    # When the first is cancelled after acceptance
    move(first, S.PROCESSING, S.CANCELLED)
    # Then its Rp 60.000 leaves escrow for the refunds; the second stays in escrow
    assert legs_of(f"refund:{first.pk}") == {(K.ESCROW, None): 60_000, (K.REFUNDS, None): -60_000}
    assert balance(K.ESCROW) == -362_000
    assert balance(K.REFUNDS) == -60_000
    assert balance(K.GATEWAY_RECEIVABLE) == 422_000
    assert not Journal.objects.filter(idempotency_key=f"refund:{second.pk}").exists()


def test_completion_and_refund_are_booked_once(buyer, shop, other_shop):
    order = make_order(
        buyer, [(shop, [(25_000, 2, 500)], 10_000), (other_shop, [(350_000, 1, 700)], 12_000)]
    )
    pay(order)
    first, second = order.shop_orders.order_by("pk")
    first = complete(first)
    second = move(second, S.CANCELLED)
    before = balances()
    journal, posted = shop_order_completed_book(shop_order=first)  # type: ignore[misc]
    assert posted is False and journal.idempotency_key == f"complete:{first.pk}"
    journal, posted = shop_order_refund_book(shop_order=second)  # type: ignore[misc]
    assert posted is False and journal.idempotency_key == f"refund:{second.pk}"
    assert balances() == before
    assert Journal.objects.count() == 3


def test_placeholder_paid_order_books_nothing(buyer, shop, other_shop):
    # Given an order marked paid by the placeholder: no Payment, nothing in escrow
    order = make_order(
        buyer, [(shop, [(25_000, 2, 500)], 10_000), (other_shop, [(350_000, 1, 700)], 12_000)]
    )
    transitions.order_mark_paid(order_id=order.pk, source="placeholder")
    first, second = order.shop_orders.order_by("pk")
    # When one completes and the other is cancelled after payment
    first = complete(first)
    second = move(second, S.CANCELLED)
    # Then the order life went on, and the ledger has nothing (there is nothing to release)
    assert second.refund_amount == 362_000
    assert first.status == S.COMPLETED
    assert Journal.objects.count() == 0
    assert JournalLeg.objects.count() == 0
    assert shop_order_completed_book(shop_order=first) is None


def test_unpaid_cancel_books_nothing(buyer, shop):
    order = make_order(buyer, [(shop, [(25_000, 2, 500)], 10_000)])
    move(order.shop_orders.get(), S.CANCELLED)
    assert Journal.objects.count() == 0


def test_whole_life_through_checkout_and_the_real_acts(
    buyer, address, tempe, owner, malang_community, categories
):
    """Placed by checkout, paid, accepted, shipped and received by the buyer's own acts."""
    Shop.objects.filter(pk=tempe.shop_id).update(community=malang_community)
    agreement(malang_community, 7000, 3000, today())
    fill_cart(buyer, (variant(tempe, 0), 2))
    order = place(buyer, address)
    shop_order = order.shop_orders.get()
    line = shop_order.lines.get()
    assert line.commission_bp == categories["crafts"].commission_bp
    pay(order)
    transitions.shop_order_accept(shop_order_id=shop_order.pk, actor=owner)
    transitions.shop_order_ship(shop_order_id=shop_order.pk, actor=owner, tracking_number="JN01")
    transitions.shop_order_confirm_received(shop_order_id=shop_order.pk, actor=buyer)
    commission = (50_000 * line.commission_bp * 2 + 10_000) // 20_000
    platform, community = split_by_basis_points(commission, [7000, 3000])
    journal = Journal.objects.get(idempotency_key=f"complete:{shop_order.pk}")
    assert journal.actor == buyer
    assert legs_of(journal.idempotency_key) == {
        (K.ESCROW, None): 50_000 + shop_order.shipping_fee,
        (K.SHOP_PAYABLE, tempe.shop_id): -(50_000 - commission + shop_order.shipping_fee),
        (K.PLATFORM_REVENUE, None): -platform,
        (K.COMMUNITY_PAYABLE, malang_community.pk): -community,
    }
    assert balance(K.ESCROW) == 0
