"""Running an import, product by product: the rows grouped into products, each group checked
and saved by product_create / product_update acting as the uploader, and the report of each row
(written to the job as it goes)."""

from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError
from django.db.models import F, Func, JSONField, Value
from django.utils import timezone
from django.utils.translation import gettext as _

from marketplace.models import ImportJob, Product, ProductCondition, Variant
from marketplace.services import products as product_services
from marketplace.services.imports.format import (
    CategoryIndex,
    CellError,
    CsvRow,
    _parse_condition,
    _parse_whole,
    parse_price,
    parse_stock,
    parse_weight,
)
from marketplace.services.products import MAX_VARIANTS, VariantInput
from vendors.services.errors import ShopActionRefused, ShopNotFound

CREATED, UPDATED, UNCHANGED, REFUSED = "created", "updated", "unchanged", "refused"


@dataclass
class _Group:
    rows: list[CsvRow]
    product_id: int | None = None
    errors: dict[int, str] = field(default_factory=dict)  # row number → message


@dataclass
class _Progress:
    job_id: int
    entries: list[dict[str, Any]] = field(default_factory=list)
    counts: dict[str, int] = field(default_factory=dict)

    def add(
        self,
        row: CsvRow,
        outcome: str,
        message: str,
        product_id: int | None = None,
        name: str = "",
    ) -> None:
        self.entries.append(
            {
                "row": row.number,
                "product": row.cells.get("nama_produk", "") or name,
                "product_id": product_id,
                "sku": row.cells.get("sku", "").upper(),
                "outcome": outcome,
                "message": message,
            }
        )
        self.counts[outcome] = self.counts.get(outcome, 0) + 1

    def flush(self) -> None:
        if not self.entries:
            return
        ImportJob.objects.filter(pk=self.job_id).update(
            processed_rows=F("processed_rows") + len(self.entries),
            created_count=F("created_count") + self.counts.get(CREATED, 0),
            updated_count=F("updated_count") + self.counts.get(UPDATED, 0),
            refused_count=F("refused_count") + self.counts.get(REFUSED, 0),
            report=Func(
                F("report"),
                Value(self.entries, output_field=JSONField()),
                template="(%(expressions)s)",
                arg_joiner=" || ",
                output_field=JSONField(),
            ),
            updated_at=timezone.now(),
        )
        self.entries, self.counts = [], {}


def _name_key(value: str) -> str:
    return " ".join(value.split()).lower()


def _group_rows(rows: list[CsvRow]) -> list[_Group]:
    """Group rows into products (by kode_produk, else by name) in order of first appearance, and
    mark the rows that cannot be read at this level: a bad kode, no name, a missing or repeated
    SKU."""
    groups: dict[tuple[str, Any], _Group] = {}
    seen_skus: dict[str, int] = {}
    for row in rows:
        errors: list[str] = []
        kode = row.cells.get("kode_produk", "")
        name = row.cells.get("nama_produk", "")
        key: tuple[str, Any]
        product_id = None
        if kode:
            if kode.isdigit() and 0 < int(kode) < 2**63:
                product_id = int(kode)
                key = ("kode", product_id)
            else:
                key = ("row", row.number)
                errors.append(
                    _(
                        "kode_produk “%(value)s” is not a product code; leave it blank for a new "
                        "product."
                    )
                    % {"value": kode}
                )
        elif name:
            key = ("name", _name_key(name))
        else:
            key = ("row", row.number)
            errors.append(_("nama_produk is required."))
        sku = row.cells.get("sku", "").upper()
        if not sku:
            errors.append(_("sku is required: your own code for the variant."))
        elif sku in seen_skus:
            errors.append(_("Duplicate SKU: already on row %(row)s.") % {"row": seen_skus[sku]})
        else:
            seen_skus[sku] = row.number
        group = groups.setdefault(key, _Group(rows=[], product_id=product_id))
        group.rows.append(row)
        if errors:
            group.errors[row.number] = " ".join(errors)
    return list(groups.values())


