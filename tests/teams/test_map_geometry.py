"""The team interaction map's geometry, computed (issue 16): no interaction's line passes
through a label, every label lies inside its squad's box, no two labels overlap and no box
overlaps another; for the demo, a large model (60 squads: fifteen of each type, 120
interactions) and a model whose names are long (64 characters without a space, or long
phrases). Labels are measured in Inter's own advance widths (teams.diagrams.text_width)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.contrib.auth import get_user_model
from django.db import transaction

from bench.largemodel import build_large_model
from teams.diagrams import (
    CLEARANCE,
    MapLayout,
    _crosses,
    crossings,
    fit_text,
    interaction_layout,
    interaction_map_svg,
    text_width,
)
from teams.models import Squad
from tests.conftest import build_model

pytestmark = pytest.mark.django_db


def _long_names(om) -> None:
    for i, squad in enumerate(Squad.objects.filter(operating_model=om).order_by("pk")):
        if i % 2 == 0:
            name = f"Squad{i}" + "Unbroken" * 8
        else:
            name = f"A rather long name for squad number {i} of this operating model"
        Squad.objects.filter(pk=squad.pk).update(name=name[:120])


def _rolled_back(django_db_blocker, make: Callable[[Any], MapLayout]) -> MapLayout:
    """``make(actor)``: a layout whose model is built in a transaction rolled back afterwards.
    Each layout is computed once per module (the checks only read it), not once per test."""
    with django_db_blocker.unblock(), transaction.atomic():
        layout = make(get_user_model().objects.create_user("map-maker"))
        transaction.set_rollback(True)
    return layout


def _layout(kind: str, actor) -> MapLayout:
    if kind == "large":
        om = build_large_model(
            actor=actor,
            history_rows=0,
            counts={"journeys.journeys": 1, "journeys.stages": 1, "journeys.steps": 1},
        ).operating_model
    else:
        om = build_model(actor)
        if kind == "long names":
            _long_names(om)
    return interaction_layout(om)


@pytest.fixture(scope="module", params=["demo", "large", "long names"])
def layout(request, django_db_setup, django_db_blocker) -> MapLayout:
    return _rolled_back(django_db_blocker, lambda actor: _layout(request.param, actor))


def _marked(actor) -> MapLayout:
    """The demo's map with a squad's name and every purpose holding markup."""
    from teams.models import Interaction

    om = build_model(actor)
    Squad.objects.filter(pk=Squad.objects.filter(operating_model=om).first().pk).update(
        name='<b>"Tom" & Jerry\'s</b>'
    )
    Interaction.objects.filter(operating_model=om).update(purpose="Share <data> & 'models'")
    return interaction_layout(om)


@pytest.fixture(scope="module")
def marked_layout(django_db_setup, django_db_blocker) -> MapLayout:
    return _rolled_back(django_db_blocker, _marked)


def _overlap(a: tuple, b: tuple) -> bool:
    return a[0] < b[2] and b[0] < a[2] and a[1] < b[3] and b[1] < a[3]


def test_no_line_passes_through_a_label(layout):
    assert layout.links, "the check needs lines to look at"
    found = crossings(layout)
    assert found == [], [(str(link.interaction), box) for link, box in found[:5]]


def test_every_label_is_inside_its_box_and_no_two_overlap(layout):
    labels = []
    for box in layout.boxes:
        assert box.w > 0 and box.h > 0, box.squad.name
        assert box.labels, box.squad.name
        for label in box.labels:
            x0, y0, x1, y1 = label.box
            assert box.x <= x0 and x1 <= box.x + box.w, (box.squad.name, label.text)
            assert box.y <= y0 and y1 <= box.y + box.h, (box.squad.name, label.text)
            labels.append((label.text, label.box))
    pairs = [
        (a, b) for i, (a, ab) in enumerate(labels) for b, bb in labels[i + 1 :] if _overlap(ab, bb)
    ]
    assert pairs == [], pairs[:5]


def test_no_two_squads_boxes_overlap(layout):
    rects = [(b.squad.name, (b.x, b.y, b.x + b.w, b.y + b.h)) for b in layout.boxes]
    pairs = [
        (a, b) for i, (a, ab) in enumerate(rects) for b, bb in rects[i + 1 :] if _overlap(ab, bb)
    ]
    assert pairs == [], pairs[:5]


def test_a_cut_name_ends_in_an_ellipsis_and_fits_its_room():
    name = "Squad" + "Unbroken" * 8
    cut = fit_text(name, 150, 13, True)
    assert cut.endswith("…") and name.startswith(cut[:-1])
    assert text_width(cut, 13, True) <= 150
    assert fit_text("Data", 150, 13, True) == "Data"


def test_the_crossing_check_sees_a_line_through_a_label():
    """The check above can fail: a line through the middle of a box, or along its edge within
    the line's half width, crosses; one clear of it does not."""
    box = (100.0, 100.0, 200.0, 115.0)
    assert _crosses((150, 0, 150, 300), box, CLEARANCE["x_as_a_service"])
    assert _crosses((0, 0, 300, 300), box, 0)
    assert _crosses((95, 0, 95, 300), box, CLEARANCE["collaboration"])
    assert not _crosses((95, 0, 95, 300), box, 2)
    assert not _crosses((0, 130, 300, 130), box, CLEARANCE["x_as_a_service"])


