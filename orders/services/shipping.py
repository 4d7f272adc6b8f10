"""The shop's shipping set-up: the couriers it uses (ShippingMethod) and their rate tables
(ShippingRate). Owner and staff only (`can_manage_orders`); every write locks the shop row, so two
members editing at once are serialised and the "one row per region" check cannot race.

Deleting a method is safe for orders: a ShopOrder copies the courier and fee it was placed with
and has no link to the method.
"""

from dataclasses import dataclass
from typing import Any

from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from komeji.common.models import Region
from komeji.common.money import format_rupiah
from orders.models import Courier, ShippingMethod, ShippingRate
from orders.services.errors import OrderNotFound, OrderRefused
from vendors.selectors import ShopAccess
from vendors.services.common import lock_shop_access
from vendors.services.errors import ShopNotFound

# The most a seller may charge for the first or a further kg: a typo guard, not a policy.
SHIPPING_PRICE_MAX = 10_000_000
ETA_DAYS_MAX = 30
SERVICE_MAX_LENGTH = 30


@dataclass(frozen=True)
class RateInput:
    """One row of a rate table as typed by the seller (whole rupiah, days)."""

    first_kg_price: int
    next_kg_price: int
    eta_days_min: int
    eta_days_max: int


def _lock(*, actor: Any, shop_id: int) -> ShopAccess:
    """Lock the shop; no access, or no right to orders (a mentor), reads as not found."""
    try:
        access = lock_shop_access(actor=actor, shop_id=shop_id)
    except ShopNotFound:
        raise OrderNotFound from None
    if not access.can_manage_orders:
        raise OrderNotFound
    return access


def _method(access: ShopAccess, method_id: int) -> ShippingMethod:
    method = ShippingMethod.objects.filter(pk=method_id, shop=access.shop).first()
    if method is None:
        raise OrderNotFound
    return method


def _check_rate(rate: RateInput) -> None:
    for price in (rate.first_kg_price, rate.next_kg_price):
        if price < 0 or price > SHIPPING_PRICE_MAX:
            raise OrderRefused(
                _("A shipping price is between Rp 0 and %(max)s.")
                % {"max": format_rupiah(SHIPPING_PRICE_MAX)}
            )
    if not 0 <= rate.eta_days_min <= rate.eta_days_max <= ETA_DAYS_MAX:
        raise OrderRefused(
            _(
                "The estimate is from 0 to %(max)s days, and its first number is not larger "
                "than the second."
            )
            % {"max": ETA_DAYS_MAX}
        )


def _region_taken(method: ShippingMethod, region: Region | None) -> OrderRefused:
    if region is None:
        return OrderRefused(
            _("%(method)s already has a price for all other kabupaten/kota: change that row.")
            % {"method": method}
        )
    return OrderRefused(
        _("%(method)s already has a price to %(region)s: change that row.")
        % {"method": method, "region": region}
    )


