"""A facilitation from start to decision with the keyboard alone (Tab, Shift+Tab, typing,
Enter), in two browsers; live changes are announced in an aria-live region and never move
anyone's focus. Every Tab stop shows its focus and Tab always moves on (tests/e2e/keyboard.py);
the proposal dialog opens by keyboard, Escape closes it and the focus is back on its trigger."""

from __future__ import annotations

import pytest

from tests.e2e.conftest import login
from tests.e2e.keyboard import focus_within, press, tab_to
from tests.workshops.conftest import make_workshop
from workshops import services
from workshops.models import Proposal

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

FOCUSED = "(sel) => !!document.activeElement && document.activeElement.matches(sel)"


@pytest.fixture
def room(small_om, people):
    workshop = make_workshop(small_om, people["facilitator"], sections=["canvas.stages"])
    services.attendee_add(
        workshop=workshop, actor=people["facilitator"], user=people["participant"]
    )
    return workshop


def test_a_facilitation_from_start_to_decision_by_keyboard_alone(
    browser, asgi_server, local_broadcaster, room, people
):
    url = f"{asgi_server}/m/{room.operating_model.slug}/workshops/{room.pk}/room/"
    fac, nia = (
        login(browser, asgi_server, "facilitator"),
        login(browser, asgi_server, "participant"),
    )
    for page in (fac, nia):
        page.goto(url)
        page.wait_for_selector('#live-status[data-state="live"]')

    # the facilitator opens the controls and starts the agenda's first block
    press(fac, "a[data-pane-link='facilitate']")
    press(fac, "#next-block")
    nia.wait_for_selector(".timer-block:has-text('Warm-up')")

    # Nia writes a note: the facilitator, on the controls, keeps their focus and hears of it
    tab_to(fac, "#nudge")
    tab_to(nia, "#room-note-form textarea")
    nia.keyboard.type("Build and Run should be one stage")
    press(nia, "#room-note-form button[type=submit]")
    fac.wait_for_selector("#live-toasts:has-text('Updated: notes')", state="attached")
    assert fac.evaluate(FOCUSED, "#nudge")  # the live change did not take the focus away

    # a dot by keyboard; the facilitator reveals the votes
    press(nia, "button[aria-label='Put a dot on this note']")
    nia.wait_for_selector("#room-dots:has-text('4 of 5 dots left')")
    press(fac, "#reveal-votes")
    nia.wait_for_selector(".vote-total[data-total='1']")

    # the proposal dialog: Enter opens it with the focus inside, Escape closes it, and the
    # focus is back on the button that opened it
    trigger = "#room-stage a[data-dialog-open='proposal-dialog']"
    press(nia, trigger)
    nia.wait_for_selector("#proposal-dialog[open] .proposal-body")
    focus_within(nia, "#proposal-dialog")
    nia.keyboard.press("Escape")
    nia.wait_for_selector("#proposal-dialog:not([open])", state="attached")
    focus_within(nia, trigger)

    # a proposal, a dot on it, and the decision
    services.proposal_create(
        workshop=room,
        actor=people["participant"],
        section="canvas.stages",
        kind="idea",
        rationale="Merge Build and Run",
    )
    press(nia, "a[data-pane-link='proposals']")
    press(nia, "button[aria-label='Put a dot on proposal 1']")
    nia.wait_for_selector("#room-dots:has-text('3 of 5 dots left')", state="attached")
    press(fac, "a[data-pane-link='proposals']")
    press(fac, "button[aria-label='Accept proposal 1']")
    nia.wait_for_selector("#room-proposals .status-chip.status-accepted")
    assert Proposal.objects.get(workshop=room).status == "accepted"
    assert fac.js_errors == nia.js_errors == []
    for page in (fac, nia):
        page.context.close()
