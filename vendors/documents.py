"""Sellers' legal documents on disk: what is accepted, how it is cleaned, how it is encrypted.

A file is accepted by its content, never by its name or declared type: JPEG and PNG must decode
with Pillow (and are re-encoded, which drops EXIF such as GPS position), a PDF must look like a
PDF. Everything is encrypted with Fernet (AES-128-CBC + HMAC-SHA256) under KOMEJI_DOCUMENT_KEYS
before it reaches the `documents` storage, so neither a leaked bucket nor a backup reveals a KTP.
"""

import hashlib
import io
import re
import warnings
from dataclasses import dataclass
from typing import IO, Any

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.files.storage import FileSystemStorage, Storage, storages
from django.core.signals import setting_changed
from django.dispatch import receiver
from django.http import FileResponse, HttpResponse, HttpResponseBase
from django.utils.functional import LazyObject, empty
from django.utils.translation import gettext_lazy as _
from PIL import Image, ImageOps

MAX_DOCUMENT_BYTES = 5 * 1024 * 1024
# A KTP photo needs no more than this; larger images are scaled down when re-encoded.
MAX_IMAGE_SIDE = 2400
# Refuse decompression bombs: a 5 MB PNG can claim billions of pixels.
MAX_IMAGE_PIXELS = 40_000_000


class PrivateFileSystemStorage(FileSystemStorage):
    """The documents storage on local disk: outside MEDIA_ROOT and without any URL."""

    def url(self, name: str | None) -> str:
        raise ValueError("Legal documents have no public URL; use the moderators' view.")


def documents_storage() -> Storage:
    return storages["documents"]


class _LazyDocumentsStorage(LazyObject):
    """The documents storage for a model field (`storage=private_file_storage`): looked up when
    first used, and again after STORAGES changes (tests), like Django's default_storage."""

    def _setup(self) -> None:
        self._wrapped = storages["documents"]


private_storage = _LazyDocumentsStorage()


def private_file_storage() -> Storage:
    return private_storage  # type: ignore[return-value]


@receiver(setting_changed)
def _reset_private_storage(*, setting: str, **kwargs: Any) -> None:
    if setting == "STORAGES":
        private_storage._wrapped = empty  # type: ignore[assignment]


def _fernet() -> MultiFernet:
    return MultiFernet([Fernet(key.encode()) for key in settings.KOMEJI_DOCUMENT_KEYS])


def encrypt(data: bytes) -> bytes:
    return _fernet().encrypt(data)


def decrypt(token: bytes) -> bytes:
    try:
        return _fernet().decrypt(token)
    except InvalidToken as exc:
        raise ValueError("A document could not be decrypted with any configured key.") from exc


@dataclass(frozen=True)
class CleanDocument:
    data: bytes
    content_type: str
    extension: str

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.data).hexdigest()


def _refuse() -> ValidationError:
    return ValidationError(
        _("Upload a JPEG or PNG photo or a PDF file. This file is none of them."),
        code="document_type",
    )


def _read_limited(upload: IO[bytes] | Any) -> bytes:
    declared_size = getattr(upload, "size", None)
    if declared_size is not None and declared_size > MAX_DOCUMENT_BYTES:
        raise ValidationError(
            _("The file is larger than 5 MB. Take a smaller photo or scan."), code="document_size"
        )
    if hasattr(upload, "seek"):
        upload.seek(0)
    data = upload.read(MAX_DOCUMENT_BYTES + 1)
    if len(data) > MAX_DOCUMENT_BYTES:
        raise ValidationError(
            _("The file is larger than 5 MB. Take a smaller photo or scan."), code="document_size"
        )
    if not data:
        raise ValidationError(_("The file is empty."), code="document_empty")
    return data


