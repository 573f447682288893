"""Derived regions refresh with the rows they derive from: the north star banner follows an
edit of the north-star metric's target made in another browser, without a reload."""

from __future__ import annotations

import pytest

from canvas.models import Metric
from opmodel.registry import registry
from opmodel.services import part_update
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
