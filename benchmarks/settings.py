"""Settings of the benchmark: Komeji's own, plus a bare view (benchmarks/urls.py) to compare the
catalogue pages with. Never used outside benchmarks/."""

from komeji.settings import *  # noqa: F403
from komeji.settings import BASE_DIR, TEMPLATES

ROOT_URLCONF = "benchmarks.urls"
TEMPLATES[0]["DIRS"] = [BASE_DIR / "templates", BASE_DIR / "benchmarks" / "templates"]
