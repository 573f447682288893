"""Pinned query counts: the versions pages cost the same on a large model as on the demo."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from canvas.models import Metric, MetricCategory, Principle, PrincipleGroup, Stage
from opmodel.registry import registry
from opmodel.services import operating_model_create, part_update, release_publish
from tests.conftest import SMALL_STARTER, add_members

pytestmark = [pytest.mark.engine, pytest.mark.django_db]


def _bulk(model, rows, actor):
    created = model.objects.bulk_create(rows)
    model.history.bulk_history_create(created, default_user=actor, default_change_reason="Bulk")
    return created


@pytest.fixture
def large_om(people):
    """200 metrics, 100 principles, 50 stages and about 5,000 history rows, through bulk paths;
    every other section (Level 2 too) has a few rows, like the demo, so pages hold the same
    sections on both."""
    from tests.teams.conftest import SMALL_TEAMS

    document = {"sections": {**SMALL_STARTER["sections"], **SMALL_TEAMS["sections"]}}
    model = add_members(
        operating_model_create(
            actor=people["facilitator"], name="Large", organisation="Q", starter=document
        ),
        people,
    )
    actor = people["editor"]
    categories = list(MetricCategory.values)
    groups = list(PrincipleGroup.values)
    metrics = _bulk(
        Metric,
        [
            Metric(
                operating_model=model, name=f"Metric {n}", category=categories[n % 7], position=n
            )
            for n in range(200)
        ],
        actor,
    )
    principles = _bulk(
        Principle,
        [
            Principle(operating_model=model, name=f"Principle {n}", group=groups[n % 4], position=n)
            for n in range(100)
        ],
        actor,
    )
    stages = _bulk(
        Stage,
        [Stage(operating_model=model, name=f"Stage {n}", position=n) for n in range(50)],
        actor,
    )
    rows = metrics + principles + stages
    for round_ in range(14):  # 350 creations + 14 x 350 updates: 5,250 rows with the starter's
        for row in rows:
            row.revision += 1
            row.name = f"{row.name.split(' r')[0]} r{round_}"
        for model_class, part in ((Metric, metrics), (Principle, principles), (Stage, stages)):
            model_class.objects.bulk_update(part, ["name", "revision"])
            model_class.history.bulk_history_create(part, update=True, default_user=actor)
    total = sum(
        s.model.history.filter(operating_model_id=model.pk).count() for s in registry.sections()
    )
    assert total >= 5000
    return model


def _prepare(model, people):
    """A release, then one change in every section, so the diff has something everywhere."""
    release_publish(operating_model=model, actor=people["facilitator"], title="Base")
    for section in registry.sections():
        row = section.rows(model).first()
        field = next(
            (
                n
                for n in section.fields
                if section.model._meta.get_field(n).get_internal_type()
                in ("CharField", "TextField")
                and not section.model._meta.get_field(n).choices
            ),
            None,
        )
        if row is None or field is None:
            continue  # a section with no rows here, or no text (a matrix cell's role)
        part_update(
            section=section,
            part=row,
            revision=row.revision,
            actor=people["editor"],
            data={field: f"{getattr(row, field)} (edited)"},
        )


def _queries(client, url) -> int:
    with CaptureQueriesContext(connection) as context:
        response = client.get(url)
    assert response.status_code == 200
    return len(context.captured_queries)


PAGES = {
    "timeline": lambda m: reverse("timeline", args=[m.slug]),
    "timeline by section": lambda m: reverse("timeline", args=[m.slug]) + "?section=canvas-metrics",
    "compare release with draft": lambda m: reverse("compare", args=[m.slug]) + "?from=v1&to=draft",
    "releases": lambda m: reverse("releases", args=[m.slug]),
    "release": lambda m: reverse("release-detail", args=[m.slug, 1]),
    "release picture": lambda m: reverse("picture-release", args=[m.slug, 1]),
    "export": lambda m: reverse("model-export", args=[m.slug]),
}


def test_every_page_costs_the_same_queries_on_a_large_model_as_on_the_demo(
    om, large_om, people, client_for
):
    _prepare(om, people)
    _prepare(large_om, people)
    client = client_for(people["viewer"])
    counts = {}
    for page, url in PAGES.items():
        counts[page] = (_queries(client, url(om)), _queries(client, url(large_om)))
    print("\n".join(f"{page}: demo {d}, large {n} queries" for page, (d, n) in counts.items()))
    # Never more on the large model than on the demo (the demo's pages may show a reference
    # field or two more, e.g. people with accounts): an N+1 would cost hundreds here.
    assert {page: n <= d for page, (d, n) in counts.items()} == dict.fromkeys(counts, True), counts
    # a fixed part plus a few queries per registered section (records, rows now, references)
    assert max(n for _d, n in counts.values()) <= 12 + 4 * len(registry.sections())
    # A timeline page costs a fixed part plus at most three queries per section on the page
    # (its records, the rows as they are now, the versions before): never one per entry. The
    # first page above holds every section; a deeper page holds fewer.
    deep = _queries(client, reverse("timeline", args=[large_om.slug]) + "?page=40")
    assert deep <= counts["timeline"][1]
