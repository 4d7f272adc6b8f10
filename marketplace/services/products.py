"""Products and their variants: create, edit, quick edit of price and stock, publish and hide.

Only members of the product's shop (owner or staff) act here, and only a verified shop publishes
(vendors.services.verification.shop_ensure_can_publish, under the shop lock). A product in a
category that needs a certificate is published only with a verified, unexpired one.
"""

import datetime as dt
import uuid
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from django.contrib.postgres.search import SearchVector
from django.db import IntegrityError, connection, transaction
from django.db.models import Exists, Min, OuterRef, Subquery, Value
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext as _

from komeji.common.money import format_rupiah
from marketplace.cache import product_changed
from marketplace.models import (
    PRODUCT_TRANSITIONS,
    REQUIREMENT_KINDS,
    Category,
    Certificate,
    CertificateKind,
    Product,
    ProductCondition,
    ProductStatus,
    ProductStatusEvent,
    Variant,
)
from vendors.models import Shop
from vendors.selectors import shop_access_get
from vendors.services.errors import ShopActionRefused, ShopNotFound
from vendors.services.verification import shop_ensure_can_publish

MAX_VARIANTS = 50
MIN_PRICE = 100
MAX_PRICE = 1_000_000_000


class ProductRefused(ShopActionRefused):
    """A refused product action; `message` says why. Nothing was changed."""


@dataclass(frozen=True)
class VariantInput:
    """One variant as a form or a CSV row gives it. `id` names an existing variant to update."""

    name: str
    sku: str
    price: int
    weight_grams: int
    stock_on_hand: int
    id: int | None = None
    # The price and stock the seller saw (form, import start): if the variant changed since
    # (a quick edit, an order), the save is refused instead of silently undoing that change.
    expected_price: int | None = None
    expected_stock: int | None = None


def _refuse(message: Any) -> ProductRefused:
    return ProductRefused(message)


def _require(condition: bool, message: Any) -> None:
    if not condition:
        raise _refuse(message)


def _lock_product(*, product_id: int, actor: Any) -> Product:
    """Lock the product row for a member of its shop who may manage products.
    Anyone else, and a product of another shop, gets ShopNotFound."""
    # NO KEY: a checkout's foreign-key check on the product (OrderLine.product, at commit) must
    # not wait on a seller's edit that in turn waits on the checkout's variant lock (deadlock).
    product = (
        Product.objects.select_for_update(of=("self",), no_key=True)
        .select_related("shop", "category", "category__parent")
        .filter(pk=product_id)
        .first()
    )
    if product is None:
        raise ShopNotFound
    access = shop_access_get(user=actor, shop_id=product.shop_id)
    if access is None or not access.can_manage_products:
        raise ShopNotFound
    return product


def _require_member(*, shop_id: int, actor: Any) -> Shop:
    access = shop_access_get(user=actor, shop_id=shop_id)
    if access is None or not access.can_manage_products:
        raise ShopNotFound
    return access.shop


def _check_variants(variants: Sequence[VariantInput]) -> None:
    _require(len(variants) >= 1, _("A product needs at least one variant with a price."))
    _require(
        len(variants) <= MAX_VARIANTS,
        _("A product has at most %(n)s variants.") % {"n": MAX_VARIANTS},
    )
    skus = [v.sku.strip().upper() for v in variants]
    _require(all(skus), _("Every variant needs a SKU (your own code for it)."))
    _require(len(set(skus)) == len(skus), _("Two variants have the same SKU."))
    names = [v.name.strip().lower() for v in variants]
    if len(variants) > 1:
        _require(all(names), _("Name every variant, e.g. “Pedas, 250 g”."))
        _require(len(set(names)) == len(names), _("Two variants have the same name."))
    for v in variants:
        _require(
            MIN_PRICE <= v.price <= MAX_PRICE,
            _("A price is between Rp 100 and Rp 1.000.000.000."),
        )
        _require(1 <= v.weight_grams <= 500_000, _("A weight is between 1 g and 500 kg."))
        _require(0 <= v.stock_on_hand <= 10_000_000, _("Stock cannot be negative."))


def _product_values(
    *,
    category: Category,
    name: str,
    description: str,
    condition: str,
    min_order_qty: int,
    warranty_days: int,
    warranty_terms: str,
) -> dict[str, Any]:
    name = " ".join(name.split())
    _require(3 <= len(name) <= 120, _("A product name has 3 to 120 characters."))
    _require(category.is_active, _("Choose an active category."))
    _require(
        category.parent_id is not None or not category.children.filter(is_active=True).exists(),
        _("Choose a sub-category, e.g. “Keripik & Camilan”."),
    )
    _require(condition in ProductCondition.values, _("Choose the condition."))
    _require(1 <= min_order_qty <= 10_000, _("The minimum order is between 1 and 10,000."))
    _require(0 <= warranty_days <= 3650, _("A warranty lasts at most 10 years."))
    _require(
        warranty_days == 0 or bool(warranty_terms.strip()),
        _("Write the warranty terms: what is covered and how to claim."),
    )
    return {
        "category": category,
        "name": name,
        "description": description.strip(),
        "condition": condition,
        "min_order_qty": min_order_qty,
        "warranty_days": warranty_days,
        "warranty_terms": warranty_terms.strip() if warranty_days else "",
    }


