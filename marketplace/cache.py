"""Cache keys of the public catalogue and their invalidation.

Lists (home, category, search, shop pages) are cached in two layers that together never serve data
older than a minute: the rendered list fragments for LIST_TTL (30 s), and, for anonymous visitors,
the whole page for PAGE_TTL (25 s) in Redis plus LOCAL_TTL (5 s) in the worker's memory. A product
page is cached under its product's version, which every change bumps after commit: it shows the
change at once (and is never page-cached).
"""

import hashlib
import re
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Iterable
from functools import wraps
from typing import Any

from django.contrib import messages
from django.core.cache import cache
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.middleware.csrf import get_token
from django.utils import translation

LIST_TTL = 30
PAGE_TTL = 25
LOCAL_TTL = 5
PRODUCT_TTL = 10 * 60


def _version_key(product_id: int) -> str:
    return f"catalogue:product-version:{product_id}"


def product_version(product_id: int) -> int:
    version = cache.get(_version_key(product_id))
    if version is None:
        cache.add(_version_key(product_id), time.time_ns(), None)
        version = cache.get(_version_key(product_id)) or 0
    return int(version)


def product_changed(product_ids: Iterable[int]) -> None:
    """Call inside the transaction that changed the products: their cached pages are dropped
    once it commits (before, a reader could cache the old rows again)."""
    ids = sorted(set(product_ids))
    if not ids:
        return

    def bump() -> None:
        for product_id in ids:
            try:
                cache.incr(_version_key(product_id))
            except ValueError:
                # The key was evicted: a fresh, never-used version (not 1 or 2, which a page
                # cached before the eviction may still be stored under).
                cache.set(_version_key(product_id), time.time_ns(), None)

    transaction.on_commit(bump)


# --- Whole pages for anonymous visitors ----------------------------------------------------------

CSRF_PLACEHOLDER = "__komeji-csrf-token__"
# The GET parameters of the list pages (marketplace.selectors.BrowseParams, shop pages).
PAGE_PARAMETERS = frozenset(
    {"q", "category", "region", "price_min", "price_max", "sort", "page", "halal", "bpom"}
)
_CSRF_INPUT = re.compile(r'(name="csrfmiddlewaretoken" value=")([^"]+)(")')
_LOCAL_MAX = 512
_local: OrderedDict[str, tuple[float, bytes, str]] = OrderedDict()
_local_lock = threading.Lock()


def _local_get(key: str) -> tuple[bytes, str] | None:
    with _local_lock:
        entry = _local.get(key)
        if entry is None:
            return None
        expires, body, content_type = entry
        if expires < time.monotonic():
            del _local[key]
            return None
        _local.move_to_end(key)
        return body, content_type


def _local_set(key: str, body: bytes, content_type: str) -> None:
    with _local_lock:
        _local[key] = (time.monotonic() + LOCAL_TTL, body, content_type)
        _local.move_to_end(key)
        while len(_local) > _LOCAL_MAX:
            _local.popitem(last=False)


def local_page_cache_clear() -> None:
    with _local_lock:
        _local.clear()


def _page_cacheable(request: HttpRequest) -> bool:
    if request.method != "GET" or request.user.is_authenticated:
        return False
    if getattr(request, "htmx", False):
        return False
    # The header shows the badge of a visitor's cart: their pages are their own.
    from orders.services.cart import SESSION_KEY

    session = getattr(request, "session", None)
    if session is not None and session.get(SESSION_KEY):
        return False
    # A flash message ("you are logged out") belongs to this visitor only.
    return len(messages.get_messages(request)) == 0


def anonymous_page_cache(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Serve a list page to anonymous visitors from the cache (worker memory, then Redis).

    The page is the same for every anonymous visitor of a language but for the CSRF token of the
    footer's language form: it is stored with a placeholder and each visitor gets their own token.
    Anything else per visitor (signed-in header, messages) is never cached: those requests render.
    A visitor with a cart (its badge is in the header) is never served nor stored a cached page.
    """

    @wraps(view)
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if not _page_cacheable(request):
            return view(request, *args, **kwargs)
        # Only the parameters the pages read make a page: `?utm_x=<random>` is the same page, and
        # cannot fill the cache with copies of it.
        params = sorted(
            (name, value[:100])
            for name, value in request.GET.items()
            if name in PAGE_PARAMETERS and value
        )
        digest = hashlib.sha256(f"{request.path}?{params}".encode()).hexdigest()[:32]
        key = f"catalogue:page:{translation.get_language()}:{digest}"
        hit = _local_get(key)
        if hit is None:
            stored = cache.get(key)
            if stored is not None:
                hit = stored
                _local_set(key, *stored)
        if hit is not None:
            body, content_type = hit
            token = get_token(request)
            response = HttpResponse(
                body.replace(CSRF_PLACEHOLDER.encode(), token.encode()), content_type=content_type
            )
            response["X-Komeji-Cache"] = "hit"
            return response
        response = view(request, *args, **kwargs)
        if response.status_code == 200 and not response.streaming and not response.cookies:
            body = _CSRF_INPUT.sub(
                rf"\g<1>{CSRF_PLACEHOLDER}\g<3>", response.content.decode()
            ).encode()
            content_type = response.get("Content-Type", "text/html; charset=utf-8")
            cache.set(key, (body, content_type), PAGE_TTL)
            _local_set(key, body, content_type)
        return response

    return wrapped
