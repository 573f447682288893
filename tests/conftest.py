"""Shared fixtures. Under CI=true a skipped test fails the run: nothing may quietly skip."""

from __future__ import annotations

import functools
import os
import socket
import threading
import time
import uuid
from collections.abc import Iterator
from typing import Any
from unittest import mock

import pytest
from django.contrib.auth import get_user_model
from django.test import Client

from opmodel import events
from opmodel.models import OperatingModel, Role
from opmodel.services import member_add, operating_model_create
from opmodel.starters import starter_get
from tests import template_db, worlds

IN_CI = os.environ.get("CI", "").lower() == "true"
REDIS_TEST_URL = os.environ.get("REDIS_TEST_URL", "redis://127.0.0.1:6379/15")

_skipped_in_ci: list[str] = []


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    # Browser tests last: Playwright's sync API keeps an event loop running in the main thread
    # for the rest of the session once the browser has started.
    items.sort(key=lambda item: item.get_closest_marker("browser") is not None)


def pytest_runtest_logreport(report: pytest.TestReport) -> None:
    # An xfail ran and failed as recorded (every xfail is strict, pyproject's xfail_strict: a
    # known gap that must keep failing, or the mark goes), so it is no skip.
    if IN_CI and report.skipped and not hasattr(report, "wasxfail"):
        _skipped_in_ci.append(report.nodeid)


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    if not hasattr(session.config, "workerinput"):  # the process that started the run
        _drop_template(session.config)
    if IN_CI and _skipped_in_ci:
        print("\nCI forbids skipped tests; these skipped:\n  " + "\n  ".join(_skipped_in_ci))
        session.exitstatus = 1


def require(condition: bool, reason: str) -> None:
    """Skip locally, fail in CI: a test that needs a real service must run there."""
    if not condition:
        if IN_CI:
            pytest.fail(f"required in CI: {reason}")
        pytest.skip(reason)


# ---------- people and models ----------

ROLE_USERS = {
    "facilitator": Role.FACILITATOR,
    "editor": Role.EDITOR,
    "participant": Role.PARTICIPANT,
    "viewer": Role.VIEWER,
}


@pytest.fixture
def make_user(db):
    counter = {"n": 0}

    def make(username: str | None = None, **extra: Any):
        counter["n"] += 1
        name = username or f"user{counter['n']}"
        return get_user_model().objects.create_user(
            username=name, password="pw-123456", email=f"{name}@example.com", **extra
        )

    return make


@pytest.fixture
def people(db) -> dict[str, Any]:
    """One user per role, plus an outsider who belongs to another model only (built once per
    process and replayed: tests/worlds.py)."""
    return worlds.people([*ROLE_USERS, "outsider"])


SMALL_STARTER = {
    "sections": {
        "canvas.purpose": {"mission": "Small mission", "vision": "Small vision"},
        "canvas.stages": [{"name": "Idea"}, {"name": "Build"}, {"name": "Run"}],
        "canvas.metrics": [{"name": "Lead time", "category": "efficiency"}],
        "canvas.principles": [{"name": "Lean", "group": "ways_of_working"}],
        "canvas.technologies": [{"name": "Kafka", "lifecycle": "adopt"}],
        "canvas.skills": [{"name": "SQL", "target_level": "expert"}],
    }
}


def build_model(actor, *, starter: str | None = "quokka", name: str = "Quokka") -> OperatingModel:
    """A model through the real services; starter "small" is a few rows per section."""
    if starter == "small":
        document = SMALL_STARTER
    else:
        document = starter_get(starter).document if starter else None
    return operating_model_create(
        actor=actor, name=name, organisation="Quokka Inc", starter=document
    )


def add_members(model: OperatingModel, people: dict[str, Any]) -> OperatingModel:
    for name, role in ROLE_USERS.items():
        member_add(operating_model=model, actor=people["facilitator"], user=people[name], role=role)
    return model


@pytest.fixture
def om(people) -> OperatingModel:
    """The Quokka demo model with one member per role (world "quokka" in tests/worlds.py)."""
    return worlds.replay("quokka")


@pytest.fixture
def small_om(people) -> OperatingModel:
    """A small model (a few rows per section) with one member per role (world "small")."""
    return worlds.replay("small")


