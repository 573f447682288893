"""Every picture has a text twin beside it, and the pictures themselves do not rely on colour
(WCAG 1.1.1, 1.3.1, 1.4.1, 1.4.3, 1.4.11).

* The interaction map: a table right after the SVG in its figure, one row per interaction
  (who, in which mode, with whom, since when, until when), each from the database.
* The swim lanes of every journey: a table of steps per stage (rows) and squad (columns); every
  step is in the cell of its stage and squad.
* The heat map (the matrix's load row): a list with each squad's load (A + R), counted here from
  the accountabilities, and whether it is over the limit in words.
* The SVG map: every text has 4.5:1 against the shape it sits on (or the white page), every
  outline, line and legend swatch 3:1 against the page; each team type has a shape of its own.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from html import unescape

import pytest
from django.urls import reverse

from journeys.models import Journey, Step
from teams.diagrams import interaction_map_svg
from teams.models import Accountability, Interaction, Squad

SVG = "{http://www.w3.org/2000/svg}"


def _text(html: str) -> str:
    return re.sub(r"\s+", " ", unescape(re.sub(r"<[^>]+>", " ", html))).strip()


def _block(html: str, tag: str, attr: str, value: object) -> str:
    found = re.search(rf'<{tag} {attr}="{value}"[^>]*>(.*?)</{tag}>', html, re.S)
    assert found, f"no <{tag} {attr}={value}> in the twin"
    return found.group(1)


def test_the_interaction_map_has_a_table_of_every_interaction_beside_it(om, people, client_for):
    html = client_for(people["viewer"]).get(reverse("teams-map", args=[om.slug])).content.decode()
    figure = re.search(r'<figure[^>]*id="map-figure".*?</figure>', html, re.S)
    assert figure and "<svg" in figure.group(0)
    twin = re.search(
        r'<details class="text-twin" id="map-as-table"[^>]*>.*?</details>', figure.group(0), re.S
    )
    assert twin, "the table twin is in the map's own figure, after the picture"
    interactions = Interaction.objects.filter(operating_model=om).select_related("squad", "partner")
    assert interactions.count() >= 5
    for i in interactions:
        row = _text(_block(twin.group(0), "tr", "data-interaction", i.pk))
        assert row.startswith(i.squad.name), row
        assert i.get_mode_display() in row and i.partner.name in row
        assert i.squad.get_team_type_display() in row  # the type in words, not only its colour
        if i.starts_on:
            assert f"{i.starts_on.day} {i.starts_on:%b %Y}" in row


def test_every_journeys_swim_lanes_have_a_table_of_steps_by_stage_and_squad(om, people, client_for):
    client = client_for(people["viewer"])
    journeys = Journey.objects.filter(operating_model=om)
    assert journeys.count() >= 1
    for journey in journeys:
        html = client.get(reverse("journeys-journey", args=[om.slug, journey.pk])).content.decode()
        twin = re.search(
            r'<details class="text-twin" id="swimlanes-as-table-\d+"[^>]*>.*?</details>', html, re.S
        )
        assert twin, journey.name
        # beside the picture: the twin comes right before the swim lanes' scrolling region
        assert html.index(twin.group(0)) < html.index('class="sl-scroll"')
        steps = Step.objects.filter(stage__journey=journey).select_related("squad", "stage")
        assert steps.exists()
        for step in steps:
            row = _block(twin.group(0), "tr", "data-stage", step.stage_id)
            cell = _block(row, "td", "data-lane", step.squad_id or 0)
            assert f'data-step="{step.pk}"' in cell
            assert step.title in _text(cell)
            assert step.get_automation_display().lower() in _text(cell)


def test_the_heat_map_has_each_squads_load_in_words(om, people, client_for, settings):
    html = (
        client_for(people["viewer"]).get(reverse("teams-matrix", args=[om.slug])).content.decode()
    )
    twin = re.search(r'<details class="text-twin" id="load-as-list">.*?</details>', html, re.S)
    assert twin
    limit = int(re.search(r"limit (\d+)\)", html).group(1))  # type: ignore[union-attr]
    over = 0
    for squad in Squad.objects.filter(operating_model=om):
        load = Accountability.objects.filter(
            squad=squad, role__in=["accountable", "responsible"]
        ).count()
        item = _text(_block(twin.group(0), "li", "data-squad", squad.pk))
        assert (
            f"{squad.name} ({squad.get_team_type_display()}): accountable or responsible for {load}"
            in item
        )
        assert ("over the limit" in item) == (load > limit)
        over += load > limit


# ---------- the SVG map: contrast and shapes ----------


def _luminance(colour: str) -> float:
    colour = colour.lstrip("#")
    if len(colour) == 3:
        colour = "".join(c * 2 for c in colour)
    channels = [int(colour[i : i + 2], 16) / 255 for i in (0, 2, 4)]
    r, g, b = (c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels)
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def contrast(a: str, b: str) -> float:
    la, lb = sorted((_luminance(a), _luminance(b)), reverse=True)
    return (la + 0.05) / (lb + 0.05)


def test_contrast_is_computed_as_wcag_says():
    assert round(contrast("#000000", "#ffffff"), 1) == 21.0
    assert round(contrast("#777777", "#ffffff"), 2) == 4.48  # the classic near miss
    assert contrast("#ffd966", "#ffffff") < 3  # Team Topologies' yellow alone is not enough


@pytest.fixture
def map_svg(om) -> ET.Element:
    # our own template's output, not untrusted input
    return ET.fromstring(str(interaction_map_svg(om)))  # noqa: S314


def test_every_text_and_graphic_of_the_map_stands_out_enough(map_svg):
    page = "#ffffff"
    problems = []
    for link in map_svg.iter(f"{SVG}a"):
        shape = next(e for e in link if e.tag in (f"{SVG}rect", f"{SVG}polygon"))
        fill, stroke = shape.get("fill", ""), shape.get("stroke", "")
        if contrast(stroke, page) < 3:
            problems.append(f"outline {stroke} of {link.get('href')} on the page")
        problems.extend(
            f"text {text.get('fill')} on {fill}: {text.text}"
            for text in link.iter(f"{SVG}text")
            if contrast(text.get("fill", "#000000"), fill) < 4.5
        )
    for line in map_svg.iter(f"{SVG}line"):
        stroke = line.get("stroke", "")
        if stroke.startswith("#") and stroke != page and contrast(stroke, page) < 3:
            problems.append(f"line {stroke}")
    legend = next(g for g in map_svg.iter(f"{SVG}g") if g.get("class") == "tt-legend")
    swatches = [*legend.iter(f"{SVG}rect"), *legend.iter(f"{SVG}polygon")]
    problems.extend(
        f"legend swatch {swatch.get('stroke')}"
        for swatch in swatches
        if contrast(swatch.get("stroke", ""), page) < 3
    )
    problems.extend(
        f"legend text {text.text}"
        for text in legend.iter(f"{SVG}text")
        if contrast(text.get("fill") or legend.get("fill", ""), page) < 4.5
    )
    assert problems == []


def test_each_team_type_has_a_shape_of_its_own_on_the_map(om, map_svg):
    types = dict(Squad.objects.filter(operating_model=om).values_list("name", "team_type"))
    assert len(set(types.values())) == 4
    shapes: dict[str, set[tuple]] = {}
    for link in map_svg.iter(f"{SVG}a"):
        desc = link.find(f"{SVG}desc")  # the link's name: "name: type, mode"
        label = link.get("aria-label") or (desc.text if desc is not None else "") or ""
        name = label.split(":")[0]
        shape = next(e for e in link if e.tag in (f"{SVG}rect", f"{SVG}polygon"))
        if shape.tag == f"{SVG}polygon":
            signature: tuple = ("octagon",)
        else:
            w, h = float(shape.get("width", 0)), float(shape.get("height", 0))
            signature = ("rect", shape.get("rx"), "tall" if h > w else "wide")
        shapes.setdefault(types[name], set()).add(signature)
    assert all(len(s) == 1 for s in shapes.values()), shapes  # one shape per type
    assert len({next(iter(s)) for s in shapes.values()}) == 4, shapes  # and no two alike
