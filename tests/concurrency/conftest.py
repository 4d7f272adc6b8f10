"""Concurrency fixtures: the orders fixtures (shops, products, a buyer) for transactional tests,
and a helper that runs callables in real threads started together by a barrier."""

import contextlib
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from django.db import connection
from django.utils import translation

from tests.orders.conftest import *  # noqa: F403

# Threads each hold a PostgreSQL connection: stay well under max_connections (100 here), which
# other test runs on the machine share.
MAX_THREADS = 50  # plus one for `watching`


@dataclass
class Outcome:
    result: Any = None
    error: BaseException | None = None


def run_together(calls: list[Callable[[], Any]]) -> list[Outcome]:
    """Run each callable in its own thread, all released at once by a barrier; return what each
    returned or raised, in order. Each thread closes its own database connection at the end.
    Messages are produced in English (the msgids), so tests compare exact texts."""
    assert len(calls) <= MAX_THREADS
    barrier = threading.Barrier(len(calls))
    outcomes = [Outcome() for _ in calls]

    def run(index: int, call: Callable[[], Any]) -> None:
        try:
            with translation.override("en"):
                barrier.wait(timeout=30)
                outcomes[index].result = call()
        except BaseException as exc:  # reported to the test through the outcome
            outcomes[index].error = exc
        finally:
            connection.close()

    threads = [
        threading.Thread(target=run, args=(index, call), daemon=True)
        for index, call in enumerate(calls)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
        assert not thread.is_alive(), "a thread is stuck (a lock never released?)"
    return outcomes


@contextlib.contextmanager
def watching(sample: Callable[[], Any], every: float = 0.005) -> Iterator[list[Any]]:
    """Call `sample` over and over in a thread of its own (its own connection) while the block
    runs; yields the list of what it saw."""
    seen: list[Any] = []
    stop = threading.Event()

    def run() -> None:
        try:
            while not stop.is_set():
                seen.append(sample())
                stop.wait(every)
        finally:
            connection.close()

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    try:
        yield seen
    finally:
        stop.set()
        thread.join(timeout=10)


@pytest.fixture
def shops_and_products(jatim_regions, categories, tempe, batik):
    """For transactional tests: regions and categories loaded again (a transactional test empties
    every table), then the two shops' products of tests/orders/conftest.py."""
    return tempe, batik
