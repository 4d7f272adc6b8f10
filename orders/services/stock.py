"""Stock reservation: the only writes to Variant.stock_reserved and (on shipping) stock_on_hand.

Every change is one guarded UPDATE per variant, taken in variant primary-key order, so two
checkouts touching the same variants lock them in the same order; the database CHECKs
(reserved ≥ 0, reserved ≤ on hand) refuse an oversell even if this code were wrong.
"""

from collections import defaultdict
from collections.abc import Iterable

from django.db.models import F
from django.utils.translation import gettext as _

from marketplace.cache import product_changed
from marketplace.models import Variant
from orders.services.errors import OutOfStock


def _merged(lines: Iterable[tuple[int, int]]) -> list[tuple[int, int]]:
    total: dict[int, int] = defaultdict(int)
    for variant_id, quantity in lines:
        if quantity <= 0:
            raise ValueError("quantities must be positive")
        total[variant_id] += quantity
    return sorted(total.items())


def stock_reserve(*, lines: Iterable[tuple[int, int]]) -> None:
    """Reserve `quantity` of each variant, all or none: call inside the transaction that creates
    the order, whose rollback undoes a partial reservation. Raises OutOfStock naming the first
    variant short of stock. (The filter stays on the variant's own row so that PostgreSQL
    re-checks it against the row a concurrent checkout just committed.)"""
    merged = _merged(lines)
    for variant_id, quantity in merged:
        updated = Variant.objects.filter(
            pk=variant_id,
            stock_on_hand__gte=F("stock_reserved") + quantity,
        ).update(stock_reserved=F("stock_reserved") + quantity)
        if not updated:
            left = (
                Variant.objects.filter(pk=variant_id)
                .values_list("stock_on_hand", "stock_reserved")
                .first()
            )
            available = max(left[0] - left[1], 0) if left else 0
            if available:
                message = _("Only %(count)d left in stock.") % {"count": available}
            else:
                message = _("Out of stock.")
            raise OutOfStock(message, variant_id=variant_id, available=available)
    _changed(v for v, _q in merged)


def stock_release(*, lines: Iterable[tuple[int, int]]) -> None:
    """Give reserved units back. Call under the lock of the order whose reservation this is,
    after checking it is still reserved (ShopOrder.stock_state): that is what makes it once."""
    merged = _merged(lines)
    for variant_id, quantity in merged:
        # A variant deleted since cannot have had reservations (the catalogue refuses to delete
        # a reserved variant), so 0 rows here means it is gone, and nothing is owed to it.
        Variant.objects.filter(pk=variant_id).update(stock_reserved=F("stock_reserved") - quantity)
    _changed(v for v, _q in merged)


def stock_consume(*, lines: Iterable[tuple[int, int]]) -> None:
    """The goods left the shop: take them off the shelf and out of the reservation (same rules
    as stock_release)."""
    merged = _merged(lines)
    for variant_id, quantity in merged:
        Variant.objects.filter(pk=variant_id).update(
            stock_reserved=F("stock_reserved") - quantity,
            stock_on_hand=F("stock_on_hand") - quantity,
        )
    _changed(v for v, _q in merged)


def _changed(variant_ids: Iterable[int]) -> None:
    ids = list(variant_ids)
    product_ids = Variant.objects.filter(pk__in=ids).values_list("product_id", flat=True)
    product_changed(set(product_ids))
