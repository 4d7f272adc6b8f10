import hashlib
import io
import re
from pathlib import Path

import pytest
from cryptography.fernet import Fernet
from django.contrib.auth.models import AnonymousUser, Group
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from PIL import ExifTags, Image, PngImagePlugin

from komeji.common.models import AuditLog
from tests.factories import UserFactory
from vendors.documents import (
    MAX_DOCUMENT_BYTES,
    PrivateFileSystemStorage,
    decrypt,
    document_clean,
    document_read,
    document_write,
    documents_storage,
    encrypt,
)
from vendors.models import ShopDocument
from vendors.services.documents import shop_document_upload
from vendors.services.errors import ShopActionRefused, ShopNotFound

# --- Files built in memory ------------------------------------------------------------------------

HTML = b"<html><script>alert(1)</script></html>"
MINIMAL_PDF = (
    b"%PDF-1.4\n"
    b"1 0 obj <</Type /Catalog /Pages 2 0 R>> endobj\n"
    b"2 0 obj <</Type /Pages /Kids [] /Count 0>> endobj\n"
    b"trailer <</Root 1 0 R>>\n"
    b"%%EOF\n"
)
FERNET_PREFIX = b"gAAAAA"  # version byte 0x80 and a timestamp, base64: every Fernet token


def camera_exif(*, orientation: int | None = None) -> Image.Exif:
    """EXIF as a phone writes it: camera, and where the photo was taken (Kota Malang)."""
    exif = Image.Exif()
    exif[ExifTags.Base.Make] = "Canon"
    exif[ExifTags.Base.Model] = "EOS 2000D"
    if orientation is not None:
        exif[ExifTags.Base.Orientation] = orientation
    gps = exif.get_ifd(ExifTags.IFD.GPSInfo)
    gps[ExifTags.GPS.GPSLatitudeRef] = "S"
    gps[ExifTags.GPS.GPSLatitude] = (7.0, 58.0, 0.0)
    gps[ExifTags.GPS.GPSLongitudeRef] = "E"
    gps[ExifTags.GPS.GPSLongitude] = (112.0, 37.0, 0.0)
    return exif


def jpeg_bytes(size: tuple[int, int] = (64, 48), **save) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, (200, 30, 30)).save(out, format="JPEG", **save)
    return out.getvalue()


def png_bytes(size: tuple[int, int] = (40, 30), mode: str = "RGB", **save) -> bytes:
    out = io.BytesIO()
    Image.new(mode, size).save(out, format="PNG", **save)
    return out.getvalue()


def upload(name: str, content: bytes, content_type: str) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content, content_type=content_type)


def ktp_jpeg() -> SimpleUploadedFile:
    return upload("ktp.jpg", jpeg_bytes(exif=camera_exif()), "image/jpeg")


def ktp_png() -> SimpleUploadedFile:
    return upload("ktp.png", png_bytes(exif=camera_exif()), "image/png")


def html_as_jpeg() -> SimpleUploadedFile:
    return upload("ktp.jpg", HTML, "image/jpeg")


def clean_code(content: bytes, name: str = "ktp.jpg", content_type: str = "image/jpeg") -> str:
    with pytest.raises(ValidationError) as refused:
        document_clean(upload(name, content, content_type))
    return refused.value.code


def opened(data: bytes) -> Image.Image:
    return Image.open(io.BytesIO(data))


# --- The documents storage ---------------------------------------------------------------------
# `tmp_documents` (tests/vendors/conftest.py) replaces settings.STORAGES with a new dict: that sends
# setting_changed, which empties the cache of `django.core.files.storage.storages`.


def stored_files(root: Path) -> list[str]:
    if not root.exists():
        return []
    return sorted(path.relative_to(root).as_posix() for path in root.rglob("*") if path.is_file())


def test_the_documents_storage_is_the_test_directory_and_has_no_url(tmp_documents):
    storage = documents_storage()

    assert isinstance(storage, PrivateFileSystemStorage)
    assert storage.location == str(tmp_documents)
    with pytest.raises(ValueError, match="no public URL"):
        storage.url("shops/1/ktp.jpg.enc")


# --- document_clean: what is accepted -------------------------------------------------------------


