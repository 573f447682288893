"""The workshop loop in two browsers: invite, accept, join, note, propose, vote, reveal,
accept, and see the model change; screenshots of the room and the summary."""

from __future__ import annotations

import re

import pytest
from django.core import mail

from canvas.models import Stage
from tests.e2e.conftest import login
from tests.workshops.conftest import make_workshop
from workshops.models import Proposal

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def workshop(small_om, people):
    return make_workshop(small_om, people["facilitator"])


def _live(page) -> None:
    page.wait_for_selector('#live-status[data-state="live"]', timeout=10_000)


def test_invite_accept_note_propose_vote_reveal_accept_live(
    browser, asgi_server, local_broadcaster, workshop, people, artifacts
):
    om = workshop.operating_model
    base = f"{asgi_server}/m/{om.slug}/workshops/{workshop.pk}"
    fac = login(browser, asgi_server, "facilitator")

    # invite by email; the link comes from the outbox
    fac.goto(f"{base}/invite/")
    fac.fill("#id_emails", "nia@example.com")
    fac.get_by_role("button", name="Send invitations").click()
    fac.wait_for_selector("text=Sent 1 invitation")
    link = re.search(r"(http://\S+/invitations/\S+/)", mail.outbox[-1].body).group(1)

    # a new person accepts: name and password, and lands in the room
    context = browser.new_context(viewport={"width": 1440, "height": 1000})
    nia = context.new_page()
    errors: list[str] = []
    nia.on("pageerror", lambda exc: errors.append(str(exc)))
    nia.goto(link)
    nia.fill("#id_name", "Nia Newbie")
    nia.fill("#id_password1", "quokka-rules-42")
    nia.fill("#id_password2", "quokka-rules-42")
    nia.get_by_role("button", name="Join the workshop").click()
    nia.wait_for_url(f"{base}/room/")
    fac.goto(f"{base}/room/")
    _live(nia)
    _live(fac)
    fac.wait_for_selector('.avatars [title^="Nia Newbie"][data-present="1"]', timeout=5_000)

    # the facilitator starts the timer: everyone sees it count down
    fac.get_by_role("link", name="Facilitate").click()
    fac.get_by_role("button", name=re.compile("Start Journey")).click()
    nia.wait_for_selector(".timer[data-ends-at]", timeout=5_000)
    nia.wait_for_function(
        "() => /^\\d+:\\d\\d$/.test(document.querySelector('.timer-value').textContent)"
    )

    # a note, seen live by the facilitator
    nia.fill("#room-note-form textarea", "Build and Run overlap")
    nia.get_by_role("button", name="Add note").click()
    fac.wait_for_selector(
        ".note-text:has-text('Build and Run overlap')", state="attached", timeout=5_000
    )
    assert nia.input_value("#room-note-form textarea") == ""

    # a proposal to rename a stage, through the stage's own form, in a dialog over the room
    stage = Stage.objects.get(operating_model=om, name="Build")
    nia.click("#room-section-canvas-stages >> text=Propose a change")
    nia.wait_for_selector("#proposal-dialog[open]")
    nia.click(f"#proposal-dialog a[href*='item={stage.pk}&kind=change']")
    nia.fill("#id_f-name", "")
    nia.fill("#id_rationale", "Say what we do")
    nia.get_by_role("button", name="Propose").click()  # a stage needs a name: refused, kept
    nia.wait_for_selector("#proposal-dialog .has-error")
    assert nia.input_value("#id_rationale") == "Say what we do"
    nia.fill("#id_f-name", "Construct")
    nia.get_by_role("button", name="Propose").click()
    nia.wait_for_selector("#proposal-dialog", state="hidden")
    assert nia.url.endswith("/room/")  # never left the room
    _live(nia)
    nia.get_by_role("link", name="Proposals").click()
    nia.wait_for_selector(".proposal:has-text('Construct')", timeout=5_000)
    fac.wait_for_selector(".proposal:has-text('Construct')", state="attached", timeout=5_000)

    # dots: hidden until the facilitator reveals them
    nia.click("#room-proposals button[aria-label='Put a dot on proposal 1']")
    nia.get_by_role("link", name="Notes").click()
    nia.click("#room-notes button[aria-label='Put a dot on this note']")
    nia.wait_for_selector("#room-dots:has-text('3 of 5 dots left')")
    assert fac.locator("#room-notes .vote-total").count() == 0
    fac.click("#reveal-votes")  # (the Facilitate pane is open)
    nia.wait_for_selector("#room-notes .vote-total[data-total='1']", timeout=5_000)

    # the facilitator accepts: the model changes in both browsers
    fac.get_by_role("link", name="Proposals").click()
    fac.click("#room-proposals button[aria-label='Accept proposal 1']")
    fac.wait_for_selector("#room-proposals .status-chip.status-accepted")
    nia.get_by_role("link", name="Proposals").click()
    nia.wait_for_selector("#room-proposals .status-chip.status-accepted", timeout=5_000)
    nia.wait_for_selector("#section-canvas-stages :text('Construct')", timeout=5_000)
    stage.refresh_from_db()
    assert stage.name == "Construct"
    assert Proposal.objects.get(workshop=workshop).status == "accepted"

    fac.wait_for_timeout(300)
    fac.screenshot(path=str(artifacts / "workshop-room-facilitator.png"), full_page=True)
    nia.screenshot(path=str(artifacts / "workshop-room-participant.png"))
    fac.goto(f"{base}/summary/")
    fac.screenshot(path=str(artifacts / "workshop-summary.png"), full_page=True)
    assert errors == [] and fac.js_errors == []
    context.close()
    fac.context.close()
