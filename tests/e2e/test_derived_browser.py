"""Derived regions refresh with the rows they derive from: the north star banner follows an
edit of the north-star metric's target made in another browser, without a reload."""

from __future__ import annotations

import pytest

from canvas.models import Metric
from opmodel.registry import registry
from opmodel.services import part_create, part_update
from tests.e2e.conftest import login

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_the_north_star_banner_follows_its_metric_live(
    browser, asgi_server, local_broadcaster, om, people, artifacts
):
    star = Metric.objects.get(operating_model=om, is_north_star=True)
    watcher = login(browser, asgi_server, "viewer")
    watcher.goto(f"{asgi_server}/m/{om.slug}/canvas/")
    watcher.wait_for_selector('#live-status[data-state="live"]', timeout=10_000)
    assert f"target {star.target}" in watcher.locator(".north-star").inner_text()

    part_update(
        section=registry.get("canvas.metrics"),
        part=star,
        revision=star.revision,
        actor=people["editor"],
        data={"target": "99 %"},
    )
    watcher.wait_for_selector(".north-star:has-text('target 99 %')", timeout=5_000)
    watcher.screenshot(path=str(artifacts / "north-star-live.png"))
    assert watcher.js_errors == []


def test_health_panels_chips_and_share_counters_follow_their_sections_live(
    browser, asgi_server, local_broadcaster, om, people, artifacts
):
    """Every region derived from sections declares them (data-live-summary) and is refreshed on
    their events: the Level 2 health panel and chip once the matrix is fixed, and a share link's
    comment counter once a guest comments."""
    from teams.models import Capability, Responsibility, Squad
    from workshops import services as workshop_services
    from workshops.models import Phase

    from ..workshops.conftest import make_workshop

    orphan = Capability.objects.filter(operating_model=om).exclude(
        accountabilities__role=Responsibility.ACCOUNTABLE
    )[0]
    finding = f"No squad is accountable for {orphan.name}"
    workshop = make_workshop(om, people["facilitator"], phase=Phase.SOCIALISE)
    link = workshop_services.share_link_create(workshop=workshop, actor=people["facilitator"])

    watcher = login(browser, asgi_server, "facilitator")
    watcher.goto(f"{asgi_server}/m/{om.slug}/teams/accountability/")
    watcher.wait_for_selector('#live-status[data-state="live"]', timeout=10_000)
    assert finding in watcher.locator("#findings").inner_text()
    chip = watcher.locator("#health-chip").inner_text()

    part_create(
        section=registry.get("teams.accountabilities"),
        operating_model=om,
        actor=people["editor"],
        data={
            "capability": orphan,
            "squad": Squad.objects.filter(operating_model=om)[0],
            "role": Responsibility.ACCOUNTABLE,
        },
    )
    watcher.wait_for_function(
        "t => !document.getElementById('findings').innerText.includes(t)",
        arg=finding,
        timeout=5_000,
    )
    assert watcher.locator("#health-chip").inner_text() != chip
    watcher.screenshot(path=str(artifacts / "health-panel-live.png"))

    watcher.goto(f"{asgi_server}/m/{om.slug}/workshops/{workshop.pk}/socialise/")
    watcher.wait_for_selector('#live-status[data-state="live"]', timeout=10_000)
    assert "0 comments" in watcher.locator("#share-links").inner_text()
    workshop_services.comment_add(
        workshop=workshop,
        actor=None,
        share_link=link,
        author_name="Gus",
        section="",
        part_id=None,
        text="Looks right",
    )
    watcher.wait_for_selector("#share-links:has-text('1 comment')", timeout=5_000)
    watcher.screenshot(path=str(artifacts / "share-counter-live.png"))
    assert watcher.js_errors == []
