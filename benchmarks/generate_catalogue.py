"""Generate a large, realistic catalogue for the performance benchmark (issue 4, "Performance").

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/komeji_bench \
    DJANGO_SETTINGS_MODULE=komeji.settings \
    python benchmarks/generate_catalogue.py --shops 5000 --products 100000 [--reset] [--seed 42]

Creates (if missing, by slug) the category tree of the issue, then `--shops` verified shops, each
with its owner (e-mail @bench.komeji.test, so `--reset` can find and delete them), spread over
the 38 kabupaten/kota of Jawa Timur, and `--products` products with 1-3 variants, one image (a
handful of shared, pre-generated files under MEDIA_ROOT/bench/) and, where the category requires
it, a verified unexpired certificate.

Rows go in with bulk_create in batches (one transaction per batch); the denormalised columns
(shop_name, region_id_cache, min_price) are filled in Python, then ONE set-based UPDATE computes
search_vector exactly as marketplace.services.products.product_refresh_search does, and the
tables are vacuumed and analysed. Never run it against a database that matters.
"""

import argparse
import datetime as dt
import os
import random
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "komeji.settings")

import django

django.setup()

from django.conf import settings  # noqa: E402
from django.contrib.auth.hashers import make_password  # noqa: E402
from django.db import connection, transaction  # noqa: E402
from django.utils import timezone  # noqa: E402
from django.utils.text import slugify  # noqa: E402

from komeji.accounts.models import User  # noqa: E402
from komeji.common.models import Region  # noqa: E402
from marketplace.models import (  # noqa: E402
    Category,
    CategoryRequirement,
    Certificate,
    CertificateKind,
    CertificateStatus,
    Product,
    ProductCondition,
    ProductImage,
    ProductStatus,
    Variant,
)
from vendors.models import Shop, ShopMember, ShopStatus  # noqa: E402

EMAIL_DOMAIN = "bench.komeji.test"
BATCH = 5_000
IMAGE_COUNT = 20

# --- The category tree of the issue -------------------------------------------------------------
# (top name, commission bp, [(sub name, required certificate)])
PIRT = CategoryRequirement.PIRT_OR_BPOM
BPOM = CategoryRequirement.BPOM
NONE = CategoryRequirement.NONE
TREE: list[tuple[str, int, list[tuple[str, str]]]] = [
    (
        "Makanan & Minuman",
        500,
        [
            ("Keripik & Camilan", PIRT),
            ("Sambal & Bumbu", PIRT),
            ("Kopi & Teh", PIRT),
            ("Kue & Roti", PIRT),
        ],
    ),
    ("Fesyen", 600, [("Batik", NONE), ("Tenun & Songket", NONE), ("Busana Muslim", NONE)]),
    ("Kerajinan", 600, [("Anyaman", NONE), ("Ukiran Kayu", NONE), ("Gerabah", NONE)]),
    ("Kecantikan & Kesehatan", 700, [("Jamu", BPOM), ("Perawatan Tubuh", BPOM)]),
    ("Pertanian", 400, [("Buah Segar", NONE), ("Sayur & Bibit", NONE)]),
    ("Perabot", 500, [("Mebel Kayu", NONE), ("Dekorasi Rumah", NONE)]),
    (
        "Oleh-oleh khas daerah",
        500,
        [
            ("Oleh-oleh Malang", PIRT),
            ("Oleh-oleh Madura", PIRT),
            ("Oleh-oleh Banyuwangi", PIRT),
        ],
    ),
]

# --- Words --------------------------------------------------------------------------------------
# Per sub-category: product nouns, qualifiers, price range (Rp), weight range (g), variant sets.
SIZES_FOOD = [["100 g", "250 g", "500 g"], ["Original", "Pedas", "Balado"], ["Kecil", "Besar"]]
SIZES_CLOTH = [["S", "M", "L"], ["M", "L", "XL"], ["All size"], ["2 m", "3 m"]]
SIZES_CRAFT = [["Kecil", "Sedang", "Besar"], ["Natural", "Cokelat", "Hitam"], ["Satuan"]]
SIZES_BEAUTY = [["100 ml", "250 ml"], ["Sachet", "Botol"], ["50 g", "100 g", "200 g"]]
SIZES_AGRI = [["1 kg", "2 kg", "5 kg"], ["500 g", "1 kg"], ["Satu bibit", "Paket 10 bibit"]]
SIZES_HOME = [["Jati", "Mahoni"], ["Natural", "Cokelat tua"], ["Satuan"]]