def test_the_test_photos_carry_camera_and_gps_exif():
    exif = opened(jpeg_bytes(exif=camera_exif())).getexif()

    assert exif[ExifTags.Base.Make] == "Canon"
    assert exif[ExifTags.Base.Model] == "EOS 2000D"
    assert exif.get_ifd(ExifTags.IFD.GPSInfo)[ExifTags.GPS.GPSLatitudeRef] == "S"
    assert opened(png_bytes(exif=camera_exif())).getexif()[ExifTags.Base.Make] == "Canon"


def test_a_jpeg_is_reencoded_without_exif():
    raw = jpeg_bytes(exif=camera_exif())

    clean = document_clean(upload("ktp.jpg", raw, "image/jpeg"))

    assert clean.content_type == "image/jpeg"
    assert clean.extension == "jpg"
    assert clean.data != raw
    assert clean.sha256 == hashlib.sha256(clean.data).hexdigest()
    image = opened(clean.data)
    assert image.format == "JPEG"
    assert image.size == (64, 48)
    assert dict(image.getexif()) == {}
    assert image.getexif().get_ifd(ExifTags.IFD.GPSInfo) == {}
    assert "exif" not in image.info
    assert b"Canon" not in clean.data


def test_a_jpeg_comment_does_not_survive_cleaning():
    buffer = io.BytesIO()
    Image.new("RGB", (64, 48), (10, 120, 200)).save(
        buffer, format="JPEG", comment=b"GPS -7.98 112.63"
    )

    clean = document_clean(upload("ktp.jpg", buffer.getvalue(), "image/jpeg"))

    assert b"GPS -7.98" not in clean.data
    assert "comment" not in opened(clean.data).info


def test_a_multi_picture_jpeg_from_a_phone_camera_is_accepted():
    buffer = io.BytesIO()
    first = Image.new("RGB", (64, 48), (10, 120, 200))
    first.save(
        buffer,
        format="MPO",
        save_all=True,
        append_images=[Image.new("RGB", (64, 48))],
        exif=camera_exif(),
    )
    assert opened(buffer.getvalue()).format == "MPO"

    clean = document_clean(upload("ktp.jpg", buffer.getvalue(), "image/jpeg"))

    assert (clean.content_type, clean.extension) == ("image/jpeg", "jpg")
    image = opened(clean.data)
    assert (image.format, image.size) == ("JPEG", (64, 48))
    assert dict(image.getexif()) == {}


def test_a_png_is_reencoded_without_exif_or_text_chunks():
    text = PngImagePlugin.PngInfo()
    text.add_text("Comment", "Jl. Sanan 8, Blimbing")
    raw = png_bytes(exif=camera_exif(), pnginfo=text)

    clean = document_clean(upload("ktp.png", raw, "image/png"))

    assert clean.content_type == "image/png"
    assert clean.extension == "png"
    image = opened(clean.data)
    assert image.format == "PNG"
    assert image.size == (40, 30)
    assert dict(image.getexif()) == {}
    assert image.info == {}
    assert b"Canon" not in clean.data
    assert b"Sanan" not in clean.data


def test_a_photo_is_turned_upright_by_its_exif_orientation():
    # Orientation 6: the camera was held sideways; viewers rotate the 64x48 picture to 48x64.
    raw = jpeg_bytes(size=(64, 48), exif=camera_exif(orientation=6))

    clean = document_clean(upload("ktp.jpg", raw, "image/jpeg"))

    image = opened(clean.data)
    assert image.size == (48, 64)
    assert dict(image.getexif()) == {}


def test_a_large_photo_is_scaled_down_to_2400_pixels():
    clean = document_clean(upload("usaha.jpg", jpeg_bytes(size=(3000, 1200)), "image/jpeg"))

    assert opened(clean.data).size == (2400, 960)


@pytest.mark.parametrize(
    "pdf",
    [
        MINIMAL_PDF,
        MINIMAL_PDF.replace(b"%PDF-1.4", b"%PDF-2.0"),
    ],
)
def test_a_pdf_is_kept_byte_for_byte(pdf):
    clean = document_clean(upload("nib.pdf", pdf, "application/pdf"))

    assert clean.data == pdf
    assert clean.content_type == "application/pdf"
    assert clean.extension == "pdf"


