"""Product photos: what is accepted (by content), how it is cleaned (no EXIF, upright, at most
1600 px), who may add, delete and reorder them, all-or-nothing uploads, and the WebP thumbnails
made after commit by the real Celery worker, on the file system and on S3 (a local moto server)."""

import io
import json
import struct
import time
import urllib.request
import zlib
from pathlib import Path

import boto3
import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.template import Context, Template
from django.templatetags.static import static
from django.utils import translation
from moto.server import ThreadedMotoServer
from PIL import ExifTags, Image

from marketplace.images import MAX_IMAGE_BYTES, image_clean
from marketplace.models import Product, ProductImage, ProductStatus
from marketplace.services import images as image_services
from marketplace.services import products as product_services
from marketplace.services.images import ImageRefused
from marketplace.services.products import ProductRefused
from marketplace.templatetags.catalogue import PLACEHOLDER
from tests.marketplace.conftest import image_upload, make_product
from vendors.services.errors import ShopNotFound

GPS = ExifTags.IFD.GPSInfo
ORIENTATION = ExifTags.Base.Orientation
HTML = b"<!doctype html><html><body><script>alert(document.cookie)</script></body></html>"


@pytest.fixture(autouse=True)
def _english():
    """Messages are asserted in their English source, whatever the catalogue says."""
    with translation.override("en"):
        yield


@pytest.fixture
def media(settings, tmp_path) -> Path:
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    }
    return tmp_path / "media"


@pytest.fixture
def product(media, verified_shop, owner, categories) -> Product:
    return make_product(verified_shop, owner, categories["batik"], name="Batik Tulis Madura")


def stored_files(root: Path) -> list[str]:
    if not root.exists():
        return []
    return sorted(p.relative_to(root).as_posix() for p in root.rglob("*") if p.is_file())


def upload(name: str, data: bytes, content_type: str = "image/jpeg") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, data, content_type=content_type)


def encoded(image: Image.Image, image_format: str, **params) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, format=image_format, **params)
    return buffer.getvalue()