WORDS: dict[str, dict[str, Any]] = {
    "Keripik & Camilan": {
        "nouns": [
            "Keripik Tempe",
            "Keripik Singkong",
            "Keripik Pisang",
            "Keripik Kentang",
            "Keripik Usus",
            "Keripik Tahu",
            "Rempeyek Kacang",
            "Kerupuk Udang",
            "Kerupuk Ikan",
            "Makaroni Pedas",
            "Basreng",
            "Seblak Kering",
            "Kacang Bawang",
            "Emping Melinjo",
            "Stik Bawang",
            "Kripik Nangka",
            "Keripik Apel",
            "Kerupuk Rambak",
        ],
        "quals": [
            "Pedas",
            "Original",
            "Balado",
            "Pedas Manis",
            "Renyah",
            "Super Pedas",
            "Daun Jeruk",
            "Gurih",
            "Premium",
            "Rumahan",
        ],
        "price": (8_000, 45_000),
        "weight": (100, 600),
        "variants": SIZES_FOOD,
    },
    "Sambal & Bumbu": {
        "nouns": [
            "Sambal Bawang",
            "Sambal Terasi",
            "Sambal Ijo",
            "Sambal Cumi",
            "Sambal Roa",
            "Sambal Bajak",
            "Sambal Teri",
            "Bumbu Pecel",
            "Bumbu Rujak",
            "Bumbu Rawon",
            "Bumbu Soto",
            "Petis Udang",
            "Sambal Tempe",
            "Sambal Matah",
            "Sambal Bu Rudy",
        ],
        "quals": [
            "Pedas",
            "Extra Pedas",
            "Original",
            "Level 5",
            "Botol",
            "Toples",
            "Rumahan",
            "Tanpa Pengawet",
            "Premium",
        ],
        "price": (12_000, 65_000),
        "weight": (150, 800),
        "variants": SIZES_FOOD,
    },
    "Kopi & Teh": {
        "nouns": [
            "Kopi Robusta",
            "Kopi Arabika",
            "Kopi Luwak",
            "Kopi Bubuk",
            "Kopi Biji",
            "Kopi Lanang",
            "Teh Hijau",
            "Teh Melati",
            "Teh Rosella",
            "Wedang Uwuh",
            "Wedang Jahe",
            "Kopi Jahe",
            "Kopi Rempah",
            "Teh Sereh",
        ],
        "quals": [
            "Dampit",
            "Ijen",
            "Argopuro",
            "Kelud",
            "Arjuno",
            "Bromo",
            "Premium",
            "Giling Halus",
            "Sangrai Medium",
            "Organik",
            "Original",
        ],
        "price": (20_000, 180_000),
        "weight": (100, 1000),
        "variants": SIZES_FOOD,
    },
    "Kue & Roti": {
        "nouns": [
            "Bakpia",
            "Lapis Legit",
            "Bolu Pandan",
            "Kue Nastar",
            "Kue Kastengel",
            "Bolu Kukus",
            "Roti Bagelen",
            "Brownies Kukus",
            "Kue Lumpur",
            "Wingko Babat",
            "Onde-onde",
            "Kue Putri Salju",
            "Pia Kacang Hijau",
            "Roti Maryam",
        ],
        "quals": [
            "Keju",
            "Cokelat",
            "Original",
            "Premium",
            "Toples",
            "Kotak",
            "Lebaran",
            "Pandan",
            "Kacang Hijau",
            "Ubi Ungu",
        ],
        "price": (15_000, 150_000),
        "weight": (200, 1000),
        "variants": SIZES_FOOD,
    },
    "Batik": {
        "nouns": [
            "Batik Tulis",
            "Batik Cap",
            "Kemeja Batik",
            "Kain Batik",
            "Dress Batik",
            "Blus Batik",
            "Selendang Batik",
            "Batik Cap Kombinasi",
            "Outer Batik",
        ],
        "quals": [
            "Motif Parang",
            "Motif Kawung",
            "Motif Gajah Oling",
            "Motif Sekar Jagad",
            "Motif Truntum",
            "Madura",
            "Tanjung Bumi",
            "Lasem",
            "Pewarna Alam",
            "Sutra",
            "Katun Primisima",
            "Lengan Panjang",
            "Lengan Pendek",
        ],
        "price": (85_000, 1_500_000),
        "weight": (200, 600),
        "variants": SIZES_CLOTH,
    },
    "Tenun & Songket": {
        "nouns": [
            "Kain Tenun",
            "Songket",
            "Sarung Tenun",
            "Tenun Ikat",
            "Selendang Tenun",
            "Syal Tenun",
        ],
        "quals": [
            "Gedog Tuban",
            "Sumenep",
            "Motif Ikat",
            "Benang Sutra",
            "Pewarna Alam",
            "Premium",
            "Tradisional",
        ],
        "price": (120_000, 2_500_000),
        "weight": (300, 900),
        "variants": SIZES_CLOTH,
    },
    "Busana Muslim": {
        "nouns": [
            "Gamis",
            "Hijab Segi Empat",
            "Pashmina",
            "Koko",
            "Mukena",
            "Sarung Wadimor",
            "Tunik",
            "Kerudung Instan",
            "Peci Rajut",
        ],
        "quals": [
            "Katun Rayon",
            "Voal",
            "Ceruti",
            "Bordir",
            "Polos",
            "Motif Batik",
            "Premium",
            "Anak",
            "Dewasa",
            "Syar'i",
        ],
        "price": (35_000, 450_000),
        "weight": (150, 700),
        "variants": SIZES_CLOTH,
    },
    "Anyaman": {
        "nouns": [
            "Tas Anyaman Pandan",
            "Tas Rotan",
            "Keranjang Bambu",
            "Tikar Pandan",
            "Topi Anyaman",
            "Bakul Nasi",
            "Tampah Bambu",
            "Kap Lampu Rotan",
            "Tas Eceng Gondok",
            "Dompet Pandan",
        ],
        "quals": [
            "Handmade",
            "Natural",
            "Motif Bunga",
            "Bulat",
            "Kotak",
            "Besar",
            "Mini",
            "Warna-warni",
            "Tulungagung",
            "Tasikmalaya",
        ],
        "price": (15_000, 350_000),
        "weight": (100, 2000),
        "variants": SIZES_CRAFT,
    },
    "Ukiran Kayu": {
        "nouns": [
            "Ukiran Kayu Jati",
            "Patung Kayu",
            "Topeng Malangan",
            "Hiasan Dinding Ukir",
            "Kaligrafi Ukir",
            "Kotak Perhiasan Ukir",
            "Miniatur Perahu",
        ],
        "quals": [
            "Jati",
            "Mahoni",
            "Sono",
            "Motif Naga",
            "Motif Bunga",
            "Finishing Natural",
            "Handmade",
            "Besar",
            "Kecil",
        ],
        "price": (50_000, 3_500_000),
        "weight": (300, 8000),
        "variants": SIZES_CRAFT,
    },
    "Gerabah": {
        "nouns": [
            "Gerabah Hias",
            "Pot Tanah Liat",
            "Kendi",
            "Cobek Tanah Liat",
            "Guci",
            "Celengan Gerabah",
            "Anglo",
            "Tungku Tanah Liat",
        ],
        "quals": [
            "Dinoyo",
            "Trowulan",
            "Natural",
            "Motif Majapahit",
            "Besar",
            "Kecil",
            "Glasir",
            "Handmade",
        ],
        "price": (10_000, 750_000),
        "weight": (300, 10000),
        "variants": SIZES_CRAFT,
    },
    "Jamu": {
        "nouns": [
            "Jamu Kunyit Asam",
            "Jamu Beras Kencur",
            "Jamu Temulawak",
            "Jamu Sirih",
            "Jamu Galian Singset",
            "Jamu Pegal Linu",
            "Jahe Merah Instan",
            "Temulawak Instan",
            "Jamu Gendong",
        ],
        "quals": [
            "Serbuk",
            "Cair",
            "Instan",
            "Tanpa Gula",
            "Madura",
            "Original",
            "Botol",
            "Sachet",
        ],
        "price": (10_000, 120_000),
        "weight": (100, 800),
        "variants": SIZES_BEAUTY,
    },
    "Perawatan Tubuh": {
        "nouns": [
            "Lulur Bengkoang",
            "Lulur Madura",
            "Masker Beras",
            "Minyak Kayu Putih",
            "Sabun Sereh",
            "Minyak Urut",
            "Body Scrub Kopi",
            "Bedak Dingin",
            "Minyak Tawon",
            "Sabun Susu Kambing",
        ],
        "quals": [
            "Alami",
            "Madura",
            "Original",
            "Kemasan Baru",
            "Besar",
            "Travel Size",
            "Aroma Melati",
            "Aroma Sereh",
        ],
        "price": (10_000, 150_000),
        "weight": (50, 700),
        "variants": SIZES_BEAUTY,
    },
    "Buah Segar": {
        "nouns": [
            "Apel Manalagi",
            "Apel Anna",
            "Jeruk Keprok",
            "Mangga Arumanis",
            "Mangga Podang",
            "Salak Pondoh",
            "Durian Bido",
            "Buah Naga Merah",
            "Semangka",
            "Melon",
            "Pisang Agung",
            "Alpukat Mentega",
        ],
        "quals": [
            "Batu",
            "Kediri",
            "Probolinggo",
            "Banyuwangi",
            "Pasuruan",
            "Segar",
            "Manis",
            "Grade A",
            "Panen Hari Ini",
            "Super",
        ],
        "price": (15_000, 250_000),
        "weight": (500, 5000),
        "variants": SIZES_AGRI,
    },
    "Sayur & Bibit": {
        "nouns": [
            "Bibit Cabai Rawit",
            "Bibit Tomat",
            "Bibit Durian Musang King",
            "Bibit Alpukat",
            "Sayur Organik",
            "Kentang Dieng",
            "Wortel",
            "Bawang Merah",
            "Bibit Jeruk Siam",
            "Bibit Kelengkeng",
            "Benih Sawi",
        ],
        "quals": [
            "Organik",
            "Unggul",
            "Siap Tanam",
            "Nganjuk",
            "Batu",
            "Segar",
            "Okulasi",
            "Hidroponik",
        ],
        "price": (5_000, 200_000),
        "weight": (100, 5000),
        "variants": SIZES_AGRI,
    },
    "Mebel Kayu": {
        "nouns": [
            "Kursi Jati",
            "Meja Makan Jati",
            "Lemari Pakaian",
            "Bufet TV",
            "Rak Buku Kayu",
            "Kursi Teras",
            "Meja Belajar",
            "Dipan Jati",
            "Bangku Panjang",
        ],
        "quals": [
            "Jati Perhutani",
            "Mahoni",
            "Minimalis",
            "Klasik",
            "Ukir Jepara",
            "Finishing Natural",
            "Bojonegoro",
            "Tuban",
        ],
        "price": (350_000, 12_000_000),
        "weight": (3000, 60000),
        "variants": SIZES_HOME,
    },
    "Dekorasi Rumah": {
        "nouns": [
            "Lampu Hias Bambu",
            "Cermin Ukir",
            "Vas Bunga",
            "Jam Dinding Kayu",
            "Taplak Meja Batik",
            "Sarung Bantal Batik",
            "Hiasan Dinding",
            "Tempat Tisu Kayu",
        ],
        "quals": [
            "Minimalis",
            "Etnik",
            "Handmade",
            "Motif Batik",
            "Natural",
            "Vintage",
            "Kecil",
            "Besar",
        ],
        "price": (25_000, 900_000),
        "weight": (200, 5000),
        "variants": SIZES_HOME,
    },
    "Oleh-oleh Malang": {
        "nouns": [
            "Keripik Apel",
            "Strudel Apel",
            "Sari Apel",
            "Bakpao Telo",
            "Pia Mangkok",
            "Keripik Tempe Sanan",
            "Jenang Apel",
            "Cokelat Batu",
        ],
        "quals": ["Khas Malang", "Batu", "Original", "Premium", "Kotak Oleh-oleh", "Aneka Rasa"],
        "price": (15_000, 120_000),
        "weight": (200, 1000),
        "variants": SIZES_FOOD,
    },
    "Oleh-oleh Madura": {
        "nouns": [
            "Petis Madura",
            "Kerupuk Tette",
            "Jamu Madura",
            "Keripik Singkong Madura",
            "Garam Madura",
            "Kacang Madura",
            "Dodol Madura",
            "Rengginang Lorjuk",
        ],
        "quals": ["Khas Madura", "Sumenep", "Bangkalan", "Pamekasan", "Original", "Premium"],
        "price": (10_000, 95_000),
        "weight": (150, 1000),
        "variants": SIZES_FOOD,
    },
    "Oleh-oleh Banyuwangi": {
        "nouns": [
            "Bagiak",
            "Sale Pisang",
            "Kopi Osing",
            "Sambal Pecel Banyuwangi",
            "Kue Klemben",
            "Pia Glenmore",
            "Ladu Banyuwangi",
        ],
        "quals": [
            "Khas Banyuwangi",
            "Osing",
            "Original",
            "Premium",
            "Aneka Rasa",
            "Kotak Oleh-oleh",
        ],
        "price": (12_000, 110_000),
        "weight": (150, 1000),
        "variants": SIZES_FOOD,
    },
}