def test_a_file_of_exactly_5_mb_is_accepted():
    head, tail = b"%PDF-1.4\n", b"\n%%EOF\n"
    pdf = head + b"0" * (MAX_DOCUMENT_BYTES - len(head) - len(tail)) + tail
    assert len(pdf) == 5 * 1024 * 1024

    assert document_clean(upload("nib.pdf", pdf, "application/pdf")).data == pdf


def test_an_image_of_40_million_pixels_is_accepted():
    clean = document_clean(upload("ktp.png", png_bytes(size=(8000, 5000), mode="1"), "image/png"))

    assert opened(clean.data).size == (2400, 1500)


# --- document_clean: what is refused --------------------------------------------------------------

JPEG = jpeg_bytes()
PNG = png_bytes()


@pytest.mark.parametrize(
    "content",
    [
        pytest.param(HTML, id="html"),
        pytest.param(b"\xff\xd8\xff" + b"\x00<script>alert(1)</script>" * 20, id="jpeg-magic-junk"),
        pytest.param(JPEG[: len(JPEG) // 2], id="truncated-jpeg"),
        pytest.param(b"\x89PNG\r\n\x1a\n" + b"\x00" * 200, id="png-magic-junk"),
        pytest.param(PNG[: len(PNG) - 20], id="truncated-png"),
        pytest.param(b"GIF89a\x01\x00\x01\x00\x00\x00\x00;", id="gif"),
        pytest.param(b'<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"/>', id="svg"),
        pytest.param(b"NIK 3573011501900001", id="text"),
        pytest.param(b"%PDF-1.4\n<script>alert(1)</script>\n%%EOF\n", id="pdf-with-script"),
        pytest.param(b"<html><body>%PDF-1.4\n%%EOF\n</body></html>", id="html-with-pdf-header"),
        pytest.param(MINIMAL_PDF[:-7], id="pdf-without-eof"),
        # Readers tolerate junk before the header; that is how HTML/PDF polyglots are made.
        pytest.param(b"\r\n" + MINIMAL_PDF, id="pdf-header-not-first"),
        pytest.param(
            b"<!DOCTYPE html><body><img src=x onerror=alert(1)>" + MINIMAL_PDF, id="polyglot"
        ),
        pytest.param(b"PK\x03\x04" + b"\x00" * 100, id="zip"),
    ],
)
def test_a_file_that_is_no_jpeg_png_or_pdf_is_refused(content):
    assert clean_code(content) == "document_type"


@pytest.mark.parametrize(
    "active",
    [
        b"/OpenAction << /S /JavaScript /JS (app.alert(1)) >>",
        b"/AA << /O << /S /JavaScript /JS (x) >> >>",
        b"/Launch << /F (cmd.exe) >>",
        b"/EmbeddedFile 7 0 R",
    ],
)
def test_a_pdf_with_active_content_is_refused(active):
    pdf = MINIMAL_PDF.replace(b"%%EOF", b"1 0 obj " + active + b" endobj\n%%EOF")

    with pytest.raises(ValidationError) as refused:
        document_clean(upload("nib.pdf", pdf, "application/pdf"))

    assert refused.value.code == "document_active_pdf"


def test_an_upload_over_5_mb_is_refused_by_its_size():
    content = b"\xff\xd8\xff" + b"\x00" * (MAX_DOCUMENT_BYTES - 2)
    assert len(content) == MAX_DOCUMENT_BYTES + 1

    assert clean_code(content) == "document_size"


def test_a_stream_over_5_mb_without_a_size_is_refused_after_reading_5_mb():
    stream = io.BytesIO(b"%PDF-1.4\n" + b"0" * MAX_DOCUMENT_BYTES + b"%%EOF\n")

    with pytest.raises(ValidationError) as refused:
        document_clean(stream)

    assert refused.value.code == "document_size"
    assert stream.tell() == MAX_DOCUMENT_BYTES + 1


def test_an_empty_file_is_refused():
    assert clean_code(b"") == "document_empty"


@pytest.mark.parametrize(
    "size",
    [
        pytest.param((8000, 5001), id="over-komeji-limit"),
        pytest.param((10000, 10000), id="over-pillow-bomb-warning"),
        pytest.param((20000, 10000), id="over-pillow-bomb-error"),
    ],
)
def test_a_decompression_bomb_is_refused_by_its_pixels(size):
    bomb = png_bytes(size=size, mode="1")
    assert len(bomb) < 30_000  # tiny on the wire

    assert clean_code(bomb, name="ktp.png", content_type="image/png") == "document_pixels"


# --- Encryption and storage -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "magic"),
    [
        pytest.param(jpeg_bytes(exif=camera_exif()), b"\xff\xd8\xff", id="jpeg"),
        pytest.param(png_bytes(exif=camera_exif()), b"\x89PNG", id="png"),
        pytest.param(MINIMAL_PDF, b"%PDF", id="pdf"),
    ],
)
def test_a_document_is_stored_encrypted_and_read_back_clean(tmp_documents, raw, magic):
    clean = document_clean(io.BytesIO(raw))

    name = document_write(name="shops/7/ktp-20260101120000.enc", clean=clean)

    assert name == "shops/7/ktp-20260101120000.enc"
    assert stored_files(tmp_documents) == [name]
    on_disk = (tmp_documents / name).read_bytes()
    assert on_disk.startswith(FERNET_PREFIX)
    assert on_disk != raw
    assert on_disk != clean.data
    assert magic not in on_disk
    assert b"Canon" not in on_disk
    assert document_read(name=name) == clean.data


def test_a_pdf_is_unchanged_after_decryption(tmp_documents):
    name = document_write(name="shops/7/nib.pdf.enc", clean=document_clean(io.BytesIO(MINIMAL_PDF)))

    assert document_read(name=name) == MINIMAL_PDF


def test_a_rotated_key_still_decrypts_old_documents(settings):
    old_key, new_key = Fernet.generate_key().decode(), Fernet.generate_key().decode()
    settings.KOMEJI_DOCUMENT_KEYS = [old_key]
    old_token = encrypt(b"ktp")

    settings.KOMEJI_DOCUMENT_KEYS = [new_key, old_key]
    new_token = encrypt(b"ktp")

    assert decrypt(old_token) == b"ktp"
    assert decrypt(new_token) == b"ktp"
    settings.KOMEJI_DOCUMENT_KEYS = [new_key]
    assert decrypt(new_token) == b"ktp"  # the first key encrypts
    with pytest.raises(ValueError, match="could not be decrypted"):
        decrypt(old_token)


def test_a_tampered_document_is_not_decrypted():
    token = bytearray(encrypt(b"ktp"))
    token[-5] = ord("A") if token[-5] != ord("A") else ord("B")

    with pytest.raises(ValueError, match="could not be decrypted"):
        decrypt(bytes(token))


# --- shop_document_upload -------------------------------------------------------------------------


def upload_audits() -> list[dict]:
    return list(
        AuditLog.objects.filter(action="shop.document.upload").values_list("data", flat=True)
    )


@pytest.mark.django_db
def test_the_owner_uploads_a_ktp_photo(tmp_documents, owner, shop):
    document = shop_document_upload(shop_id=shop.pk, actor=owner, kind="ktp", upload=ktp_jpeg())

    document.refresh_from_db()
    assert document.shop == shop
    assert document.kind == "ktp"
    assert document.uploaded_by == owner
    assert document.content_type == "image/jpeg"
    assert re.fullmatch(rf"shops/{shop.pk}/ktp-\d{{14}}\.jpg\.enc", document.storage_name)
    assert stored_files(tmp_documents) == [document.storage_name]
    data = document_read(name=document.storage_name)
    assert document.size == len(data)
    assert document.sha256 == hashlib.sha256(data).hexdigest()
    assert opened(data).format == "JPEG"
    assert dict(opened(data).getexif()) == {}
    assert upload_audits() == [{"kind": "ktp", "replaced": False, "as": "owner"}]


@pytest.mark.django_db
def test_a_new_upload_replaces_the_document_and_removes_the_old_file_after_commit(
    tmp_documents, owner, shop, django_capture_on_commit_callbacks
):
    selfie = shop_document_upload(shop_id=shop.pk, actor=owner, kind="selfie", upload=ktp_png())
    first = shop_document_upload(shop_id=shop.pk, actor=owner, kind="ktp", upload=ktp_png())
    old_name = first.storage_name

    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        second = shop_document_upload(shop_id=shop.pk, actor=owner, kind="ktp", upload=ktp_jpeg())
        # Until the transaction commits, the old file stays.
        assert stored_files(tmp_documents) == sorted(
            [selfie.storage_name, old_name, second.storage_name]
        )

    assert len(callbacks) == 1
    assert second.pk == first.pk
    assert second.storage_name != old_name
    assert stored_files(tmp_documents) == sorted([selfie.storage_name, second.storage_name])
    assert list(ShopDocument.objects.filter(shop=shop).values_list("kind", "content_type")) == [
        ("ktp", "image/jpeg"),
        ("selfie", "image/png"),
    ]
    assert opened(document_read(name=second.storage_name)).format == "JPEG"
    assert upload_audits() == [  # newest first
        {"kind": "ktp", "replaced": True, "as": "owner"},
        {"kind": "ktp", "replaced": False, "as": "owner"},
        {"kind": "selfie", "replaced": False, "as": "owner"},
    ]


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("make_upload", "code"),
    [
        pytest.param(html_as_jpeg, "document_type", id="html-named-ktp.jpg"),
        pytest.param(
            lambda: upload("ktp.jpg", b"\xff\xd8\xff" + b"\x00" * MAX_DOCUMENT_BYTES, "image/jpeg"),
            "document_size",
            id="over-5-mb",
        ),
        pytest.param(
            lambda: upload("ktp.png", png_bytes(size=(10000, 10000), mode="1"), "image/png"),
            "document_pixels",
            id="decompression-bomb",
        ),
    ],
)
def test_a_refused_upload_stores_nothing(tmp_documents, owner, shop, make_upload, code):
    with pytest.raises(ValidationError) as refused:
        shop_document_upload(shop_id=shop.pk, actor=owner, kind="ktp", upload=make_upload())

    assert refused.value.code == code
    assert ShopDocument.objects.count() == 0
    assert stored_files(tmp_documents) == []
    assert upload_audits() == []


