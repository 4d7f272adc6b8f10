"""Demo catalogue: about 200 products with generated photos in the verified demo shops, with
verified P-IRT certificates where the category needs one. Idempotent: a product that exists (same
shop and name) is left as it is. Everything goes through the services, as a seller would."""

import datetime as dt
import io
import random
import zlib
from dataclasses import dataclass
from typing import Any

from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from PIL import Image, ImageDraw, ImageFont

from komeji.accounts.models import User
from marketplace.models import Category, CertificateKind, Product, ProductStatus
from marketplace.services import certificates as certificate_services
from marketplace.services import images as image_services
from marketplace.services import products as product_services
from marketplace.services.products import VariantInput
from vendors.models import Shop, ShopMember, ShopStatus

# shop name → [(base name, category slug, base price, qualifiers, variant options)]
# A product is "<base> <qualifier>"; each option is (variant name, price factor, grams).
Options = list[tuple[str, float, int]]
SIZES: Options = [("100 g", 1.0, 100), ("250 g", 2.2, 250), ("500 g", 4.0, 500)]
PACKS: Options = [("Isi 1", 1.0, 300), ("Isi 3", 2.8, 900)]
ONE: Options = [("", 1.0, 500)]
CLOTH: Options = [("2 x 1,15 m", 1.0, 350)]
SHOE_SIZES: Options = [("39", 1.0, 900), ("40", 1.0, 900), ("41", 1.0, 900), ("42", 1.0, 950)]