# Share of products per sub-category (food and fashion dominate, as in real UMKM marketplaces).
SUB_WEIGHTS = {
    "Keripik & Camilan": 14,
    "Sambal & Bumbu": 8,
    "Kopi & Teh": 7,
    "Kue & Roti": 7,
    "Batik": 9,
    "Tenun & Songket": 3,
    "Busana Muslim": 7,
    "Anyaman": 5,
    "Ukiran Kayu": 3,
    "Gerabah": 2,
    "Jamu": 5,
    "Perawatan Tubuh": 4,
    "Buah Segar": 4,
    "Sayur & Bibit": 3,
    "Mebel Kayu": 3,
    "Dekorasi Rumah": 4,
    "Oleh-oleh Malang": 4,
    "Oleh-oleh Madura": 4,
    "Oleh-oleh Banyuwangi": 4,
}

SHOP_PREFIX = {
    "Makanan & Minuman": [
        "Dapur",
        "Warung",
        "Pawon",
        "Camilan",
        "Keripik",
        "Sambal",
        "Kopi",
        "Toko Kue",
        "Roti",
    ],
    "Fesyen": ["Batik", "Butik", "Tenun", "Griya Batik", "Konveksi", "Busana"],
    "Kerajinan": ["Sanggar", "Kerajinan", "Galeri", "Anyaman", "Gerabah", "Ukir"],
    "Kecantikan & Kesehatan": ["Jamu", "Griya Jamu", "Herbal", "Rumah Sehat"],
    "Pertanian": ["Tani", "Kebun", "Agro", "Bibit", "Kelompok Tani"],
    "Perabot": ["Mebel", "Jati", "Furniture", "Dekorasi"],
    "Oleh-oleh khas daerah": ["Pusat Oleh-oleh", "Toko Oleh-oleh", "Oleh-oleh", "Sentra"],
}
SHOP_CORE = [
    "Bu Sri",
    "Bu Tin",
    "Bu Ning",
    "Mbak Yuli",
    "Pak Slamet",
    "Cak Mat",
    "Cak Dul",
    "Mbok Darmi",
    "Pak Kardi",
    "Bu Endang",
    "Mas Bayu",
    "Bu Wati",
    "Ning Ayu",
    "Bu Siti",
    "Pak Harto",
    "Sumber Rejeki",
    "Makmur Jaya",
    "Sekar Jagad",
    "Barokah",
    "Berkah Abadi",
    "Sinar Mulia",
    "Sari Rasa",
    "Rasa Nikmat",
    "Mekar Sari",
    "Tunas Harapan",
    "Arum Manis",
    "Lestari",
    "Sido Mulyo",
    "Tri Jaya",
    "Karya Mandiri",
    "Cahaya Ilahi",
    "Dewi Sri",
    "Puspa Indah",
    "Wijaya Kusuma",
    "Gajah Mada",
    "Mojopahit",
    "Joyo Boyo",
    "Nusantara",
    "Srikandi",
    "Anugerah",
    "Maju Bersama",
    "Sejahtera",
    "Tiga Putri",
    "Dua Saudara",
    "Sentosa",
]
SHOP_FORM = ["UD", "CV", "", "", "", "", ""]
PEOPLE = [
    "Sri Wahyuni",
    "Slamet Riyadi",
    "Siti Aminah",
    "Budi Santoso",
    "Dewi Lestari",
    "Ahmad Fauzi",
    "Nur Hidayati",
    "Agus Salim",
    "Endang Susilowati",
    "Yuli Astuti",
    "Bambang Sugiarto",
    "Rina Marlina",
    "Mohammad Rofiq",
    "Wahyu Hidayat",
    "Lilik Suryani",
    "Hadi Purnomo",
    "Ani Rahmawati",
    "Joko Widodo",
    "Umi Kulsum",
    "Samsul Arifin",
    "Tutik Handayani",
    "Eko Prasetyo",
    "Indah Permatasari",
    "Didik Hartono",
    "Fitri Handayani",
    "Rudi Hartanto",
]
KECAMATAN = [
    "Kota",
    "Lowokwaru",
    "Klojen",
    "Sukun",
    "Blimbing",
    "Wonokromo",
    "Genteng",
    "Kepanjen",
    "Singosari",
    "Lawang",
    "Bangil",
    "Rogojampi",
    "Kalianget",
    "Sumberpucung",
]
STREETS = [
    "Jl. Diponegoro",
    "Jl. Sudirman",
    "Jl. Ahmad Yani",
    "Jl. Gajah Mada",
    "Jl. Hayam Wuruk",
    "Jl. Raya",
    "Jl. Kartini",
    "Jl. Pahlawan",
    "Jl. Veteran",
    "Jl. Merdeka",
    "Jl. Brawijaya",
    "Jl. Panglima Sudirman",
]
DESC_OPENERS = [
    "{name} buatan {shop}, UMKM asli {region}.",
    "{name} produksi rumahan dari {region}, dibuat setiap hari oleh {shop}.",
    "Produk unggulan {shop}: {name}, langsung dari {region}.",
    "{name} pilihan, dikemas rapi dan siap kirim dari {region}.",
]
DESC_BODIES = [
    "Bahan baku dipilih dari petani dan perajin lokal.",
    "Tanpa bahan pengawet, cocok untuk oleh-oleh keluarga.",
    "Dikerjakan dengan tangan, setiap barang sedikit berbeda.",
    "Kualitas terjaga, sudah dipercaya pelanggan sejak bertahun-tahun.",
    "Pengiriman cepat ke seluruh Indonesia, dikemas aman dengan bubble wrap.",
    "Cocok untuk hadiah, hampers, dan acara keluarga.",
    "Simpan di tempat kering dan sejuk, jauh dari sinar matahari.",
    "Harga grosir tersedia untuk pembelian dalam jumlah besar.",
]


