"""Fixtures of the production tests: real PostgreSQL and Redis, the app as OS processes."""

from __future__ import annotations

import os
from collections.abc import Iterator
from urllib.parse import urlsplit, urlunsplit

import pytest

from tests import template_db
from tests.conftest import REDIS_TEST_URL, require

from .harness import django_test_database_name, drop_database, with_database

# The processes' Celery queues and (for the Celery worker test) its lists live in this Redis
# database: not 15 (the other Redis tests) nor 0 (the benchmarks). Live-event channels are not
# per database in Redis; each stack has its own prefix.
PROCS_REDIS_DB = os.environ.get("REDIS_PROCS_DB", "11")


@pytest.fixture(scope="module")
def postgres_url(django_db_setup) -> str:
    url = os.environ.get("DATABASE_URL", "")
    require(url.startswith(("postgres://", "postgresql://")), "needs PostgreSQL (DATABASE_URL)")
    return url


@pytest.fixture(scope="module")
def procs_redis_url() -> str:
    url = urlunsplit(urlsplit(REDIS_TEST_URL)._replace(path=f"/{PROCS_REDIS_DB}"))
    try:
        import redis

        redis.Redis.from_url(url, socket_connect_timeout=1).ping()
    except Exception as exc:
        require(False, f"Redis not reachable at {url}: {exc}")
    return url


@pytest.fixture(scope="module")
def dedicated_database(request, postgres_url, django_db_blocker) -> Iterator[str]:
    """A database of the module's own, next to pytest-django's (so xdist workers never share):
    a copy of the run's migrated template (tests/template_db.py), so the seed's ``migrate``
    finds nothing to do."""
    module = request.module.__name__.rsplit(".", 1)[-1].removeprefix("test_")
    name = f"{django_test_database_name()}_procs_{module}"[:63]
    if "procs" not in name:  # it is dropped first
        raise RuntimeError(f"refusing to drop {name!r}: not a production-test database")
    with django_db_blocker.unblock():
        template_db.copy_of_template(name)
    yield with_database(postgres_url, name)
    drop_database(postgres_url, name)
