"""Shipping fees and estimates.

A rates provider answers "what does this shop's method cost to this kabupaten/kota for this
weight". Today every courier is served by the shop's own rate table (`TableRates`); a courier API
(RajaOngkir, Biteship, a courier's own) plugs in later as another provider registered for its
courier in PROVIDERS, without touching checkout.
"""

import math
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Protocol

from django.db.models import Prefetch, Q, QuerySet

from orders.models import Courier, ShippingMethod, ShippingRate


@dataclass(frozen=True)
class Quote:
    method_id: int
    courier: str
    service: str
    label: str
    fee: int
    eta_days_min: int
    eta_days_max: int

    @property
    def is_pickup(self) -> bool:
        return self.courier == Courier.PICKUP


def billable_kg(weight_grams: int) -> int:
    """Couriers bill whole kilograms, rounded up, at least one."""
    return max(1, math.ceil(weight_grams / 1000))


def table_fee(*, first_kg_price: int, next_kg_price: int, weight_grams: int) -> int:
    return first_kg_price + next_kg_price * (billable_kg(weight_grams) - 1)


class RatesProvider(Protocol):
    def quotes(
        self, *, methods: list[ShippingMethod], region_id: int, weight_grams: int
    ) -> list[Quote]:
        """Quotes for those of `methods` (one shop's, active) that reach `region_id`."""
        ...


class TableRates:
    """The shop's own table: the row of the destination, else its default row."""

    def quotes(
        self, *, methods: list[ShippingMethod], region_id: int, weight_grams: int
    ) -> list[Quote]:
        rates: dict[int, dict[int | None, ShippingRate]] = defaultdict(dict)
        prefetched = all(hasattr(m, "destination_rates") for m in methods)
        rows: Iterable[ShippingRate] = (
            [rate for m in methods for rate in m.destination_rates]  # type: ignore[attr-defined]
            if prefetched
            else _destination_rates(region_id).filter(
                method__in=[m.pk for m in methods if m.courier != Courier.PICKUP]
            )
        )
        for rate in rows:
            rates[rate.method_id][rate.region_id] = rate
        found = []
        for method in methods:
            if method.courier == Courier.PICKUP:
                found.append(_quote(method, fee=0, eta=(0, 0)))
                continue
            found_rate = rates[method.pk].get(region_id) or rates[method.pk].get(None)
            if found_rate is None:
                continue
            rate = found_rate
            fee = table_fee(
                first_kg_price=rate.first_kg_price,
                next_kg_price=rate.next_kg_price,
                weight_grams=weight_grams,
            )
            found.append(_quote(method, fee=fee, eta=(rate.eta_days_min, rate.eta_days_max)))
        return found


def _destination_rates(region_id: int) -> QuerySet[ShippingRate]:
    return ShippingRate.objects.filter(Q(region_id=region_id) | Q(region__isnull=True))


def _quote(method: ShippingMethod, *, fee: int, eta: tuple[int, int]) -> Quote:
    return Quote(
        method_id=method.pk,
        courier=method.courier,
        service=method.service,
        label=str(method),
        fee=fee,
        eta_days_min=eta[0],
        eta_days_max=eta[1],
    )


_TABLE = TableRates()
# courier → provider; couriers not listed use the shop's rate table.
PROVIDERS: dict[str, RatesProvider] = {}


def quotes_for_shops(*, weights: dict[int, int], region_id: int) -> dict[int, list[Quote]]:
    """For each shop (id → total weight in grams of its goods), the quotes of its active methods
    to `region_id`, cheapest first. A shop with no quote does not ship there."""
    methods_by_shop: dict[int, list[ShippingMethod]] = defaultdict(list)
    # The rows of every shop's table for this destination come in one query (`destination_rates`).
    active = ShippingMethod.objects.filter(shop_id__in=list(weights), is_active=True)
    for row in active.prefetch_related(
        Prefetch("rates", queryset=_destination_rates(region_id), to_attr="destination_rates")
    ):
        methods_by_shop[row.shop_id].append(row)
    result: dict[int, list[Quote]] = {}
    for shop_id, weight in weights.items():
        by_provider: dict[int, tuple[RatesProvider, list[ShippingMethod]]] = {}
        for method in methods_by_shop.get(shop_id, []):
            provider = PROVIDERS.get(method.courier, _TABLE)
            by_provider.setdefault(id(provider), (provider, []))[1].append(method)
        quotes: list[Quote] = []
        for provider, methods in by_provider.values():
            quotes.extend(
                provider.quotes(methods=methods, region_id=region_id, weight_grams=weight)
            )
        result[shop_id] = sorted(quotes, key=lambda q: (q.fee, q.eta_days_max, q.method_id))
    return result
