"""Product photos: add (checked and cleaned, all or nothing), delete, reorder, and the square WebP
thumbnails a Celery task makes after commit.

Files go through Django's storage API, the storage of ProductImage.image (the default storage: S3
when configured, else the file system). No storage call is made while a row lock is held: new files
are written before the transaction that records them (and removed again if it fails), deleted
files are removed after the transaction that forgets them has committed.

Only members of the product's shop (owner or staff) act here; anyone else gets ShopNotFound.
"""

import datetime as dt
import io
import logging
import posixpath
from collections.abc import Iterable, Sequence
from functools import partial
from typing import Any, cast

from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.files.storage import Storage
from django.core.files.uploadedfile import UploadedFile
from django.db import models, transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _
from PIL import Image, ImageOps

from marketplace import tasks
from marketplace.cache import product_changed
from marketplace.images import CleanImage, image_clean, image_open_trusted
from marketplace.models import ProductImage, ProductStatus
from marketplace.services.products import ProductRefused, _lock_product
from vendors.services.errors import ShopNotFound

logger = logging.getLogger(__name__)

THUMBNAIL_QUALITY = 80


class ImageRefused(ProductRefused):
    """Some uploaded files are not acceptable photos; nothing was stored. `problems` lists
    (file name, ValidationError code) for each refused file, in upload order."""

    def __init__(self, message: str, problems: list[tuple[str, str]]) -> None:
        super().__init__(message)
        self.problems = problems


class _TypedContent(ContentFile):  # type: ignore[type-arg]
    """Bytes with the content type S3 should serve them with (django-storages reads it)."""

    def __init__(self, data: bytes, content_type: str) -> None:
        super().__init__(data)
        self.content_type = content_type


def _field() -> models.ImageField:
    return cast(models.ImageField, ProductImage._meta.get_field("image"))


def _storage() -> Storage:
    return _field().storage


def _display_name(upload: Any) -> str:
    name = posixpath.basename(str(getattr(upload, "name", "") or "").replace("\\", "/"))
    if not name:
        return _("(file without a name)")
    return name if len(name) <= 60 else f"{name[:57]}…"


def _remove_files(names: Iterable[str]) -> None:
    """Best effort: a file left behind costs a little space, a failed request costs a seller."""
    storage = _storage()
    for name in names:
        if not name:
            continue
        try:
            storage.delete(name)
        except Exception:
            logger.warning("Could not remove product image file %s", name, exc_info=True)


def _check_room(*, product_id: int, adding: int) -> None:
    count = ProductImage.objects.filter(product_id=product_id).count()
    if count + adding > ProductImage.MAX_PER_PRODUCT:
        raise ProductRefused(
            _(
                "A product has at most %(max)s photos. It has %(count)s, so you can add "
                "%(room)s more."
            )
            % {
                "max": ProductImage.MAX_PER_PRODUCT,
                "count": count,
                "room": max(0, ProductImage.MAX_PER_PRODUCT - count),
            }
        )


def _clean_all(uploads: Sequence[UploadedFile]) -> list[CleanImage]:
    cleaned: list[CleanImage] = []
    messages: list[str] = []
    problems: list[tuple[str, str]] = []
    for upload in uploads:
        name = _display_name(upload)
        try:
            cleaned.append(image_clean(upload))
        except ValidationError as exc:
            messages.append(
                _("%(file)s: %(problem)s") % {"file": name, "problem": " ".join(exc.messages)}
            )
            problems.append((name, str(exc.code)))
    if problems:
        raise ImageRefused(
            _("No photo was saved. %(problems)s") % {"problems": " ".join(messages)}, problems
        )
    return cleaned


def _store(*, product_id: int, clean: CleanImage) -> str:
    """Write a clean photo; returns the name the storage chose."""
    name = _field().generate_filename(
        ProductImage(product_id=product_id), f"foto.{clean.extension}"
    )
    return _storage().save(name, _TypedContent(clean.data, clean.content_type))


def product_images_add(
    *, product_id: int, actor: Any, uploads: Sequence[UploadedFile]
) -> list[ProductImage]:
    """Add photos after the product's existing ones, at most ProductImage.MAX_PER_PRODUCT in all.

    All or nothing: every file is checked before anything is stored, and one bad file (named in
    the message, see ImageRefused) stores none. Call outside a transaction: the files are written
    before the product row is locked and removed again if the rows cannot be saved (a caller's
    outer transaction rolling back later would leave them behind). Thumbnails are queued after
    commit (marketplace.tasks.product_image_thumbnails)."""
    if not uploads:
        raise ProductRefused(_("Choose at least one photo."))
    # Access and room first: an outsider learns nothing, and nobody waits for photos to be
    # decoded only to hear that the product is full.
    with transaction.atomic():
        _lock_product(product_id=product_id, actor=actor)
        _check_room(product_id=product_id, adding=len(uploads))
    cleaned = _clean_all(uploads)

    stored: list[str] = []
    committed: list[bool] = []
    try:
        for clean in cleaned:
            stored.append(_store(product_id=product_id, clean=clean))
        with transaction.atomic():
            transaction.on_commit(lambda: committed.append(True))
            product = _lock_product(product_id=product_id, actor=actor)
            # Again under the lock: another upload may have filled the product meanwhile.
            _check_room(product_id=product.pk, adding=len(stored))
            last = ProductImage.objects.filter(product=product).aggregate(last=Max("position"))
            start = 0 if last["last"] is None else last["last"] + 1
            images = ProductImage.objects.bulk_create(
                ProductImage(
                    product=product,
                    image=name,
                    width=clean.width,
                    height=clean.height,
                    position=start + offset,
                )
                for offset, (name, clean) in enumerate(zip(stored, cleaned, strict=True))
            )
            product_changed([product.pk])
            for image in images:
                # robust: the photos are saved either way; a broker hiccup must not turn the
                # seller's successful upload into an error page.
                transaction.on_commit(
                    partial(tasks.product_image_thumbnails.delay, image.pk), robust=True
                )
    except BaseException:
        if not committed:
            _remove_files(stored)
        raise
    return images


