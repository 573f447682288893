from __future__ import annotations

import datetime as dt
import math

import pytest
from django.urls import reverse
from django.utils import timezone

from canvas.models import Metric, Principle, Stage
from opmodel.registry import registry
from opmodel.services import part_delete, part_update
from opmodel.versions import snapshot_as_of, snapshot_build
from opmodel.versions.timeline import PER_PAGE, TimelineFilter, timeline_page

pytestmark = [pytest.mark.engine, pytest.mark.django_db]


def _rename(people, row, section_key, who="editor", **data):
    return part_update(
        section=registry.get(section_key),
        part=row,
        revision=row.revision,
        actor=people[who],
        data=data,
    )


def test_the_timeline_lists_every_section_newest_first_with_field_diffs(small_om, people):
    stage = Stage.objects.filter(operating_model=small_om).first()
    metric = Metric.objects.filter(operating_model=small_om).first()
    _rename(people, stage, "canvas.stages", name="Ideas")
    _rename(people, metric, "canvas.metrics", who="facilitator", category="kaizen")
    page, entries = timeline_page(small_om)
    assert [(e.section.key, e.name, e.action) for e in entries[:2]] == [
        ("canvas.metrics", "Lead time", "Changed"),
        ("canvas.stages", "Ideas", "Changed"),
    ]
    change = entries[0].changes[0]
    assert (change.label, change.old, change.new) == ("Category", "Efficiency", "Kaizen")
    assert entries[0].who == "facilitator"
    assert page.paginator.count == sum(
        s.model.history.filter(operating_model_id=small_om.pk).count() for s in registry.sections()
    )
    assert {e.section.key for e in entries} == {s.key for s in registry.sections()}


def test_the_timeline_filters_by_section_person_and_date(small_om, people):
    stage = Stage.objects.filter(operating_model=small_om).first()
    _rename(people, stage, "canvas.stages", name="Ideas")
    by_section = timeline_page(small_om, TimelineFilter(section=registry.get("canvas.stages")))[1]
    assert {e.section.key for e in by_section} == {"canvas.stages"}
    by_person = timeline_page(small_om, TimelineFilter(user_id=people["editor"].pk))[1]
    assert [e.name for e in by_person] == ["Ideas"]
    today = timezone.localdate()
    assert timeline_page(small_om, TimelineFilter(since=today, until=today))[0].paginator.count
    tomorrow = today + dt.timedelta(days=1)
    assert not timeline_page(small_om, TimelineFilter(since=tomorrow))[0].paginator.count


def test_the_timeline_page_paginates_and_keeps_its_filters(om, people, client_for):
    stage = Stage.objects.filter(operating_model=om).first()
    for n in range(5):
        stage = _rename(people, stage, "canvas.stages", name=f"Discover {n}")
    client = client_for(people["viewer"])
    url = reverse("timeline", args=[om.slug])
    first = client.get(url).content.decode()
    entries = sum(
        s.model.history.filter(operating_model_id=om.pk).count() for s in registry.sections()
    )
    assert f"Page 1 of {math.ceil(entries / PER_PAGE)}" in first
    second = client.get(url + "?section=canvas-principles&page=1").content.decode()
    assert "Operating principles" in second and "Skill sets</span>" not in second
    assert client.get(url + "?since=not-a-date").status_code == 200  # a bad filter is ignored


def test_revert_from_the_timeline_is_a_new_change(small_om, people, client_for):
    stage = Stage.objects.filter(operating_model=small_om).first()
    original = stage.name
    _rename(people, stage, "canvas.stages", name="Ideas")
    created = stage.history.order_by("history_id").first()
    html = client_for(people["editor"]).get(reverse("timeline", args=[small_om.slug])).content
    revert = reverse(
        "part-revert", args=[small_om.slug, "canvas-stages", stage.pk, created.history_id]
    )
    assert revert.encode() in html
    stage.refresh_from_db()
    client_for(people["editor"]).post(revert, {"revision": stage.revision})
    stage.refresh_from_db()
    assert stage.name == original
    assert stage.history.count() == 3  # created, renamed, reverted: nothing lost


def test_a_deleted_item_is_restored_as_a_new_row(small_om, people, client_for):
    principle = Principle.objects.filter(operating_model=small_om).get()
    part_delete(
        section=registry.get("canvas.principles"),
        part=principle,
        revision=principle.revision,
        actor=people["editor"],
    )
    deletion = Principle.history.filter(id=principle.pk, history_type="-").get()
    client = client_for(people["editor"])
    html = client.get(reverse("timeline", args=[small_om.slug])).content.decode()
    assert "Restore as a new principle" in html
    url = reverse("part-restore", args=[small_om.slug, "canvas-principles", deletion.history_id])
    response = client.post(url, {"next": "https://evil.example/"})
    assert response["Location"] == reverse("timeline", args=[small_om.slug])
    restored = Principle.objects.get(operating_model=small_om)
    assert (restored.name, restored.group) == (principle.name, principle.group)
    assert restored.pk != principle.pk
    assert client.post(url).status_code == 302  # a second restore is refused politely
    assert Principle.objects.filter(operating_model=small_om).count() == 1


def test_as_of_shows_the_model_as_it_was(small_om, people, client_for):
    moment = timezone.now()
    stage = Stage.objects.filter(operating_model=small_om).first()
    _rename(people, stage, "canvas.stages", name="Ideas")
    then = snapshot_as_of(small_om, moment)
    now = snapshot_build(small_om)
    assert then["sections"]["canvas.stages"][0]["name"] == "Idea"
    assert now["sections"]["canvas.stages"][0]["name"] == "Ideas"
    assert then["sections"]["canvas.metrics"] == now["sections"]["canvas.metrics"]
    before_anything = snapshot_as_of(small_om, moment - dt.timedelta(days=1))
    assert before_anything["sections"]["canvas.stages"] == []
    html = client_for(people["viewer"]).get(
        reverse("as-of", args=[small_om.slug]),
        {"at": timezone.localtime(moment).strftime("%Y-%m-%dT%H:%M:%S")},
    )
    assert html.status_code == 200
    assert "Compare with the live draft" in html.content.decode()


def test_compare_a_moment_with_the_draft(small_om, people, client_for):
    moment = timezone.localtime(timezone.now()).isoformat()
    stage = Stage.objects.filter(operating_model=small_om).first()
    _rename(people, stage, "canvas.stages", name="Ideas")
    html = client_for(people["viewer"]).get(
        reverse("compare", args=[small_om.slug]), {"from": moment, "to": "draft"}
    )
    text = html.content.decode()
    assert "1 stage changed" in text and "by editor" in text
    bad = client_for(people["viewer"]).get(reverse("compare", args=[small_om.slug]), {"from": "v9"})
    assert bad.status_code == 400