def phone_photo(size=(400, 200), orientation=6) -> bytes:
    """A JPEG as a phone writes it: camera make, GPS position and an orientation tag; the left
    half red and the right half blue, as stored (before rotation)."""
    image = Image.new("RGB", size, (0, 0, 255))
    image.paste((255, 0, 0), (0, 0, size[0] // 2, size[1]))
    exif = Image.Exif()
    exif[ExifTags.Base.Make] = "Samsung"
    exif[ExifTags.Base.Model] = "Galaxy A14"
    exif[ORIENTATION] = orientation
    exif.get_ifd(GPS).update(
        {
            ExifTags.GPS.GPSLatitudeRef: "S",
            ExifTags.GPS.GPSLatitude: (7.0, 58.0, 12.0),
            ExifTags.GPS.GPSLongitudeRef: "E",
            ExifTags.GPS.GPSLongitude: (112.0, 37.0, 48.0),
        }
    )
    return encoded(image, "JPEG", exif=exif, quality=95)


def forged_png(width: int, height: int) -> bytes:
    """A tiny PNG whose header claims width x height pixels: a decompression bomb's calling card."""
    data = bytearray(encoded(Image.new("L", (1, 1)), "PNG"))
    ihdr = struct.pack(">II", width, height) + bytes(data[24:29])
    data[16:29] = ihdr
    data[29:33] = struct.pack(">I", zlib.crc32(b"IHDR" + ihdr))
    return bytes(data)


def refused_code(data: bytes) -> str:
    with pytest.raises(ValidationError) as refused:
        image_clean(io.BytesIO(data))
    return str(refused.value.code)


# --- What is accepted, by content ---------------------------------------------------------------


def test_html_renamed_to_jpg_is_refused():
    with pytest.raises(ValidationError) as refused:
        image_clean(upload("foto.jpg", HTML))
    assert refused.value.code == "image_type"
    assert refused.value.messages == [
        "This file is not a JPEG, PNG or WebP photo. Choose a photo from your gallery."
    ]


@pytest.mark.parametrize(
    "data",
    [
        pytest.param(b"", id="empty"),
        pytest.param(b"GIF89a" + b"\x00" * 64, id="gif-header"),
        pytest.param(encoded(Image.new("RGB", (200, 200)), "GIF"), id="real-gif"),
        pytest.param(encoded(Image.new("RGB", (200, 200)), "BMP"), id="bmp"),
        pytest.param(encoded(Image.new("RGB", (200, 200)), "JPEG")[:300], id="truncated-jpeg"),
        pytest.param(b"%PDF-1.7\n" + b"x" * 100, id="pdf"),
    ],
)
def test_anything_but_a_whole_jpeg_png_or_webp_is_refused(data):
    assert refused_code(data) in ("image_type", "image_empty")


def test_a_file_over_5_mb_is_refused_whatever_it_claims():
    # Given a real PNG of random noise (it does not compress) just over 5 MB
    noise = Image.frombytes("RGB", (1400, 1400), bytes(range(256)) * (1400 * 1400 * 3 // 256 + 1))
    data = encoded(noise, "PNG", compress_level=0)
    assert len(data) > MAX_IMAGE_BYTES
    # Then it is refused as an upload, and as a stream that does not say its size
    with pytest.raises(ValidationError) as refused:
        image_clean(upload("besar.png", data, "image/png"))
    assert refused.value.code == "image_size"
    assert refused.value.messages == ["The file is larger than 5 MB. Send a smaller photo."]
    assert refused_code(data) == "image_size"
    assert refused_code(b"\xff\xd8\xff" + b"\x00" * MAX_IMAGE_BYTES) == "image_size"


@pytest.mark.parametrize(
    "width, height",
    [
        pytest.param(30_000, 30_000, id="pillow-refuses"),  # > 2x Pillow's limit: an error
        pytest.param(10_000, 10_000, id="pillow-warns"),  # > Pillow's limit: a warning, refused
    ],
)
def test_a_decompression_bomb_is_refused_before_it_is_decoded(width, height):
    data = forged_png(width, height)
    assert len(data) < 100
    with pytest.raises(ValidationError) as refused:
        image_clean(io.BytesIO(data))
    assert refused.value.code == "image_pixels"
    assert refused.value.messages == [
        "The photo has too many pixels (at most 40 megapixels). Send a smaller photo."
    ]


def test_a_real_image_over_40_megapixels_is_refused():
    # 40,008,000 pixels of white: a few kilobytes as a 1-bit PNG, below Pillow's own limit
    data = encoded(Image.new("1", (8000, 5001), 1), "PNG")
    assert len(data) < 100_000
    assert refused_code(data) == "image_pixels"


@pytest.mark.parametrize("image_format", ["PNG", "WEBP"])
def test_an_animated_image_is_refused(image_format):
    frames = [Image.new("RGB", (200, 200), colour) for colour in ("red", "blue")]
    data = encoded(frames[0], image_format, save_all=True, append_images=frames[1:], duration=100)
    assert Image.open(io.BytesIO(data)).is_animated
    assert refused_code(data) == "image_animated"


def test_a_tiny_image_is_refused():
    assert refused_code(encoded(Image.new("RGB", (99, 300)), "PNG")) == "image_small"


def test_exif_and_gps_are_removed_and_the_orientation_is_applied():
    # Given a phone photo, stored 400 x 200 and tagged "rotate 90° clockwise", with GPS
    data = phone_photo()
    with Image.open(io.BytesIO(data)) as original:
        assert original.getexif().get_ifd(GPS)[ExifTags.GPS.GPSLatitudeRef] == "S"
    # When it is cleaned
    clean = image_clean(upload("IMG_20260101.jpg", data))
    # Then it is an upright JPEG (the stored left half, red, is now on top), without any EXIF
    assert (clean.content_type, clean.extension, clean.width, clean.height) == (
        "image/jpeg",
        "jpg",
        200,
        400,
    )
    with Image.open(io.BytesIO(clean.data)) as result:
        assert result.format == "JPEG"
        assert result.size == (200, 400)
        assert dict(result.getexif()) == {}
        assert "exif" not in result.info
        red, _green, blue = result.convert("RGB").getpixel((100, 50))
        assert red > 200 and blue < 60
        red, _green, blue = result.convert("RGB").getpixel((100, 350))
        assert blue > 200 and red < 60
    assert b"Exif" not in clean.data
    assert b"Samsung" not in clean.data and b"Galaxy" not in clean.data


def test_a_phone_mpo_is_kept_as_its_first_picture():
    first = Image.new("RGB", (300, 200), (0, 128, 0))
    data = encoded(first, "MPO", save_all=True, append_images=[Image.new("RGB", (300, 200))])
    assert Image.open(io.BytesIO(data)).format == "MPO"
    clean = image_clean(io.BytesIO(data))
    assert (clean.content_type, clean.width, clean.height) == ("image/jpeg", 300, 200)
    with Image.open(io.BytesIO(clean.data)) as result:
        assert result.format == "JPEG"
        assert abs(result.getpixel((150, 100))[1] - 128) < 8


def test_the_long_side_is_capped_at_1600_pixels():
    clean = image_clean(io.BytesIO(encoded(Image.new("RGB", (4000, 1000)), "JPEG")))
    assert (clean.width, clean.height) == (1600, 400)


def test_webp_and_opaque_png_become_jpeg_and_transparency_stays_png():
    opaque = Image.new("RGBA", (300, 300), (10, 20, 30, 255))
    cutout = Image.new("RGBA", (300, 300), (0, 0, 0, 0))
    cutout.paste((200, 50, 50, 255), (100, 100, 200, 200))
    text = {"pnginfo": _png_text("Comment", "secret")}

    webp = image_clean(io.BytesIO(encoded(Image.new("RGB", (300, 300)), "WEBP")))
    png = image_clean(io.BytesIO(encoded(opaque, "PNG", **text)))
    transparent = image_clean(io.BytesIO(encoded(cutout, "PNG", **text)))

    assert (webp.content_type, png.content_type) == ("image/jpeg", "image/jpeg")
    assert transparent.content_type == "image/png"
    with Image.open(io.BytesIO(transparent.data)) as result:
        assert result.mode == "RGBA"
        assert result.getpixel((0, 0))[3] == 0
        assert result.getpixel((150, 150)) == (200, 50, 50, 255)
        assert "Comment" not in result.info
    assert b"secret" not in transparent.data


@pytest.mark.parametrize(
    "image, image_format",
    [
        pytest.param(Image.new("CMYK", (200, 150), (0, 255, 255, 0)), "JPEG", id="cmyk-jpeg"),
        pytest.param(Image.new("L", (200, 150), 90), "JPEG", id="greyscale-jpeg"),
        pytest.param(Image.new("RGB", (200, 150), (200, 0, 0)).quantize(16), "PNG", id="palette"),
        pytest.param(Image.new("LA", (200, 150), (90, 255)), "PNG", id="opaque-grey-alpha"),
        pytest.param(Image.new("RGB", (200, 150), (0, 90, 0)), "WEBP", id="webp"),
    ],
)
def test_other_colour_modes_are_accepted_as_rgb_jpeg(image, image_format):
    clean = image_clean(io.BytesIO(encoded(image, image_format)))
    assert (clean.content_type, clean.width, clean.height) == ("image/jpeg", 200, 150)
    with Image.open(io.BytesIO(clean.data)) as result:
        assert (result.format, result.mode) == ("JPEG", "RGB")


def test_a_16_bit_greyscale_png_keeps_its_tones():
    grey = Image.new("I;16", (200, 200), 32768)  # half of 65535
    clean = image_clean(io.BytesIO(encoded(grey, "PNG")))
    with Image.open(io.BytesIO(clean.data)) as result:
        assert abs(result.convert("L").getpixel((100, 100)) - 128) <= 2


def _png_text(key: str, value: str):
    from PIL import PngImagePlugin

    info = PngImagePlugin.PngInfo()
    info.add_text(key, value)
    return info


# --- Adding photos --------------------------------------------------------------------------------


@pytest.mark.django_db
def test_owner_and_staff_add_photos_in_order_cleaned_and_stored(product, owner, staff, media):
    images = image_services.product_images_add(
        product_id=product.pk,
        actor=owner,
        uploads=[upload("depan.jpg", phone_photo()), image_upload("belakang.jpg", (800, 600))],
    )
    more = image_services.product_images_add(
        product_id=product.pk, actor=staff, uploads=[image_upload("detail.jpg", (300, 300))]
    )

    rows = list(product.images.order_by("position").values_list("position", "width", "height"))
    assert rows == [(0, 200, 400), (1, 800, 600), (2, 300, 300)]
    assert [i.pk for i in images + more] == list(
        product.images.order_by("position").values_list("pk", flat=True)
    )
    names = [i.image.name for i in images + more]
    assert all(n.startswith(f"products/{product.pk}/") and n.endswith(".jpg") for n in names)
    assert stored_files(media) == sorted(names)
    assert all(i.thumbnails == {} for i in product.images.all())
    # What is stored is the clean photo, not the upload
    assert b"Samsung" not in (media / names[0]).read_bytes()


@pytest.mark.django_db
def test_a_disguised_file_in_a_batch_stores_nothing_and_is_named(product, owner, media):
    with pytest.raises(ImageRefused) as refused:
        image_services.product_images_add(
            product_id=product.pk,
            actor=owner,
            uploads=[image_upload("bagus.jpg"), upload("foto-keren.jpg", HTML)],
        )
    assert refused.value.problems == [("foto-keren.jpg", "image_type")]
    assert refused.value.message == (
        "No photo was saved. foto-keren.jpg: This file is not a JPEG, PNG or WebP photo. "
        "Choose a photo from your gallery."
    )
    assert ProductImage.objects.count() == 0
    assert stored_files(media) == []


@pytest.mark.django_db
def test_every_bad_file_is_named(product, owner, media):
    with pytest.raises(ImageRefused) as refused:
        image_services.product_images_add(
            product_id=product.pk,
            actor=owner,
            uploads=[
                upload("a.jpg", HTML),
                image_upload("b.jpg"),
                upload("c.png", forged_png(30_000, 30_000), "image/png"),
            ],
        )
    assert refused.value.problems == [("a.jpg", "image_type"), ("c.png", "image_pixels")]
    assert ProductImage.objects.count() == 0
    assert stored_files(media) == []


@pytest.mark.django_db
def test_a_ninth_photo_is_refused_and_nothing_is_stored(product, owner, media):
    # Given a product with 8 photos
    image_services.product_images_add(
        product_id=product.pk,
        actor=owner,
        uploads=[image_upload(f"{n}.jpg", (120, 120)) for n in range(8)],
    )
    before = stored_files(media)
    assert len(before) == 8
    # When a 9th is added
    with pytest.raises(ProductRefused) as refused:
        image_services.product_images_add(
            product_id=product.pk, actor=owner, uploads=[image_upload("9.jpg")]
        )
    # Then it is refused and nothing changed
    assert refused.value.message == (
        "A product has at most 8 photos. It has 8, so you can add 0 more."
    )
    assert ProductImage.objects.filter(product=product).count() == 8
    assert stored_files(media) == before


@pytest.mark.django_db
def test_a_batch_that_would_pass_eight_is_refused_whole(product, owner, media):
    image_services.product_images_add(
        product_id=product.pk,
        actor=owner,
        uploads=[image_upload(f"{n}.jpg", (120, 120)) for n in range(6)],
    )
    with pytest.raises(ProductRefused) as refused:
        image_services.product_images_add(
            product_id=product.pk,
            actor=owner,
            uploads=[image_upload(f"x{n}.jpg", (120, 120)) for n in range(3)],
        )
    assert refused.value.message == (
        "A product has at most 8 photos. It has 6, so you can add 2 more."
    )
    assert ProductImage.objects.filter(product=product).count() == 6
    assert len(stored_files(media)) == 6


@pytest.mark.django_db
def test_photos_that_lose_the_race_for_the_last_places_are_removed_from_storage(
    product, owner, media
):
    # Given a product with 7 photos, and another tab that adds one while ours are being checked
    image_services.product_images_add(
        product_id=product.pk,
        actor=owner,
        uploads=[image_upload(f"{n}.jpg", (120, 120)) for n in range(7)],
    )

    class SlowUpload(SimpleUploadedFile):
        def read(self, *args):
            if not ProductImage.objects.filter(product=product, position=7).exists():
                ProductImage.objects.create(
                    product=product, image="products/other-tab.jpg", position=7
                )
            return super().read(*args)

    before = stored_files(media)
    # When our one photo is stored and then finds the product full under the lock
    with pytest.raises(ProductRefused, match="It has 8, so you can add 0 more"):
        image_services.product_images_add(
            product_id=product.pk,
            actor=owner,
            uploads=[SlowUpload("late.jpg", image_upload().read(), "image/jpeg")],
        )
    # Then its file is gone again
    assert stored_files(media) == before
    assert ProductImage.objects.filter(product=product).count() == 8


@pytest.mark.django_db
def test_outsiders_and_other_shops_get_shop_not_found(product, outsider, other_shop, media):
    other_owner = other_shop.memberships.get().user
    for actor in (outsider, other_owner):
        with pytest.raises(ShopNotFound):
            image_services.product_images_add(
                product_id=product.pk, actor=actor, uploads=[image_upload()]
            )
    with pytest.raises(ShopNotFound):
        image_services.product_images_add(
            product_id=987654, actor=outsider, uploads=[image_upload()]
        )
    assert ProductImage.objects.count() == 0
    assert stored_files(media) == []


@pytest.mark.django_db
def test_no_files_is_refused(product, owner):
    with pytest.raises(ProductRefused, match="Choose at least one photo"):
        image_services.product_images_add(product_id=product.pk, actor=owner, uploads=[])


# --- Deleting and reordering ----------------------------------------------------------------------


def _three(product, owner) -> list[ProductImage]:
    return image_services.product_images_add(
        product_id=product.pk,
        actor=owner,
        uploads=[image_upload(f"{n}.jpg", (200, 200)) for n in "abc"],
    )


@pytest.mark.django_db
def test_deleting_removes_the_files_after_commit_and_closes_the_gap(
    product, owner, media, django_capture_on_commit_callbacks
):
    first, second, third = _three(product, owner)
    image_services.image_make_thumbnails(image_id=second.pk)
    second.refresh_from_db()
    files_of_second = [second.image.name, *second.thumbnails.values()]
    assert set(files_of_second) <= set(stored_files(media))

    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        image_services.product_image_delete(product_id=product.pk, image_id=second.pk, actor=owner)
        # Nothing is removed before commit
        assert set(files_of_second) <= set(stored_files(media))
    for callback in callbacks:
        callback()

    assert list(product.images.values_list("pk", "position")) == [(first.pk, 0), (third.pk, 1)]
    assert stored_files(media) == sorted([first.image.name, third.image.name])


@pytest.mark.django_db
def test_a_published_product_keeps_its_last_photo(product, owner, media):
    (only,) = image_services.product_images_add(
        product_id=product.pk, actor=owner, uploads=[image_upload()]
    )
    product_services.product_publish(product_id=product.pk, actor=owner)
    with pytest.raises(ProductRefused) as refused:
        image_services.product_image_delete(product_id=product.pk, image_id=only.pk, actor=owner)
    assert refused.value.message == (
        "A published product keeps at least one photo. Add another photo first, or hide the "
        "product."
    )
    assert list(product.images.values_list("pk", flat=True)) == [only.pk]
    assert stored_files(media) == [only.image.name]
    # A hidden product may lose it
    product_services.product_hide(product_id=product.pk, actor=owner)
    image_services.product_image_delete(product_id=product.pk, image_id=only.pk, actor=owner)
    assert product.images.count() == 0
    product.refresh_from_db()
    assert product.status == ProductStatus.HIDDEN


@pytest.mark.django_db
def test_deleting_another_products_photo_or_as_outsider_is_not_found(
    product, owner, outsider, verified_shop, categories, media
):
    first, *_ = _three(product, owner)
    other_product = _other_sku_product(verified_shop, owner, categories)
    for product_id, actor in ((other_product.pk, owner), (product.pk, outsider)):
        with pytest.raises(ShopNotFound):
            image_services.product_image_delete(
                product_id=product_id, image_id=first.pk, actor=actor
            )
    assert product.images.count() == 3


def _other_sku_product(verified_shop, owner, categories):
    from marketplace.services.products import VariantInput

    return make_product(
        verified_shop,
        owner,
        categories["batik"],
        name="Batik Cap",
        variants=[
            VariantInput(name="", sku="CAP-1", price=90_000, weight_grams=300, stock_on_hand=3)
        ],
    )


@pytest.mark.django_db
def test_reordering_needs_exactly_the_products_photos(
    product, owner, outsider, verified_shop, categories, media
):
    first, second, third = _three(product, owner)
    (foreign,) = image_services.product_images_add(
        product_id=_other_sku_product(verified_shop, owner, categories).pk,
        actor=owner,
        uploads=[image_upload()],
    )
    ordered = image_services.product_images_reorder(
        product_id=product.pk, actor=owner, image_ids=[third.pk, first.pk, second.pk]
    )
    assert [i.pk for i in ordered] == [third.pk, first.pk, second.pk]
    expected = [(third.pk, 0), (first.pk, 1), (second.pk, 2)]
    assert list(product.images.values_list("pk", "position")) == expected

    for ids in (
        [third.pk, first.pk],
        [third.pk, first.pk, first.pk],
        [third.pk, first.pk, second.pk, foreign.pk],
        [third.pk, first.pk, foreign.pk],
    ):
        with pytest.raises(ProductRefused, match="Reload the page"):
            image_services.product_images_reorder(product_id=product.pk, actor=owner, image_ids=ids)
    with pytest.raises(ShopNotFound):
        image_services.product_images_reorder(
            product_id=product.pk, actor=outsider, image_ids=[first.pk, second.pk, third.pk]
        )
    assert list(product.images.values_list("pk", "position")) == expected


# --- Thumbnails -----------------------------------------------------------------------------------


def _webp_size(path: Path) -> tuple[int, int]:
    with Image.open(path) as thumb:
        assert thumb.format == "WEBP"
        return thumb.size


@pytest.mark.django_db
def test_thumbnails_are_square_webp_and_a_rerun_adds_no_files(product, owner, media):
    (image,) = image_services.product_images_add(
        product_id=product.pk, actor=owner, uploads=[image_upload("foto.jpg", (800, 600))]
    )
    stem = image.image.name.removesuffix(".jpg")

    names = image_services.image_make_thumbnails(image_id=image.pk)

    assert names == {
        "160": f"{stem}-160.webp",
        "320": f"{stem}-320.webp",
        "640": f"{stem}-640.webp",
    }
    image.refresh_from_db()
    assert image.thumbnails == names
    # Square, centre-cropped, never upscaled (600 is the short side)
    assert [_webp_size(media / names[s]) for s in ("160", "320", "640")] == [
        (160, 160),
        (320, 320),
        (600, 600),
    ]
    files = stored_files(media)
    assert files == sorted([image.image.name, *names.values()])
    # Twice, or again after the names were lost (a run that died before recording them)
    assert image_services.image_make_thumbnails(image_id=image.pk) == names
    ProductImage.objects.filter(pk=image.pk).update(thumbnails={})
    assert image_services.image_make_thumbnails(image_id=image.pk) == names
    assert stored_files(media) == files


@pytest.mark.django_db
def test_thumbnails_of_a_deleted_image_are_a_no_op(media):
    assert image_services.image_make_thumbnails(image_id=424242) == {}
    assert stored_files(media) == []


@pytest.mark.django_db
def test_the_template_tag_shows_the_placeholder_until_thumbnails_exist(product, owner, media):
    (image,) = image_services.product_images_add(
        product_id=product.pk, actor=owner, uploads=[image_upload()]
    )
    template = Template(
        "{% load catalogue %}{% thumbnail_url image 320 %}|{% thumbnail_url image 200 %}|"
        "{% thumbnail_url image 1000 %}|{% thumbnail_url none %}|{% thumbnail_srcset image %}"
    )
    placeholder = static(PLACEHOLDER)
    before = template.render(Context({"image": image, "none": None}))
    assert before == f"{placeholder}|{placeholder}|{placeholder}|{placeholder}|"

    image_services.image_make_thumbnails(image_id=image.pk)
    image.refresh_from_db()
    stem = "/media/" + image.image.name.removesuffix(".jpg")
    after = template.render(Context({"image": image, "none": None}))
    assert after == (
        f"{stem}-320.webp|{stem}-320.webp|{stem}-640.webp|{placeholder}|"
        f"{stem}-160.webp 160w, {stem}-320.webp 320w, {stem}-640.webp 640w"
    )


def wait_for(predicate, timeout=20.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.05)
    return False


@pytest.mark.django_db(transaction=True)
def test_the_worker_makes_thumbnails_after_commit(
    jatim_regions, celery_worker, media, verified_shop, owner, categories
):
    # Given a product, and two photos added (the service commits)
    product = make_product(verified_shop, owner, categories["batik"], name="Batik Tulis Madura")
    images = image_services.product_images_add(
        product_id=product.pk,
        actor=owner,
        uploads=[image_upload("a.jpg", (800, 600)), image_upload("b.jpg", (500, 900))],
    )
    # When the real worker has run the queued tasks
    done = wait_for(
        lambda: all(
            len(thumbs) == 3
            for thumbs in ProductImage.objects.filter(product=product).values_list(
                "thumbnails", flat=True
            )
        )
    )
    # Then each photo has its three thumbnails on disk
    assert done, "the worker did not make the thumbnails within 20 s"
    expected = []
    for image in images:
        image.refresh_from_db()
        stem = image.image.name.removesuffix(".jpg")
        assert image.thumbnails == {str(s): f"{stem}-{s}.webp" for s in (160, 320, 640)}
        expected += [image.image.name, *image.thumbnails.values()]
    assert stored_files(media) == sorted(expected)
    assert _webp_size(media / images[1].thumbnails["640"]) == (500, 500)


# --- On S3 ----------------------------------------------------------------------------------------

BUCKET = "komeji-media-test"


@pytest.fixture
def s3_media(settings, monkeypatch):
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    endpoint = f"http://{host}:{port}"
    client = boto3.client("s3", endpoint_url=endpoint, region_name="ap-southeast-3")
    client.create_bucket(
        Bucket=BUCKET, CreateBucketConfiguration={"LocationConstraint": "ap-southeast-3"}
    )
    # Product photos are public, as the production media bucket's policy makes them.
    client.put_bucket_policy(
        Bucket=BUCKET,
        Policy=json.dumps(
            {
                "Version": "2012-10-17",
                "Statement": [
                    {
                        "Effect": "Allow",
                        "Principal": "*",
                        "Action": "s3:GetObject",
                        "Resource": f"arn:aws:s3:::{BUCKET}/*",
                    }
                ],
            }
        ),
    )
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            "BACKEND": "storages.backends.s3.S3Storage",
            "OPTIONS": {
                "bucket_name": BUCKET,
                "endpoint_url": endpoint,
                "region_name": "ap-southeast-3",
                "default_acl": None,
                "file_overwrite": False,
                "querystring_auth": False,
            },
        },
    }
    yield client
    server.stop()


def bucket_keys(client) -> list[str]:
    return sorted(o["Key"] for o in client.list_objects_v2(Bucket=BUCKET).get("Contents", []))


@pytest.mark.django_db
def test_upload_and_thumbnails_on_s3(
    s3_media, verified_shop, owner, categories, django_capture_on_commit_callbacks
):
    product = make_product(verified_shop, owner, categories["batik"], name="Batik Tulis Madura")
    # Given a phone photo uploaded to S3
    (image,) = image_services.product_images_add(
        product_id=product.pk, actor=owner, uploads=[upload("IMG_1.jpg", phone_photo((900, 700)))]
    )
    original = s3_media.get_object(Bucket=BUCKET, Key=image.image.name)
    assert original["ContentType"] == "image/jpeg"
    assert b"Samsung" not in original["Body"].read()
    # When the thumbnails are made (what the task runs), twice
    names = image_services.image_make_thumbnails(image_id=image.pk)
    ProductImage.objects.filter(pk=image.pk).update(thumbnails={})
    assert image_services.image_make_thumbnails(image_id=image.pk) == names
    # Then the bucket holds the original and three square WebP thumbnails, no duplicates
    assert bucket_keys(s3_media) == sorted([image.image.name, *names.values()])
    for size, expected in (("160", 160), ("320", 320), ("640", 640)):
        obj = s3_media.get_object(Bucket=BUCKET, Key=names[size])
        assert obj["ContentType"] == "image/webp"
        with Image.open(io.BytesIO(obj["Body"].read())) as thumb:
            assert (thumb.format, thumb.size) == ("WEBP", (expected, expected))
    # And the template tag's URL serves the thumbnail from the bucket
    image.refresh_from_db()
    url = Template("{% load catalogue %}{% thumbnail_url image 320 %}").render(
        Context({"image": image})
    )
    assert url.startswith("http://127.0.0.1:") and url.endswith(names["320"])
    with urllib.request.urlopen(url, timeout=10) as response:
        assert response.headers["Content-Type"] == "image/webp"
        assert Image.open(io.BytesIO(response.read())).size == (320, 320)
    # And deleting the photo empties the bucket after commit
    with django_capture_on_commit_callbacks(execute=True):
        image_services.product_image_delete(product_id=product.pk, image_id=image.pk, actor=owner)
    assert bucket_keys(s3_media) == []
