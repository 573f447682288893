"""Live changes are announced to keyboard and screen-reader users (WCAG 4.1.3, 2.4.3): on every
live page (the canvas, the squads, the matrix, a journey's swim lanes, the workshop room) two
people look at the same page; one changes something. The other hears it in exactly one polite
live region, which says who changed what; their keyboard focus stays where it was, and a text
twin they opened stays open through the refresh. The person who made the change hears nothing
of it (their page got the same event)."""

from __future__ import annotations

import re
import time

import pytest
from django.db import models
from playwright.sync_api import TimeoutError as PlaywrightTimeout

from canvas.models import Stage
from journeys.models import Step
from opmodel.registry import registry
from opmodel.services import part_update
from teams.models import Accountability, Squad
from tests.e2e.conftest import login, settled
from tests.e2e.keyboard import focus_within, press, tab_to
from tests.workshops.conftest import make_workshop
from workshops import services

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# Every polite live region of the page (role=status is polite too) that says ``words``.
SAYING = """(words) => [...document.querySelectorAll('[aria-live="polite"], [role="status"]')]
  .filter((el) => el.getAttribute("aria-live") !== "off" && el.textContent.includes(words))
  .map((el) => el.id || el.className)"""

# Every polite live region of the page: aria-live="polite", or a role whose live region is
# polite unless told otherwise (status, log, <output>).
POLITE = """() => [...document.querySelectorAll(
    '[aria-live], [role=status], [role=log], output')]
  .filter((el) => {
    const live = el.getAttribute("aria-live");
    return live === "polite" || (live === null && el.getAttribute("role") !== "alert");
  })
  .map((el) => el.id || el.className)"""

HEARD = """() => {
  window.opmodelHeard = window.opmodelHeard || [];
  if (window.opmodelListening) return;
  window.opmodelListening = true;
  document.addEventListener("htmx:sseMessage", (e) => window.opmodelHeard.push(e.detail.type));
}"""


def _change(section: str, row, actor, **data) -> None:
    row.refresh_from_db()
    part_update(
        section=registry.get(section), part=row, revision=row.revision, actor=actor, data=data
    )


def test_every_live_page_announces_others_changes_once_without_moving_focus(
    browser, asgi_server, local_broadcaster, om, people
):
    workshop = make_workshop(om, people["facilitator"], sections=["canvas.stages"])
    services.attendee_add(workshop=workshop, actor=people["facilitator"], user=people["editor"])
    editor = people["editor"]
    stage = Stage.objects.filter(operating_model=om).first()
    squad = Squad.objects.filter(operating_model=om).first()
    cell = Accountability.objects.filter(operating_model=om, role="informed").first()
    step = Step.objects.filter(operating_model=om).first()
    assert stage and squad and cell and step
    base = f"{asgi_server}/m/{om.slug}"
    pages = [
        (
            f"{base}/canvas/",
            "change",
            lambda: _change("canvas.stages", stage, editor, name="Ideate"),
        ),
        (
            f"{base}/teams/",
            "change",
            lambda: _change("teams.squads", squad, editor, focus="Consent events"),
        ),
        (
            f"{base}/teams/accountability/",
            "change",
            lambda: _change("teams.accountabilities", cell, editor, role="consulted"),
        ),
        (
            f"{base}/journeys/{step.stage.journey_id}/",
            "change",
            lambda: _change("journeys.steps", step, editor, title="Check with the data owner"),
        ),
        (
            f"{base}/workshops/{workshop.pk}/room/",
            "room",
            lambda: services.note_add(workshop=workshop, actor=editor, text="One stage less?"),
        ),
    ]
    fiona, eddie = login(browser, asgi_server, "facilitator"), login(browser, asgi_server, "editor")
    for url, kind, change in pages:
        for page in (fiona, eddie):
            page.goto(url)
            page.wait_for_selector('#live-status[data-state="live"]', timeout=30_000)
            page.evaluate(HEARD)
        for page in (fiona, eddie):  # one polite live region says what happens
            assert page.evaluate(POLITE) == ["live-toasts"], url
        tab_to(fiona, ".user-menu summary")  # the watcher's keyboard is somewhere
        twin = fiona.locator("details.text-twin")
        if twin.count():  # she reads a picture's text twin (opened from the page's script)
            fiona.evaluate("() => { document.querySelector('details.text-twin').open = true; }")
        change()
        # Fiona hears who changed it, in exactly one polite region, and keeps her focus
        fiona.wait_for_function(f"() => ({SAYING})('editor').length > 0", timeout=30_000)
        said = fiona.evaluate(SAYING, "editor")
        assert len(said) == 1, (url, said)
        text = fiona.evaluate("(id) => document.getElementById(id).textContent", said[0])
        assert "editor changed" in text or "by editor" in text, (url, text)
        focus_within(fiona, ".user-menu summary")
        if url.endswith(f"/journeys/{step.stage.journey_id}/"):
            # the refreshed swim lanes keep her twin open, and it shows the change
            fiona.wait_for_selector(
                "details.text-twin[open] li:has-text('Check with the data owner')", timeout=30_000
            )
        # Eddie's page got the same event, and says nothing of his own change
        eddie.wait_for_function("(k) => window.opmodelHeard.includes(k)", arg=kind)
        eddie.wait_for_timeout(2_500)  # the room sums up what it heard every two seconds
        assert eddie.evaluate(SAYING, "editor") == [], url
    assert fiona.js_errors == eddie.js_errors == []  # type: ignore[attr-defined]
    for page in (fiona, eddie):
        page.context.close()


