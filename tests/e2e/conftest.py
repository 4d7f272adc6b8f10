"""Browser tests: Playwright driving the system's Chromium (never a downloaded browser).

Without Chromium they are skipped with the reason; with KOMEJI_REQUIRE_BROWSER=1 (CI) a missing
browser is a failure instead.
"""

import os
import shutil

import pytest

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

CHROMIUM_CANDIDATES = ["chromium", "chromium-browser", "google-chrome", "google-chrome-stable"]


def find_chromium() -> str | None:
    explicit = os.environ.get("KOMEJI_CHROMIUM")
    if explicit:
        return explicit if os.path.exists(explicit) else None
    for name in CHROMIUM_CANDIDATES:
        path = shutil.which(name)
        if path:
            return path
    return None


CHROMIUM = find_chromium()


def pytest_collection_modifyitems(config, items):  # type: ignore[no-untyped-def]
    if CHROMIUM:
        return
    reason = "Chromium is not installed (apt-get install -y chromium); browser tests skipped"
    require = os.environ.get("KOMEJI_REQUIRE_BROWSER") == "1"
    for item in items:
        if "e2e" in item.keywords:
            if require:
                item.add_marker(pytest.mark.usefixtures("_browser_required"))
            else:
                item.add_marker(pytest.mark.skip(reason=reason))


@pytest.fixture
def _browser_required():  # type: ignore[no-untyped-def]
    pytest.fail("KOMEJI_REQUIRE_BROWSER=1 but Chromium is not installed")


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):  # type: ignore[no-untyped-def]
    return {
        **browser_type_launch_args,
        "executable_path": CHROMIUM,
        "args": [
            "--no-sandbox",
            "--disable-gpu",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--no-first-run",
            "--disable-quic",
        ],
    }


@pytest.fixture(scope="session")
def browser_context_args(browser_context_args):  # type: ignore[no-untyped-def]
    # A cheap Android phone: 360 px wide.
    return {**browser_context_args, "viewport": {"width": 360, "height": 740}, "locale": "id-ID"}