def test_the_svg_draws_the_labels_and_lines_of_the_layout(people):
    om = build_model(people["facilitator"])
    layout = interaction_layout(om)
    svg = str(interaction_map_svg(om))
    for box in layout.boxes:
        for label in box.labels:
            assert f">{label.text}</text>" in svg.replace("&#x27;", "'"), label.text
    for link in layout.links:
        assert f'points="{link.path}"' in svg


def _drawn_both_ways(layout: MapLayout) -> None:
    """Every box and line drawn in Python (teams.diagrams) is what the reference partials of
    ``teams/interaction_map_parts.svg`` draw."""
    from django.template.loader import get_template

    from teams.diagrams import _box_svg, _floatformat0, _link_svg

    box_partial = get_template("teams/interaction_map_parts.svg#box")
    link_partial = get_template("teams/interaction_map_parts.svg#link")
    f0 = _floatformat0()
    for box in layout.boxes:
        assert _box_svg(box, f0) == box_partial.render({"box": box})
    for link in layout.links:
        assert _link_svg(link) == link_partial.render({"link": link})


def test_the_map_is_drawn_in_python_as_its_partials_draw_it(layout, marked_layout):
    """The map's boxes and lines are drawn in Python (issue 18: sixty squads and 120 lines
    through the template engine took longer than their layout), byte for byte as the partials
    draw them: the demo, a large model and long names, then names and purposes with markup, an
    octagon, every mode and every label anchor."""
    assert layout.boxes and layout.links
    _drawn_both_ways(layout)
    marked = marked_layout
    _drawn_both_ways(marked)
    assert {b.shape for b in marked.boxes} == {"rect", "octagon"}
    assert {link.mode for link in marked.links} == {
        "collaboration",
        "x_as_a_service",
        "facilitating",
    }
    assert {label.anchor for b in marked.boxes for label in b.labels} >= {"start", "middle", "end"}


def test_the_map_as_a_table_is_drawn_in_python_as_its_partial_draws_it(people):
    """The map's text twin (``{% twin_rows %}``, teams/rows.py) draws its rows in Python, byte
    for byte as the ``twin-row`` partial of ``teams/map.html`` draws each: dates set and not,
    purposes with markup and empty; and the empty table's row."""
    import datetime

    from django.template.loader import get_template

    from opmodel.registry import registry
    from teams.models import Interaction
    from teams.rows import twin_rows

    om = build_model(people["facilitator"])
    first, second = Interaction.objects.filter(operating_model=om).order_by("pk")[:2]
    Interaction.objects.filter(pk=first.pk).update(
        purpose="Share <data> & 'models'",
        starts_on=datetime.date(2026, 3, 1),
        expected_end=datetime.date(2026, 12, 31),
    )
    Interaction.objects.filter(pk=second.pk).update(purpose="", starts_on=None, expected_end=None)
    interactions = list(registry.get("teams.interactions").rows(om))
    partial = get_template("teams/map.html#twin-row")
    expected = "".join(partial.render({"i": i}) for i in interactions)
    assert twin_rows(interactions) == expected
    assert "&lt;data&gt;" in expected and "1 Mar 2026" in expected and "<td>—</td>" in expected
    assert twin_rows([]) == (
        '\n        <tr><td colspan="6" class="empty-inline">No interactions yet.</td></tr>\n      '
    )