def test_the_author_of_an_anonymous_note_does_not_hear_it_and_the_others_hear_it_unnamed(
    browser, asgi_server, local_broadcaster, om, people
):
    """An anonymous note's event names nobody, so a page cannot tell its author by the name: the
    author's own stream is told it is theirs. The author, having written it by keyboard, hears
    nothing of it; the facilitator hears that the notes changed, and not who wrote it."""
    workshop = make_workshop(om, people["facilitator"], allow_anonymous_notes=True)
    services.attendee_add(workshop=workshop, actor=people["facilitator"], user=people["editor"])
    url = f"{asgi_server}/m/{om.slug}/workshops/{workshop.pk}/room/"
    fiona, eddie = login(browser, asgi_server, "facilitator"), login(browser, asgi_server, "editor")
    for page in (fiona, eddie):
        page.goto(url)
        page.wait_for_selector('#live-status[data-state="live"]', timeout=30_000)
        page.evaluate(HEARD)
        assert page.evaluate(POLITE) == ["live-toasts"]
    tab_to(eddie, "#room-note-form textarea")
    eddie.keyboard.type("Nobody owns the release calendar")
    tab_to(eddie, "#room-note-form input[name=anonymous]")
    eddie.keyboard.press("Space")
    press(eddie, "#room-note-form button[type=submit]")
    # the facilitator hears of it, without a name
    fiona.wait_for_function(f"() => ({SAYING})('Updated: notes').length > 0", timeout=30_000)
    said = fiona.evaluate(SAYING, "Updated: notes")
    assert len(said) == 1, said
    text = fiona.evaluate("(id) => document.getElementById(id).textContent", said[0])
    assert "editor" not in text, text
    fiona.wait_for_selector("#room-notes :text('Nobody owns the release calendar')")
    # the author's page got the same event, and says nothing of it
    eddie.wait_for_function("() => window.opmodelHeard.includes('room')")
    eddie.wait_for_timeout(2_500)  # the room sums up what it heard every two seconds
    assert eddie.evaluate(SAYING, "Updated") == []
    assert fiona.js_errors == eddie.js_errors == []  # type: ignore[attr-defined]
    for page in (fiona, eddie):
        page.context.close()