def shipping_method_add(
    *,
    shop_id: int,
    actor: Any,
    courier: str,
    service: str = "",
    default_rate: RateInput | None = None,
    copy_from_method_id: int | None = None,
) -> ShippingMethod:
    """Add a courier service to the shop, in use at once. Its rate table starts with either
    `default_rate` (one price for all of Jawa Timur), or a copy of another of the shop's methods'
    rows, or nothing (the seller adds rows next). Pick-up at the shop is free and takes no rates.

    Refused: an unknown courier, a service too long, the same courier and service twice, a bad
    rate, both a default rate and a copy."""
    if courier not in Courier.values:
        raise OrderRefused(_("Choose a courier from the list."))
    service = " ".join(service.split())
    if len(service) > SERVICE_MAX_LENGTH:
        raise OrderRefused(
            _("The service name has at most %(n)s characters.") % {"n": SERVICE_MAX_LENGTH}
        )
    is_pickup = courier == Courier.PICKUP
    if is_pickup:
        default_rate, copy_from_method_id = None, None
    if default_rate is not None and copy_from_method_id is not None:
        raise OrderRefused(_("Either give one price for all of Jawa Timur or copy the rates."))
    if default_rate is not None:
        _check_rate(default_rate)
    with transaction.atomic():
        access = _lock(actor=actor, shop_id=shop_id)
        source = _method(access, copy_from_method_id) if copy_from_method_id else None
        if ShippingMethod.objects.filter(
            shop=access.shop, courier=courier, service__iexact=service
        ).exists():
            label = f"{Courier(courier).label} {service}".strip()
            raise OrderRefused(
                _("%(method)s is already in your list: change its rates there.") % {"method": label}
            )
        try:
            with transaction.atomic():
                method = ShippingMethod.objects.create(
                    shop=access.shop, courier=courier, service=service
                )
        except IntegrityError:  # pragma: no cover - the shop lock makes this a backstop
            raise OrderRefused(_("This courier is already in your list.")) from None
        if default_rate is not None:
            ShippingRate.objects.create(
                method=method,
                region=None,
                first_kg_price=default_rate.first_kg_price,
                next_kg_price=default_rate.next_kg_price,
                eta_days_min=default_rate.eta_days_min,
                eta_days_max=default_rate.eta_days_max,
            )
        elif source is not None:
            ShippingRate.objects.bulk_create(
                ShippingRate(
                    method=method,
                    region_id=rate.region_id,
                    first_kg_price=rate.first_kg_price,
                    next_kg_price=rate.next_kg_price,
                    eta_days_min=rate.eta_days_min,
                    eta_days_max=rate.eta_days_max,
                )
                for rate in source.rates.order_by("pk")
            )
    return method


def shipping_method_toggle(
    *, shop_id: int, actor: Any, method_id: int, is_active: bool
) -> ShippingMethod:
    """Put a method in use or out of use. Takes the wanted state, not a flip, so a double
    click or a retried POST lands where the seller meant."""
    with transaction.atomic():
        method = _method(_lock(actor=actor, shop_id=shop_id), method_id)
        if method.is_active != is_active:
            method.is_active = is_active
            method.save(update_fields=["is_active", "updated_at"])
    return method


def shipping_method_delete(*, shop_id: int, actor: Any, method_id: int) -> None:
    """Delete a method and its rate table. Orders placed with it keep their courier and fee."""
    with transaction.atomic():
        _method(_lock(actor=actor, shop_id=shop_id), method_id).delete()


def shipping_rate_save(
    *,
    shop_id: int,
    actor: Any,
    method_id: int,
    rate_id: int | None,
    region_id: int | None,
    rate: RateInput,
) -> ShippingRate:
    """Add a row to a method's rate table (`rate_id` None) or change one. `region_id` None is
    the default row: every kabupaten/kota without a row of its own.

    Refused: a pick-up method (it is free), a bad price or estimate, a second row for the same
    destination (the seller changes the existing row instead)."""
    _check_rate(rate)
    with transaction.atomic():
        method = _method(_lock(actor=actor, shop_id=shop_id), method_id)
        if method.courier == Courier.PICKUP:
            raise OrderRefused(_("Pick-up at the shop is free: it has no rates."))
        region = None
        if region_id is not None:
            region = Region.objects.filter(pk=region_id).first()
            if region is None:
                raise OrderRefused(_("Choose a kabupaten/kota from the list."))
        if rate_id is None:
            row = ShippingRate(method=method)
        else:
            found = ShippingRate.objects.filter(pk=rate_id, method=method).first()
            if found is None:
                raise OrderNotFound
            row = found
        if method.rates.filter(region=region).exclude(pk=row.pk).exists():
            raise _region_taken(method, region)
        row.region = region
        row.first_kg_price = rate.first_kg_price
        row.next_kg_price = rate.next_kg_price
        row.eta_days_min = rate.eta_days_min
        row.eta_days_max = rate.eta_days_max
        try:
            with transaction.atomic():
                row.save()
        except IntegrityError:  # pragma: no cover - the shop lock makes this a backstop
            raise _region_taken(method, region) from None
    return row


def shipping_rate_delete(*, shop_id: int, actor: Any, method_id: int, rate_id: int) -> None:
    """Delete one row of a method's rate table: its destination is then served by the default
    row, or not at all."""
    with transaction.atomic():
        method = _method(_lock(actor=actor, shop_id=shop_id), method_id)
        deleted, _counts = ShippingRate.objects.filter(pk=rate_id, method=method).delete()
        if not deleted:
            raise OrderNotFound