CATALOGUE: dict[str, list[tuple[str, str, int, list[str], Options]]] = {
    "Keripik Tempe Bu Siti": [
        ("Kripik Usus", "keripik-camilan", 16_000, ["Original", "Pedas", "Bawang Putih"], SIZES),
        (
            "Makaroni Bantat",
            "keripik-camilan",
            9_000,
            ["Pedas Daun Jeruk", "Balado", "Asin"],
            SIZES,
        ),
        ("Brem Apel", "oleh-oleh-malang", 17_000, ["Malang", "Batu"], PACKS),
        (
            "Keripik Tempe",
            "keripik-camilan",
            12_000,
            ["Original", "Pedas", "Daun Jeruk", "Balado", "Sagu"],
            SIZES,
        ),
        ("Keripik Singkong", "keripik-camilan", 10_000, ["Balado", "Keju", "Original"], SIZES),
        ("Keripik Apel", "oleh-oleh-malang", 18_000, ["Malang", "Manalagi"], SIZES),
        ("Keripik Nangka", "oleh-oleh-malang", 20_000, ["Malang"], SIZES),
        ("Keripik Kentang", "keripik-camilan", 15_000, ["Pedas Manis", "Original"], SIZES),
        ("Sale Pisang", "oleh-oleh-malang", 14_000, ["Kering", "Basah"], SIZES),
        ("Rengginang", "keripik-camilan", 11_000, ["Terasi", "Bawang"], SIZES),
    ],
    "Sambal Bawang Mbak Yuni": [
        ("Sambal Roa", "sambal-bumbu", 35_000, ["Original", "Extra Pedas", "Daun Jeruk"], PACKS),
        ("Bumbu Pecel Lele", "sambal-bumbu", 12_000, ["Lamongan", "Pedas"], PACKS),
        ("Abon Ikan", "sambal-bumbu", 30_000, ["Tuna", "Lele", "Tongkol Pedas"], SIZES),
        (
            "Sambal Bawang",
            "sambal-bumbu",
            22_000,
            ["Original", "Extra Pedas", "Teri", "Cumi", "Ebi"],
            PACKS,
        ),
        ("Sambal Bajak", "sambal-bumbu", 24_000, ["Original", "Udang"], PACKS),
        ("Sambal Pecel", "sambal-bumbu", 16_000, ["Madiun", "Pedas", "Sedang"], PACKS),
        ("Bumbu Rawon", "sambal-bumbu", 18_000, ["Surabaya", "Instan"], PACKS),
        ("Petis Udang", "sambal-bumbu", 25_000, ["Sidoarjo", "Super"], PACKS),
        ("Bumbu Rujak Cingur", "sambal-bumbu", 20_000, ["Surabaya"], PACKS),
        ("Kerupuk Udang", "keripik-camilan", 17_000, ["Sidoarjo", "Mentah"], SIZES),
    ],
    "Bipang Beras Bu Suparmi": [
        ("Kue Semprit", "kue-roti", 45_000, ["Mentega", "Coklat", "Pandan"], ONE),
        ("Keripik Bayam", "keripik-camilan", 12_000, ["Original", "Pedas"], SIZES),
        ("Rempeyek", "keripik-camilan", 13_000, ["Kacang", "Teri", "Kedelai"], SIZES),
        ("Bipang Beras", "keripik-camilan", 9_000, ["Jangkar", "Wijen", "Kacang"], PACKS),
        ("Kue Kering Nastar", "kue-roti", 65_000, ["Keju", "Original"], ONE),
        ("Kue Kering Kastengel", "kue-roti", 70_000, ["Premium"], ONE),
        ("Dodol", "kue-roti", 15_000, ["Durian", "Nangka", "Ketan Hitam"], SIZES),
        ("Madumongso", "kue-roti", 18_000, ["Ketan Hitam"], SIZES),
        ("Jenang Ketan", "kue-roti", 16_000, ["Gula Merah", "Pandan"], SIZES),
        ("Wingko", "kue-roti", 20_000, ["Kelapa Muda", "Durian"], PACKS),
    ],
    "Kopi Lereng Argopuro": [
        ("Kopi Liberika", "kopi-teh", 60_000, ["Jember", "Natural"], SIZES),
        ("Bibit Kopi", "sayur-bibit", 8_000, ["Robusta BP 42", "Arabika Sigarar Utang"], ONE),
        ("Buah Naga", "buah-segar", 28_000, ["Merah", "Putih"], [("1 kg", 1.0, 1000)]),
        (
            "Kopi Robusta",
            "kopi-teh",
            35_000,
            ["Argopuro", "Natural", "Honey", "Wine", "Lanang"],
            SIZES,
        ),
        ("Kopi Arabika", "kopi-teh", 55_000, ["Argopuro", "Full Wash", "Natural"], SIZES),
        ("Kopi Bubuk", "kopi-teh", 25_000, ["Robusta Tubruk", "Campur Jagung"], SIZES),
        ("Teh Daun Kopi", "kopi-teh", 20_000, ["Kawa", "Celup"], SIZES),
        ("Gula Aren", "sambal-bumbu", 15_000, ["Cetak", "Semut"], SIZES),
        ("Edamame Beku", "sayur-bibit", 22_000, ["Jember"], SIZES),
    ],
    "Batik Gentongan Madura": [
        (
            "Batik Tulis Pamekasan",
            "batik",
            450_000,
            ["Motif Tabiruan", "Motif Serat Kayu", "Sogan"],
            CLOTH,
        ),
        ("Kain Tenun Sumenep", "tenun-songket", 320_000, ["Merah", "Biru", "Hijau"], ONE),
        (
            "Batik Tulis Gentongan",
            "batik",
            850_000,
            [
                "Motif Ramo",
                "Motif Sik Malaya",
                "Motif Okel",
                "Motif Panji Lori",
                "Motif Burung Hong",
            ],
            CLOTH,
        ),
        (
            "Batik Cap Madura",
            "batik",
            175_000,
            ["Motif Sekar Jagad", "Motif Kembang Kopi", "Merah Tanah"],
            CLOTH,
        ),
        (
            "Kemeja Batik Madura",
            "batik",
            225_000,
            ["Lengan Pendek", "Lengan Panjang", "Slim Fit"],
            [("M", 1.0, 300), ("L", 1.0, 320), ("XL", 1.05, 340)],
        ),
        ("Selendang Batik", "batik", 150_000, ["Sutra", "Katun"], ONE),
        ("Sarung Tenun", "tenun-songket", 180_000, ["Samarinda Motif Madura", "Goyor"], ONE),
        ("Udeng Batik", "aksesoris", 45_000, ["Madura"], ONE),
    ],
    "Tahu Takwa Kediri Bu Lilik": [
        ("Kerupuk Pulli", "keripik-camilan", 11_000, ["Bawang", "Original"], SIZES),
        ("Sambal Tumpang", "sambal-bumbu", 19_000, ["Kediri", "Instan"], PACKS),
        ("Kue Kering Lidah Kucing", "kue-roti", 55_000, ["Keju", "Pandan"], ONE),
        ("Stik Tahu", "keripik-camilan", 13_000, ["Original", "Pedas", "Balado"], SIZES),
        ("Getuk Pisang", "kue-roti", 18_000, ["Kediri", "Raja"], PACKS),
        ("Kerupuk Tahu", "keripik-camilan", 12_000, ["Kediri", "Pedas"], SIZES),
        ("Gethuk Pisang Kukus", "kue-roti", 20_000, ["Original"], PACKS),
        ("Tahu Kuning Kering", "keripik-camilan", 15_000, ["Takwa"], SIZES),
        ("Kacang Mete", "keripik-camilan", 45_000, ["Oven", "Bawang"], SIZES),
        ("Kue Bolu Kukus", "kue-roti", 25_000, ["Pandan", "Coklat"], PACKS),
    ],
    "Anyaman Bambu Tulungagung": [
        ("Tikar Pandan", "anyaman", 95_000, ["1 x 2 m", "2 x 2 m", "Motif"], ONE),
        ("Kursi Rotan", "mebel-kayu", 650_000, ["Teras", "Santai", "Set Meja"], ONE),
        ("Rak Bambu", "mebel-kayu", 175_000, ["3 Susun", "4 Susun"], ONE),
        (
            "Tas Anyaman Pandan",
            "anyaman",
            85_000,
            ["Natural", "Motif Batik", "Tote", "Mini", "Slempang"],
            ONE,
        ),
        ("Tampah Bambu", "anyaman", 25_000, ["Diameter 40 cm", "Diameter 60 cm"], ONE),
        ("Keranjang Parsel", "anyaman", 35_000, ["Kecil", "Sedang", "Besar"], ONE),
        ("Kap Lampu Bambu", "dekorasi-rumah", 120_000, ["Gantung", "Meja"], ONE),
        ("Piring Lidi", "anyaman", 15_000, ["Isi 10", "Isi 25"], ONE),
        ("Topi Pandan", "anyaman", 40_000, ["Pantai", "Koboi"], ONE),
        ("Vas Gerabah", "gerabah", 60_000, ["Tinggi", "Pendek"], ONE),
    ],
    "Kulit Magetan Jaya": [
        (
            "Jaket Kulit Domba",
            "busana-muslim",
            850_000,
            ["Hitam", "Coklat Tua"],
            [("M", 1.0, 1200), ("L", 1.0, 1300), ("XL", 1.05, 1400)],
        ),
        ("Sepatu Boots Kulit", "sepatu-sandal", 475_000, ["Safety", "Casual"], SHOE_SIZES),
        ("Tas Selempang Mini", "tas-dompet", 175_000, ["Hitam", "Tan", "Coklat"], ONE),
        (
            "Sepatu Kulit Pantofel",
            "sepatu-sandal",
            325_000,
            ["Hitam", "Coklat", "Tali"],
            SHOE_SIZES,
        ),
        ("Sandal Kulit", "sepatu-sandal", 125_000, ["Selop", "Jepit", "Slop Pria"], SHOE_SIZES),
        ("Dompet Kulit", "tas-dompet", 95_000, ["Pria Lipat", "Wanita Panjang", "Kartu"], ONE),
        ("Ikat Pinggang Kulit", "aksesoris", 85_000, ["Sapi Asli", "Kerja"], ONE),
        ("Tas Kulit", "tas-dompet", 450_000, ["Selempang", "Ransel", "Laptop"], ONE),
        ("Gantungan Kunci Kulit", "aksesoris", 15_000, ["Nama", "Motif Reog"], ONE),
    ],
}


