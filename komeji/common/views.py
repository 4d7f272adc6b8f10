import logging
import time
from typing import Any

import redis
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db import connection
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST
from django.views.i18n import set_language

from komeji.accounts import services as account_services
from komeji.common import selectors, services

logger = logging.getLogger(__name__)


@login_required
def notification_list(request: HttpRequest) -> HttpResponse:
    page = Paginator(selectors.notification_inbox(user=request.user), 20).get_page(
        request.GET.get("page")
    )
    return render(request, "common/notification_list.html", {"page": page})


@login_required
@require_POST
def notification_open(request: HttpRequest, pk: int) -> HttpResponse:
    """Mark read, then follow the notification's link (only to this site)."""
    if not services.notification_mark_read(user=request.user, notification_id=pk):
        raise Http404
    url = request.POST.get("next", "")
    if url and url_has_allowed_host_and_scheme(url, allowed_hosts={request.get_host()}):
        return redirect(url)
    return redirect("common:notification_list")


@login_required
@require_POST
def notification_read_all(request: HttpRequest) -> HttpResponse:
    count = services.notifications_mark_all_read(user=request.user)
    if count:
        messages.success(request, _("All notifications are marked as read."))
    return redirect("common:notification_list")


@require_POST
def language_set(request: HttpRequest) -> HttpResponse:
    """Django's set_language (cookie, safe redirect), and the choice kept on the user."""
    response = set_language(request)
    if request.user.is_authenticated:
        account_services.user_set_language(
            user=request.user,  # type: ignore[arg-type]
            language=request.POST.get("language", ""),
        )
    return response


@require_GET
def complaint_service(request: HttpRequest) -> HttpResponse:
    return render(request, "common/complaint_service.html")


def _check_database() -> dict[str, Any]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
        cursor.fetchone()
    return {"status": "ok"}


def _check_redis() -> dict[str, Any]:
    """Ping the Redis of the broker and of the cache (the same server unless configured apart)."""
    for url in dict.fromkeys([settings.CELERY_BROKER_URL, settings.CACHE_URL]):
        client = redis.Redis.from_url(url, socket_connect_timeout=1, socket_timeout=1)
        try:
            client.ping()
        finally:
            client.close()
    return {"status": "ok"}


def _check_celery() -> dict[str, Any]:
    from komeji.celery import app

    replies = app.control.ping(timeout=0.5)
    workers = sorted(name for reply in replies for name in reply)
    if not workers:
        return {"status": "error", "error": "no worker answered", "workers": 0}
    return {"status": "ok", "workers": len(workers)}


@never_cache
@require_GET
def health(request: HttpRequest) -> JsonResponse:
    """State of the database, Redis and the Celery workers; 200 when all are fine, else 503."""
    checks: dict[str, Any] = {}
    for name, check in (
        ("database", _check_database),
        ("redis", _check_redis),
        ("celery", _check_celery),
    ):
        started = time.monotonic()
        try:
            result = check()
        except Exception as exc:
            logger.warning("health check %s failed: %r", name, exc)
            result = {"status": "error", "error": exc.__class__.__name__}
        result["ms"] = round((time.monotonic() - started) * 1000)
        checks[name] = result
    healthy = all(c["status"] == "ok" for c in checks.values())
    return JsonResponse(
        {"status": "ok" if healthy else "error", "checks": checks},
        status=200 if healthy else 503,
    )
