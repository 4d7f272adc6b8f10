import os
import threading
import time
import uuid
from collections.abc import Iterator

import pytest
import redis
from celery.contrib.testing.worker import start_worker
from celery.signals import task_postrun, task_prerun
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


# Tasks the in-process worker is running now (its threads fire these signals in this process).
_running = 0
_running_lock = threading.Lock()


@task_prerun.connect
def _task_started(**_kwargs: object) -> None:
    global _running
    with _running_lock:
        _running += 1


@task_postrun.connect
def _task_finished(**_kwargs: object) -> None:
    global _running
    with _running_lock:
        _running -= 1


def _worker_busy() -> bool:
    queued = redis.Redis.from_url(settings.CELERY_BROKER_URL).llen(TEST_QUEUE)
    return _running > 0 or bool(queued)


@pytest.hookimpl(hookwrapper=True, tryfirst=True)
def pytest_runtest_teardown(item: pytest.Item, nextitem: pytest.Item | None) -> Iterator[None]:
    """Before a test that used the worker is torn down (its tables emptied), let the worker finish
    what the test set going — a notification's e-mail, say. Emptying the tables under a running
    task deadlocks them."""
    if "celery_worker" in getattr(item, "fixturenames", ()):
        deadline = time.monotonic() + 20
        quiet_since: float | None = None
        while time.monotonic() < deadline:
            if _worker_busy():
                quiet_since = None
            elif quiet_since is None:
                quiet_since = time.monotonic()
            elif time.monotonic() - quiet_since > 0.3:
                break
            time.sleep(0.05)
    yield


@pytest.fixture
def jatim_regions() -> None:
    """The regions again, for transactional tests: a `transaction=True` test empties every table
    after it runs, data migrations' rows included."""
    import importlib

    from django.apps import apps

    importlib.import_module("komeji.common.migrations.0002_load_regions").load_regions(apps, None)