def test_a_live_page_keeps_one_polite_region_with_a_form_open_and_says_an_exports_new_state(
    browser, asgi_server, local_broadcaster, om, people, settings, tmp_path
):
    """The page's one polite live region stays the only one with an edit form open (its "just
    changed this" notice is said there) and on the exports page (each export's row says its new
    state there when it changes, not at every refresh)."""
    from django.core.files.base import ContentFile

    from opmodel import events
    from opmodel.models import Export
    from opmodel.services.exports import _event
    from tests.exports.conftest import FAKE_PDF

    settings.MEDIA_ROOT = tmp_path / "media"
    export = Export.objects.create(
        operating_model=om,
        kind="handbook",
        status="running",
        progress=40,
        requested_by=people["facilitator"],
    )
    stage = Stage.objects.filter(operating_model=om).first()
    assert stage
    fiona = login(browser, asgi_server, "facilitator")
    fiona.goto(f"{asgi_server}/m/{om.slug}/canvas/")
    fiona.wait_for_selector('#live-status[data-state="live"]', timeout=30_000)
    fiona.locator(f"#part-canvas-stages-{stage.pk}").hover()
    fiona.click(f'a[aria-label="Edit {stage.name}"]')
    # the edit form itself (the row's own move buttons are a form too: waiting for "a form"
    # in the row let the change come while the edit form was still on its way)
    fiona.wait_for_selector(f"#part-canvas-stages-{stage.pk}.part-form-wrap form[data-revision]")
    assert fiona.evaluate(POLITE) == ["live-toasts"]
    fiona.evaluate(HEARD)
    _change("canvas.stages", stage, people["editor"], name="Ideate")
    fiona.wait_for_selector(".live-notice:has-text('just changed this')", timeout=30_000)
    assert len(fiona.evaluate(SAYING, "just changed this")) == 1
    fiona.goto(f"{asgi_server}/m/{om.slug}/exports/")
    fiona.wait_for_selector('#live-status[data-state="live"]', timeout=30_000)
    assert fiona.evaluate(POLITE) == ["live-toasts"]
    export.status, export.progress, export.pages = "done", 100, 1
    export.file.save("x.pdf", ContentFile(FAKE_PDF))
    events.broadcaster().publish(om.channel, _event(export))
    fiona.wait_for_function(f"() => ({SAYING})('Download PDF').length > 0", timeout=30_000)
    assert fiona.evaluate(SAYING, "Download PDF") == ["live-toasts"]
    assert fiona.js_errors == []  # type: ignore[attr-defined]
    fiona.context.close()


# One row of each section the page shows with an edit form that opens in place (its "Edit"
# link belongs to the row, not to a row inside it): {section key: "section:id"}.
EDITABLE = """() => {
  const rows = {};
  for (const el of document.querySelectorAll('[id^="part-"][data-part]')) {
    const key = el.dataset.part.split(":")[0];
    const own = [...el.querySelectorAll('a[hx-get*="/edit/"], .controls > a.i-edit')]
      .some((a) => a.closest("[data-part]") === el);
    if (own && !(key in rows)) rows[key] = el.dataset.part;
  }
  return rows;
}"""

# Click the row's own "Edit" (by script: some show it only on hover).
EDIT = """(part) => {
  const el = document.querySelector(`[id^="part-"][data-part="${part}"]`);
  [...el.querySelectorAll('a[hx-get*="/edit/"], .controls > a.i-edit')]
    .find((a) => a.closest("[data-part]") === el).click();
}"""

EDIT_REQUEST = re.compile(r"/edit/(\?(field=\w+|scope=\d+))?$")


