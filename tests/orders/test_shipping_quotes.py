"""Shipping quotes (orders/shipping.py): whole kilograms rounded up, the destination's row before
the default row, only active methods, pick-up free, cheapest first, and a rates provider taking
over a courier through the PROVIDERS registry."""

import pytest

from komeji.common.models import Region
from orders.models import Courier, ShippingMethod
from orders.shipping import PROVIDERS, Quote, billable_kg, quotes_for_shops, table_fee
from tests.orders.conftest import ships_everywhere

pytestmark = pytest.mark.django_db

SURABAYA = "3578"
MALANG = "3573"


def region(code: str) -> Region:
    return Region.objects.get(code=code)


@pytest.mark.parametrize(
    ("grams", "kg"), [(0, 1), (1, 1), (999, 1), (1_000, 1), (1_001, 2), (2_000, 2), (2_001, 3)]
)
def test_weight_is_billed_in_whole_kilograms_rounded_up_at_least_one(grams, kg):
    assert billable_kg(grams) == kg


def test_table_fee_is_first_kg_plus_each_further_kg():
    assert table_fee(first_kg_price=10_000, next_kg_price=5_000, weight_grams=1_300) == 15_000
    assert table_fee(first_kg_price=10_000, next_kg_price=5_000, weight_grams=1_000) == 10_000
    assert table_fee(first_kg_price=10_000, next_kg_price=5_000, weight_grams=3_001) == 25_000
    assert table_fee(first_kg_price=9_000, next_kg_price=0, weight_grams=7_500) == 9_000


def quotes(shop, code: str, grams: int = 1_300) -> list[Quote]:
    return quotes_for_shops(weights={shop.pk: grams}, region_id=region(code).pk)[shop.pk]


def test_the_destinations_own_row_beats_the_default_row(verified_shop):
    method = ships_everywhere(verified_shop, first=10_000, next_kg=5_000)
    ships_everywhere(verified_shop, first=7_000, next_kg=3_000, region=region(SURABAYA))

    [to_surabaya] = quotes(verified_shop, SURABAYA)
    [to_malang] = quotes(verified_shop, MALANG)

    assert (to_surabaya.method_id, to_surabaya.fee) == (method.pk, 10_000)
    assert to_malang.fee == 15_000
    assert to_surabaya.fee == 7_000 + 3_000
    assert (to_surabaya.label, to_surabaya.eta_days_min, to_surabaya.eta_days_max) == (
        "JNE REG",
        1,
        3,
    )


def test_a_method_without_a_row_for_the_destination_gives_no_quote(verified_shop):
    ships_everywhere(verified_shop, region=region(SURABAYA))  # no default row

    assert len(quotes(verified_shop, SURABAYA)) == 1
    assert quotes(verified_shop, MALANG) == []


def test_a_method_with_no_rates_at_all_gives_no_quote(verified_shop):
    ShippingMethod.objects.create(shop=verified_shop, courier=Courier.ANTERAJA, service="REG")
    assert quotes(verified_shop, MALANG) == []


def test_an_inactive_method_gives_no_quote(verified_shop):
    method = ships_everywhere(verified_shop)
    ShippingMethod.objects.filter(pk=method.pk).update(is_active=False)
    assert quotes(verified_shop, MALANG) == []


def test_pick_up_is_free_and_needs_no_rates(verified_shop):
    pickup = ShippingMethod.objects.create(shop=verified_shop, courier=Courier.PICKUP)

    [quote] = quotes(verified_shop, SURABAYA, grams=25_000)

    assert (quote.method_id, quote.fee, quote.eta_days_min, quote.eta_days_max) == (
        pickup.pk,
        0,
        0,
        0,
    )
    assert quote.is_pickup


