"""Test settings: the normal settings in the test profile (fast password hashing)."""

import os

os.environ.setdefault("OPMODEL_ENV", "test")

from opmodel.settings import *  # noqa: E402, F403
