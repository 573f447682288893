"""Live changes are announced to keyboard and screen-reader users (WCAG 4.1.3, 2.4.3): on every
live page (the canvas, the squads, the matrix, a journey's swim lanes, the workshop room) two
people look at the same page; one changes something. The other hears it in exactly one polite
live region, which says who changed what; their keyboard focus stays where it was, and a text
twin they opened stays open through the refresh. The person who made the change hears nothing
of it (their page got the same event)."""

from __future__ import annotations

import pytest

from canvas.models import Stage
from journeys.models import Step
from opmodel.registry import registry
from opmodel.services import part_update
from teams.models import Accountability, Squad
from tests.e2e.conftest import login
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


@pytest.mark.xfail(
    strict=False,
    reason="flaky in the full suite (failed in 2 of 3 clean-clone CI runs on 2026-11-29, never "
    "alone): the open form's 'just changed this' notice did not appear within 30 s; cause not "
    "found yet (issue 20)",
)
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
    fiona.wait_for_selector(f"#part-canvas-stages-{stage.pk} form")
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
