"""CSV import and export of products in the seller centre: the format (prices, separators, BOM),
good, bad and duplicate rows, updates by kode_produk, the export → import round trip, access, the
progress page, and the import run by a real Celery worker."""

import csv
import io
import time
from datetime import timedelta

import pytest
from celery.signals import before_task_publish
from django.core.files.storage import storages
from django.urls import reverse
from django.utils import timezone, translation

from marketplace.models import ImportJob, Product, ProductStatus, Variant
from marketplace.services import imports
from marketplace.services.imports.format import CellError, ImportRefused, parse_price
from marketplace.services.products import VariantInput
from tests.marketplace.conftest import make_product

pytestmark = pytest.mark.django_db

HEADER = (
    "nama_produk,kategori,deskripsi,kondisi,min_pembelian,garansi_hari,syarat_garansi,"
    "nama_varian,sku,harga,berat_gram,stok"
)


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": str(tmp_path / "media")},
        },
        # Uploaded CSVs are private (ImportJob.file uses the documents storage).
        "documents": {
            "BACKEND": "vendors.documents.PrivateFileSystemStorage",
            "OPTIONS": {"location": str(tmp_path / "private")},
        },
    }
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def english(owner, staff, outsider):
    """Messages are stored in the uploader's language: English here, for exact assertions."""
    for user in (owner, staff, outsider):
        user.language = "en"
        user.save(update_fields=["language"])
    return owner


@pytest.fixture
def published_tasks():
    published: list[tuple[str, tuple]] = []

    def on_publish(sender=None, body=None, **kwargs):
        published.append((sender, tuple(body[0]) if body else ()))

    before_task_publish.connect(on_publish, weak=False)
    yield published
    before_task_publish.disconnect(on_publish)


def run_import(shop, user, text: str, *, encoding: str = "utf-8") -> ImportJob:
    """Upload through the service and run the import here (the worker test runs it for real)."""
    job = imports.import_job_create(
        shop_id=shop.pk, actor=user, filename="produk.csv", data=text.encode(encoding)
    )
    imports.import_run(job_id=job.pk)
    job.refresh_from_db()
    return job


def report(job: ImportJob) -> list[tuple]:
    return [
        (e["row"], e["product"], e["sku"], e["outcome"], e["message"])
        for e in sorted(job.report, key=lambda e: e["row"])
    ]


def snapshot(shop) -> list[tuple]:
    return list(
        Variant.objects.filter(shop=shop)
        .order_by("pk")
        .values_list(
            "product_id",
            "product__name",
            "product__updated_at",
            "sku",
            "name",
            "price",
            "weight_grams",
            "stock_on_hand",
            "updated_at",
        )
    )


# --- Cells ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "price"),
    [
        ("25000", 25_000),
        ("25.000", 25_000),
        ("Rp 25.000", 25_000),
        ("rp25.000", 25_000),
        ("Rp 1.250.000,-", 1_250_000),
        ("25.000,00", 25_000),
    ],
)
def test_prices_are_whole_rupiah_with_indonesian_thousands_dots(text, price):
    assert parse_price(text) == price


@pytest.mark.parametrize(
    "text", ["25,5", "25.000,50", "25.5", "2.50", "25000 rupiah", "-100", "99"]
)
def test_cents_and_other_prices_are_refused(text):
    with pytest.raises(CellError):
        parse_price(text)


def test_separators_headers_and_row_numbers_as_a_spreadsheet_shows_them():
    parsed = imports.csv_parse(b"sep=;\r\n Nama Produk ;SKU;harga;catatan\r\n\r\nTas;T-1;'=5;x\r\n")

    assert (parsed.delimiter, parsed.columns) == (";", ("nama_produk", "sku", "harga"))
    assert parsed.rows == [
        imports.CsvRow(number=4, cells={"nama_produk": "Tas", "sku": "T-1", "harga": "=5"})
    ]