def test_quotes_are_sorted_cheapest_first(verified_shop):
    jne = ships_everywhere(verified_shop, courier=Courier.JNE, first=12_000, next_kg=6_000)
    sicepat = ships_everywhere(verified_shop, courier=Courier.SICEPAT, first=9_000, next_kg=9_000)
    own = ships_everywhere(verified_shop, courier=Courier.OWN, service="", first=20_000)
    pickup = ShippingMethod.objects.create(shop=verified_shop, courier=Courier.PICKUP)

    # 1.3 kg → 2 kg: JNE 12.000 + 6.000 and SiCepat 9.000 + 9.000 tie at 18.000 with the same
    # estimate (the older method first); own delivery 20.000 + 5.000.
    ids_and_fees = [(q.method_id, q.fee) for q in quotes(verified_shop, MALANG)]

    assert ids_and_fees == [
        (pickup.pk, 0),
        (jne.pk, 18_000),
        (sicepat.pk, 18_000),
        (own.pk, 25_000),
    ]


def test_each_shop_gets_its_own_quotes(verified_shop, other_shop, assisted_shop):
    ships_everywhere(verified_shop, first=10_000)
    ships_everywhere(other_shop, courier=Courier.POS, service="Kilat", first=8_000, next_kg=4_000)

    result = quotes_for_shops(
        weights={verified_shop.pk: 500, other_shop.pk: 2_500, assisted_shop.pk: 100},
        region_id=region(MALANG).pk,
    )

    assert [q.fee for q in result[verified_shop.pk]] == [10_000]
    assert [(q.label, q.fee) for q in result[other_shop.pk]] == [("POS Indonesia Kilat", 16_000)]
    assert result[assisted_shop.pk] == []  # no courier: it does not ship there


class FlatCourierApi:
    """A stand-in for a courier's API: Rp 1.000 per kg to Surabaya, nothing elsewhere,
    whatever the shop's table says. Records what it was asked."""

    def __init__(self) -> None:
        self.asked: list[tuple[list[int], int, int]] = []

    def quotes(
        self, *, methods: list[ShippingMethod], region_id: int, weight_grams: int
    ) -> list[Quote]:
        self.asked.append(([m.pk for m in methods], region_id, weight_grams))
        if region_id != Region.objects.get(code=SURABAYA).pk:
            return []
        return [
            Quote(
                method_id=m.pk,
                courier=m.courier,
                service=m.service,
                label=str(m),
                fee=1_000 * billable_kg(weight_grams),
                eta_days_min=2,
                eta_days_max=2,
            )
            for m in methods
        ]


def test_a_provider_registered_for_a_courier_replaces_the_rate_table(verified_shop, monkeypatch):
    api = FlatCourierApi()
    monkeypatch.setitem(PROVIDERS, Courier.JNT, api)
    jnt = ships_everywhere(verified_shop, courier=Courier.JNT, service="EZ", first=50_000)
    jne = ships_everywhere(verified_shop, courier=Courier.JNE, first=10_000)

    to_surabaya = quotes(verified_shop, SURABAYA, grams=2_200)
    to_malang = quotes(verified_shop, MALANG, grams=2_200)

    # J&T is priced by the provider (3 kg x 1.000), not by its Rp 50.000 table row; JNE by its
    # table (10.000 + 2 x 5.000).
    assert [(q.method_id, q.fee, q.eta_days_max) for q in to_surabaya] == [
        (jnt.pk, 3_000, 2),
        (jne.pk, 20_000, 3),
    ]
    assert [q.method_id for q in to_malang] == [jne.pk]
    assert api.asked == [
        ([jnt.pk], region(SURABAYA).pk, 2_200),
        ([jnt.pk], region(MALANG).pk, 2_200),
    ]


def test_an_inactive_method_is_not_even_offered_to_its_provider(verified_shop, monkeypatch):
    api = FlatCourierApi()
    monkeypatch.setitem(PROVIDERS, Courier.JNT, api)
    jnt = ships_everywhere(verified_shop, courier=Courier.JNT, service="EZ")
    ShippingMethod.objects.filter(pk=jnt.pk).update(is_active=False)

    assert quotes(verified_shop, SURABAYA) == []
    assert api.asked == []