def _clean_image(data: bytes) -> CleanDocument:
    with warnings.catch_warnings():
        warnings.simplefilter("error", Image.DecompressionBombWarning)
        try:
            with Image.open(io.BytesIO(data)) as probe:
                image_format = probe.format
                # MPO: the multi-picture JPEG many phone cameras write.
                if image_format not in ("JPEG", "MPO", "PNG"):
                    raise _refuse()
                if probe.width * probe.height > MAX_IMAGE_PIXELS:
                    raise ValidationError(
                        _("The image is too large in pixels. Take a smaller photo."),
                        code="document_pixels",
                    )
                probe.verify()
            # verify() leaves the image unusable: open again to decode it fully.
            with Image.open(io.BytesIO(data)) as image:
                image.load()
                upright = ImageOps.exif_transpose(image)
        except ValidationError:
            raise
        except (Image.DecompressionBombError, Image.DecompressionBombWarning):
            raise ValidationError(
                _("The image is too large in pixels. Take a smaller photo."),
                code="document_pixels",
            ) from None
        except Exception:
            raise _refuse() from None
    upright.thumbnail((MAX_IMAGE_SIDE, MAX_IMAGE_SIDE))
    # No metadata survives: EXIF (camera, GPS, time), comments, text chunks, ICC profiles.
    upright.info = {}
    out = io.BytesIO()
    if image_format in ("JPEG", "MPO"):
        upright.convert("RGB").save(out, format="JPEG", quality=88, optimize=True)
        return CleanDocument(out.getvalue(), "image/jpeg", "jpg")
    if upright.mode not in ("RGB", "RGBA", "L", "LA", "P"):
        upright = upright.convert("RGBA")
    upright.save(out, format="PNG", optimize=True)
    return CleanDocument(out.getvalue(), "image/png", "png")


_PDF_ACTIVE = re.compile(
    rb"/(JavaScript|JS|Launch|EmbeddedFile|RichMedia|XFA|OpenAction\s*<<[^>]*/S\s*/JavaScript)\b"
)


def _clean_pdf(data: bytes) -> CleanDocument:
    # Strict: the file starts with the PDF header (readers tolerate junk before it, which is how
    # HTML/PDF polyglots are made) and ends with %%EOF.
    if not (data.startswith((b"%PDF-1.", b"%PDF-2."))) or b"%%EOF" not in data[-2048:]:
        raise _refuse()
    # Defence in depth: no markup a browser could be talked into rendering.
    lowered = data[:1024].lower()
    if b"<html" in lowered or b"<script" in lowered:
        raise _refuse()
    # A scan or an OSS print-out needs no active content; refuse what a PDF reader would run.
    if _PDF_ACTIVE.search(data):
        raise ValidationError(
            _("This PDF contains scripts or attachments. Upload a plain scan or a photo."),
            code="document_active_pdf",
        )
    return CleanDocument(data, "application/pdf", "pdf")


def document_clean(upload: IO[bytes] | Any) -> CleanDocument:
    """Read an uploaded file and return what may be stored, or raise ValidationError."""
    data = _read_limited(upload)
    if data[:4] == b"\x89PNG" or data[:3] == b"\xff\xd8\xff":
        return _clean_image(data)
    if data.startswith(b"%PDF-"):
        return _clean_pdf(data)
    raise _refuse()


def private_file_response(
    content: bytes | IO[bytes], *, content_type: str, filename: str
) -> HttpResponseBase:
    """A private file (a legal document, a certificate scan) for a moderator's browser. Images
    open inline in a sandbox; a PDF downloads (browsers' PDF viewers refuse to run in a sandboxed
    page, and active content was refused at upload). Never cached, never sniffed."""
    attachment = content_type == "application/pdf"
    response: HttpResponseBase
    if isinstance(content, bytes):
        response = HttpResponse(content, content_type=content_type)
        disposition = "attachment" if attachment else "inline"
        response["Content-Disposition"] = f'{disposition}; filename="{filename}"'
    else:
        response = FileResponse(
            content, content_type=content_type, as_attachment=attachment, filename=filename
        )
    response["Content-Security-Policy"] = "default-src 'none'; img-src 'self'; sandbox"
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    return response


def document_write(*, name: str, clean: CleanDocument) -> str:
    """Encrypt and store; returns the name the storage chose."""
    return documents_storage().save(name, ContentFile(encrypt(clean.data)))


def document_read(*, name: str) -> bytes:
    with documents_storage().open(name, "rb") as handle:
        return decrypt(handle.read())


def document_remove(*, name: str) -> None:
    documents_storage().delete(name)