@pytest.fixture
def other_om(people) -> OperatingModel:
    """A second model: the outsider facilitates it, nobody else belongs (world "other")."""
    return worlds.replay("other")


def pytest_configure(config: pytest.Config) -> None:
    # One id for the run, which xdist hands to every worker (``testrunuid``): it names the
    # run's template database (tests/template_db.py).
    if not hasattr(config, "workerinput") and not getattr(config.option, "testrunuid", None):
        config.option.testrunuid = uuid.uuid4().hex
    # Django 6.1 deprecates select_related() without arguments (it follows every relation):
    # the project names its relations, and a test that reaches such a call of ours fails.
    config.addinivalue_line(
        "filterwarnings",
        r"error:Calling select_related\(\) with no arguments"
        r"::(opmodel|canvas|teams|journeys|workshops)(\.|$)",
    )


def _run_id(config: pytest.Config) -> str:
    """The run's id, the same in every xdist worker of it."""
    workerinput = getattr(config, "workerinput", None)
    if workerinput is not None:
        return str(workerinput["testrunuid"])
    return str(config.option.testrunuid)


@pytest.fixture(scope="session")
def django_db_setup(
    request, django_test_environment, django_db_blocker, django_db_modify_db_settings
) -> Iterator[None]:
    """The test database: a copy of the run's template, migrated once and with the shared worlds
    built once for every worker (tests/template_db.py); each test's rollback keeps it as it is."""
    from django.test.utils import teardown_databases

    verbosity = request.config.option.verbose
    with django_db_blocker.unblock():
        db_cfg = template_db.setup(_run_id(request.config), verbosity)
    yield
    with django_db_blocker.unblock():
        template_db.end_leftover_sessions()
        teardown_databases(db_cfg, verbosity=verbosity)


def _drop_template(config: pytest.Config) -> None:
    """The run's template database, once every worker is done with it."""
    from pytest_django.plugin import blocking_manager_key

    if blocking_manager_key in config.stash:
        with config.stash[blocking_manager_key].unblock():
            template_db.drop_templates(_run_id(config))


class PageClient(Client):
    """Django's test client without the record of every template a response rendered
    (``response.templates`` stays empty, ``response.context`` None).

    Django's client copies the context of every template a request renders, each include and
    partial included (``store_rendered_templates``), so that a test may read it afterwards:
    ~10 % of the CPU of a page such as a squad's or the accountability matrix. Hardly any test
    reads it; those ask for Django's own client (``logged_in(user, templates=True)``). The
    request is Django's own; only the hook that stores the templates is a no-op while it runs
    (``mock.patch.object`` fails loudly if a Django upgrade renames it)."""

    def request(self, **request: Any) -> Any:
        import django.test.client

        with mock.patch.object(django.test.client, "store_rendered_templates", _not_stored):
            return super().request(**request)


def _not_stored(*args: Any, **kwargs: Any) -> None:
    """``store_rendered_templates`` for a ``PageClient``: nothing is kept."""


@functools.cache
def _session_data(user_id: str, backend: str, password_hash: str) -> str:
    """A signed-in session's data, encoded as the session engine stores it: what ``login()``
    puts in a new session (the user's id, backend and password hash), once a process."""
    from importlib import import_module

    from django.conf import settings
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY

    store = import_module(settings.SESSION_ENGINE).SessionStore()
    return store.encode(
        {SESSION_KEY: user_id, BACKEND_SESSION_KEY: backend, HASH_SESSION_KEY: password_hash}
    )


