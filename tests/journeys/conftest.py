"""Level 3 fixtures: a small journey performed by two squads, a lead who leads one of them."""

from __future__ import annotations

import copy
from typing import Any

import pytest

from journeys.models import Journey, Stage, Step
from opmodel.models import OperatingModel, Role
from opmodel.services import member_add, operating_model_create
from teams.services import squad_lead_grant
from tests import worlds
from tests.conftest import ROLE_USERS
from tests.teams.conftest import SMALL_TEAMS, squad_named

SMALL_JOURNEYS: dict[str, Any] = copy.deepcopy(SMALL_TEAMS)
SMALL_JOURNEYS["sections"].update(
    {
        "canvas.technologies": [
            {"id": "kafka", "name": "Kafka", "lifecycle": "adopt"},
            {"id": "etl", "name": "Old ETL", "lifecycle": "hold"},
        ],
        "journeys.journeys": [
            {"id": "dp", "name": "Data product journey", "owner": "own", "trigger": "A request"},
        ],
        "journeys.stages": [
            {"id": "idea", "journey": "dp", "name": "Idea"},
            {"id": "build", "journey": "dp", "name": "Build"},
        ],
        "journeys.steps": [
            {
                "stage": "idea",
                "title": "Own idea step",
                "squad": "own",
                "automation": "partly",
                "technologies": ["kafka"],
            },
            {"stage": "idea", "title": "Other idea step", "squad": "other", "automation": "fully"},
            {
                "stage": "build",
                "title": "Own build step",
                "squad": "own",
                "handoff_to": "plat",
                "automation": "fully",
            },
            {
                "stage": "build",
                "title": "Other build step",
                "squad": "other",
                "automation": "fully",
            },
        ],
    }
)


def step_named(model: OperatingModel, title: str) -> Step:
    return Step.objects.get(operating_model=model, title=title)


def stage_named(model: OperatingModel, name: str) -> Stage:
    return Stage.objects.get(operating_model=model, name=name)


def journey_of(model: OperatingModel) -> Journey:
    return Journey.objects.get(operating_model=model)


@pytest.fixture
def people(db) -> dict[str, Any]:
    """One user per role, a team lead (participant who leads "Own squad"), an outsider."""
    return worlds.people([*ROLE_USERS, "lead", "outsider"])


def make_journeys_model(people: dict[str, Any], name: str = "Journeys") -> OperatingModel:
    model = operating_model_create(
        actor=people["facilitator"], name=name, organisation="Quokka Inc", starter=SMALL_JOURNEYS
    )
    for user, role in [*ROLE_USERS.items(), ("lead", Role.PARTICIPANT)]:
        member_add(operating_model=model, actor=people["facilitator"], user=people[user], role=role)
    squad_lead_grant(
        squad=squad_named(model, "Own squad"), user=people["lead"], actor=people["facilitator"]
    )
    return model


@pytest.fixture
def journeys_om(people) -> OperatingModel:
    return worlds.replay("journeys")
