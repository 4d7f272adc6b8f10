"""The CSV format of the product import (described in the package docstring): reading an
uploaded file, cell values, the category lookup, and the export and template rows."""

import csv
import io
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from django.db.models import Prefetch, Q
from django.utils.translation import gettext as _

from komeji.common.money import InvalidAmount, parse_typed_rupiah
from marketplace.models import Category, Product, ProductCondition, Variant
from marketplace.services.products import MAX_PRICE, MIN_PRICE
from vendors.services.errors import ShopActionRefused

COLUMNS = (
    "kode_produk",
    "nama_produk",
    "kategori",
    "deskripsi",
    "kondisi",
    "min_pembelian",
    "garansi_hari",
    "syarat_garansi",
    "nama_varian",
    "sku",
    "harga",
    "berat_gram",
    "stok",
)
# And nama_produk or kode_produk. A new product's row also needs kategori, harga and berat_gram.
REQUIRED_COLUMNS = ("sku",)
MAX_BYTES = 5 * 1024 * 1024
MAX_ROWS = 5000

CONDITIONS = {
    "baru": ProductCondition.NEW,
    "new": ProductCondition.NEW,
    "bekas": ProductCondition.USED,
    "used": ProductCondition.USED,
}
CONDITION_WORDS: dict[str, str] = {ProductCondition.NEW: "baru", ProductCondition.USED: "bekas"}


class ImportRefused(ShopActionRefused):
    """The upload is not an importable CSV; `message` says why. Nothing was stored or queued."""


# --- Reading the file ----------------------------------------------------------------------------


@dataclass(frozen=True)
class CsvRow:
    number: int  # as in a spreadsheet: the header is row 1
    cells: dict[str, str]  # known columns present in the file → stripped text


@dataclass(frozen=True)
class CsvFile:
    columns: tuple[str, ...]  # known columns present
    rows: list[CsvRow]
    delimiter: str


def _header_name(cell: str) -> str:
    return "_".join(cell.replace("\ufeff", "").strip().lower().split())


def csv_parse(data: bytes) -> CsvFile:
    """Decode and split an uploaded file; raise ImportRefused with a message for the seller when
    it is not a CSV of this format. Blank rows are skipped (row numbers still count them)."""
    if len(data) > MAX_BYTES:
        raise ImportRefused(_("The file is larger than 5 MB. Split it into several files."))
    if data.startswith((b"\xff\xfe", b"\xfe\xff")) or b"\x00" in data[:4096]:
        raise ImportRefused(
            _(
                "This is not a UTF-8 CSV file. In Excel choose File > Save As > "
                "“CSV UTF-8 (Comma delimited) (*.csv)”."
            )
        )
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise ImportRefused(
            _(
                "The file is not UTF-8 text. In Excel choose File > Save As > "
                "“CSV UTF-8 (Comma delimited) (*.csv)”; in Google Sheets "
                "File > Download > CSV."
            )
        ) from None
    first_line = text.lstrip("\r\n").split("\n", 1)[0].rstrip("\r")
    if first_line.lower() in ("sep=,", "sep=;", "sep=\t"):
        # Excel's hint line: it names the separator.
        delimiter = first_line[-1]
        text = text.lstrip("\r\n").split("\n", 1)[1] if "\n" in text else ""
        text = "\n" + text  # keep the row numbers as the spreadsheet shows them
    else:
        delimiter = max((",", ";", "\t"), key=first_line.count)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    try:
        records = list(reader)
    except csv.Error as exc:
        raise ImportRefused(
            _("Row %(row)s cannot be read as CSV (%(error)s).")
            % {"row": reader.line_num, "error": exc}
        ) from None
    header_index = next(
        (i for i, record in enumerate(records) if any(c.strip() for c in record)), None
    )
    if header_index is None:
        raise ImportRefused(_("The file is empty."))
    positions: dict[str, int] = {}
    for position, cell in enumerate(records[header_index]):
        name = _header_name(cell)
        if name in COLUMNS:
            if name in positions:
                raise ImportRefused(_("Column “%(column)s” appears twice.") % {"column": name})
            positions[name] = position
    missing = [name for name in REQUIRED_COLUMNS if name not in positions]
    if "nama_produk" not in positions and "kode_produk" not in positions:
        missing.insert(0, _("nama_produk (or kode_produk)"))
    if missing:
        raise ImportRefused(
            _("The first row must name the columns, as in the template. Missing: %(columns)s.")
            % {"columns": ", ".join(missing)}
        )
    rows: list[CsvRow] = []
    for index in range(header_index + 1, len(records)):
        record = records[index]
        cells = {
            name: _unprotect(record[position].strip()) if position < len(record) else ""
            for name, position in positions.items()
        }
        if any(cells.values()):
            rows.append(CsvRow(number=index + 1, cells=cells))
    if not rows:
        raise ImportRefused(_("The file has no product rows under the column names."))
    if len(rows) > MAX_ROWS:
        raise ImportRefused(
            _("A file holds at most %(max)s rows; this one has %(n)s. Split it into several files.")
            % {"max": f"{MAX_ROWS:,}".replace(",", "."), "n": f"{len(rows):,}".replace(",", ".")}
        )
    return CsvFile(columns=tuple(positions), rows=rows, delimiter=delimiter)