def _save_variants(product: Product, variants: Sequence[VariantInput]) -> None:
    """Create, update and delete variants to match `variants`. Stock never drops below what
    orders have reserved; a variant with reservations is not deleted."""
    existing = {
        v.pk: v for v in Variant.objects.select_for_update().filter(product=product).order_by("pk")
    }
    listed = {data.id for data in variants if data.id is not None}
    for pk, gone in existing.items():
        if pk not in listed:
            _require(
                gone.stock_reserved == 0,
                _("“%(variant)s” has orders waiting; set its stock to 0 instead of deleting it.")
                % {"variant": gone.name},
            )
            gone.delete()
    keep: set[int] = set()
    for position, data in enumerate(variants):
        if data.id is not None:
            variant = existing.get(data.id)
            _require(
                variant is not None,
                _("This variant belongs to another product. Reload the page and try again."),
            )
            assert variant is not None
            keep.add(variant.pk)
            _require(
                (data.expected_price is None or data.expected_price == variant.price)
                and (data.expected_stock is None or data.expected_stock == variant.stock_on_hand),
                _(
                    "The price or stock of “%(variant)s” changed in the meantime (now "
                    "%(price)s, stock %(stock)s). Nothing was saved: check and save again."
                )
                % {
                    "variant": variant.name or product.name,
                    "price": format_rupiah(variant.price),
                    "stock": variant.stock_on_hand,
                },
            )
        else:
            variant = Variant(product=product, shop_id=product.shop_id)
        _require(
            data.stock_on_hand >= variant.stock_reserved,
            _("Stock of “%(variant)s” cannot be below the %(reserved)s already ordered by buyers.")
            % {"variant": data.name or product.name, "reserved": variant.stock_reserved},
        )
        variant.name = " ".join(data.name.split())
        variant.sku = data.sku.strip().upper()
        variant.price = data.price
        variant.weight_grams = data.weight_grams
        variant.stock_on_hand = data.stock_on_hand
        variant.position = position
        variant.save()


def _check_skus_now() -> None:
    """The per-shop SKU constraint is deferred (a save may swap SKUs); check it here, inside
    the caller's transaction, so a clash is a refusal and not an error at commit."""
    with connection.cursor() as cursor:
        cursor.execute("SET CONSTRAINTS variant_sku_unique_per_shop IMMEDIATE")
        cursor.execute("SET CONSTRAINTS variant_sku_unique_per_shop DEFERRED")


@contextmanager
def _sku_clash_refused() -> Iterator[None]:
    """Two saves at once giving the same SKU: the loser gets a message, not an error."""
    try:
        yield
    except IntegrityError as exc:
        if "variant_sku_unique_per_shop" not in str(exc):
            raise
        raise _refuse(_("That SKU was just used by another product of the shop.")) from None


def _sku_taken_message(
    shop: Shop, variants: Sequence[VariantInput], product: Product | None
) -> str:
    skus = [v.sku.strip().upper() for v in variants]
    taken = Variant.objects.filter(shop=shop, sku__in=skus)
    if product is not None:
        taken = taken.exclude(product=product)
    clash = taken.values_list("sku", flat=True).first()
    return clash or ""


def product_create(
    *,
    shop_id: int,
    actor: Any,
    category: Category,
    name: str,
    variants: Sequence[VariantInput],
    description: str = "",
    condition: str = ProductCondition.NEW,
    min_order_qty: int = 1,
    warranty_days: int = 0,
    warranty_terms: str = "",
) -> Product:
    """A new product, as a draft (publish it when it has a photo)."""
    values = _product_values(
        category=category,
        name=name,
        description=description,
        condition=condition,
        min_order_qty=min_order_qty,
        warranty_days=warranty_days,
        warranty_terms=warranty_terms,
    )
    _check_variants(variants)
    with _sku_clash_refused(), transaction.atomic():
        shop = _require_member(shop_id=shop_id, actor=actor)
        clash = _sku_taken_message(shop, variants, None)
        _require(not clash, _("SKU %(sku)s is already used by another product.") % {"sku": clash})
        product = Product.objects.create(
            shop=shop, slug=f"tmp-{uuid.uuid4().hex}", status=ProductStatus.DRAFT, **values
        )
        product.slug = f"{slugify(values['name'])[:120] or 'produk'}-{product.pk}"
        product.save(update_fields=["slug"])
        _save_variants(product, variants)
        _check_skus_now()
        product_refresh_search(product_ids=[product.pk])
    product.refresh_from_db()
    return product