class _Importer:
    def __init__(
        self,
        *,
        job: ImportJob,
        categories: CategoryIndex,
        existing: dict[int, Product],
        sku_owner: dict[str, int],
    ) -> None:
        self.job = job
        self.categories = categories
        self.existing = existing
        self.sku_owner = sku_owner

    def run_group(self, group: _Group, progress: _Progress) -> None:
        product = self.existing.get(group.product_id) if group.product_id else None
        if group.product_id and product is None and not group.errors:
            message = _(
                "Your shop has no product with kode_produk %(kode)s. Leave it blank for a new "
                "product."
            ) % {"kode": group.product_id}
            for row in group.rows:
                progress.add(row, REFUSED, message)
            return
        name = product.name if product else ""
        plan = None
        if not group.errors:
            plan = self._plan(group, product)
        if group.errors or plan is None:
            self._refuse_group(group, progress, name)
            return
        values, variants, outcomes = plan
        if product is not None and all(o == UNCHANGED for o in outcomes.values()):
            for row in group.rows:
                progress.add(row, UNCHANGED, "", product.pk, name)
            return
        try:
            if product is None:
                saved = product_services.product_create(
                    shop_id=self.job.shop_id,
                    actor=self.job.uploaded_by,
                    variants=variants,
                    **values,
                )
            else:
                saved = product_services.product_update(
                    product_id=product.pk, actor=self.job.uploaded_by, variants=variants, **values
                )
        except ShopNotFound:
            message = _("You may no longer change this product.")
        except ShopActionRefused as exc:
            message = str(exc.message)
        except ValidationError as exc:
            message = " ".join(exc.messages)
        except IntegrityError:
            message = _(
                "This product was changed by someone else during the import. Import this file "
                "again."
            )
        else:
            for row in group.rows:
                outcome = outcomes[row.number]
                message = self._done_message(outcome, row.cells["sku"].upper(), product, saved)
                progress.add(row, outcome, message, saved.pk, saved.name)
            return
        for row in group.rows:
            progress.add(row, REFUSED, message, group.product_id, name)

    def _done_message(
        self, outcome: str, row_sku: str, before: Product | None, saved: Product
    ) -> str:
        if before is None:
            return _("New draft product (kode %(kode)s): add a photo, then publish it.") % {
                "kode": saved.pk
            }
        if outcome == UPDATED and row_sku not in {v.sku.upper() for v in before.variants.all()}:
            return _("New variant added.")
        return ""

    def _refuse_group(self, group: _Group, progress: _Progress, name: str) -> None:
        first_bad = min(group.errors)
        for row in group.rows:
            message = group.errors.get(row.number) or _(
                "Not imported: row %(row)s of the same product has a problem."
            ) % {"row": first_bad}
            progress.add(row, REFUSED, message, group.product_id, name)

    def _product_value(
        self, group: _Group, column: str, parse: Any, same: Any = lambda value: value
    ) -> Any:
        """The parsed value of a product column given on one or more rows (they must agree), or
        None when every cell is blank. Problems go into group.errors."""
        found: tuple[int, Any] | None = None
        for row in group.rows:
            raw = row.cells.get(column, "")
            if not raw:
                continue
            try:
                value = parse(raw)
            except CellError as exc:
                group.errors[row.number] = exc.message
                continue
            if found is None:
                found = (row.number, value)
            elif same(value) != same(found[1]):
                group.errors[row.number] = _(
                    "%(column)s differs from row %(row)s of the same product. Fill it in once, "
                    "or the same on every row."
                ) % {"column": column, "row": found[0]}
        return found[1] if found else None

    def _plan(
        self, group: _Group, product: Product | None
    ) -> tuple[dict[str, Any], list[VariantInput], dict[int, str]] | None:
        """What to save for the group: the product's values, its full list of variants and each
        row's outcome. None when a row is refused (group.errors says why)."""
        first = group.rows[0].number

        def text(value: str) -> str:
            return " ".join(value.split())

        def whole(column: str) -> Any:
            return lambda value: _parse_whole(value, column)

        given = {
            "name": self._product_value(group, "nama_produk", text, str.lower),
            "category": self._product_value(group, "kategori", self.categories.get),
            "description": self._product_value(group, "deskripsi", str.strip),
            "condition": self._product_value(group, "kondisi", _parse_condition),
            "min_order_qty": self._product_value(group, "min_pembelian", whole("min_pembelian")),
            "warranty_days": self._product_value(group, "garansi_hari", whole("garansi_hari")),
            "warranty_terms": self._product_value(group, "syarat_garansi", str.strip),
        }
        if product is None:
            current: dict[str, Any] = {
                "name": "",
                "category": None,
                "description": "",
                "condition": ProductCondition.NEW,
                "min_order_qty": 1,
                "warranty_days": 0,
                "warranty_terms": "",
            }
            if given["category"] is None and first not in group.errors:
                group.errors[first] = _("kategori is required for a new product.")
        else:
            current = {key: getattr(product, key) for key in given}
        values = {key: current[key] if value is None else value for key, value in given.items()}

        existing_variants = {v.sku.upper(): v for v in product.variants.all()} if product else {}
        order: list[str] = list(existing_variants)
        inputs: dict[str, VariantInput] = {}
        outcomes: dict[int, str] = {}
        names: dict[str, int] = {}
        for row in group.rows:
            sku = row.cells["sku"].upper()
            before = existing_variants.get(sku)
            if before is None:
                owner = self.sku_owner.get(sku)
                if owner is not None and owner != (product.pk if product else None):
                    group.errors[row.number] = _(
                        "SKU %(sku)s is already used by the product with kode_produk %(kode)s. "
                        "To change that product, put %(kode)s in kode_produk."
                    ) % {"sku": sku, "kode": owner}
                    continue
            try:
                variant = self._variant(row, before)
            except CellError as exc:
                group.errors[row.number] = exc.message
                continue
            key = _name_key(variant.name)
            if key in names:
                group.errors[row.number] = _(
                    "nama_varian “%(name)s” is already on row %(row)s of the same product."
                ) % {"name": variant.name, "row": names[key]}
                continue
            names[key] = row.number
            inputs[sku] = variant
            if before is None:
                order.append(sku)
                # A new variant of an existing product updates that product.
                outcomes[row.number] = CREATED if product is None else UPDATED
            elif (variant.name, variant.price, variant.weight_grams, variant.stock_on_hand) != (
                " ".join(before.name.split()),
                before.price,
                before.weight_grams,
                before.stock_on_hand,
            ):
                outcomes[row.number] = UPDATED
            else:
                outcomes[row.number] = UNCHANGED
        variants = [inputs.get(sku) or self._kept(existing_variants[sku]) for sku in order]
        if len(variants) > 1:
            for row in group.rows:
                if row.number in outcomes and not inputs[row.cells["sku"].upper()].name:
                    group.errors[row.number] = _(
                        "nama_varian is required when a product has several variants, "
                        "e.g. “Pedas, 250 g”."
                    )
            unnamed = [v.sku for v in variants if not v.name and v.sku not in inputs]
            if unnamed and first not in group.errors:
                group.errors[first] = _(
                    "The product's variant %(sku)s has no name; with several variants each needs "
                    "one. Add a row for %(sku)s with its nama_varian."
                ) % {"sku": unnamed[0]}
        if len(variants) > MAX_VARIANTS:
            group.errors[first] = _("A product has at most %(n)s variants.") % {"n": MAX_VARIANTS}
        if group.errors:
            return None
        if product is not None:
            normal = dict(values, name=" ".join(values["name"].split()))
            if not normal["warranty_days"]:
                normal["warranty_terms"] = ""
            if any(normal[key] != current[key] for key in normal):
                outcomes = {n: UPDATED if o == UNCHANGED else o for n, o in outcomes.items()}
        return values, variants, outcomes

    def _variant(self, row: CsvRow, before: Variant | None) -> VariantInput:
        cells = row.cells
        if before is None:
            for column in ("harga", "berat_gram"):
                if not cells.get(column):
                    raise CellError(
                        _("%(column)s is required for a new variant.") % {"column": column}
                    )
        return VariantInput(
            id=before.pk if before else None,
            sku=cells["sku"].upper(),
            name=" ".join(cells.get("nama_varian", "").split()) or (before.name if before else ""),
            price=parse_price(cells["harga"]) if cells.get("harga") else before.price,  # type: ignore[union-attr]
            weight_grams=parse_weight(cells["berat_gram"])
            if cells.get("berat_gram")
            else before.weight_grams,  # type: ignore[union-attr]
            stock_on_hand=parse_stock(cells["stok"])
            if cells.get("stok")
            else (before.stock_on_hand if before else 0),
            # As read at the start of the import: a change made meanwhile refuses the product.
            expected_price=before.price if before else None,
            expected_stock=before.stock_on_hand if before else None,
        )

    @staticmethod
    def _kept(variant: Variant) -> VariantInput:
        return VariantInput(
            id=variant.pk,
            sku=variant.sku,
            name=variant.name,
            price=variant.price,
            weight_grams=variant.weight_grams,
            stock_on_hand=variant.stock_on_hand,
            expected_price=variant.price,
            expected_stock=variant.stock_on_hand,
        )