def test_categories_are_found_by_slug_name_or_path(categories):
    index = imports.CategoryIndex(imports.import_categories(active_only=False))

    assert index.get("KERIPIK-CAMILAN") == categories["snacks"]
    assert index.get("keripik & camilan") == categories["snacks"]
    assert index.get("Makanan & Minuman \u203a Keripik & Camilan") == categories["snacks"]
    assert index.get("Fesyen>Batik") == categories["batik"]
    assert index.get("Anyaman") == categories["crafts"]
    with translation.override("en"), pytest.raises(CellError) as error:
        index.get("kerajinan")
    assert error.value.message == (
        "“Kerajinan” is a main category; choose one of its sub-categories: anyaman, "
        "ukiran-kayu, gerabah."
    )


# --- Good, bad and duplicate rows ----------------------------------------------------------------


def test_good_rows_create_draft_products_with_their_variants(verified_shop, english, categories):
    text = "\n".join(
        [
            HEADER,
            'Keripik Tempe Pedas,keripik-camilan,Renyah.,baru,2,0,,"Pedas, 250 g",ktp-250,'
            "Rp 25.000,250,40",
            "Kain Batik Tulis,Batik,,bekas,,30,Tukar jika cacat.,,BTK-01,350000,300 g,5",
            'keripik tempe  pedas,,,,,,,"Original, 500 g",KTO-500,45.000,500,1.000',
        ]
    )

    job = run_import(verified_shop, english, text)

    assert (job.status, job.total_rows, job.processed_rows, job.percent) == ("done", 3, 3, 100)
    assert (job.created_count, job.updated_count, job.refused_count) == (3, 0, 0)
    keripik, batik = Product.objects.order_by("pk")
    assert (
        keripik.name,
        keripik.category,
        keripik.description,
        keripik.condition,
        keripik.min_order_qty,
        keripik.status,
        keripik.min_price,
    ) == ("Keripik Tempe Pedas", categories["snacks"], "Renyah.", "new", 2, "draft", 25_000)
    assert list(
        keripik.variants.values_list("name", "sku", "price", "weight_grams", "stock_on_hand")
    ) == [
        ("Pedas, 250 g", "KTP-250", 25_000, 250, 40),
        ("Original, 500 g", "KTO-500", 45_000, 500, 1_000),
    ]
    assert (batik.category, batik.condition, batik.warranty_days, batik.warranty_terms) == (
        categories["batik"],
        "used",
        30,
        "Tukar jika cacat.",
    )
    assert list(batik.variants.values_list("name", "sku", "price", "stock_on_hand")) == [
        ("", "BTK-01", 350_000, 5)
    ]
    draft = "New draft product (kode {}): add a photo, then publish it."
    assert report(job) == [
        (2, "Keripik Tempe Pedas", "KTP-250", "created", draft.format(keripik.pk)),
        (3, "Kain Batik Tulis", "BTK-01", "created", draft.format(batik.pk)),
        (4, "keripik tempe  pedas", "KTO-500", "created", draft.format(keripik.pk)),
    ]


def test_bad_rows_are_refused_with_the_reason_and_create_nothing(
    verified_shop, english, categories
):
    text = "\n".join(
        [
            HEADER,
            ",keripik-camilan,,,,,,,TANPA-NAMA,25000,250,10",
            'Keripik Pisang,keripik-camilan,,,,,,,KP-1,"25,5",250,10',
            "Sepatu Kulit,sepatu,,,,,,,SP-1,150000,800,3",
            "Tas Anyaman,anyaman,,,,,,,TA-1,85000,400,-3",
            "Keripik Singkong,keripik-camilan,,,,,,,KS-1,20000,,10",
            "Gelang Kayu,anyaman,,,,,,,GK-1,15000,50,7",
        ]
    )

    job = run_import(verified_shop, english, text)

    gelang = Product.objects.get()
    assert gelang.name == "Gelang Kayu"
    assert Variant.objects.filter(shop=verified_shop).count() == 1
    assert (job.status, job.created_count, job.updated_count, job.refused_count) == (
        "done",
        1,
        0,
        5,
    )
    assert report(job) == [
        (2, "", "TANPA-NAMA", "refused", "nama_produk is required."),
        (
            3,
            "Keripik Pisang",
            "KP-1",
            "refused",
            "harga “25,5”: write whole rupiah without cents, e.g. 25000 or 25.000.",
        ),
        (
            4,
            "Sepatu Kulit",
            "SP-1",
            "refused",
            "kategori “sepatu” is unknown. Use a code from the list of categories on the "
            "import page, e.g. keripik-camilan.",
        ),
        (5, "Tas Anyaman", "TA-1", "refused", "stok cannot be negative."),
        (6, "Keripik Singkong", "KS-1", "refused", "berat_gram is required for a new variant."),
        (
            7,
            "Gelang Kayu",
            "GK-1",
            "created",
            f"New draft product (kode {gelang.pk}): add a photo, then publish it.",
        ),
    ]


