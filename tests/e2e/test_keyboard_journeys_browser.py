"""Keyboard-only journeys (WCAG 2.1.1, 2.1.2, 2.4.3, 2.4.7): a team lead changes a matrix cell,
a journey step and a squad's person; an executive downloads the picture PDF. No mouse: only
key presses (filling the login form is the sign-in, not the journey). Every Tab stop on the way
shows its focus and Tab always moves on (tests/e2e/keyboard.py); after every htmx swap and after
closing a picker or a form with Escape the focus is back on the trigger or the swapped row."""

from __future__ import annotations

from typing import Any

import pytest

from journeys.models import Step
from opmodel.models import OperatingModel
from opmodel.services import release_publish
from teams.models import Accountability, Capability, Person
from tests import worlds
from tests.conftest import ROLE_USERS
from tests.e2e.conftest import settled
from tests.e2e.keyboard import focus_within, press, select_all_and_type, tab_to
from tests.teams.conftest import squad_named

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def people(db) -> dict[str, Any]:
    """One user per role and "lead", the team lead of "Own squad" (world "journeys")."""
    return worlds.people([*ROLE_USERS, "lead", "outsider"])


@pytest.fixture
def model(people) -> OperatingModel:
    return worlds.replay("journeys")


def keyboard_login(browser, base: str, username: str):
    context = browser.new_context(viewport={"width": 1440, "height": 900}, accept_downloads=True)
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.on("console", lambda msg: errors.append(msg.text) if msg.type == "error" else None)
    page.goto(f"{base}/accounts/login/")
    page.fill("#id_login", username)
    page.fill("#id_password", worlds.PASSWORD)
    page.keyboard.press("Enter")
    page.wait_for_url(f"{base}/")
    page.js_errors = errors  # type: ignore[attr-defined]
    return page


def _live(page) -> None:
    page.wait_for_selector('#live-status[data-state="live"]', timeout=10_000)


def test_a_team_lead_changes_a_cell_a_step_and_a_person_by_keyboard_alone(
    browser, asgi_server, local_broadcaster, model, people
):
    own = squad_named(model, "Own squad")
    kafka = Capability.objects.get(operating_model=model, name="Kafka platform")
    base = f"{asgi_server}/m/{model.slug}"
    tara = keyboard_login(browser, asgi_server, "lead")

    # the user menu (a disclosure) opens with Enter and Escape closes it, focus back on it
    tara.goto(f"{base}/teams/accountability/")
    _live(tara)
    press(tara, ".user-menu summary")
    assert tara.evaluate("() => document.querySelector('.user-menu').open")
    tara.keyboard.press("Escape")
    assert not tara.evaluate("() => document.querySelector('.user-menu').open")
    focus_within(tara, ".user-menu summary")

    # the matrix's cells are one Tab stop (a grid with a roving tabindex): Tab reaches the first
    # cell the lead may change; the arrows move through their column only (another squad's cells
    # are no control) down to the cell wanted, each named with its role, squad and capability
    cell = f"#cell-{kafka.pk}-{own.pk}"
    tab_to(tara, "table.matrix[role=grid] td.cell.editable")
    assert tara.locator("table.matrix td.cell[tabindex='0']").count() == 1
    start = tara.evaluate("() => document.activeElement.id")
    tara.keyboard.press("ArrowRight")
    tara.keyboard.press("ArrowLeft")
    assert tara.evaluate("() => document.activeElement.id") == start  # the only editable column
    for _ in range(60):
        if tara.evaluate("(sel) => document.activeElement.matches(sel)", cell):
            break
        tara.keyboard.press("ArrowDown")
        focus_within(tara, f"td.cell.editable[id$='-{own.pk}']")
    focus_within(tara, cell)
    named = "(sel) => document.querySelector(sel).getAttribute('aria-label')"
    assert tara.evaluate(named, cell) == "Informed: Own squad for Kafka platform"
    assert tara.locator("table.matrix td.cell[tabindex='0']").count() == 1
    # Enter opens the picker on the cell's current role; Escape closes it and the focus is on
    # the cell again; Enter again, Tab to a role, Enter: saved, focus on the cell
    tara.keyboard.press("Enter")
    settled(tara)
    focus_within(tara, f"{cell}.picking")
    tara.keyboard.press("Escape")
    settled(tara)
    focus_within(tara, f"{cell}:not(.picking)")
    tara.keyboard.press("Enter")
    focus_within(tara, f"{cell}.picking")
    tab_to(tara, f"{cell} button[value=consulted]")
    tara.keyboard.press("Enter")
    tara.wait_for_selector(f"{cell}.role-consulted")
    settled(tara)
    focus_within(tara, cell)
    assert tara.evaluate(named, cell) == "Consulted: Own squad for Kafka platform"
    # still one Tab stop in the grid: the cell the keyboard is on
    assert tara.locator("table.matrix td.cell[tabindex='0']").count() == 1
    assert tara.locator(f"{cell}[tabindex='0']").count() == 1
    assert Accountability.objects.get(capability=kafka, squad=own).role == "consulted"

    # a journey step of their squad: Enter on its Edit opens the form on its first field;
    # Escape cancels and gives the focus back to Edit; the second time Ctrl+Enter saves and the
    # focus is on the saved step's Edit
    step = Step.objects.get(operating_model=model, title="Own idea step")
    row = f"#part-journeys-steps-{step.pk}"
    tara.goto(f"{base}/journeys/{step.stage.journey_id}/")
    _live(tara)
    press(tara, f'{row} a[aria-label="Edit Own idea step"]')
    focus_within(tara, f"{row}.part-form-wrap")
    tara.keyboard.press("Escape")
    settled(tara)
    focus_within(tara, f'{row}:not(.part-form-wrap) a[aria-label="Edit Own idea step"]')
    tara.keyboard.press("Enter")
    focus_within(tara, f"{row}.part-form-wrap")
    tab_to(tara, f"{row} #id_title")
    select_all_and_type(tara, "Own idea step, by keyboard")
    tara.keyboard.press("Control+Enter")
    tara.wait_for_selector(f"{row}:not(.part-form-wrap) .step-title:has-text('by keyboard')")
    settled(tara)
    focus_within(tara, row)
    assert Step.objects.get(pk=step.pk).title == "Own idea step, by keyboard"

    # a person of their squad: the role, by keyboard; the focus is on the person's Edit after
    oscar = Person.objects.get(squad=own, name="Oscar")
    row = f"#part-teams-people-{oscar.pk}"
    tara.goto(f"{base}/teams/squads/{own.pk}/")
    _live(tara)
    press(tara, f'{row} a[aria-label="Edit Oscar"]')
    focus_within(tara, f"{row}.part-form-wrap")
    tab_to(tara, f"{row} #id_role")
    select_all_and_type(tara, "Data engineer")
    tara.keyboard.press("Control+Enter")
    tara.wait_for_selector(f"{row}:not(.part-form-wrap) .desc:has-text('Data engineer')")
    settled(tara)
    focus_within(tara, f'{row} a[aria-label="Edit Oscar"]')
    assert Person.objects.get(pk=oscar.pk).role == "Data engineer"
    assert tara.js_errors == []  # type: ignore[attr-defined]
    tara.context.close()


