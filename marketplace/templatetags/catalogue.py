"""Template helpers of the catalogue."""

from typing import Any

from django import template
from django.templatetags.static import static

register = template.Library()

PLACEHOLDER = "img/product-placeholder.svg"


def _thumbnails(image: Any) -> dict[int, str]:
    """{size: storage name} of the thumbnails made so far (none for a missing image)."""
    if image is None:
        return {}
    names = getattr(image, "thumbnails", None) or {}
    found: dict[int, str] = {}
    for key, name in names.items():
        if name and str(key).isdigit():
            found[int(key)] = name
    return found


@register.simple_tag
def thumbnail_url(image: Any, size: int = 320) -> str:
    """The URL of the square WebP thumbnail of a ProductImage at `size` px, or the placeholder
    until the thumbnail task has made it (or when there is no image). A size that is not made
    (e.g. 200) gets the next larger one, else the largest there is."""
    thumbnails = _thumbnails(image)
    if not thumbnails:
        return static(PLACEHOLDER)
    size = int(size)
    larger = [s for s in thumbnails if s >= size]
    chosen = min(larger) if larger else max(thumbnails)
    return str(image.image.storage.url(thumbnails[chosen]))


@register.simple_tag
def thumbnail_srcset(image: Any) -> str:
    """`srcset` for an <img> of a ProductImage: every thumbnail with its width, so a phone picks
    the smallest that is sharp on its screen. Empty until the thumbnails exist (then `src` alone,
    the placeholder, is used)."""
    thumbnails = _thumbnails(image)
    storage = image.image.storage if thumbnails else None
    return ", ".join(
        f"{storage.url(name)} {size}w" for size, name in sorted(thumbnails.items()) if storage
    )
