from __future__ import annotations

import copy
from typing import Any

import pytest

from opmodel.registry import registry
from opmodel.services import document_import, release_publish
from opmodel.versions import snapshot_build
from tests import worlds


def normalise_ids(document: dict[str, Any]) -> dict[str, Any]:
    """The document with every id (and every reference) replaced by the row's place in its
    section, so two models with the same content compare equal whatever their keys."""
    document = copy.deepcopy(document)
    document.pop("release", None)
    sections = document.get("sections", {})
    names: dict[tuple[type, Any], str] = {}
    for section in registry.sections():
        content = sections.get(section.key)
        rows = [content] if section.singleton else (content or [])
        for index, row in enumerate(rows):
            if row and "id" in row:
                names[(section.model, row["id"])] = f"{section.key}#{index}"
                row["id"] = f"{section.key}#{index}"
    for section in registry.sections():
        content = sections.get(section.key)
        rows = [content] if section.singleton else (content or [])
        for row in rows:
            for name in section.fields:
                field = section.model._meta.get_field(name)
                if not field.is_relation or name not in (row or {}):
                    continue
                target = field.related_model
                value = row[name]
                row[name] = (
                    [names.get((target, v), v) for v in value]
                    if isinstance(value, list)
                    else names.get((target, value), value)
                )
    return document


@pytest.fixture
def publish(people):
    def make(model, title: str = "Release", actor=None):
        return release_publish(
            operating_model=model, actor=actor or people["facilitator"], title=title
        )

    return make


@pytest.fixture
def reimport(people):
    """Apply an edited copy of a model's document to the model (the import path)."""

    def apply(model, edit):
        document = copy.deepcopy(snapshot_build(model))
        edit(document["sections"])
        return document_import(document=document, actor=people["editor"], operating_model=model)

    return apply


@pytest.fixture
def small_om(people):
    """A small model with rows in every section of every level, so tests that walk the registry
    find something to change in each (Level 2 included): world "versions_small"."""
    return worlds.replay("versions_small")


def make_versions_small_model(people):
    from opmodel.services import operating_model_create
    from tests.conftest import SMALL_STARTER, add_members
    from tests.journeys.conftest import SMALL_JOURNEYS
    from tests.teams.conftest import SMALL_TEAMS

    sections = {**SMALL_STARTER["sections"], **SMALL_TEAMS["sections"]}
    # Level 3: a journey whose steps use Level 1's technology and Level 2's squads
    sections["canvas.technologies"] = [
        {"id": "kafka", **SMALL_STARTER["sections"]["canvas.technologies"][0]},
        {"name": "Old ETL", "lifecycle": "hold"},  # used by no step: a test may remove it
    ]
    for key in ("journeys.journeys", "journeys.stages", "journeys.steps"):
        sections[key] = list(SMALL_JOURNEYS["sections"][key])
    # Last in their sections and referred to by nothing: rows a test may remove on their own.
    sections["teams.squads"] = [
        *sections["teams.squads"],
        {"name": "Lonely squad", "team_type": "enabling", "mode": "growth"},
    ]
    sections["teams.capabilities"] = [
        *sections["teams.capabilities"],
        {"area": "governance", "name": "Unowned capability"},
    ]
    sections["journeys.journeys"] = [*sections["journeys.journeys"], {"name": "Lonely journey"}]
    sections["journeys.stages"] = [
        *sections["journeys.stages"],
        {"journey": "dp", "name": "Lonely stage"},
    ]
    document = {"sections": sections}
    model = operating_model_create(
        actor=people["facilitator"], name="Quokka", organisation="Quokka Inc", starter=document
    )
    return add_members(model, people)