def test_an_edit_form_that_lands_after_a_change_says_who_changed_it_on_every_live_page(
    browser, asgi_server, local_broadcaster, om, people
):
    """Someone clicks "Edit" just as another person changes the row: the form is drawn before
    the change but lands after its event came (here: held on its way until then). The form is
    as outdated as one that was open when the event came, so it says the same: who just changed
    it, in the form and in the page's one polite live region. On every live page, for every
    section whose rows open an edit form in place."""
    from tests.e2e.test_derived_browser import _visible_change

    workshop = make_workshop(om, people["facilitator"], sections=["canvas.stages"])
    squad = Squad.objects.filter(operating_model=om, people__isnull=False).first()
    step = Step.objects.filter(operating_model=om).first()
    assert squad and step
    base = f"{asgi_server}/m/{om.slug}"
    urls = [
        f"{base}/canvas/",
        f"{base}/teams/squads/{squad.pk}/",
        f"{base}/teams/map/",
        f"{base}/teams/accountability/",
        f"{base}/journeys/{step.stage.journey_id}/",
        # the room draws a section that is not its focus when it comes into view; opened by
        # name, it is drawn with the page (else the rows may not be there yet when read)
        f"{base}/workshops/{workshop.pk}/room/?open=canvas.stages",
    ]
    fiona = login(browser, asgi_server, "facilitator")
    held: list[tuple[object, object]] = []
    # the edit form is drawn at once (before the change) and given to the page when told
    fiona.route(EDIT_REQUEST, lambda route: held.append((route, route.fetch())))
    checked: list[tuple[str, str]] = []
    for url in urls:
        fiona.goto(url)
        fiona.wait_for_selector('#live-status[data-state="live"]', timeout=30_000)
        fiona.evaluate(HEARD)
        for key, part in fiona.evaluate(EDITABLE).items():
            section = registry.get(key)
            row = section.model.objects.get(pk=int(part.split(":")[1]))
            heard = fiona.evaluate("() => window.opmodelHeard.length")
            fiona.evaluate(EDIT, part)
            deadline = time.monotonic() + 30
            while not held and time.monotonic() < deadline:
                fiona.wait_for_timeout(20)
            assert held, (url, key, "the edit form was not asked for")
            route, drawn = held.pop()
            _, data, _ = _visible_change(section, [row])
            data = {
                k: f"{v} {len(checked)}" if k in _texts(section) else v for k, v in data.items()
            }
            _change(key, row, people["editor"], **data)
            try:
                fiona.wait_for_function(
                    "n => window.opmodelHeard.slice(n).includes('change')",
                    arg=heard,
                    timeout=30_000,
                )
            except PlaywrightTimeout as exc:
                # seen once in 20 runs under load (cause not found): say what the page had
                state = fiona.evaluate(
                    "() => [document.getElementById('live-status').dataset.state,"
                    " window.opmodelHeard]"
                )
                streams = local_broadcaster.subscriber_count(om.channel)
                raise AssertionError(f"{url} {key}: event not heard; {state}, {streams=}") from exc
            route.fulfill(response=drawn)  # type: ignore[attr-defined]
            wrap = f'.part-form-wrap[data-part="{part}"]'
            fiona.wait_for_selector(f"{wrap} form[data-revision]", timeout=30_000)
            fiona.wait_for_selector(
                f"{wrap} .live-notice:has-text('editor just changed this')", timeout=30_000
            )
            said = fiona.evaluate(SAYING, "editor just changed this")
            assert said == ["live-toasts"], (url, key, said)
            checked.append((url, key))
    # every section of the registry, on some live page
    assert {key for _, key in checked} == {s.key for s in registry.sections()}
    assert (urls[-1], "canvas.stages") in checked  # the workshop room's rows too
    assert fiona.js_errors == []  # type: ignore[attr-defined]
    fiona.context.close()


def _texts(section) -> set[str]:
    return {
        name
        for name in section.fields
        if not section.model_field(name).choices
        and isinstance(section.model_field(name), models.CharField | models.TextField)
    }


# Every state the live status takes, in order (from the page's first script on).
STATES = """() => {
  window.opmodelStates = [];
  document.addEventListener("DOMContentLoaded", () => {
    const status = document.getElementById("live-status");
    new MutationObserver(() => window.opmodelStates.push(status.dataset.state))
      .observe(status, { attributes: true, attributeFilter: ["data-state"] });
  });
}"""