def product_image_delete(*, product_id: int, image_id: int, actor: Any) -> None:
    """Delete a photo; its files (original and thumbnails) are removed after commit. A published
    product keeps at least one photo. An image of another product gets ShopNotFound."""
    with transaction.atomic():
        product = _lock_product(product_id=product_id, actor=actor)
        images = list(
            ProductImage.objects.select_for_update().filter(product=product).order_by("pk")
        )
        target = next((image for image in images if image.pk == image_id), None)
        if target is None:
            raise ShopNotFound
        if product.status == ProductStatus.ACTIVE and len(images) == 1:
            raise ProductRefused(
                _(
                    "A published product keeps at least one photo. Add another photo first, "
                    "or hide the product."
                )
            )
        names = [target.image.name, *target.thumbnails.values()]
        remaining = sorted(
            (image for image in images if image.pk != image_id),
            key=lambda image: (image.position, image.pk),
        )
        target.delete()
        _renumber(remaining)
        product_changed([product.pk])
        transaction.on_commit(partial(_remove_files, names), robust=True)


def _renumber(ordered: Sequence[ProductImage]) -> None:
    changed = []
    for position, image in enumerate(ordered):
        if image.position != position:
            image.position = position
            changed.append(image)
    if changed:
        ProductImage.objects.bulk_update(changed, ["position"])


def product_images_reorder(
    *, product_id: int, actor: Any, image_ids: list[int]
) -> list[ProductImage]:
    """Put the product's photos in the given order (the first is the cover). `image_ids` must name
    each of the product's photos exactly once."""
    with transaction.atomic():
        product = _lock_product(product_id=product_id, actor=actor)
        images = {
            image.pk: image
            for image in ProductImage.objects.select_for_update()
            .filter(product=product)
            .order_by("pk")
        }
        if len(image_ids) != len(set(image_ids)) or set(image_ids) != set(images):
            raise ProductRefused(_("The photos changed meanwhile. Reload the page and try again."))
        ordered = [images[pk] for pk in image_ids]
        _renumber(ordered)
        product_changed([product.pk])
    return ordered


# --- Thumbnails ----------------------------------------------------------------------------------


def thumbnail_name(original: str, size: int) -> str:
    """`products/7/2026…123.jpg` → `products/7/2026…123-320.webp`: one name per size, so a rerun
    overwrites instead of adding files."""
    stem, _extension = posixpath.splitext(original)
    return f"{stem}-{size}.webp"


def _thumbnail_bytes(source: Image.Image, size: int) -> bytes:
    """A square, centre-cropped WebP (product cards are square), never upscaled: a 400 x 300
    original gives a 300 x 300 "640" thumbnail, and the page scales it."""
    side = min(size, source.width, source.height)
    thumb = ImageOps.fit(source, (side, side), Image.Resampling.LANCZOS)
    out = io.BytesIO()
    thumb.save(out, format="WEBP", quality=THUMBNAIL_QUALITY, method=4)
    return out.getvalue()


def image_make_thumbnails(*, image_id: int) -> dict[str, str]:
    """Make the WebP thumbnails of a product photo (ProductImage.THUMBNAIL_SIZES) and record their
    names in `thumbnails`; returns them ({} when the image no longer exists).

    Idempotent: an image whose thumbnails are recorded is left alone; otherwise each thumbnail is
    written under its deterministic name (replacing a file a failed run left). No lock is held
    while storage is used: the names are recorded by an UPDATE guarded on the original's name,
    and thumbnails written for an image deleted meanwhile are removed again."""
    row = (
        ProductImage.objects.filter(pk=image_id).values("product_id", "image", "thumbnails").first()
    )
    if row is None:
        return {}
    original: str = row["image"]
    wanted = {str(size): thumbnail_name(original, size) for size in ProductImage.THUMBNAIL_SIZES}
    if row["thumbnails"] == wanted:
        return wanted

    storage = _storage()
    with storage.open(original, "rb") as handle:
        source = image_open_trusted(handle.read())
    source = source.convert("RGBA" if source.mode == "RGBA" else "RGB")
    written: list[str] = []
    for size in ProductImage.THUMBNAIL_SIZES:
        name = wanted[str(size)]
        content = _TypedContent(_thumbnail_bytes(source, size), "image/webp")
        if storage.exists(name):
            storage.delete(name)
        saved = storage.save(name, content)
        written.append(name)
        if saved != name:
            # A concurrent run of this task wrote `name` between our delete and save: same
            # bytes under the wanted name, so drop our copy.
            storage.delete(saved)

    with transaction.atomic():
        updated = ProductImage.objects.filter(pk=image_id, image=original).update(
            thumbnails=wanted, updated_at=timezone.now()
        )
        if updated:
            product_changed([row["product_id"]])
    if not updated:
        _remove_files(written)
        return {}
    return wanted


def images_requeue_missing_thumbnails(*, older_than_minutes: int = 10, limit: int = 500) -> int:
    """Queue the thumbnail task again for images that still have none some minutes after upload
    (the broker was down at commit, or the task gave up). The task itself is idempotent."""
    cutoff = timezone.now() - dt.timedelta(minutes=older_than_minutes)
    ids = list(
        ProductImage.objects.filter(thumbnails={}, created_at__lt=cutoff)
        .order_by("pk")
        .values_list("pk", flat=True)[:limit]
    )
    for image_id in ids:
        tasks.product_image_thumbnails.delay(image_id)
    return len(ids)
