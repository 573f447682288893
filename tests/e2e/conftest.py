"""Browser tests: Debian's Chromium driven by Playwright against the real ASGI server."""

from __future__ import annotations

import contextlib
import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conftest import require

# Playwright's sync API keeps an event loop in this thread; the ORM calls the tests make between
# browser steps are ordinary synchronous code.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
CHROMIUM_ARGS = [
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


@pytest.fixture(scope="session")
def browser() -> Iterator[object]:
    require(
        Path(CHROMIUM).exists() or bool(shutil.which("chromium")),
        f"Chromium not found at {CHROMIUM} (apt-get install chromium)",
    )
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def artifacts() -> Path:
    ARTIFACTS.mkdir(exist_ok=True)
    return ARTIFACTS


def login(browser, base: str, username: str, password: str = "pw-123456"):
    context = browser.new_context(viewport={"width": 1440, "height": 1000})
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.on("console", lambda msg: errors.append(msg.text) if msg.type == "error" else None)
    page.goto(f"{base}/accounts/login/")
    page.fill("#id_login", username)
    page.fill("#id_password", password)
    page.click("button[type=submit]")
    page.wait_for_url(f"{base}/")
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
