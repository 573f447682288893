"""Test settings: the normal settings in the test profile (fast password hashing)."""

import os

os.environ.setdefault("OPMODEL_ENV", "test")

from opmodel.settings import *  # noqa: F403

# Concurrent test runs on one machine share Redis: keep their live events apart.
OPMODEL_EVENTS_PREFIX = f"opmodel-test-{os.getpid()}"

# One SQLite test database file per test process, so two runs on one machine never share it.
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":  # noqa: F405
    DATABASES["default"]["TEST"] = {  # noqa: F405
        "NAME": str(VAR_DIR / f"test-opmodel-{os.getpid()}.sqlite3")  # noqa: F405
    }

# WhiteNoise's static files found once per test process, not once per test client
# (tests/static_files.py).
MIDDLEWARE = [
    "tests.static_files.WhiteNoiseMiddleware"
    if name == "whitenoise.middleware.WhiteNoiseMiddleware"
    else name
    for name in MIDDLEWARE  # noqa: F405
]