_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def _protect(value: str) -> str:
    """Spreadsheets run a cell starting with = + - @ as a formula; a leading apostrophe makes it
    text (Excel drops the apostrophe when it saves; csv_parse drops it too)."""
    return f"'{value}" if value.startswith(_FORMULA_START) else value


def _unprotect(value: str) -> str:
    return value[1:] if value.startswith("'") and value[1:2] in _FORMULA_START else value


# --- Cell values ---------------------------------------------------------------------------------


class CellError(Exception):
    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


_WHOLE = re.compile(r"^(\d{1,3}(?:\.\d{3})+|\d+)$")
_GRAMS = re.compile(r"^(\d{1,3}(?:\.\d{3})+|\d+)\s*(?:g|gr|gram)?$", re.IGNORECASE)


def parse_price(value: str) -> int:
    """ "25000", "25.000", "Rp 25.000", "Rp25.000,-", "25.000,00" → 25000. Cents are refused."""
    try:
        price = parse_typed_rupiah(value)
    except InvalidAmount:
        if re.match(r"^(?:rp\.?\s*)?[\d.]+,\d+$", value.strip(), re.IGNORECASE):
            raise CellError(
                _("harga “%(value)s”: write whole rupiah without cents, e.g. 25000 or 25.000.")
                % {"value": value}
            ) from None
        raise CellError(
            _("harga “%(value)s” is not a price; write it like 25000 or 25.000.") % {"value": value}
        ) from None
    if not MIN_PRICE <= price <= MAX_PRICE:
        raise CellError(_("harga: a price is between Rp 100 and Rp 1.000.000.000."))
    return price


def _parse_whole(value: str, column: str, *, pattern: re.Pattern[str] = _WHOLE) -> int:
    text = value.strip()
    if text.startswith("-") and pattern.match(text[1:].strip()):
        raise CellError(_("%(column)s cannot be negative.") % {"column": column})
    match = pattern.match(text)
    if match is None:
        raise CellError(
            _("%(column)s “%(value)s” is not a whole number.") % {"column": column, "value": value}
        )
    return int(match.group(1).replace(".", ""))


def parse_stock(value: str) -> int:
    stock = _parse_whole(value, "stok")
    if stock > 10_000_000:
        raise CellError(_("stok: at most 10.000.000."))
    return stock


def parse_weight(value: str) -> int:
    grams = _parse_whole(value, "berat_gram", pattern=_GRAMS)
    if not 1 <= grams <= 500_000:
        raise CellError(_("berat_gram: a weight is between 1 g and 500 kg (500000)."))
    return grams


def _parse_condition(value: str) -> str:
    condition = CONDITIONS.get(value.strip().lower())
    if condition is None:
        raise CellError(_("kondisi “%(value)s”: write baru or bekas.") % {"value": value})
    return condition


class CategoryIndex:
    """Finds a category by slug, or an active one by name or “Parent > Child” (case ignored)."""

    def __init__(self, categories: Iterable[Category]) -> None:
        categories = list(categories)
        active = [c for c in categories if c.is_active and (c.parent is None or c.parent.is_active)]
        self.children: dict[int, list[Category]] = {}
        for category in active:
            if category.parent_id is not None:
                self.children.setdefault(category.parent_id, []).append(category)
        self.by_key: dict[str, Category | None] = {}
        for category in active:
            keys = {self._key(category.name)}
            if category.parent is not None:
                keys.add(self._key(f"{category.parent.name} > {category.name}"))
            for key in keys:
                # The same name under two parents is ambiguous: the slug settles it.
                self.by_key[key] = None if key in self.by_key else category
        # An inactive category is found by its slug too: an unchanged export of a product in it
        # must not be refused (product_create and product_update refuse to move a product there).
        for category in categories:
            self.by_key[self._key(category.slug)] = category
        self.leaves = [c for c in active if not self.children.get(c.pk)]

    @staticmethod
    def _key(value: str) -> str:
        parts = value.replace("\u203a", ">").lower().split(">")
        return ">".join(" ".join(part.split()) for part in parts)

    def get(self, value: str) -> Category:
        key = self._key(value)
        if key not in self.by_key:
            raise CellError(
                _(
                    "kategori “%(value)s” is unknown. Use a code from the list of categories on "
                    "the import page, e.g. %(example)s."
                )
                % {"value": value, "example": self.leaves[0].slug if self.leaves else "kerajinan"}
            )
        category = self.by_key[key]
        if category is None:
            raise CellError(
                _("kategori “%(value)s” has several matches; use its code from the list.")
                % {"value": value}
            )
        children = self.children.get(category.pk)
        if children:
            raise CellError(
                _("“%(category)s” is a main category; choose one of its sub-categories: %(codes)s.")
                % {"category": category.name, "codes": ", ".join(c.slug for c in children)}
            )
        return category


