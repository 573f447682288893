"""Benchmark settings: the app's own settings, plus a bench-only URLconf (the floor view).

The app never imports ``bench``; only the benchmark processes use this module.
"""

from __future__ import annotations

import os

os.environ.setdefault("DEBUG", "0")  # production-like: no query log, no debug pages

from opmodel.settings import *  # noqa: F403

ROOT_URLCONF = "bench.urls"
LOGGING["root"]["level"] = os.environ.get("LOG_LEVEL", "WARNING")  # noqa: F405
STATIC_ROOT.mkdir(parents=True, exist_ok=True)  # noqa: F405 - WhiteNoise warns on a missing root