def round500(value: float) -> int:
    return max(500, round(value / 500.0) * 500)


@contextmanager
def phase(label: str) -> Iterator[None]:
    start = time.perf_counter()
    print(f"… {label}", flush=True)
    yield
    print(f"  {label}: {time.perf_counter() - start:.1f} s", flush=True)


# --- Phases -------------------------------------------------------------------------------------


def categories_ensure() -> dict[str, Category]:
    """The tree of the issue, created if missing (by slug); returns sub-categories by name."""
    subs: dict[str, Category] = {}
    for top_position, (top_name, commission, children) in enumerate(TREE, start=1):
        top, _ = Category.objects.get_or_create(
            slug=slugify(top_name),
            defaults={"name": top_name, "position": top_position, "commission_bp": commission},
        )
        for position, (name, requirement) in enumerate(children, start=1):
            sub, _ = Category.objects.get_or_create(
                slug=slugify(name),
                defaults={
                    "name": name,
                    "parent": top,
                    "position": position,
                    "commission_bp": commission,
                    "required_certificate": requirement,
                },
            )
            subs[name] = sub
    return subs


def images_ensure() -> list[tuple[str, dict[str, str], int, int]]:
    """~20 small JPEG files and their WebP thumbnails under MEDIA_ROOT/bench/, made once."""
    from PIL import Image, ImageDraw

    folder = Path(settings.MEDIA_ROOT) / "bench"
    folder.mkdir(parents=True, exist_ok=True)
    rng = random.Random(7)
    result = []
    for index in range(IMAGE_COUNT):
        name = f"bench/product-{index:02d}.jpg"
        path = Path(settings.MEDIA_ROOT) / name
        thumbs = {str(size): f"bench/product-{index:02d}-{size}.webp" for size in (160, 320, 640)}
        if not path.exists():
            colour = (rng.randint(60, 230), rng.randint(60, 230), rng.randint(60, 230))
            image = Image.new("RGB", (800, 800), colour)
            draw = ImageDraw.Draw(image)
            for _ in range(12):
                x, y = rng.randint(0, 700), rng.randint(0, 700)
                shade = tuple(max(0, c - rng.randint(20, 60)) for c in colour)
                draw.ellipse((x, y, x + rng.randint(40, 200), y + rng.randint(40, 200)), fill=shade)
            image.save(path, "JPEG", quality=80)
            for size, thumb in thumbs.items():
                copy = image.copy()
                copy.thumbnail((int(size), int(size)))
                copy.save(Path(settings.MEDIA_ROOT) / thumb, "WEBP", quality=75)
        result.append((name, thumbs, 800, 800))
    scan = folder / "certificate-scan.jpg"
    if not scan.exists():
        Image.new("RGB", (600, 800), (250, 250, 245)).save(scan, "JPEG", quality=70)
    return result