WARRANTY: dict[str, dict[str, Any]] = {
    "Kulit Magetan Jaya": {
        "warranty_days": 30,
        "warranty_terms": (
            "Jahitan lepas atau sol terlepas dalam 30 hari sejak diterima: kami perbaiki atau "
            "ganti gratis. Kirim foto dan video lewat Klaim Garansi."
        ),
    },
}


@dataclass
class CatalogueDemoResult:
    products: int = 0
    created: int = 0
    certificates: int = 0
    shops: int = 0


def _round(amount: float) -> int:
    return max(500, round(amount / 500.0) * 500)


def _photo(name: str, colour: tuple[int, int, int], seed: int) -> SimpleUploadedFile:
    """A generated product photo: a coloured square with the product's initials and name."""
    rng = random.Random(seed)  # noqa: S311 (pictures, not secrets)
    shade = tuple(min(255, max(0, c + rng.randint(-40, 40))) for c in colour)
    image = Image.new("RGB", (800, 800), shade)
    draw = ImageDraw.Draw(image)
    for _ in range(6):
        x, y, r = rng.randint(0, 800), rng.randint(0, 800), rng.randint(60, 220)
        tint = tuple(min(255, c + 30) for c in shade)
        draw.ellipse((x - r, y - r, x + r, y + r), fill=tint)
    initials = "".join(word[0] for word in name.split()[:3]).upper()
    big = ImageFont.load_default(size=220)
    small = ImageFont.load_default(size=44)
    draw.text((400, 360), initials, font=big, fill=(255, 255, 255), anchor="mm")
    draw.text((400, 600), name[:28], font=small, fill=(255, 255, 255), anchor="mm")
    buffer = io.BytesIO()
    image.save(buffer, format="JPEG", quality=82)
    return SimpleUploadedFile(f"{initials}.jpg", buffer.getvalue(), content_type="image/jpeg")