def test_a_page_says_live_only_once_its_stream_said_hello(
    browser, asgi_server, local_broadcaster, om, people
):
    """The stream's connection opens (its headers come) before the server subscribes to the
    model's events: a page that said "Live" then could miss a change made at once. It says
    "Live" when the stream's first words (hello) come, which the server sends once subscribed.
    Here the first connection opens and says nothing (then ends); the page must not say "Live"
    for it, and it does when the next one says hello; a change made then is heard."""
    stage = Stage.objects.filter(operating_model=om).first()
    assert stage
    fiona = login(browser, asgi_server, "facilitator")
    fiona.add_init_script(script=f"({STATES})()")
    silent: list[str] = []

    def open_and_say_nothing(route) -> None:
        silent.append(route.request.url)
        route.fulfill(
            status=200,
            headers={"Content-Type": "text/event-stream", "Cache-Control": "no-cache"},
            body="retry: 1500\n: open, and nothing said\n\n",
        )

    fiona.route(f"**/m/{om.slug}/events/", open_and_say_nothing, times=1)
    fiona.goto(f"{asgi_server}/m/{om.slug}/canvas/")
    # the silent stream opened and ended (the page is reconnecting), never "Live"
    fiona.wait_for_function("() => window.opmodelStates.includes('offline')", timeout=30_000)
    assert silent, "the stream was not asked for"
    fiona.wait_for_selector('#live-status[data-state="live"]', timeout=30_000)
    states = fiona.evaluate("() => window.opmodelStates")
    assert states[: states.index("live")] == ["offline"], states
    _change("canvas.stages", stage, people["editor"], name="Ideate")
    fiona.wait_for_function(f"() => ({SAYING})('editor changed').length > 0", timeout=30_000)
    # nothing went wrong but the silent stream's end (htmx logs its error event)
    assert [e for e in fiona.js_errors if e != "[object Event]"] == []  # type: ignore[attr-defined]
    fiona.context.close()


# Everything said in the page's one live region from now on, in order.
SAID = """() => {
  window.opmodelSaid = [];
  new MutationObserver((records) => records.forEach((r) => r.addedNodes.forEach((n) =>
    window.opmodelSaid.push(n.textContent)))).observe(document.getElementById("live-toasts"),
    { childList: true });
}"""


def test_an_open_edit_form_hears_of_a_change_made_while_its_stream_was_away(
    browser, asgi_server, local_broadcaster, om, people
):
    """A change made while a page's stream is away (here: the server says "poll" and ends it,
    as when Redis goes; the browser's reconnect is held back) never comes as an event. The page
    polls and, once back, resyncs: an open edit form asks for its row as it is now and says that
    it changed (who changed it came with the lost event only), once."""
    from opmodel import events

    stage = Stage.objects.filter(operating_model=om).first()
    assert stage
    part = f"canvas.stages:{stage.pk}"
    fiona = login(browser, asgi_server, "facilitator")
    fiona.goto(f"{asgi_server}/m/{om.slug}/canvas/")
    fiona.wait_for_selector('#live-status[data-state="live"]', timeout=30_000)
    fiona.evaluate(SAID)
    fiona.evaluate(EDIT, part)
    wrap = f'.part-form-wrap[data-part="{part}"]'
    fiona.wait_for_selector(f"{wrap} form[data-revision]", timeout=30_000)
    reconnects: list[object] = []
    fiona.route(f"**/m/{om.slug}/events/", lambda route: reconnects.append(route))
    local_broadcaster.deliver_all(events.POLL)  # the stream says "poll" and ends
    fiona.wait_for_selector('#live-status[data-state="offline"]', timeout=30_000)
    _change("canvas.stages", stage, people["editor"], name="Ideate")
    fiona.wait_for_selector(f"{wrap} .live-notice:has-text('changed while')", timeout=30_000)
    deadline = time.monotonic() + 30
    while not reconnects and time.monotonic() < deadline:
        fiona.wait_for_timeout(50)
    for route in reconnects:
        route.continue_()  # type: ignore[attr-defined]
    fiona.unroute(f"**/m/{om.slug}/events/")
    fiona.wait_for_selector('#live-status[data-state="live"]', timeout=30_000)
    settled(fiona)
    # the reconnect's resync asks for the row again: its answer must not say it twice
    fiona.wait_for_timeout(3_000)
    said = fiona.evaluate("() => window.opmodelSaid.filter((t) => t.includes('changed while'))")
    assert len(said) == 1, said  # once, whether polling or the reconnect found it
    assert [e for e in fiona.js_errors if e != "[object Event]"] == []  # type: ignore[attr-defined]
    fiona.context.close()