def bench_reset() -> None:
    """Delete everything a previous run generated (owners @bench.komeji.test and their shops)."""
    with transaction.atomic(), connection.cursor() as cursor:
        shops = (
            "SELECT s.id FROM vendors_shop s JOIN accounts_user u ON u.id = s.created_by_id "
            "WHERE u.email LIKE %s"
        )
        products = f"SELECT id FROM marketplace_product WHERE shop_id IN ({shops})"
        like = f"%@{EMAIL_DOMAIN}"
        for table in ("marketplace_certificate", "marketplace_productimage"):
            cursor.execute(f"DELETE FROM {table} WHERE product_id IN ({products})", [like])
            print(f"  {table}: {cursor.rowcount} deleted")
        cursor.execute(f"DELETE FROM marketplace_variant WHERE shop_id IN ({shops})", [like])
        print(f"  marketplace_variant: {cursor.rowcount} deleted")
        cursor.execute(f"DELETE FROM marketplace_product WHERE shop_id IN ({shops})", [like])
        print(f"  marketplace_product: {cursor.rowcount} deleted")
        cursor.execute(f"DELETE FROM vendors_shopmember WHERE shop_id IN ({shops})", [like])
    # Shops and users through the ORM: it follows whatever else refers to them.
    deleted = Shop.objects.filter(created_by__email__endswith=f"@{EMAIL_DOMAIN}").delete()
    print(f"  shops: {deleted[0]} rows deleted")
    deleted = User.objects.filter(email__endswith=f"@{EMAIL_DOMAIN}").delete()
    print(f"  users: {deleted[0]} rows deleted")