def product_update(
    *,
    product_id: int,
    actor: Any,
    category: Category,
    name: str,
    variants: Sequence[VariantInput],
    description: str = "",
    condition: str = ProductCondition.NEW,
    min_order_qty: int = 1,
    warranty_days: int = 0,
    warranty_terms: str = "",
) -> Product:
    values = _product_values(
        category=category,
        name=name,
        description=description,
        condition=condition,
        min_order_qty=min_order_qty,
        warranty_days=warranty_days,
        warranty_terms=warranty_terms,
    )
    _check_variants(variants)
    with _sku_clash_refused(), transaction.atomic():
        product = _lock_product(product_id=product_id, actor=actor)
        clash = _sku_taken_message(product.shop, variants, product)
        _require(not clash, _("SKU %(sku)s is already used by another product.") % {"sku": clash})
        for key, value in values.items():
            setattr(product, key, value)
        product.save()
        _save_variants(product, variants)
        _check_skus_now()
        if product.status == ProductStatus.ACTIVE:
            # A category that needs a certificate the product lacks takes it off the shelf.
            problems = product_publish_problems(product=product)
            if problems:
                product_transition(
                    product=product, to_status=ProductStatus.HIDDEN, actor=actor, reason=problems[0]
                )
        product_refresh_search(product_ids=[product.pk])
    product.refresh_from_db()
    return product


def variant_quick_update(
    *,
    variant_id: int,
    actor: Any,
    price: int,
    stock_on_hand: int,
    expected_price: int | None = None,
    expected_stock: int | None = None,
) -> Variant:
    """Price and stock from the product list, without opening the product."""
    _require(MIN_PRICE <= price <= MAX_PRICE, _("A price is between Rp 100 and Rp 1.000.000.000."))
    _require(0 <= stock_on_hand <= 10_000_000, _("Stock cannot be negative."))
    with transaction.atomic():
        product_id = (
            Variant.objects.filter(pk=variant_id).values_list("product_id", flat=True).first()
        )
        if product_id is None:
            raise ShopNotFound
        _lock_product(product_id=product_id, actor=actor)
        variant = Variant.objects.select_for_update().get(pk=variant_id)
        _require(
            (expected_price is None or expected_price == variant.price)
            and (expected_stock is None or expected_stock == variant.stock_on_hand),
            _(
                "The price or stock of %(sku)s changed in the meantime (now %(price)s, "
                "stock %(stock)s). Nothing was saved: check and save again."
            )
            % {
                "sku": variant.sku,
                "price": format_rupiah(variant.price),
                "stock": variant.stock_on_hand,
            },
        )
        _require(
            stock_on_hand >= variant.stock_reserved,
            _("Stock cannot be below the %(reserved)s already ordered by buyers.")
            % {"reserved": variant.stock_reserved},
        )
        variant.price = price
        variant.stock_on_hand = stock_on_hand
        variant.save(update_fields=["price", "stock_on_hand", "updated_at"])
        product_refresh_search(product_ids=[product_id])
    return variant


# --- Publishing ----------------------------------------------------------------------------------


def product_certificate_ok(*, product: Product, today: dt.date | None = None) -> bool:
    """True when the product's category needs no certificate, or it has a verified one of an
    accepted kind that is valid today."""
    requirement = product.category.effective_requirement()
    if not requirement:
        return True
    today = today or timezone.localdate()
    return Certificate.objects.filter(
        Certificate.valid_on(today), product=product, kind__in=REQUIREMENT_KINDS[requirement]
    ).exists()


def product_publish_problems(*, product: Product) -> list[str]:
    """What stops the product from being published, in words for the seller (empty: nothing)."""
    problems: list[str] = []
    if not product.variants.exists():
        problems.append(_("Add at least one variant with a price."))
    if not product.images.exists():
        problems.append(_("Add at least one photo."))
    if not product_certificate_ok(product=product):
        requirement = product.category.effective_requirement()
        problems.append(
            _("Products in %(category)s need a verified, valid %(certificate)s certificate.")
            % {
                "category": product.category.name,
                "certificate": {
                    "pirt_or_bpom": "P-IRT / BPOM",
                    "bpom": "BPOM",
                    "halal": _("halal"),
                }.get(requirement, requirement),
            }
        )
    return problems