def test_a_product_with_one_bad_row_is_not_imported_at_all(verified_shop, english, categories):
    text = "\n".join(
        [
            HEADER,
            "Keripik Tempe,keripik-camilan,,,,,,Pedas,KT-1,25000,250,10",
            "Keripik Tempe,,,,,,,Manis,KT-2,Rp 25.000.5,250,10",
        ]
    )

    job = run_import(verified_shop, english, text)

    assert not Product.objects.exists()
    assert report(job) == [
        (
            2,
            "Keripik Tempe",
            "KT-1",
            "refused",
            "Not imported: row 3 of the same product has a problem.",
        ),
        (
            3,
            "Keripik Tempe",
            "KT-2",
            "refused",
            "harga “Rp 25.000.5” is not a price; write it like 25000 or 25.000.",
        ),
    ]


def test_duplicate_skus_in_the_file_refuse_the_later_rows(verified_shop, english, categories):
    text = "\n".join(
        [
            HEADER,
            "Keripik Tempe,keripik-camilan,,,,,,Pedas,KT-1,25000,250,10",
            "Keripik Tempe,,,,,,,Manis,KT-2,25000,250,10",
            "Tas Anyaman,anyaman,,,,,,,kt-1,85000,400,3",
            "Gelang Kayu,anyaman,,,,,,,KT-2,15000,50,7",
        ]
    )

    job = run_import(verified_shop, english, text)

    assert list(Product.objects.values_list("name", flat=True)) == ["Keripik Tempe"]
    assert report(job)[2:] == [
        (4, "Tas Anyaman", "KT-1", "refused", "Duplicate SKU: already on row 2."),
        (5, "Gelang Kayu", "KT-2", "refused", "Duplicate SKU: already on row 3."),
    ]
    assert (job.created_count, job.refused_count) == (2, 2)


def test_a_sku_of_another_product_of_the_shop_is_refused(verified_shop, english, categories):
    existing = make_product(verified_shop, english, categories["crafts"], name="Tas Pandan")
    before = snapshot(verified_shop)
    text = "\n".join([HEADER, "Tas Pandan Baru,anyaman,,,,,,,ktp-250,90000,400,3"])

    job = run_import(verified_shop, english, text)

    assert snapshot(verified_shop) == before
    assert Product.objects.count() == 1
    assert report(job) == [
        (
            2,
            "Tas Pandan Baru",
            "KTP-250",
            "refused",
            f"SKU KTP-250 is already used by the product with kode_produk {existing.pk}. "
            f"To change that product, put {existing.pk} in kode_produk.",
        )
    ]


def test_the_product_rules_of_the_form_apply(verified_shop, english, categories):
    text = "\n".join(
        [HEADER, "Jam Tangan,anyaman,,,,30,,,JT-1,250000,100,2"]  # warranty without terms
    )

    job = run_import(verified_shop, english, text)

    assert not Product.objects.exists()
    assert report(job) == [
        (
            2,
            "Jam Tangan",
            "JT-1",
            "refused",
            "Write the warranty terms: what is covered and how to claim.",
        )
    ]


# --- Updates -------------------------------------------------------------------------------------