def shops_create(*, count: int, rng: random.Random, regions: list[Region]) -> list[dict[str, Any]]:
    """Owners, verified shops and memberships. Returns per shop: id, name, region, speciality."""
    now = timezone.now()
    password = make_password("bench-password-123")  # hashed once, shared by every owner
    start = User.objects.filter(email__endswith=f"@{EMAIL_DOMAIN}").count()
    # Busier kabupaten/kota get more shops; every one of the 38 gets some.
    weights = [
        6 if r.name in ("Surabaya", "Malang") else 3 if r.name in ("Sidoarjo", "Jember") else 1
        for r in regions
    ]
    subs = list(SUB_WEIGHTS)
    sub_weights = list(SUB_WEIGHTS.values())
    top_of = {sub: top for top, _, children in TREE for sub, _ in children}
    meta: list[dict[str, Any]] = []
    for offset in range(0, count, BATCH):
        size = min(BATCH, count - offset)
        users, shops = [], []
        for i in range(offset, offset + size):
            n = start + i
            person = rng.choice(PEOPLE)
            region = regions[i] if i < len(regions) else rng.choices(regions, weights)[0]
            speciality = rng.choices(subs, sub_weights)[0]
            form = rng.choice(SHOP_FORM)
            core = rng.choice(SHOP_CORE)
            prefix = rng.choice(SHOP_PREFIX[top_of[speciality]])
            name = " ".join(p for p in (form, prefix, core) if p)
            if rng.random() < 0.3:
                name = f"{name} {region.name}"
            name = name[:80]
            joined = now - dt.timedelta(days=rng.randint(30, 720))
            users.append(
                User(
                    email=f"owner{n:06d}@{EMAIL_DOMAIN}",
                    full_name=person,
                    password=password,
                    is_active=True,
                    date_joined=joined,
                )
            )
            shops.append(
                Shop(
                    name=name,
                    slug=f"{slugify(name)[:80]}-{n:x}",
                    description=f"{name}: UMKM dari {region}.",
                    region=region,
                    street=f"{rng.choice(STREETS)} No. {rng.randint(1, 250)}",
                    kecamatan=rng.choice(KECAMATAN),
                    postal_code=f"6{rng.randint(1000, 9999)}",
                    phone=f"08{rng.randint(1000000000, 9999999999)}",
                    status=ShopStatus.VERIFIED,
                    status_changed_at=joined + dt.timedelta(days=2),
                    submitted_at=joined + dt.timedelta(days=1),
                    first_verified_at=joined + dt.timedelta(days=2),
                    claimed_at=joined,
                    owner_legal_name=person,
                    nik=f"{region.code}{rng.randint(10**11, 10**12 - 1)}",
                )
            )
            meta.append({"name": name, "region": region, "speciality": speciality})
        with transaction.atomic():
            User.objects.bulk_create(users, batch_size=BATCH)
            for user, shop in zip(users, shops, strict=True):
                shop.created_by = user
            Shop.objects.bulk_create(shops, batch_size=BATCH)
            ShopMember.objects.bulk_create(
                [
                    ShopMember(shop=shop, user=user, role=ShopMember.Role.OWNER)
                    for user, shop in zip(users, shops, strict=True)
                ],
                batch_size=BATCH,
            )
        for shop, item in zip(shops, meta[offset : offset + size], strict=True):
            item["id"] = shop.pk
    return meta


