from __future__ import annotations

import pytest

from journeys.models import Journey, Stage, Step
from opmodel.models import Role
from opmodel.services import member_add
from teams.models import Squad
from teams.services import squad_lead_grant
from tests.e2e.conftest import login, own_echo

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _live(page) -> None:
    page.wait_for_selector('#live-status[data-state="live"]', timeout=10_000)


def _drag(page, handle: str, into: str) -> None:
    """Drag with real mouse steps (SortableJS listens to pointer moves, not to drag events)."""
    page.locator(handle).scroll_into_view_if_needed()
    start, end = page.locator(handle).bounding_box(), page.locator(into).bounding_box()
    x0, y0 = start["x"] + 5, start["y"] + 5
    x1, y1 = end["x"] + 40, end["y"] + end["height"] - 8
    page.mouse.move(x0, y0)
    page.mouse.down()
    for i in range(1, 21):
        page.mouse.move(x0 + (x1 - x0) * i / 20, y0 + (y1 - y0) * i / 20)
        page.wait_for_timeout(20)
    page.mouse.up()


def test_steps_are_added_moved_and_edited_by_their_team_lead_on_the_swim_lanes(
    browser, asgi_server, local_broadcaster, om, people, make_user, artifacts
):
    lead = make_user("lead")
    member_add(operating_model=om, actor=people["facilitator"], user=lead, role=Role.PARTICIPANT)
    mine = Squad.objects.get(operating_model=om, name="Customer data products")
    squad_lead_grant(squad=mine, user=lead, actor=people["facilitator"])
    journey = Journey.objects.get(operating_model=om, name="Industrialised data product journey")
    idea, build = Stage.objects.filter(journey=journey).order_by("position")[:2]
    url = f"{asgi_server}/m/{om.slug}/journeys/{journey.pk}/"

    editor = login(browser, asgi_server, "editor")
    tara = login(browser, asgi_server, "lead")
    editor.goto(url)
    tara.goto(url)
    _live(editor)
    _live(tara)

    # an editor adds a step for a squad that has no lane yet: the map grows a lane
    editor.click(f"#section-journeys-steps-{idea.pk} .sl-foot a.add-btn")
    editor.fill("#id_title", "Check the idea with fraud")
    editor.select_option("#id_squad", label="Fraud ML")
    with own_echo(editor):
        editor.keyboard.press("Control+Enter")
    editor.wait_for_selector(".sl-lane-label:has-text('Fraud ML')")
    step = Step.objects.get(stage=idea, title="Check the idea with fraud")
    editor.wait_for_selector(f"#section-journeys-steps-{idea.pk} #part-journeys-steps-{step.pk}")

    # ... and moves it to the next stage with the keyboard
    editor.focus(f"#step-right-{step.pk}")
    with own_echo(editor):
        editor.keyboard.press("Enter")
    editor.wait_for_selector(f"#section-journeys-steps-{build.pk} #part-journeys-steps-{step.pk}")
    assert Step.objects.get(pk=step.pk).stage_id == build.pk
    # the lead's browser follows live
    tara.wait_for_selector(f"#section-journeys-steps-{build.pk} #part-journeys-steps-{step.pk}")

    # ... and drags it back to the first stage, within its lane
    with editor.expect_response(lambda r: r.url.endswith(f"/steps/{step.pk}/move/")) as moved:
        _drag(
            editor,
            f"#part-journeys-steps-{step.pk} .drag-handle",
            f'#section-journeys-steps-{idea.pk} .sl-steps[data-lane="{step.squad_id}"]',
        )
    assert moved.value.status == 200
    editor.wait_for_selector(f"#section-journeys-steps-{idea.pk} #part-journeys-steps-{step.pk}")
    assert Step.objects.get(pk=step.pk).stage_id == idea.pk
    tara.wait_for_selector(f"#section-journeys-steps-{idea.pk} #part-journeys-steps-{step.pk}")

    # the lead edits a step their squad performs, in place
    own = Step.objects.get(stage=idea, title="Capture the consumer's question")
    theirs = Step.objects.get(stage=idea, title="Review privacy and access rules")
    # (htmx wires a swapped-in form up only as the swap settles: a slow settle makes sure the
    # keys arrive before that, which once lost the edit on a loaded machine)
    tara.evaluate("htmx.config.defaultSettleDelay = 1500")
    tara.click(f'#part-journeys-steps-{own.pk} a[aria-label="Edit {own.title}"]')
    tara.fill("#id_pain_points", "Consumers describe the data, not the decision")
    tara.keyboard.press("Control+Enter")
    tara.wait_for_selector(f"#part-journeys-steps-{own.pk}.has-pain")
    tara.evaluate("htmx.config.defaultSettleDelay = 20")
    assert "not the decision" in Step.objects.get(pk=own.pk).pain_points
    editor.wait_for_selector(f"#part-journeys-steps-{own.pk}.has-pain", timeout=5_000)

    # ... but not another squad's: no controls, and the server refuses a crafted request
    assert tara.locator(f"#part-journeys-steps-{theirs.pk} .step-tools").count() == 0
    assert tara.locator(f"#step-right-{step.pk}").count() == 0  # Fraud ML's step is not hers
    token = tara.evaluate("JSON.parse(document.body.getAttribute('hx-headers'))['X-CSRFToken']")
    refused = tara.request.post(
        f"{asgi_server}/m/{om.slug}/journeys/steps/{theirs.pk}/move/",
        form={"direction": "right"},
        headers={"X-CSRFToken": token},
    )
    assert refused.status == 403
    assert Step.objects.get(pk=theirs.pk).stage_id == idea.pk

    # the whole map at a workshop screen's width (seven stages side by side)
    editor.set_viewport_size({"width": 1920, "height": 1200})
    editor.reload()
    _live(editor)
    editor.evaluate("window.scrollTo(0, 0)")
    editor.wait_for_timeout(300)  # the hand-off arrows are drawn after layout
    editor.screenshot(path=str(artifacts / "journeys-swimlanes.png"), full_page=True)
    editor.goto(f"{asgi_server}/m/{om.slug}/journeys/")
    editor.evaluate("window.scrollTo(0, 0)")
    editor.screenshot(path=str(artifacts / "journeys-list.png"), full_page=True)
    editor.goto(f"{asgi_server}/m/{om.slug}/journeys/pain-points/")
    editor.screenshot(path=str(artifacts / "journeys-pain-points.png"), full_page=True)
    editor.goto(url)
    assert editor.locator(".handoff-line").count() >= 5
    assert editor.js_errors == [] and tara.js_errors == [], (editor.js_errors, tara.js_errors)
