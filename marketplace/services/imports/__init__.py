"""Bulk import and export of a shop's products as CSV (seller centre).

The format, as the import page explains it to sellers:

* UTF-8 text (with or without a BOM), separated by commas, or by semicolons as Excel writes in an
  Indonesian locale (told apart by the header row). The first row names the columns (COLUMNS, any
  order; unknown columns are ignored, so the refused-rows file with its `alasan` column can be
  uploaded again as it is). ONE ROW PER VARIANT. Rows are numbered as in a spreadsheet: the
  header is row 1.
* Rows belong to the same product when they have the same `kode_produk` (the product's id, from
  the export) or, without one, the same `nama_produk` (whitespace and case ignored), wherever
  they are in the file. A row without `kode_produk` makes a NEW product (a draft: it needs a photo
  before it is published); a row with one updates that product of the shop.
* Product details (`kategori`, `deskripsi`, `kondisi`, `min_pembelian`, `garansi_hari`,
  `syarat_garansi`, and the name on update) may be given on one row of the product or on several;
  filled cells must agree. Variants are keyed by `sku` (unique in the shop).
* A blank cell, or a column left out, changes nothing on an existing product or variant; on a new
  one it takes the default (`kondisi` baru, `min_pembelian` 1, `garansi_hari` 0, `stok` 0) and is
  refused where there is none (`kategori`, `harga`, `berat_gram`). A product's variants that are
  missing from the file are kept, never deleted.
* Prices are whole rupiah: "25000", "25.000", "Rp 25.000", "Rp 25.000,-" or "25.000,00"; never
  cents ("25,5"). Whole numbers accept dots as thousands separators too ("1.000").

The export writes exactly this format (details on the first row of each product), so importing
an unchanged export reports every row "unchanged" and changes nothing.

Each product is imported in its own transaction by product_create / product_update, acting as the
uploader, so the access rules and checks are those of the product form; a refused product does
not stop the others.

The package, one module per concern:

- format: reading a file (csv_parse), cell values, the category lookup, export and template rows
- importer: the rows grouped into products, each product saved, the report of each row
- jobs: the upload (import_job_create), reads of jobs, the run (import_run), old files purged
"""

from marketplace.services.imports.format import (
    COLUMNS,
    MAX_BYTES,
    MAX_ROWS,
    CategoryIndex,
    CellError,
    CsvFile,
    CsvRow,
    ImportRefused,
    csv_bytes,
    csv_parse,
    import_categories,
    import_template_rows,
    parse_price,
    parse_stock,
    parse_weight,
    products_export_rows,
)
from marketplace.services.imports.importer import CREATED, REFUSED, UNCHANGED, UPDATED
from marketplace.services.imports.jobs import (
    STALE_AFTER,
    import_files_purge,
    import_job_create,
    import_job_get,
    import_job_is_stale,
    import_jobs_recent,
    import_refused_rows,
    import_run,
)

# import_job_create raises it for anyone who may not manage the shop's products.
from vendors.services.errors import ShopNotFound

__all__ = [
    "COLUMNS",
    "CREATED",
    "MAX_BYTES",
    "MAX_ROWS",
    "REFUSED",
    "STALE_AFTER",
    "UNCHANGED",
    "UPDATED",
    "CategoryIndex",
    "CellError",
    "CsvFile",
    "CsvRow",
    "ImportRefused",
    "ShopNotFound",
    "csv_bytes",
    "csv_parse",
    "import_categories",
    "import_files_purge",
    "import_job_create",
    "import_job_get",
    "import_job_is_stale",
    "import_jobs_recent",
    "import_refused_rows",
    "import_run",
    "import_template_rows",
    "parse_price",
    "parse_stock",
    "parse_weight",
    "products_export_rows",
]