def test_kode_produk_updates_price_and_stock_and_keeps_variants_missing_from_the_file(
    verified_shop, english, categories
):
    product = make_product(verified_shop, english, categories["snacks"])
    pedas, original = product.variants.order_by("position")
    Variant.objects.filter(pk=pedas.pk).update(stock_reserved=4)
    text = "\n".join(
        [
            "kode_produk,nama_produk,kategori,nama_varian,sku,harga,berat_gram,stok",
            f"{product.pk},,,,ktp-250,27.500,,60",
            f"{product.pk},,,Balado 250 g,KTB-250,26000,250,15",
        ]
    )

    job = run_import(verified_shop, english, text)

    assert (job.created_count, job.updated_count, job.refused_count) == (0, 2, 0)
    product.refresh_from_db()
    assert (product.name, product.description, product.min_price) == (
        "Keripik Tempe Pedas",
        "Keripik tempe renyah khas Malang.",
        26_000,
    )
    assert list(
        product.variants.order_by("position").values_list(
            "pk", "name", "sku", "price", "weight_grams", "stock_on_hand", "stock_reserved"
        )
    ) == [
        (pedas.pk, "Pedas, 250 g", "KTP-250", 27_500, 250, 60, 4),
        (original.pk, "Original, 500 g", "KTO-500", 45_000, 500, 10, 0),
        (product.variants.get(sku="KTB-250").pk, "Balado 250 g", "KTB-250", 26_000, 250, 15, 0),
    ]
    assert [(e[0], e[3], e[4]) for e in report(job)] == [
        (2, "updated", ""),
        (3, "updated", "New variant added."),
    ]


def test_a_kode_produk_of_another_shop_is_refused_and_changes_nothing(
    verified_shop, english, other_shop, categories
):
    other_owner = other_shop.memberships.get().user
    theirs = make_product(other_shop, other_owner, categories["batik"], name="Batik Jetis")
    before = snapshot(other_shop)
    text = "\n".join(
        [
            "kode_produk,nama_produk,kategori,sku,harga,berat_gram,stok",
            f"{theirs.pk},Batik Jetis,,KTP-250,100,,0",
        ]
    )

    job = run_import(verified_shop, english, text)

    assert snapshot(other_shop) == before
    assert report(job) == [
        (
            2,
            "Batik Jetis",
            "KTP-250",
            "refused",
            f"Your shop has no product with kode_produk {theirs.pk}. Leave it blank for a new "
            "product.",
        )
    ]


def test_product_details_that_disagree_between_rows_are_refused(verified_shop, english, categories):
    product = make_product(verified_shop, english, categories["snacks"])
    before = snapshot(verified_shop)
    text = "\n".join(
        [
            "kode_produk,nama_produk,deskripsi,sku,harga,berat_gram,stok",
            f"{product.pk},Keripik Tempe Pedas,Baru: lebih renyah.,KTP-250,,,",
            f"{product.pk},Keripik Tempe Pedas,Lama.,KTO-500,,,",
        ]
    )

    job = run_import(verified_shop, english, text)

    assert snapshot(verified_shop) == before
    assert report(job)[1][3:] == (
        "refused",
        "deskripsi differs from row 2 of the same product. Fill it in once, or the same on "
        "every row.",
    )


# --- Export and the round trip -------------------------------------------------------------------


def test_export_then_import_unchanged_changes_nothing(client, verified_shop, english, categories):
    make_product(
        verified_shop,
        english,
        categories["snacks"],
        description="- Renyah\n- Tanpa pengawet, 100% tempe",
        warranty_days=7,
        warranty_terms="=Tukar jika remuk",
        min_order_qty=3,
    )
    make_product(
        verified_shop,
        english,
        categories["batik"],
        name='Kain Batik "Parang"; tulis',
        variants=[
            VariantInput(name="", sku="BTK-1", price=350_000, weight_grams=300, stock_on_hand=0)
        ],
        condition="used",
        description="",
    )
    client.force_login(english)

    response = client.get(reverse("marketplace:product_export", args=[verified_shop.pk]))
    exported = b"".join(response.streaming_content)

    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    keripik, batik = Product.objects.order_by("pk")
    rows = list(csv.reader(io.StringIO(exported.decode("utf-8-sig"))))
    assert rows == [
        list(imports.COLUMNS),
        [
            str(keripik.pk),
            "Keripik Tempe Pedas",
            "keripik-camilan",
            "'- Renyah\n- Tanpa pengawet, 100% tempe",
            "baru",
            "3",
            "7",
            "'=Tukar jika remuk",
            "Pedas, 250 g",
            "KTP-250",
            "25000",
            "250",
            "40",
        ],
        [
            str(keripik.pk),
            "Keripik Tempe Pedas",
            "",
            "",
            "",
            "",
            "",
            "",
            "Original, 500 g",
            "KTO-500",
            "45000",
            "500",
            "10",
        ],
        [
            str(batik.pk),
            'Kain Batik "Parang"; tulis',
            "batik",
            "",
            "bekas",
            "1",
            "0",
            "",
            "",
            "BTK-1",
            "350000",
            "300",
            "0",
        ],
    ]
    before = snapshot(verified_shop)

    job = run_import(verified_shop, english, exported.decode("utf-8"))

    assert snapshot(verified_shop) == before
    assert (job.status, job.created_count, job.updated_count, job.refused_count) == (
        "done",
        0,
        0,
        0,
    )
    assert [e["outcome"] for e in job.report] == ["unchanged"] * 3
    keripik.refresh_from_db()
    assert keripik.description == "- Renyah\n- Tanpa pengawet, 100% tempe"
    assert keripik.warranty_terms == "=Tukar jika remuk"


