"""Reads for the shop's shipping set-up pages: its methods with their rate tables, and the
worked example that shows a seller how a fee is counted."""

from dataclasses import dataclass
from decimal import Decimal

from django.db.models import F, Prefetch, QuerySet

from komeji.common.models import Region
from orders.models import Courier, ShippingMethod, ShippingRate
from orders.shipping import billable_kg, table_fee
from vendors.models import Shop

# The worked example: a parcel a little over one kilogram, to the province's largest city.
EXAMPLE_WEIGHT_GRAMS = 1_300
EXAMPLE_REGION_CODE = "3578"  # Kota Surabaya


def _rates() -> Prefetch:
    # Region rows by name, then the default row ("all other kabupaten/kota") last.
    return Prefetch(
        "rates",
        queryset=ShippingRate.objects.select_related("region").order_by(
            F("region__name").asc(nulls_last=True), "pk"
        ),
    )


def shop_shipping_methods(*, shop: Shop) -> QuerySet[ShippingMethod]:
    """The shop's methods, in use first, each with its rate table (two queries in all)."""
    return (
        ShippingMethod.objects.filter(shop=shop)
        .prefetch_related(_rates())
        .order_by("-is_active", "courier", "service", "pk")
    )


def shipping_method_get(*, shop: Shop, method_id: int) -> ShippingMethod | None:
    return ShippingMethod.objects.filter(shop=shop, pk=method_id).prefetch_related(_rates()).first()


def shipping_rate_get(*, method: ShippingMethod, rate_id: int) -> ShippingRate | None:
    return ShippingRate.objects.select_related("region").filter(method=method, pk=rate_id).first()


def regions() -> QuerySet[Region]:
    return Region.objects.order_by("kind", "name")


@dataclass(frozen=True)
class FeeExample:
    """What the page writes as "1,3 kg ke Kota Surabaya = Rp 10.000 + 1 x Rp 5.000 = Rp 15.000"."""

    weight_kg: Decimal
    destination: Region | None  # None: "all other kabupaten/kota"
    first_kg_price: int
    further_kg: int
    next_kg_price: int
    fee: int


def example_region() -> Region | None:
    return Region.objects.filter(code=EXAMPLE_REGION_CODE).first()


def fee_example(
    *, method: ShippingMethod, region: Region | None, weight_grams: int = EXAMPLE_WEIGHT_GRAMS
) -> FeeExample | None:
    """How the method's table prices a parcel to `region` (its own row, else the default row),
    or to the first destination the table has. None for pick-up and for an empty table. Reads
    the prefetched `rates`."""
    if method.courier == Courier.PICKUP:
        return None
    rows = list(method.rates.all())
    if not rows:
        return None
    by_region = {row.region_id: row for row in rows}
    rate = None
    destination = None
    if region is not None:
        rate = by_region.get(region.pk) or by_region.get(None)
        destination = region
    if rate is None:
        rate, destination = rows[0], rows[0].region
    return FeeExample(
        weight_kg=(Decimal(weight_grams) / 1000).normalize(),
        destination=destination,
        first_kg_price=rate.first_kg_price,
        further_kg=billable_kg(weight_grams) - 1,
        next_kg_price=rate.next_kg_price,
        fee=table_fee(
            first_kg_price=rate.first_kg_price,
            next_kg_price=rate.next_kg_price,
            weight_grams=weight_grams,
        ),
    )


def sample_fee_example(*, region: Region | None) -> FeeExample:
    """The example shown before the shop has any price: Rp 10.000 first kg, Rp 5.000 after."""
    first, further = 10_000, 5_000
    return FeeExample(
        weight_kg=(Decimal(EXAMPLE_WEIGHT_GRAMS) / 1000).normalize(),
        destination=region,
        first_kg_price=first,
        further_kg=billable_kg(EXAMPLE_WEIGHT_GRAMS) - 1,
        next_kg_price=further,
        fee=table_fee(
            first_kg_price=first, next_kg_price=further, weight_grams=EXAMPLE_WEIGHT_GRAMS
        ),
    )