@pytest.mark.django_db
def test_a_refused_replacement_keeps_the_current_document(tmp_documents, owner, shop):
    current = shop_document_upload(shop_id=shop.pk, actor=owner, kind="ktp", upload=ktp_png())
    data = document_read(name=current.storage_name)

    with pytest.raises(ValidationError):
        shop_document_upload(shop_id=shop.pk, actor=owner, kind="ktp", upload=html_as_jpeg())

    assert list(ShopDocument.objects.values_list("pk", "storage_name", "sha256")) == [
        (current.pk, current.storage_name, current.sha256)
    ]
    assert stored_files(tmp_documents) == [current.storage_name]
    assert document_read(name=current.storage_name) == data


@pytest.mark.django_db
@pytest.mark.parametrize("make_upload", [ktp_jpeg, html_as_jpeg], ids=["photo", "html"])
def test_an_outsider_cannot_upload_and_nothing_is_stored(
    tmp_documents, shop, outsider, make_upload
):
    # Access is checked before the file: an outsider learns nothing, not even the file's fault.
    with pytest.raises(ShopNotFound):
        shop_document_upload(shop_id=shop.pk, actor=outsider, kind="ktp", upload=make_upload())

    assert ShopDocument.objects.count() == 0
    assert stored_files(tmp_documents) == []
    assert upload_audits() == []


