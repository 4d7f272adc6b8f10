import os
import uuid
from collections.abc import Iterator

import pytest
from celery.contrib.testing.worker import start_worker
from django.conf import settings
from django.core.cache import cache

from komeji.celery import app as celery_app

# Isolate this test run from a running `make run` (its worker would steal our tasks) and from
# other test runs: our own queue name and cache key prefix.
_RUN_ID = uuid.uuid4().hex[:8]
TEST_QUEUE = f"komeji-test-{_RUN_ID}"
celery_app.conf.task_default_queue = TEST_QUEUE
settings.CACHES["default"]["KEY_PREFIX"] = f"komeji-test-{_RUN_ID}"
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
# PBKDF2's work factor is the point in production and only slowness in tests.
settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def _clear_cache() -> Iterator[None]:
    """allauth's rate limits live in the cache: each test starts with none used. Only this run's
    keys are deleted (cache.clear() would flush the whole Redis database, others' keys too)."""
    client = cache._cache.get_client(write=True)  # type: ignore[attr-defined]
    prefix = settings.CACHES["default"]["KEY_PREFIX"]
    keys = list(client.scan_iter(match=f"{prefix}:*", count=1000))
    if keys:
        client.delete(*keys)
    from marketplace.cache import local_page_cache_clear

    local_page_cache_clear()
    yield


@pytest.fixture(scope="session")
def celery_worker(django_db_setup, django_db_blocker) -> Iterator[object]:  # type: ignore[no-untyped-def]
    """A real Celery worker (threads, in this process) consuming this run's queue on Redis."""
    with (
        django_db_blocker.unblock(),
        start_worker(
            celery_app,
            pool="threads",
            concurrency=2,
            perform_ping_check=False,
            loglevel="WARNING",
            shutdown_timeout=10,
        ) as worker,
    ):
        yield worker


@pytest.fixture
def jatim_regions() -> None:
    """The regions again, for transactional tests: a `transaction=True` test empties every table
    after it runs, data migrations' rows included."""
    import importlib

    from django.apps import apps

    importlib.import_module("komeji.common.migrations.0002_load_regions").load_regions(apps, None)
