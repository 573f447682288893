"""Toasts leave the page: once a toast's time is up, whatever sat under it takes the click (a
faded toast in the room once swallowed the facilitator's click on Accept)."""

from __future__ import annotations

import pytest

# engine: the class guards of issue 13 (toasts leave, no region stale) also run in the PostgreSQL
# pass, where the live events ride on real commits of another engine.
pytestmark = [pytest.mark.browser, pytest.mark.engine, pytest.mark.django_db(transaction=True)]

SCREENS = {"laptop": (1440, 900), "phone": (390, 844)}


def _open(browser, base: str, size: tuple[int, int]):
    context = browser.new_context(viewport={"width": size[0], "height": size[1]})
    page = context.new_page()
    page.goto(f"{base}/accounts/login/")
    page.fill("#id_login", "editor")
    page.fill("#id_password", "pw-123456")
    page.click("button[type=submit]")
    page.wait_for_url(f"{base}/")
    return page


def test_every_toast_leaves_the_page_and_its_place_takes_clicks_again(
    browser, asgi_server, om, people
):
    pages = {}
    spots: dict[str, list[tuple[float, float]]] = {}
    for name, size in SCREENS.items():
        # each screen is looked at as soon as it arrives: the sign-in's toast lives a few seconds
        pages[name] = page = _open(browser, asgi_server, size)
        # the dashboard arrives with the sign-in's message (a server toast); add a live notice
        # (a script toast) over it
        page.evaluate("() => { window.opmodelToast('Saved the stage.', 'success'); }")
        toasts = page.locator(".toast")
        assert page.locator(".toasts:not(#live-toasts) .toast").count() >= 1, name  # server's
        assert page.locator("#live-toasts .toast").count() == 1, name
        spots[name] = []
        for i in range(toasts.count()):
            box = toasts.nth(i).bounding_box()
            assert box is not None
            spots[name].append((box["x"] + box["width"] / 2, box["y"] + box["height"] / 2))
    for name, page in pages.items():
        page.wait_for_selector(".toast", state="detached", timeout=10_000)
        for x, y in spots[name]:
            under = page.evaluate(
                """([x, y]) => {
                    const el = document.elementFromPoint(x, y);
                    return el ? (el.closest('.toasts') ? 'toast' : 'page') : 'nothing';
                }""",
                [x, y],
            )
            assert under != "toast", (name, x, y)
        # the container of the server's messages is gone too; the live one stays, empty
        assert page.locator(".toasts:not(#live-toasts)").count() == 0, name
        assert page.locator("#live-toasts").evaluate("el => el.children.length") == 0