def import_categories(*, active_only: bool = True) -> list[Category]:
    """Categories in tree order (each main category followed by its sub-categories), for the
    import page's list and CategoryIndex."""
    categories = Category.objects.select_related("parent")
    if active_only:
        categories = categories.filter(is_active=True).filter(
            Q(parent__isnull=True) | Q(parent__is_active=True)
        )

    def tree_key(c: Category) -> tuple[int, str, int, int, str]:
        if c.parent is None:
            return (c.position, c.name, c.pk, 0, "")
        return (c.parent.position, c.parent.name, c.parent.pk, 1 + c.position, c.name)

    return sorted(categories, key=tree_key)


# --- Export --------------------------------------------------------------------------------------


def _export_product_rows(product: Product) -> Iterator[list[str]]:
    for index, variant in enumerate(product.variants.all()):
        first = index == 0
        yield [
            str(product.pk),
            product.name,
            product.category.slug if first else "",
            product.description if first else "",
            CONDITION_WORDS.get(product.condition, product.condition) if first else "",
            str(product.min_order_qty) if first else "",
            str(product.warranty_days) if first else "",
            product.warranty_terms if first else "",
            variant.name,
            variant.sku,
            str(variant.price),
            str(variant.weight_grams),
            str(variant.stock_on_hand),
        ]


def products_export_rows(*, shop_id: int) -> Iterator[list[str]]:
    """The header and one row per variant of every product of the shop, in the import format
    (product details on each product's first row). Call after checking access. A fixed number of
    queries per 500 products."""
    yield list(COLUMNS)
    products = (
        Product.objects.filter(shop_id=shop_id)
        .select_related("category")
        .prefetch_related(Prefetch("variants", queryset=Variant.objects.order_by("position", "id")))
        .order_by("pk")
    )
    for product in products.iterator(chunk_size=500):
        for row in _export_product_rows(product):
            yield [_protect(cell) for cell in row]


def import_template_rows() -> list[list[str]]:
    """The header and example rows for the downloadable template."""
    leaves = [c for c in import_categories() if c.parent_id is not None]
    food = next((c.slug for c in leaves if "keripik" in c.slug), leaves[0].slug if leaves else "")
    craft = next((c.slug for c in leaves if "batik" in c.slug), leaves[-1].slug if leaves else "")
    # fmt: off
    return [
        list(COLUMNS),
        ["", "Keripik Tempe Pedas", food, "Keripik tempe renyah khas Malang, tanpa pengawet.",
         "baru", "1", "0", "", "Pedas, 250 g", "KTP-250", "25000", "250", "40"],
        ["", "Keripik Tempe Pedas", "", "", "", "", "", "", "Original, 500 g", "KTO-500",
         "45.000", "500", "10"],
        ["", "Kain Batik Tulis Motif Parang", craft, "Batik tulis asli, 2 x 1,15 m.", "baru",
         "1", "30", "Tukar jika ada cacat tenun; kirim foto dalam 3 hari.", "", "BTP-01",
         "Rp 350.000", "300", "5"],
    ]
    # fmt: on


def csv_bytes(rows: Iterable[list[str]], *, delimiter: str = ",") -> Iterator[bytes]:
    """Encode rows as UTF-8 CSV with a BOM (so Excel reads the accents), chunk by chunk."""

    class _Line:
        def write(self, value: str) -> str:
            return value

    writer = csv.writer(_Line(), delimiter=delimiter)  # type: ignore[arg-type]
    yield "\ufeff".encode()
    for row in rows:
        yield writer.writerow(row).encode()  # type: ignore[func-returns-value]