def products_create(
    *,
    count: int,
    rng: random.Random,
    shops: list[dict[str, Any]],
    subs: dict[str, Category],
    images: list[tuple[str, dict[str, str], int, int]],
) -> dict[str, int]:
    now = timezone.now()
    today = timezone.localdate()
    # Uneven shop sizes (a few big sellers, many small ones), as on real marketplaces.
    shop_weights = [rng.paretovariate(1.5) for _ in shops]
    top_of = {sub: top for top, _, children in TREE for sub, _ in children}
    by_top: dict[str, list[str]] = {}
    for sub, top in top_of.items():
        by_top.setdefault(top, []).append(sub)
    serial = Product.objects.count()
    totals = {"products": 0, "variants": 0, "images": 0, "certificates": 0}
    for offset in range(0, count, BATCH):
        size = min(BATCH, count - offset)
        products: list[Product] = []
        plans: list[tuple[list[tuple[str, int, int, int]], str]] = []
        for shop in rng.choices(shops, shop_weights, k=size):
            serial += 1
            # Mostly the shop's speciality, sometimes a neighbouring sub-category.
            sub_name = shop["speciality"]
            if rng.random() < 0.2:
                sub_name = rng.choice(by_top[top_of[sub_name]])
            words = WORDS[sub_name]
            noun = rng.choice(words["nouns"])
            quals = rng.sample(words["quals"], k=rng.choice((1, 1, 2)))
            if rng.random() < 0.25:
                quals.append(f"Khas {shop['region'].name}")
            name = " ".join([noun, *quals])[:120]
            low, high = words["price"]
            base = (
                rng.uniform(low, high) if rng.random() < 0.3 else rng.uniform(low, (low + high) / 2)
            )
            variant_names = rng.choice(words["variants"])[: rng.randint(1, 3)]
            wlow, whigh = words["weight"]
            weight = rng.randint(wlow, whigh)
            variants = []
            for position, vname in enumerate(variant_names):
                factor = 1 + 0.6 * position
                variants.append(
                    (
                        vname if len(variant_names) > 1 else "",
                        round500(base * factor),
                        max(1, int(weight * factor)),
                        rng.choice((0, 5, 10, 12, 20, 25, 50, 100, 150, 300)),
                    )
                )
            roll = rng.random()
            status = (
                ProductStatus.ACTIVE
                if roll < 0.92
                else ProductStatus.DRAFT
                if roll < 0.96
                else ProductStatus.HIDDEN
                if roll < 0.99
                else ProductStatus.BLOCKED
            )
            published = None
            if status != ProductStatus.DRAFT:
                published = now - dt.timedelta(seconds=rng.randint(0, 365 * 24 * 3600))
            region = shop["region"]
            description = " ".join(
                [
                    rng.choice(DESC_OPENERS).format(name=name, shop=shop["name"], region=region),
                    *rng.sample(DESC_BODIES, k=rng.randint(1, 3)),
                ]
            )
            products.append(
                Product(
                    shop_id=shop["id"],
                    category=subs[sub_name],
                    name=name,
                    slug=f"{slugify(name)[:120]}-{serial:x}",
                    description=description,
                    condition=ProductCondition.NEW,
                    min_order_qty=rng.choice((1, 1, 1, 1, 2, 5)),
                    warranty_days=7 if sub_name in ("Mebel Kayu",) else 0,
                    warranty_terms="Garansi rusak saat pengiriman, klaim dengan video unboxing."
                    if sub_name in ("Mebel Kayu",)
                    else "",
                    status=status,
                    status_reason="Foto tidak sesuai produk." if status == "blocked" else "",
                    published_at=published,
                    shop_name=shop["name"],
                    region_id_cache=region.pk,
                    min_price=min(v[1] for v in variants),
                )
            )
            plans.append((variants, subs[sub_name].required_certificate))
        with transaction.atomic():
            Product.objects.bulk_create(products, batch_size=BATCH)
            variant_rows, image_rows, certificate_rows = [], [], []
            for product, (variants, requirement) in zip(products, plans, strict=True):
                for position, (vname, price, weight, stock) in enumerate(variants):
                    variant_rows.append(
                        Variant(
                            product_id=product.pk,
                            shop_id=product.shop_id,
                            name=vname,
                            sku=f"BN{product.pk}-{position + 1}",
                            price=price,
                            weight_grams=weight,
                            stock_on_hand=stock,
                            position=position,
                        )
                    )
                image, thumbs, width, height = images[product.pk % len(images)]
                image_rows.append(
                    ProductImage(
                        product_id=product.pk,
                        image=image,
                        width=width,
                        height=height,
                        thumbnails=thumbs,
                    )
                )
                kinds: list[str] = []
                if requirement == CategoryRequirement.PIRT_OR_BPOM:
                    kinds.append(
                        CertificateKind.PIRT if rng.random() < 0.8 else CertificateKind.BPOM_MD
                    )
                elif requirement == CategoryRequirement.BPOM:
                    kinds.append(
                        CertificateKind.BPOM_MD if rng.random() < 0.6 else CertificateKind.BPOM_ML
                    )
                if requirement and rng.random() < 0.4:
                    kinds.append(CertificateKind.HALAL)
                for kind in kinds:
                    issued = today - dt.timedelta(days=rng.randint(30, 900))
                    certificate_rows.append(
                        Certificate(
                            product_id=product.pk,
                            kind=kind,
                            number=f"{kind.upper()}-{rng.randint(10**9, 10**10 - 1)}",
                            issued_on=issued,
                            expires_on=today + dt.timedelta(days=rng.randint(60, 1500)),
                            scan="bench/certificate-scan.jpg",
                            status=CertificateStatus.VERIFIED,
                            verified_at=now,
                        )
                    )
            Variant.objects.bulk_create(variant_rows, batch_size=BATCH)
            ProductImage.objects.bulk_create(image_rows, batch_size=BATCH)
            Certificate.objects.bulk_create(certificate_rows, batch_size=BATCH)
        totals["products"] += len(products)
        totals["variants"] += len(variant_rows)
        totals["images"] += len(image_rows)
        totals["certificates"] += len(certificate_rows)
        print(f"    {totals['products']:>7} products", flush=True)
    return totals


