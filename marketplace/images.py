"""Product photos: what is accepted and how it is cleaned before it is stored.

A file is accepted by its content, never by its name or declared type: it must decode with Pillow
as JPEG (MPO, the multi-picture JPEG many phones write, included: its first picture is kept), PNG
or WebP, at most 5 MB and MAX_IMAGE_PIXELS pixels. Animated PNG and WebP are refused (a product
photo is a still; silently keeping one frame could show the buyer the wrong picture).

What is stored is never the uploaded bytes but a fresh encoding: EXIF orientation applied, colours
converted to sRGB, the long side at most MAX_IMAGE_SIDE, and no metadata at all (EXIF with GPS
position and camera, comments, text chunks, ICC profiles). Opaque images become JPEG; an image
with real transparency becomes PNG (JPEG has no alpha). The WebP thumbnails are made from this
clean image by marketplace.services.images.image_make_thumbnails.
"""

import io
import warnings
from dataclasses import dataclass
from typing import IO, Any

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from PIL import Image, ImageCms, ImageOps

MAX_IMAGE_BYTES = 5 * 1024 * 1024
# Refuse decompression bombs: a 5 MB PNG can claim billions of pixels. 40 MP covers every phone
# photo that fits in 5 MB; decoding one costs at most ~160 MB (RGBA), JPEG much less (below).
MAX_IMAGE_PIXELS = 40_000_000
# The product page shows at most ~800 CSS px (1600 physical px on a dense screen).
MAX_IMAGE_SIDE = 1600
# Icons and tracking pixels are not product photos.
MIN_IMAGE_SIDE = 100
# The decoders Pillow may try. MPO has no decoder of its own: the JPEG one returns it.
DECODERS = ("JPEG", "PNG", "WEBP")
ACCEPTED_FORMATS = ("JPEG", "MPO", "PNG", "WEBP")
JPEG_QUALITY = 85


@dataclass(frozen=True)
class CleanImage:
    """A photo ready to store: re-encoded bytes without metadata, and their size in pixels."""

    data: bytes
    content_type: str
    extension: str
    width: int
    height: int


def _refuse_type() -> ValidationError:
    return ValidationError(
        _("This file is not a JPEG, PNG or WebP photo. Choose a photo from your gallery."),
        code="image_type",
    )


def _refuse_size() -> ValidationError:
    return ValidationError(
        _("The file is larger than 5 MB. Send a smaller photo."), code="image_size"
    )


