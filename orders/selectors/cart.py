"""Reads for the cart and checkout pages: the product page's buy form, the cart grouped by shop
with what is wrong with each line now, the header's badge, the buyer's addresses."""

from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.contrib.sessions.backends.base import SessionBase
from django.core.cache import cache
from django.db.models import QuerySet
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from komeji.accounts.models import Address
from komeji.common.money import format_rupiah
from marketplace.cache import PRODUCT_TTL
from marketplace.models import Product, ProductImage, Variant
from orders.models import Cart, CartLine
from orders.services.cart import SESSION_KEY
from vendors.models import Shop, ShopStatus

# Below this many units left a line says how many remain ("Stok tinggal 3").
LOW_STOCK = 5

# --- The product page's buy form ------------------------------------------------------------------


@dataclass(frozen=True)
class BuyVariant:
    id: int
    name: str
    price: int
    available: int


@dataclass(frozen=True)
class BuyOptions:
    """What the product page's "Add to cart" form offers (kept in the cache with the page)."""

    product_id: int
    slug: str
    min_order_qty: int
    takes_orders: bool  # the shop is verified and not on holiday
    variants: tuple[BuyVariant, ...]

    @property
    def can_buy(self) -> bool:
        return self.takes_orders and any(v.available > 0 for v in self.variants)

    @property
    def default_variant_id(self) -> int | None:
        return next((v.id for v in self.variants if v.available > 0), None)


def product_buy_options(*, product: Product) -> BuyOptions:
    """From a product with its shop and its variants (prefetched, in order): no query."""
    shop = product.shop
    return BuyOptions(
        product_id=product.pk,
        slug=product.slug,
        min_order_qty=product.min_order_qty,
        takes_orders=shop.status == ShopStatus.VERIFIED and not shop.is_closed_for_orders(),
        variants=tuple(
            BuyVariant(id=v.pk, name=v.name, price=v.price, available=max(v.available, 0))
            for v in product.variants.all()
        ),
    )


def product_buy_options_cached(*, page_key: str, product: Callable[[], Any]) -> BuyOptions | None:
    """The buy options of the product whose page fragment is cached under `page_key` (that key
    changes with the product's version, which every price and stock change bumps): from the
    cache, else from `product()` (a Product, or the page's own lazily loaded one, so a page
    rendered anew pays no extra query; None when there is none)."""
    key = f"orders:buy-options:{page_key}"
    found = cache.get(key)
    if isinstance(found, BuyOptions):
        return found
    loaded = product()
    if not loaded:
        return None
    options = product_buy_options(product=loaded)
    cache.set(key, options, PRODUCT_TTL)
    return options


# --- The header's badge ---------------------------------------------------------------------------


def cart_line_count(*, user: Any, session: SessionBase) -> int:
    """How many products (lines) the person's cart holds: one query, none for a visitor without
    a cart."""
    if getattr(user, "is_authenticated", False):
        return CartLine.objects.filter(cart__user=user).count()
    cart_id = session.get(SESSION_KEY)
    if not cart_id:
        return 0
    return CartLine.objects.filter(cart_id=cart_id, cart__user__isnull=True).count()


# --- The cart page --------------------------------------------------------------------------------


@dataclass
class CartRow:
    line: CartLine
    image: ProductImage | None
    # Blocking: the line cannot be ordered as it is. Notices: worth knowing (price, low stock).
    problems: list[str] = field(default_factory=list)
    notices: list[str] = field(default_factory=list)

    @property
    def variant(self) -> Variant:
        return self.line.variant

    @property
    def product(self) -> Product:
        return self.line.variant.product

    @property
    def unit_price(self) -> int:
        return self.line.variant.price

    @property
    def line_total(self) -> int:
        return self.line.variant.price * self.line.quantity


@dataclass
class CartGroup:
    shop: Shop
    rows: list[CartRow]
    problem: str = ""

    @property
    def subtotal(self) -> int:
        return sum(row.line_total for row in self.rows)


@dataclass
class CartView:
    groups: list[CartGroup]

    @property
    def goods_total(self) -> int:
        return sum(g.subtotal for g in self.groups)

    @property
    def line_count(self) -> int:
        return sum(len(g.rows) for g in self.groups)

    @property
    def has_problems(self) -> bool:
        return any(g.problem or any(r.problems for r in g.rows) for g in self.groups)


def shop_order_problem(shop: Shop) -> str:
    """Why a shop takes no order now ("" when it does)."""
    if shop.status != ShopStatus.VERIFIED:
        return _("%(shop)s cannot take orders at the moment.") % {"shop": shop.name}
    if shop.is_closed_for_orders():
        return _("%(shop)s is on holiday until %(date)s.") % {
            "shop": shop.name,
            "date": date_format(shop.holiday_until, "j M Y") if shop.holiday_until else "",
        }
    return ""


def _first_images(product_ids: set[int]) -> dict[int, ProductImage]:
    if not product_ids:
        return {}
    images = (
        ProductImage.objects.filter(product_id__in=product_ids)
        .order_by("product_id", "position", "id")
        .distinct("product_id")
    )
    return {image.product_id: image for image in images}


def _row(line: CartLine, product_total: int, image: ProductImage | None) -> CartRow:
    row = CartRow(line=line, image=image)
    variant = line.variant
    product = variant.product
    if not product.is_public:
        row.problems.append(_("This product is no longer on sale."))
        return row
    available = max(variant.available, 0)
    if available == 0:
        row.problems.append(_("Out of stock."))
    elif line.quantity > available:
        row.problems.append(_("Only %(count)d left in stock.") % {"count": available})
    elif available <= LOW_STOCK:
        row.notices.append(_("Only %(count)d left in stock.") % {"count": available})
    if product_total < product.min_order_qty:
        row.problems.append(
            _("The minimum order for this product is %(count)d.") % {"count": product.min_order_qty}
        )
    if line.price_seen != variant.price:
        row.notices.append(
            _("The price changed from %(old)s to %(new)s.")
            % {"old": format_rupiah(line.price_seen), "new": format_rupiah(variant.price)}
        )
    return row


def cart_view(*, cart: Cart | None) -> CartView:
    """The cart grouped by shop (in the order the shops were first added to), each line with
    its current price and stock checked: two queries whatever the cart holds."""
    if cart is None:
        return CartView(groups=[])
    lines = list(
        cart.lines.select_related("variant", "variant__product", "variant__product__shop").order_by(
            "created_at", "id"
        )
    )
    images = _first_images({line.variant.product_id for line in lines})
    per_product: dict[int, int] = defaultdict(int)
    for line in lines:
        per_product[line.variant.product_id] += line.quantity
    groups: dict[int, CartGroup] = {}
    for line in lines:
        product = line.variant.product
        group = groups.get(product.shop_id)
        if group is None:
            group = groups[product.shop_id] = CartGroup(
                shop=product.shop, rows=[], problem=shop_order_problem(product.shop)
            )
        group.rows.append(
            _row(line, per_product[product.pk], images.get(product.pk)),
        )
    return CartView(groups=list(groups.values()))


# --- Checkout -------------------------------------------------------------------------------------


def buyer_addresses(*, user: Any) -> QuerySet[Address]:
    """The buyer's addresses, the default first."""
    return Address.objects.filter(user=user).select_related("region")