def logged_in(user, *, templates: bool = False) -> Client:
    """A new test client logged in as ``user``, with a session of its own: what
    ``Client().force_login(user)`` leaves behind (a session row holding the user's id, backend
    and password hash, the cookie set; ``user_logged_in`` sent, so ``last_login`` is now), in two
    queries instead of fifteen. ``login()`` makes the session in five (a key checked for
    uniqueness, then a savepoint, an INSERT and a RELEASE, and an UPDATE when it is saved with
    the user in it) and ``force_login`` saves two empty sessions before; here the session row is
    inserted as it ends up, its data encoded once a process per user, password and backend. A
    ``PageClient`` unless the test reads the rendered templates (``templates=True``)."""
    from datetime import timedelta
    from importlib import import_module

    from django.conf import settings
    from django.contrib.auth.signals import user_logged_in
    from django.contrib.sessions.backends import db
    from django.contrib.sessions.backends.base import VALID_KEY_CHARS
    from django.http import HttpRequest
    from django.utils import timezone
    from django.utils.crypto import get_random_string

    client = Client() if templates else PageClient()
    backend = client._get_backend()
    user.backend = backend
    store = import_module(settings.SESSION_ENGINE).SessionStore
    if not issubclass(store, db.SessionStore):  # a row in the sessions table is what is made
        raise NotImplementedError(f"logged_in makes database sessions, not {store!r}")
    key = get_random_string(32, VALID_KEY_CHARS)
    data = _session_data(user._meta.pk.value_to_string(user), backend, user.get_session_auth_hash())
    expires = timezone.now() + timedelta(seconds=settings.SESSION_COOKIE_AGE)
    session = store.get_model_class()
    session.objects.bulk_create([session(session_key=key, session_data=data, expire_date=expires)])
    request = HttpRequest()
    request.session = store(session_key=key)
    request.user = user
    user_logged_in.send(sender=user.__class__, request=request, user=user)
    client._set_login_cookies(request)
    return client


@pytest.fixture
def client_for():
    def make(user) -> Client:
        return PageClient() if user is None else logged_in(user)

    return make


# ---------- live events ----------


class CapturedEvents(list[dict[str, Any]]):
    """The live events services announced, in order: each message with its ``channel``."""

    def of(self, **match: Any) -> list[dict[str, Any]]:
        """The events whose items equal every ``match`` (``type="change"``, ``section=...``)."""
        return [e for e in self if all(e.get(k) == v for k, v in match.items())]

    def one(self, **match: Any) -> dict[str, Any]:
        """The one event that matches (fails if there are none or several)."""
        found = self.of(**match)
        assert len(found) == 1, (match, list(self))
        return found[0]


@pytest.fixture
def captured_events(monkeypatch) -> CapturedEvents:
    """Zulip's ``capture_send_event_calls``: every event a service asks to publish, recorded
    when it asks (delivery still waits for the commit), so a service test asserts its event."""
    captured = CapturedEvents()
    publish = events.publish_on_commit

    def record(channel: str, message: dict[str, Any]) -> None:
        captured.append({"channel": channel, **message})
        publish(channel, message)

    monkeypatch.setattr(events, "publish_on_commit", record)
    return captured


@pytest.fixture
def local_broadcaster() -> Iterator[events.Broadcaster]:
    hub = events.Broadcaster()
    old = events.set_broadcaster(hub)
    yield hub
    events.set_broadcaster(old)


@pytest.fixture
def redis_url() -> str:
    try:
        import redis

        redis.Redis.from_url(REDIS_TEST_URL, socket_connect_timeout=1).ping()
    except Exception as exc:
        require(False, f"Redis not reachable at {REDIS_TEST_URL}: {exc}")
    return REDIS_TEST_URL


@pytest.fixture
def redis_broadcaster(redis_url, settings) -> Iterator[events.RedisBroadcaster]:
    settings.REDIS_URL = redis_url
    hub = events.RedisBroadcaster(redis_url)
    old = events.set_broadcaster(hub)
    yield hub
    hub.close()
    events.set_broadcaster(old)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def asgi_server(transactional_db, settings) -> Iterator[str]:
    """The real ASGI app under uvicorn, in a thread of this process, on the test database."""
    import uvicorn

    settings.OPMODEL_SSE_HEARTBEAT_SECONDS = 0.5  # streams notice closed clients quickly

    port = _free_port()
    config = uvicorn.Config(
        "opmodel.asgi:application",
        host="127.0.0.1",
        port=port,
        log_level="warning",
        lifespan="off",
        timeout_graceful_shutdown=1,
    )
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started:
        if time.monotonic() > deadline:
            raise RuntimeError("uvicorn did not start")
        time.sleep(0.05)
    yield f"http://127.0.0.1:{port}"
    server.should_exit = True
    thread.join(timeout=5)


def session_cookie(user) -> dict[str, str]:
    return {"sessionid": logged_in(user).cookies["sessionid"].value}