def test_export_as_semicolons_for_excel(client, verified_shop, english, categories):
    make_product(verified_shop, english, categories["snacks"])
    client.force_login(english)

    response = client.get(
        reverse("marketplace:product_export", args=[verified_shop.pk]) + "?pemisah=titik-koma"
    )
    text = b"".join(response.streaming_content).decode("utf-8")

    assert text.startswith("\ufeffkode_produk;nama_produk;kategori;")
    assert ";Pedas, 250 g;KTP-250;25000;250;40\r\n" in text


def test_export_runs_a_fixed_number_of_queries(
    client, verified_shop, english, categories, django_assert_max_num_queries
):
    for n in range(5):
        make_product(
            verified_shop,
            english,
            categories["crafts"],
            name=f"Tas Anyaman {n}",
            variants=[
                VariantInput(
                    name="", sku=f"TA-{n}", price=50_000, weight_grams=400, stock_on_hand=2
                )
            ],
        )
    client.force_login(english)

    with django_assert_max_num_queries(12):
        response = client.get(reverse("marketplace:product_export", args=[verified_shop.pk]))
        rows = b"".join(response.streaming_content).decode("utf-8-sig").splitlines()

    assert len(rows) == 6


def test_semicolon_csv_with_a_bom_as_excel_writes_it(verified_shop, english, categories):
    text = "\ufeff" + "\r\n".join(
        [
            HEADER.replace(",", ";"),
            "Keripik Tempe;keripik-camilan;Gurih, renyah;baru;1;0;;Pedas, 250 g;KT-1;"
            "Rp 25.000;250;10",
            "Keripik Tempe;;;;;;;Manis, 250 g;KT-2;25.000;250;10",
        ]
    )

    job = run_import(verified_shop, english, text)

    product = Product.objects.get()
    assert (job.created_count, job.refused_count) == (2, 0)
    assert product.description == "Gurih, renyah"
    assert list(product.variants.values_list("name", "price")) == [
        ("Pedas, 250 g", 25_000),
        ("Manis, 250 g", 25_000),
    ]


def test_the_template_imports_as_it_is(client, verified_shop, english, categories):
    client.force_login(english)
    response = client.get(reverse("marketplace:product_import_template", args=[verified_shop.pk]))

    job = run_import(verified_shop, english, b"".join(response.streaming_content).decode("utf-8"))

    assert (job.created_count, job.refused_count) == (3, 0)
    assert list(Product.objects.order_by("pk").values_list("name", "category__slug")) == [
        ("Keripik Tempe Pedas", "keripik-camilan"),
        ("Kain Batik Tulis Motif Parang", "batik"),
    ]


def test_the_import_page_explains_the_format_and_lists_recent_imports(
    client, verified_shop, english, categories, django_assert_max_num_queries
):
    job = run_import(verified_shop, english, f"{HEADER}\nTas,anyaman,,,,,,,T-1,10000,100,1")
    client.force_login(english)

    with django_assert_max_num_queries(12):
        response = client.get(reverse("marketplace:product_import", args=[verified_shop.pk]))

    html = response.content.decode()
    assert response.status_code == 200
    assert reverse("marketplace:product_export", args=[verified_shop.pk]) in html
    assert reverse("marketplace:product_import_template", args=[verified_shop.pk]) in html
    assert reverse("marketplace:product_import_job", args=[verified_shop.pk, job.pk]) in html
    assert "Variants of a product that are missing from the file are kept, not deleted." in html
    assert "New products are saved as drafts" in html
    assert '<li class="sub"><code>keripik-camilan</code> Keripik &amp; Camilan</li>' in html
    assert "<li><strong>Kerajinan</strong></li>" in html
    assert '<li class="sub"><code>anyaman</code> Anyaman</li>' in html