def _refuse_pixels() -> ValidationError:
    return ValidationError(
        _("The photo has too many pixels (at most %(mp)s megapixels). Send a smaller photo."),
        code="image_pixels",
        params={"mp": MAX_IMAGE_PIXELS // 1_000_000},
    )


def _read_limited(upload: IO[bytes] | Any) -> bytes:
    """At most MAX_IMAGE_BYTES, whatever the upload claims; never more than that in memory."""
    declared_size = getattr(upload, "size", None)
    if declared_size is not None and declared_size > MAX_IMAGE_BYTES:
        raise _refuse_size()
    if hasattr(upload, "seek"):
        upload.seek(0)
    data = upload.read(MAX_IMAGE_BYTES + 1)
    if len(data) > MAX_IMAGE_BYTES:
        raise _refuse_size()
    if not data:
        raise ValidationError(_("The file is empty."), code="image_empty")
    return data


def _open(data: bytes) -> Image.Image:
    # `formats` keeps Pillow from trying its other decoders (EPS, PSD, ...) on hostile input.
    return Image.open(io.BytesIO(data), formats=DECODERS)


def _to_srgb(image: Image.Image, icc_profile: bytes | None) -> Image.Image:
    """Convert from the embedded colour profile (a phone's Display P3, a print shop's CMYK) to
    sRGB, so the colours survive dropping the profile. Best effort: a broken profile is ignored."""
    if not icc_profile or image.mode not in ("RGB", "RGBA", "CMYK", "L"):
        return image
    try:
        source = ImageCms.ImageCmsProfile(io.BytesIO(icc_profile))
        output_mode = "RGBA" if image.mode == "RGBA" else "RGB"
        converted = ImageCms.profileToProfile(
            image, source, ImageCms.createProfile("sRGB"), outputMode=output_mode
        )
    except (ImageCms.PyCMSError, OSError, ValueError, TypeError):
        return image
    return converted if converted is not None else image


def _has_transparency(image: Image.Image) -> bool:
    return image.mode in ("RGBA", "LA", "PA", "RGBa", "La") or "transparency" in image.info


def _normalise_mode(image: Image.Image) -> Image.Image:
    """RGB, or RGBA when some pixel is actually transparent."""
    if image.mode in ("I", "I;16", "I;16B", "I;16L", "I;16N"):
        # 16-bit greyscale PNG: scale to 8 bits (a plain convert would clip everything to white).
        image = image.convert("I").point(lambda value: value * (1 / 256)).convert("L")
    if _has_transparency(image):
        rgba = image.convert("RGBA")
        alpha_min = rgba.getchannel("A").getextrema()[0]
        if isinstance(alpha_min, int | float) and alpha_min < 255:
            return rgba
        return rgba.convert("RGB")
    return image.convert("RGB")


def _decode(data: bytes) -> tuple[Image.Image, str]:
    """Check and decode; returns the upright image and its format. Raises ValidationError."""
    with warnings.catch_warnings():
        # Pillow warns (instead of refusing) between its MAX_IMAGE_PIXELS and twice that: refuse.
        # A backstop only: catch_warnings is process-wide, not per thread, and our own cap
        # (below Pillow's) is checked before anything is decoded.
        warnings.simplefilter("error", Image.DecompressionBombWarning)
        try:
            with _open(data) as probe:
                image_format = probe.format or ""
                if image_format not in ACCEPTED_FORMATS:
                    raise _refuse_type()
                if probe.width * probe.height > MAX_IMAGE_PIXELS:
                    raise _refuse_pixels()
                # MPO's extra frames are the phone's depth map or preview: not an animation.
                if image_format != "MPO" and getattr(probe, "is_animated", False):
                    raise ValidationError(
                        _("Animated images are not accepted. Send a still photo."),
                        code="image_animated",
                    )
                probe.verify()
            # verify() leaves the image unusable: open again to decode it fully.
            image = _open(data)
            if image_format in ("JPEG", "MPO"):
                # Let libjpeg decode at 1/2, 1/4 or 1/8 scale when the photo is far larger than
                # what is kept: a 24 MP photo then takes a quarter of the memory.
                image.draft("RGB", (MAX_IMAGE_SIDE, MAX_IMAGE_SIDE))
            image.load()
        except ValidationError:
            raise
        except (Image.DecompressionBombError, Image.DecompressionBombWarning):
            raise _refuse_pixels() from None
        except Exception:
            # Not an image Pillow can read as one of the accepted formats, or truncated/corrupt.
            raise _refuse_type() from None
    icc_profile = image.info.get("icc_profile")
    try:
        upright = ImageOps.exif_transpose(image)
    except Exception:
        # Unreadable EXIF: keep the pixels as they are rather than refusing the photo.
        upright = image.copy()
    upright = _to_srgb(upright, icc_profile)
    return upright, image_format


def image_clean(upload: IO[bytes] | Any) -> CleanImage:
    """Read an uploaded product photo and return what may be stored, or raise ValidationError
    (codes: image_empty, image_size, image_type, image_pixels, image_animated, image_small)."""
    data = _read_limited(upload)
    image, _image_format = _decode(data)
    if min(image.size) < MIN_IMAGE_SIDE:
        raise ValidationError(
            _("The photo is too small: it needs at least %(px)s pixels on each side."),
            code="image_small",
            params={"px": MIN_IMAGE_SIDE},
        )
    image = _normalise_mode(image)
    image.thumbnail((MAX_IMAGE_SIDE, MAX_IMAGE_SIDE), Image.Resampling.LANCZOS)
    # No metadata survives: EXIF (camera, GPS, time), comments, text chunks, ICC profile, DPI.
    image.info = {}
    out = io.BytesIO()
    if image.mode == "RGBA":
        image.save(out, format="PNG", optimize=True)
        content_type, extension = "image/png", "png"
    else:
        image.save(out, format="JPEG", quality=JPEG_QUALITY, optimize=True, progressive=True)
        content_type, extension = "image/jpeg", "jpg"
    return CleanImage(
        data=out.getvalue(),
        content_type=content_type,
        extension=extension,
        width=image.width,
        height=image.height,
    )


def image_open_trusted(data: bytes) -> Image.Image:
    """Decode an image Komeji stored itself (the clean original), for making thumbnails. Still
    limited to the accepted formats and Pillow's bomb check: storage is not a trust boundary
    worth betting the worker's memory on."""
    with warnings.catch_warnings():
        warnings.simplefilter("error", Image.DecompressionBombWarning)
        image = _open(data)
        image.load()
    return image