def _certificate_scan(number: str) -> SimpleUploadedFile:
    image = Image.new("RGB", (600, 400), (250, 250, 245))
    draw = ImageDraw.Draw(image)
    font = ImageFont.load_default(size=28)
    draw.text((30, 40), "SPP-IRT - CONTOH DEMO", font=font, fill=(20, 20, 20))
    draw.text((30, 120), f"No. {number}", font=font, fill=(20, 20, 20))
    buffer = io.BytesIO()
    image.save(buffer, format="JPEG")
    return SimpleUploadedFile("pirt.jpg", buffer.getvalue(), content_type="image/jpeg")


def _variants(sku_prefix: str, base_price: int, options: Options) -> list[VariantInput]:
    return [
        VariantInput(
            name=label,
            sku=f"{sku_prefix}-{index + 1}",
            price=_round(base_price * factor),
            weight_grams=grams,
            stock_on_hand=(7 * (index + 3) + len(sku_prefix)) % 60,
        )
        for index, (label, factor, grams) in enumerate(options)
    ]


def load_catalogue_demo(*, moderator: User) -> CatalogueDemoResult:
    result = CatalogueDemoResult()
    categories = {c.slug: c for c in Category.objects.select_related("parent")}
    today = timezone.localdate()
    for shop_name, items in CATALOGUE.items():
        shop = Shop.objects.filter(name=shop_name, status=ShopStatus.VERIFIED).first()
        member = ShopMember.objects.filter(shop=shop, role="owner").select_related("user").first()
        if shop is None or member is None:
            continue
        owner = member.user
        result.shops += 1
        existing = set(Product.objects.filter(shop=shop).values_list("name", flat=True))
        colour = tuple((zlib.crc32(shop_name.encode()) >> shift) % 200 + 30 for shift in (0, 8, 16))
        for item_index, (base, category_slug, price, qualifiers, options) in enumerate(items):
            for qualifier_index, qualifier in enumerate(qualifiers):
                name = f"{base} {qualifier}"
                result.products += 1
                if name in existing:
                    continue
                category = categories[category_slug]
                sku_prefix = (
                    f"{''.join(w[0] for w in base.split()).upper()}{item_index}{qualifier_index}"
                )
                product = product_services.product_create(
                    shop_id=shop.pk,
                    actor=owner,
                    category=category,
                    name=name,
                    description=(
                        f"{name} dari {shop.name}, {shop.region}. Dibuat oleh UMKM lokal, dikemas "
                        "rapi dan aman untuk dikirim. Pesanan sebelum pukul 14.00 dikirim hari ini."
                    ),
                    variants=_variants(sku_prefix, price, options),
                    **WARRANTY.get(shop_name, {}),
                )
                image_services.product_images_add(
                    product_id=product.pk,
                    actor=owner,
                    uploads=[_photo(name, colour, seed=product.pk)],  # type: ignore[arg-type]
                )
                if category.effective_requirement():
                    number = f"2{shop.region.code}{product.pk:06d}{today:%y}"
                    certificate = certificate_services.certificate_add(
                        product_id=product.pk,
                        actor=owner,
                        kind=CertificateKind.PIRT,
                        number=number,
                        issued_on=today - dt.timedelta(days=400),
                        expires_on=today + dt.timedelta(days=365 * 4),
                        scan=_certificate_scan(number),
                    )
                    certificate_services.certificate_verify(
                        certificate_id=certificate.pk, moderator=moderator
                    )
                    result.certificates += 1
                product_services.product_publish(product_id=product.pk, actor=owner)
                result.created += 1
        # A few drafts and hidden ones, so the seller centre's tabs are not all "active".
        for product in Product.objects.filter(shop=shop, status=ProductStatus.ACTIVE).order_by(
            "-pk"
        )[:1]:
            if not Product.objects.filter(shop=shop, status=ProductStatus.HIDDEN).exists():
                product_services.product_hide(product_id=product.pk, actor=owner)
    return result