def test_an_executive_reads_the_pictures_as_text_and_downloads_the_picture_pdf_by_keyboard(
    browser, asgi_server, local_broadcaster, model, people, settings, tmp_path, artifacts
):
    settings.OPMODEL_EXPORTS_RUN = "thread"  # the embedded default
    settings.MEDIA_ROOT = tmp_path / "media"
    release_publish(operating_model=model, actor=people["facilitator"], title="First cut")
    vera = keyboard_login(browser, asgi_server, "viewer")
    base = f"{asgi_server}/m/{model.slug}"
    # each picture's text twin opens from its disclosure beside the picture, by keyboard
    journey = Step.objects.filter(operating_model=model).first().stage.journey_id  # type: ignore[union-attr]
    for name, url, twin in [
        ("map", f"{base}/teams/map/", "#map-as-table"),
        ("swimlanes", f"{base}/journeys/{journey}/", f"#swimlanes-as-table-{journey}"),
        ("load", f"{base}/teams/accountability/", "#load-as-list"),
    ]:
        vera.goto(url)
        press(vera, f"{twin} > summary")
        assert vera.evaluate("(sel) => document.querySelector(sel).open", twin)
        assert vera.locator(f"{twin} table, {twin} ul").first.is_visible()
        vera.locator(twin).scroll_into_view_if_needed()
        vera.screenshot(path=str(artifacts / f"twin-{name}-1440.png"))
        vera.set_viewport_size({"width": 390, "height": 844})
        vera.locator(twin).scroll_into_view_if_needed()
        vera.screenshot(path=str(artifacts / f"twin-{name}-390.png"))
        vera.set_viewport_size({"width": 1440, "height": 900})
        vera.keyboard.press("Enter")  # closes it again
        assert not vera.evaluate("(sel) => document.querySelector(sel).open", twin)
    vera.goto(f"{asgi_server}/")
    # from the dashboard to the model, its versions, the release and its picture PDF
    press(vera, f'a[href="/m/{model.slug}/"]')
    vera.wait_for_selector("nav.model-nav")
    press(vera, f'nav.model-nav a[href="/m/{model.slug}/releases/"]')
    vera.wait_for_url(f"{asgi_server}/m/{model.slug}/releases/")
    press(vera, f'a[href="/m/{model.slug}/releases/v1/"]')
    vera.wait_for_url(f"{asgi_server}/m/{model.slug}/releases/v1/")
    press(vera, "form.pdf-actions:has(input[name=kind][value=picture]) button")
    vera.wait_for_url(f"{asgi_server}/m/{model.slug}/exports/")
    _live(vera)
    vera.get_by_role("link", name="Download PDF").wait_for(timeout=60_000)
    tab_to(vera, "a[download]")
    with vera.expect_download() as info:
        vera.keyboard.press("Enter")
    path = tmp_path / "picture.pdf"
    info.value.save_as(path)
    assert path.read_bytes().startswith(b"%PDF-")
    assert vera.js_errors == []  # type: ignore[attr-defined]
    vera.context.close()