@pytest.mark.django_db
def test_an_anonymous_actor_cannot_upload(tmp_documents, shop):
    with pytest.raises(ShopNotFound):
        shop_document_upload(shop_id=shop.pk, actor=AnonymousUser(), kind="ktp", upload=ktp_jpeg())

    assert ShopDocument.objects.count() == 0
    assert stored_files(tmp_documents) == []


@pytest.mark.django_db
def test_shop_staff_cannot_upload_legal_documents(tmp_documents, shop, staff):
    with pytest.raises(ShopActionRefused):
        shop_document_upload(shop_id=shop.pk, actor=staff, kind="ktp", upload=ktp_jpeg())

    assert ShopDocument.objects.count() == 0
    assert stored_files(tmp_documents) == []


@pytest.mark.django_db
def test_an_unknown_kind_of_document_is_refused(tmp_documents, owner, shop):
    with pytest.raises(ShopActionRefused):
        shop_document_upload(shop_id=shop.pk, actor=owner, kind="passport", upload=ktp_jpeg())

    assert ShopDocument.objects.count() == 0
    assert stored_files(tmp_documents) == []


# --- The moderators' document view ----------------------------------------------------------------


def view_audits() -> list[AuditLog]:
    return list(AuditLog.objects.filter(action="shop.document.view"))