# --- Access and the upload -----------------------------------------------------------------------


def test_an_outsider_can_neither_export_nor_import(
    client, verified_shop, outsider, english, categories, published_tasks
):
    make_product(verified_shop, english, categories["snacks"])
    client.force_login(outsider)
    upload = io.BytesIO(f"{HEADER}\nTas,anyaman,,,,,,,T-1,10000,100,1\n".encode())
    upload.name = "produk.csv"
    shop_id = verified_shop.pk

    assert client.get(reverse("marketplace:product_export", args=[shop_id])).status_code == 404
    assert client.get(reverse("marketplace:product_import", args=[shop_id])).status_code == 404
    response = client.post(reverse("marketplace:product_import", args=[shop_id]), {"file": upload})
    assert response.status_code == 404
    assert (
        client.get(reverse("marketplace:product_import_template", args=[shop_id])).status_code
        == 404
    )
    with pytest.raises(imports.ShopNotFound):
        imports.import_job_create(
            shop_id=shop_id, actor=outsider, filename="produk.csv", data=upload.getvalue()
        )
    assert not ImportJob.objects.exists()
    assert published_tasks == []


def test_an_outsider_cannot_see_a_shops_import(
    client, verified_shop, english, outsider, categories
):
    job = run_import(verified_shop, english, f"{HEADER}\nTas,anyaman,,,,,,,T-1,10000,100,1")
    client.force_login(outsider)

    url = reverse("marketplace:product_import_job", args=[verified_shop.pk, job.pk])
    assert client.get(url).status_code == 404


def test_staff_export_and_import(
    client,
    verified_shop,
    staff,
    english,
    categories,
    django_capture_on_commit_callbacks,
    published_tasks,
):
    client.force_login(staff)
    upload = io.BytesIO(f"{HEADER}\nTas Anyaman,anyaman,,,,,,,T-1,85.000,400,3\n".encode())
    upload.name = "produk.csv"

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("marketplace:product_import", args=[verified_shop.pk]), {"file": upload}
        )

    job = ImportJob.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse(
        "marketplace:product_import_job", args=[verified_shop.pk, job.pk]
    )
    assert (job.shop, job.uploaded_by, job.status) == (verified_shop, staff, "pending")
    assert published_tasks == [("marketplace.tasks.product_import_run", (job.pk,))]
    assert storages["documents"].exists(job.file.name)
    assert (
        client.get(reverse("marketplace:product_export", args=[verified_shop.pk])).status_code
        == 200
    )


@pytest.mark.parametrize(
    ("name", "data", "message"),
    [
        (
            "produk.xlsx",
            b"PK\x03\x04",
            "Choose a .csv file. In Excel: File &gt; Save As &gt; “CSV UTF-8”.",
        ),
        (
            "produk.csv",
            b"nama,harga\nTas,10000\n",
            "The first row must name the columns, as in the template. Missing: nama_produk (or "
            "kode_produk), sku.",
        ),
        (
            "produk.csv",
            f"{HEADER}\nTas Kulit Sapi Asli,anyaman,,,,,,,T-1,10000,100,1\n".encode("cp1252")
            + "Caf\u00e9".encode("cp1252"),
            "The file is not UTF-8 text.",
        ),
        (
            "produk.csv",
            f"{HEADER}\n\n".encode(),
            "The file has no product rows under the column names.",
        ),
        ("produk.csv", b"", "The submitted file is empty."),
    ],
)
def test_an_upload_that_is_not_an_importable_csv_is_refused_and_nothing_is_queued(
    client, verified_shop, english, name, data, message, published_tasks
):
    from django.core.files.uploadedfile import SimpleUploadedFile

    client.force_login(english)

    response = client.post(
        reverse("marketplace:product_import", args=[verified_shop.pk]),
        {"file": SimpleUploadedFile(name, data, content_type="text/csv")},
    )

    assert response.status_code == 200
    assert message in response.content.decode()
    assert not ImportJob.objects.exists()
    assert published_tasks == []
    assert not storages["documents"].exists("imports")