def product_transition(
    *, product: Product, to_status: str, actor: Any, reason: str = ""
) -> Product:
    """Move a locked product to `to_status` if PRODUCT_TRANSITIONS allows it: save, append a
    ProductStatusEvent, and drop its cached pages after commit. `reason` is shown to the shop
    (blocked or hidden) and kept in the event."""
    from_status = product.status
    _require(
        to_status in PRODUCT_TRANSITIONS.get(from_status, set()),
        _("This product cannot go from “%(from)s” to “%(to)s”.")
        % {"from": ProductStatus(from_status).label, "to": ProductStatus(to_status).label},
    )
    now = timezone.now()
    product.status = to_status
    product.status_reason = (
        reason if to_status in (ProductStatus.HIDDEN, ProductStatus.BLOCKED) else ""
    )
    fields = ["status", "status_reason", "updated_at"]
    if to_status == ProductStatus.ACTIVE and product.published_at is None:
        product.published_at = now
        fields.append("published_at")
    product.save(update_fields=fields)
    ProductStatusEvent.objects.create(
        product=product,
        from_status=from_status,
        to_status=to_status,
        actor=actor if getattr(actor, "is_authenticated", False) else None,
        reason=reason,
        created_at=now,
    )
    product_changed([product.pk])
    return product


def product_publish(*, product_id: int, actor: Any) -> Product:
    with transaction.atomic():
        product = _lock_product(product_id=product_id, actor=actor)
        _require(
            product.status != ProductStatus.BLOCKED,
            _("A moderator blocked this product: %(reason)s") % {"reason": product.status_reason},
        )
        if product.status == ProductStatus.ACTIVE:
            return product
        shop_ensure_can_publish(shop=product.shop)
        problems = product_publish_problems(product=product)
        _require(not problems, " ".join(problems))
        product_transition(product=product, to_status=ProductStatus.ACTIVE, actor=actor)
    return product


def product_hide(*, product_id: int, actor: Any) -> Product:
    """The shop takes a product off the shelf (it stays in the seller centre)."""
    with transaction.atomic():
        product = _lock_product(product_id=product_id, actor=actor)
        _require(
            product.status == ProductStatus.ACTIVE, _("Only a published product can be hidden.")
        )
        product_transition(product=product, to_status=ProductStatus.HIDDEN, actor=actor)
    return product


# --- Denormalised search columns -----------------------------------------------------------------


def product_refresh_search(*, product_ids: Sequence[int]) -> None:
    """Recompute the columns the public lists and search read: shop name and region, lowest
    price, and the full-text vector (name A, shop name B, description C; `simple` configuration,
    as Indonesian has no stemmer in PostgreSQL). Call in the transaction that changed them."""
    if not product_ids:
        return
    products = Product.objects.filter(pk__in=product_ids)
    shop = Shop.objects.filter(pk=OuterRef("shop_id"))
    products.update(
        shop_name=Subquery(shop.values("name")[:1]),
        region_id_cache=Subquery(shop.values("region_id")[:1]),
        min_price=Coalesce(
            Subquery(
                Variant.objects.filter(product_id=OuterRef("pk"))
                .values("product_id")
                .annotate(lowest=Min("price"))
                .values("lowest")[:1]
            ),
            Value(0),
        ),
    )
    today = timezone.localdate()

    def valid_certificate(*kinds: str) -> Exists:
        return Exists(
            Certificate.objects.filter(
                Certificate.valid_on(today), product_id=OuterRef("pk"), kind__in=kinds
            )
        )

    # A second statement: the vector reads the shop name the first one wrote.
    products.update(
        search_vector=SearchVector("name", weight="A", config="simple")
        + SearchVector("shop_name", weight="B", config="simple")
        + SearchVector("description", weight="C", config="simple"),
        has_halal=valid_certificate(CertificateKind.HALAL),
        has_bpom=valid_certificate(
            CertificateKind.BPOM_MD,
            CertificateKind.BPOM_ML,
            CertificateKind.BPOM_TR,
            CertificateKind.BPOM_NA,
        ),
        has_pirt=valid_certificate(CertificateKind.PIRT),
    )
    _search_words_add(product_ids)
    product_changed(product_ids)


def _search_words_add(product_ids: Sequence[int]) -> None:
    """Add the words of these products' names and shop names to the typo-correction list."""
    with connection.cursor() as cursor:
        cursor.execute(
            """
            INSERT INTO marketplace_searchword (word)
            SELECT DISTINCT left(w, 60)
            FROM marketplace_product p,
                 regexp_split_to_table(lower(p.name || ' ' || p.shop_name), '[^[:alnum:]]+') AS w
            WHERE p.id = ANY(%s) AND length(w) >= 3
            ON CONFLICT (word) DO NOTHING
            """,
            [list(product_ids)],
        )


def shop_products_refresh(*, shop_id: int) -> None:
    """After a shop's name or region changed (vendors calls this)."""
    ids = list(Product.objects.filter(shop_id=shop_id).values_list("pk", flat=True))
    for start in range(0, len(ids), 500):
        product_refresh_search(product_ids=ids[start : start + 500])