@pytest.fixture
def ktp_document(tmp_documents, owner, shop) -> ShopDocument:
    return shop_document_upload(shop_id=shop.pk, actor=owner, kind="ktp", upload=ktp_png())


@pytest.mark.django_db
def test_an_anonymous_visitor_is_sent_to_login_without_the_file(client, ktp_document):
    url = reverse("vendors:document_view", args=[ktp_document.pk])

    response = client.get(url)

    assert response.status_code == 302
    assert response["Location"] == f"{reverse('account_login')}?next={url}"
    assert response.content == b""
    assert view_audits() == []


@pytest.mark.django_db
@pytest.mark.parametrize(
    "who", ["buyer", "owner", "shop-staff", "staff-not-moderator", "moderator-not-staff"]
)
def test_anyone_but_a_staff_moderator_gets_404(client, request, ktp_document, who):
    if who == "buyer":
        user = request.getfixturevalue("outsider")
    elif who == "owner":
        user = request.getfixturevalue("owner")
    elif who == "shop-staff":
        user = request.getfixturevalue("staff")
    elif who == "staff-not-moderator":
        user = UserFactory(is_staff=True)
    else:
        user = UserFactory(is_staff=False)
        user.groups.add(Group.objects.get(name="Moderator"))
    client.force_login(user)

    response = client.get(reverse("vendors:document_view", args=[ktp_document.pk]))

    assert response.status_code == 404
    assert document_read(name=ktp_document.storage_name) not in response.content
    assert response.get("Content-Type", "").startswith("text/html")
    assert view_audits() == []


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("make_upload", "content_type", "extension"),
    [
        pytest.param(ktp_png, "image/png", "png", id="png"),
        pytest.param(ktp_jpeg, "image/jpeg", "jpg", id="jpeg"),
        pytest.param(
            lambda: upload("ktp.pdf", MINIMAL_PDF, "application/pdf"),
            "application/pdf",
            "pdf",
            id="pdf",
        ),
    ],
)
def test_a_moderator_sees_the_decrypted_document_and_the_opening_is_audited(
    client, tmp_documents, owner, shop, moderator, make_upload, content_type, extension
):
    document = shop_document_upload(shop_id=shop.pk, actor=owner, kind="ktp", upload=make_upload())
    client.force_login(moderator)

    response = client.get(reverse("vendors:document_view", args=[document.pk]))

    assert response.status_code == 200
    assert response.content == document_read(name=document.storage_name)
    assert hashlib.sha256(response.content).hexdigest() == document.sha256
    assert response["Content-Type"] == content_type
    disposition = "attachment" if extension == "pdf" else "inline"
    assert response["Content-Disposition"] == f'{disposition}; filename="ktp-{shop.pk}.{extension}"'
    assert "no-store" in response["Cache-Control"]
    assert "private" in response["Cache-Control"]
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Content-Security-Policy"] == "default-src 'none'; img-src 'self'; sandbox"
    if extension == "pdf":
        assert response.content == MINIMAL_PDF
    [audit] = view_audits()
    assert audit.actor == moderator
    assert audit.object_id == str(shop.pk)
    assert audit.data == {"document": document.pk, "kind": "ktp"}


@pytest.mark.django_db
def test_a_moderator_asking_for_a_missing_document_gets_404_and_no_audit(
    client, moderator, ktp_document
):
    client.force_login(moderator)

    response = client.get(reverse("vendors:document_view", args=[ktp_document.pk + 1000]))

    assert response.status_code == 404
    assert view_audits() == []