SEARCH_VECTOR_SQL = """
UPDATE marketplace_product
   SET search_vector =
         setweight(to_tsvector('simple'::regconfig, COALESCE(name, '')), 'A')
      || setweight(to_tsvector('simple'::regconfig, COALESCE(shop_name, '')), 'B')
      || setweight(to_tsvector('simple'::regconfig, COALESCE(description, '')), 'C')
 WHERE search_vector IS NULL
"""


# As product_refresh_search: a verified certificate valid today, per kind.
FLAGS_SQL = """
UPDATE marketplace_product p
   SET has_halal = EXISTS (SELECT 1 FROM marketplace_certificate c WHERE c.product_id = p.id
                   AND c.kind = 'halal' AND c.status = 'verified'
                   AND c.issued_on <= CURRENT_DATE
                  AND (c.expires_on IS NULL OR c.expires_on >= CURRENT_DATE)),
       has_bpom = EXISTS (SELECT 1 FROM marketplace_certificate c WHERE c.product_id = p.id
                  AND c.kind IN ('bpom_md', 'bpom_ml', 'bpom_tr', 'bpom_na')
                  AND c.status = 'verified'
                  AND c.issued_on <= CURRENT_DATE
                  AND (c.expires_on IS NULL OR c.expires_on >= CURRENT_DATE)),
       has_pirt = EXISTS (SELECT 1 FROM marketplace_certificate c WHERE c.product_id = p.id
                  AND c.kind = 'pirt' AND c.status = 'verified'
                  AND c.issued_on <= CURRENT_DATE
                  AND (c.expires_on IS NULL OR c.expires_on >= CURRENT_DATE))
 WHERE EXISTS (SELECT 1 FROM marketplace_certificate c WHERE c.product_id = p.id)
"""

SEARCH_WORDS_SQL = """
INSERT INTO marketplace_searchword (word)
SELECT DISTINCT left(w, 60)
  FROM marketplace_product p,
       regexp_split_to_table(lower(p.name || ' ' || p.shop_name), '[^[:alnum:]]+') AS w
 WHERE length(w) >= 3
ON CONFLICT (word) DO NOTHING
"""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--shops", type=int, default=5_000)
    parser.add_argument("--products", type=int, default=100_000)
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument(
        "--reset", action="store_true", help="delete previously generated data first"
    )
    args = parser.parse_args()
    db = connection.settings_dict
    print(f"Database: {db['NAME']} on {db['HOST']}:{db['PORT']}")
    if db["NAME"] in ("komeji", "test_komeji"):
        sys.exit("Refusing to fill the development or test database; set DATABASE_URL.")
    rng = random.Random(args.seed)
    started = time.perf_counter()
    if args.reset:
        with phase("reset"):
            bench_reset()
    with phase("categories"):
        subs = categories_ensure()
    with phase("images"):
        images = images_ensure()
    regions = list(Region.objects.order_by("code"))
    if len(regions) != 38:
        print(f"warning: {len(regions)} regions (expected the 38 of Jawa Timur)")
    with phase(f"{args.shops} owners, shops, memberships"):
        shops = shops_create(count=args.shops, rng=rng, regions=regions)
    with phase(f"{args.products} products with variants, images, certificates"):
        totals = products_create(
            count=args.products, rng=rng, shops=shops, subs=subs, images=images
        )
        print(f"  {totals}")
    with phase("search_vector (one UPDATE)"), transaction.atomic(), connection.cursor() as c:
        c.execute(SEARCH_VECTOR_SQL)
        print(f"  {c.rowcount} rows")
    with phase("badge flags and search words"), transaction.atomic(), connection.cursor() as c:
        c.execute(FLAGS_SQL)
        print(f"  {c.rowcount} products flagged")
        c.execute(SEARCH_WORDS_SQL)
        print(f"  {c.rowcount} new search words")
    with phase("VACUUM ANALYZE"), connection.cursor() as cursor:
        for table in (
            "accounts_user",
            "vendors_shop",
            "vendors_shopmember",
            "marketplace_category",
            "marketplace_product",
            "marketplace_variant",
            "marketplace_productimage",
            "marketplace_certificate",
            "marketplace_searchword",
        ):
            cursor.execute(f"VACUUM (ANALYZE) {table}")
    print(f"Total: {time.perf_counter() - started:.1f} s")


if __name__ == "__main__":
    main()
