"""Komeji's URLs plus three benchmark-only views:

- /bench/bare/: a Django view rendering a static template through the whole middleware stack, the
  baseline of the throughput benchmark (target: the category page >= 0.5 x its requests/s);
- /bench/base/: the site's base.html with an empty content block (diagnostic: what the header and
  footer cost before any catalogue work);
- /bench/page-cache/: the category page served from ONE cache read of its whole rendered body
  (diagnostic: the ceiling a full-page cache in Redis for anonymous visitors would reach);
- /bench/page-cache-local/: the same body kept 10 s in the worker's memory (diagnostic: the
  ceiling of a per-process micro-cache, no network round trip).
"""

import time

from django.core.cache import cache
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import path

import komeji.urls

PAGE_CACHE_KEY = "bench:page-cache:keripik-camilan"


def bare_view(request: HttpRequest) -> HttpResponse:
    return render(request, "bare.html")


def base_view(request: HttpRequest) -> HttpResponse:
    return render(request, "bench_base.html")


def page_cache_view(request: HttpRequest) -> HttpResponse:
    body = cache.get(PAGE_CACHE_KEY)
    if body is None:
        from marketplace.views.public import category

        body = category(request, "keripik-camilan").content
        cache.set(PAGE_CACHE_KEY, body, 60)
    return HttpResponse(body)


_local: dict[str, tuple[float, bytes]] = {}


def page_cache_local_view(request: HttpRequest) -> HttpResponse:
    now = time.monotonic()
    entry = _local.get(PAGE_CACHE_KEY)
    if entry is None or entry[0] < now:
        from marketplace.views.public import category

        entry = (now + 10, category(request, "keripik-camilan").content)
        _local[PAGE_CACHE_KEY] = entry
    return HttpResponse(entry[1])


urlpatterns = [
    path("bench/bare/", bare_view, name="bench_bare"),
    path("bench/base/", base_view, name="bench_base"),
    path("bench/page-cache/", page_cache_view, name="bench_page_cache"),
    path("bench/page-cache-local/", page_cache_local_view, name="bench_page_cache_local"),
    *komeji.urls.urlpatterns,
]
