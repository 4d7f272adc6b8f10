"""Reads of the seller centre's product pages (the shop's own products, any status)."""

from django.db.models import Count, Prefetch, Q, QuerySet

from marketplace.models import Product, ProductImage, ProductStatus, Variant
from vendors.models import Shop


def seller_products(*, shop: Shop, status: str = "", query: str = "") -> QuerySet[Product]:
    """The shop's products, most recently changed first, with variants and photos prefetched
    (a page runs a fixed number of queries); filtered by status and by name or exact SKU."""
    products = (
        Product.objects.filter(shop=shop)
        .select_related("category")
        .prefetch_related(
            Prefetch("variants", queryset=Variant.objects.order_by("position", "id")),
            Prefetch("images", queryset=ProductImage.objects.order_by("position", "id")),
        )
        .order_by("-updated_at", "-id")
    )
    if status in ProductStatus.values:
        products = products.filter(status=status)
    if query:
        products = products.filter(
            Q(name__icontains=query) | Q(variants__sku__iexact=query.upper())
        ).distinct()
    return products


def seller_product_counts(*, shop: Shop) -> dict[str, int]:
    """How many products the shop has: `all`, per status, and `off_shelf` (hidden + blocked)."""
    counts = Product.objects.filter(shop=shop).aggregate(
        all=Count("id"),
        **{value: Count("id", filter=Q(status=value)) for value in ProductStatus.values},
    )
    counts["off_shelf"] = counts[ProductStatus.HIDDEN] + counts[ProductStatus.BLOCKED]
    return counts