def test_a_file_over_5_mb_is_refused(client, verified_shop, english, published_tasks):
    from django.core.files.uploadedfile import SimpleUploadedFile

    client.force_login(english)
    big = (HEADER + "\n" + "Tas,anyaman,,,,,,,T-1,10000,100,1\n" * 170_000).encode()
    assert len(big) > 5 * 1024 * 1024

    response = client.post(
        reverse("marketplace:product_import", args=[verified_shop.pk]),
        {"file": SimpleUploadedFile("produk.csv", big, content_type="text/csv")},
    )

    assert "The file is larger than 5 MB. Split it into several files." in response.content.decode()
    assert not ImportJob.objects.exists()
    assert published_tasks == []


def test_a_second_upload_waits_for_the_first_import(verified_shop, english, categories):
    data = f"{HEADER}\nTas,anyaman,,,,,,,T-1,10000,100,1\n".encode()
    imports.import_job_create(shop_id=verified_shop.pk, actor=english, filename="a.csv", data=data)

    with pytest.raises(ImportRefused) as refused:
        imports.import_job_create(
            shop_id=verified_shop.pk, actor=english, filename="b.csv", data=data
        )

    assert str(refused.value.message) == (
        "Another import of this shop is still running. Wait until it is done."
    )
    assert ImportJob.objects.count() == 1


def test_a_lost_job_does_not_block_the_shop_and_the_page_says_so(
    client, verified_shop, english, categories
):
    data = f"{HEADER}\nTas,anyaman,,,,,,,T-1,10000,100,1\n".encode()
    lost = imports.import_job_create(
        shop_id=verified_shop.pk, actor=english, filename="a.csv", data=data
    )
    ImportJob.objects.filter(pk=lost.pk).update(
        status="running", updated_at=timezone.now() - timedelta(minutes=11)
    )

    again = imports.import_job_create(
        shop_id=verified_shop.pk, actor=english, filename="a.csv", data=data
    )
    imports.import_run(job_id=lost.pk)  # the broker finally redelivers the lost one

    lost.refresh_from_db()
    assert again.status == "pending"
    assert (lost.status, lost.error) == (
        "failed",
        "The import stopped before the end. The rows marked created or updated in the report "
        "were imported; upload the others again.",
    )
    ImportJob.objects.filter(pk=again.pk).update(updated_at=timezone.now() - timedelta(hours=1))
    client.force_login(english)
    page = client.get(
        reverse("marketplace:product_import_job", args=[verified_shop.pk, again.pk])
    ).content.decode()
    assert "This import has made no progress for a while." in page
    assert 'http-equiv="refresh"' not in page


# --- Running: twice, failures, the page ----------------------------------------------------------


def test_a_second_delivery_of_the_task_does_nothing(verified_shop, english, categories):
    job = run_import(verified_shop, english, f"{HEADER}\nTas,anyaman,,,,,,,T-1,10000,100,1")
    first = (job.status, job.processed_rows, job.created_count, job.report, job.finished_at)

    imports.import_run(job_id=job.pk)

    job.refresh_from_db()
    assert (job.status, job.processed_rows, job.created_count, job.report, job.finished_at) == first
    assert Product.objects.count() == 1


def test_a_running_job_is_not_run_again(verified_shop, english, categories):
    job = imports.import_job_create(
        shop_id=verified_shop.pk,
        actor=english,
        filename="a.csv",
        data=f"{HEADER}\nTas,anyaman,,,,,,,T-1,10000,100,1".encode(),
    )
    ImportJob.objects.filter(pk=job.pk).update(status="running")

    imports.import_run(job_id=job.pk)

    job.refresh_from_db()
    assert (job.status, job.processed_rows) == ("running", 0)
    assert not Product.objects.exists()


