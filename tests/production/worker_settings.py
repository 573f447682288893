"""Settings of the Celery workers the production tests start: the app's own, plus a test-only
task module (never part of the deployed app)."""

from opmodel.settings import *  # noqa: F403

CELERY_IMPORTS = ["tests.production.tasks"]
