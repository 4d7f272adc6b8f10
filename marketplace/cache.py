"""Cache keys of the public catalogue and their invalidation.

Lists (home, category, search, shop pages) are cached for at most LIST_TTL seconds: a changed price
or stock shows there within a minute. A product page is cached under its product's version, which
every change bumps after commit: it shows the change at once.
"""

from collections.abc import Iterable

from django.core.cache import cache
from django.db import transaction

LIST_TTL = 60
PRODUCT_TTL = 10 * 60


def _version_key(product_id: int) -> str:
    return f"catalogue:product-version:{product_id}"


def product_version(product_id: int) -> int:
    version = cache.get(_version_key(product_id))
    if version is None:
        version = 1
        cache.add(_version_key(product_id), version, None)
    return int(version)


def product_changed(product_ids: Iterable[int]) -> None:
    """Call inside the transaction that changed the products: their cached pages are dropped
    once it commits (before, a reader could cache the old rows again)."""
    ids = sorted(set(product_ids))
    if not ids:
        return

    def bump() -> None:
        for product_id in ids:
            try:
                cache.incr(_version_key(product_id))
            except ValueError:
                cache.set(_version_key(product_id), 2, None)

    transaction.on_commit(bump)