def test_an_unexpected_error_marks_the_job_failed_with_the_message(
    client, verified_shop, english, categories
):
    job = imports.import_job_create(
        shop_id=verified_shop.pk,
        actor=english,
        filename="a.csv",
        data=f"{HEADER}\nTas,anyaman,,,,,,,T-1,10000,100,1".encode(),
    )
    storages["documents"].delete(job.file.name)

    imports.import_run(job_id=job.pk)

    job.refresh_from_db()
    assert (job.status, job.error) == ("failed", "The uploaded file is gone. Upload it again.")
    assert job.finished_at is not None
    client.force_login(english)
    page = client.get(reverse("marketplace:product_import_job", args=[verified_shop.pk, job.pk]))
    assert "The uploaded file is gone. Upload it again." in page.content.decode()
    assert 'http-equiv="refresh"' not in page.content.decode()


def test_the_job_page_shows_progress_while_running_then_the_report(
    client, verified_shop, english, categories
):
    job = imports.import_job_create(
        shop_id=verified_shop.pk,
        actor=english,
        filename="a.csv",
        data=f"{HEADER}\nTas,anyaman,,,,,,,T-1,10000,100,1\nGelang,nope,,,,,,,G-1,5000,10,1".encode(),
    )
    ImportJob.objects.filter(pk=job.pk).update(status="running", total_rows=4, processed_rows=1)
    client.force_login(english)
    url = reverse("marketplace:product_import_job", args=[verified_shop.pk, job.pk])

    running = client.get(url).content.decode()

    assert '<meta http-equiv="refresh" content="2">' in running
    assert f'<progress id="import-bar-{job.pk}" max="100" value="25">25%</progress>' in running
    assert "1 of 4 rows" in running

    ImportJob.objects.filter(pk=job.pk).update(status="pending", total_rows=0, processed_rows=0)
    imports.import_run(job_id=job.pk)
    done = client.get(url).content.decode()

    assert 'http-equiv="refresh"' not in done
    assert 'value="100"' in done
    assert "1 new product was saved as a draft." in done
    assert "kategori “nope” is unknown." in done
    refused_only = client.get(url + "?hasil=refused").content.decode()
    assert "G-1" in refused_only and "T-1" not in refused_only

    refused = client.get(
        reverse("marketplace:product_import_refused", args=[verified_shop.pk, job.pk])
    )
    rows = list(csv.reader(io.StringIO(b"".join(refused.streaming_content).decode("utf-8-sig"))))
    assert rows[0] == [*HEADER.split(","), "alasan"]
    assert rows[1][:12] == ["Gelang", "nope", "", "", "", "", "", "", "G-1", "5000", "10", "1"]
    assert rows[1][12].startswith("kategori “nope” is unknown.")
    assert len(rows) == 2


# --- A real worker -------------------------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_the_import_runs_in_a_real_celery_worker(
    client, celery_worker, jatim_regions, settings, tmp_path
):
    from marketplace.models import Category
    from tests.factories import UserFactory
    from tests.marketplace.conftest import verify
    from tests.vendors.conftest import shop_profile
    from vendors.services import shops as shop_services

    owner = UserFactory(language="en")
    shop = verify(shop_services.shop_open(user=owner, **shop_profile()))
    # A transactional test may find the data migration's tree or an emptied table.
    Category.objects.get_or_create(slug="tes-impor-kriya", defaults={"name": "Tes Impor Kriya"})
    rows = [f"Tas Anyaman {n},tes-impor-kriya,,,,,,,TA-{n},85.000,400,{n}" for n in range(60)]
    upload = io.BytesIO("\n".join([HEADER, *rows]).encode())
    upload.name = "produk.csv"
    client.force_login(owner)

    response = client.post(reverse("marketplace:product_import", args=[shop.pk]), {"file": upload})

    job = ImportJob.objects.get()
    assert response["Location"] == reverse("marketplace:product_import_job", args=[shop.pk, job.pk])
    deadline = time.monotonic() + 30
    seen_progress = set()
    while time.monotonic() < deadline:
        job.refresh_from_db()
        seen_progress.add(job.processed_rows)
        if job.status in ("done", "failed"):
            break
        time.sleep(0.05)
    assert (job.status, job.total_rows, job.processed_rows, job.created_count) == (
        "done",
        60,
        60,
        60,
    )
    assert Product.objects.filter(shop=shop, status=ProductStatus.DRAFT).count() == 60
    assert sorted(
        Variant.objects.filter(shop=shop).values_list("stock_on_hand", flat=True)
    ) == list(range(60))
    page = client.get(response["Location"]).content.decode()
    assert "60 new products were saved as drafts." in page
