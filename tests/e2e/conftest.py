"""Browser tests: Debian's Chromium driven by Playwright against the real ASGI server."""

from __future__ import annotations

import contextlib
import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conftest import require, session_cookie

# Playwright's sync API keeps an event loop in this thread; the ORM calls the tests make between
# browser steps are ordinary synchronous code.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

# Debian's headless shell of Chromium (package chromium-headless-shell: the same source and
# version as the package chromium, built without the browser's window system), as Playwright
# itself drives headless: the same pages at about a fifth less CPU than the full browser in its
# "new" headless mode (measured on this 2-core machine with bench.cputime: two layout modules
# 30.5 s against 41.3 s, the axe accounts audit 36.9 s against 44.9 s). Falls back to the full
# browser; CHROMIUM_PATH names another.
HEADLESS_SHELL = "/usr/bin/chromium-headless-shell"
CHROMIUM = os.environ.get(
    "CHROMIUM_PATH", HEADLESS_SHELL if Path(HEADLESS_SHELL).exists() else "/usr/bin/chromium"
)
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
CHROMIUM_ARGS = [
    *([] if "headless-shell" in CHROMIUM else ["--headless=new"]),
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


# The browser modules, longest first (their share of a full SQLite pass in a profile run, 4
# workers on 2 cores: the axe audit's groups ~135 s each, the stale-regions guard's module 266 s,
# then 163, 118, 103, 90, 80, 78, 76, 68, 61 s; those not named take under 50 s and follow in
# name order). pytest-xdist (--dist loadfile) hands out the modules with as many tests in
# collection order, and tests/conftest.py puts the browser tests last: a long module handed out
# last keeps its worker busy for minutes while the other workers have nothing left to do.
LONGEST_FIRST = [
    "test_axe_browser.py",
    "test_axe_levels_browser.py",
    "test_axe_workshops_browser.py",
    "test_axe_accounts_browser.py",
    "test_derived_browser.py",
    "test_keyboard_journeys_browser.py",
    "test_keyboard_live_browser.py",
    "test_canvas_browser.py",
    "test_facilitation_browser.py",
    "test_room_keyboard_browser.py",
    "test_sso_browser.py",
    "test_journeys_browser.py",
    "test_room_layout_browser.py",
]


@pytest.hookimpl(trylast=True)  # after tests/conftest.py has put the browser tests last
def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    def rank(item: pytest.Item) -> tuple[int, int]:
        if item.get_closest_marker("browser") is None:
            return (0, 0)  # (a stable sort: the other tests keep their order)
        name = item.path.name
        return (1, LONGEST_FIRST.index(name) if name in LONGEST_FIRST else len(LONGEST_FIRST))

    items.sort(key=rank)


@pytest.fixture(scope="session")
def browser() -> Iterator[object]:
    require(
        Path(CHROMIUM).exists() or bool(shutil.which("chromium")),
        f"Chromium not found at {CHROMIUM} (apt-get install chromium-headless-shell)",
    )
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


# The accessibility audit's pages live a second or two each: loaded, axe run once at each size
# (~0.15 s of the renderer's CPU a run), gone. V8's optimising compilers (Maglev, TurboFan)
# compile axe's hot functions again in every new document, on threads of their own, for a run
# that is over before the code pays back. The audit's browser runs without them (bench.cputime,
# interleaved runs on the loaded shared machine, each invocation with its ~10 s of database
# setup): the model and accounts groups 53.0 and 54.0 -> 51.2 and 47.6 CPU-s, the workshops and
# levels groups 54.9 and 53.6 -> 50.0, 49.5 and 47.8. The other browser tests keep them: pages
# that live and run the app's scripts for long take more CPU without them (test_derived_browser.py
# with test_facilitation_browser.py 37.8 and 38.2 -> 39.6 and 39.2).
AUDIT_JS_FLAGS = "--js-flags=--no-opt --no-maglev"


@pytest.fixture(scope="session")
def audit_browser(browser) -> Iterator[object]:
    """Chromium for the accessibility audit (tests/e2e/axe.py): the same browser, launched by
    the same Playwright, with V8's optimising compilers off (AUDIT_JS_FLAGS). ~0.3 CPU-s to
    launch, once per process that audits a page group."""
    audit = browser.browser_type.launch(
        executable_path=CHROMIUM, args=[*CHROMIUM_ARGS, AUDIT_JS_FLAGS]
    )
    yield audit
    audit.close()


@pytest.fixture
def artifacts() -> Path:
    ARTIFACTS.mkdir(exist_ok=True)
    return ARTIFACTS


def login(browser, base: str, username: str):
    """A new context signed in as ``username`` by its session cookie, and a blank page in it
    (every caller goes to its page next). Signing in through the form (its page, the POST, the
    dashboard it lands on: three page loads a person) is what test_toasts_browser.py and
    test_keyboard_journeys_browser.py do (and tests/opmodel/test_auth.py without a browser)."""
    from django.contrib.auth import get_user_model

    user = get_user_model().objects.get(username=username)
    context = browser.new_context(viewport={"width": 1440, "height": 1000})
    cookie = session_cookie(user)["sessionid"]
    context.add_cookies([{"name": "sessionid", "value": cookie, "url": base}])
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.on("console", lambda msg: errors.append(msg.text) if msg.type == "error" else None)
    page.js_errors = errors  # type: ignore[attr-defined]
    return page


def settled(page) -> None:
    """No htmx request on its way and no swap settling."""
    page.wait_for_function(
        "() => !document.querySelector('.htmx-request, .htmx-swapping, .htmx-settling')"
    )


@contextlib.contextmanager
def own_echo(page, changes: int = 1) -> Iterator[None]:
    """The block changes something: wait until its live event has come back to this page too
    and whatever that refreshes has landed. (A drag started before then could grab a row that
    is about to be replaced.)"""
    page.evaluate(
        """() => {
            window.opmodelChangesHeard = 0;
            if (window.opmodelCountingChanges) return;
            window.opmodelCountingChanges = true;
            document.addEventListener("htmx:sseMessage", (e) => {
                if (e.detail && e.detail.type === "change") window.opmodelChangesHeard++;
            });
        }"""
    )
    yield
    page.wait_for_function("n => window.opmodelChangesHeard >= n", arg=changes)
    settled(page)
