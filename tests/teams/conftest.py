"""Level 2 fixtures: a small team structure, and a team lead who leads one squad of it."""

from __future__ import annotations

from typing import Any

import pytest

from opmodel.models import OperatingModel, Role
from opmodel.services import member_add, operating_model_create
from teams.models import Squad
from teams.services import squad_lead_grant
from tests import worlds
from tests.conftest import ROLE_USERS

SMALL_TEAMS = {
    "sections": {
        "teams.squads": [
            {"id": "own", "name": "Own squad", "team_type": "stream_aligned", "mode": "growth"},
            {"id": "other", "name": "Other squad", "team_type": "stream_aligned", "mode": "growth"},
            {"id": "plat", "name": "Platform squad", "team_type": "platform", "mode": "sustain"},
        ],
        "teams.people": [
            {"squad": "own", "name": "Olga", "role": "Lead", "is_lead": True},
            {"squad": "own", "name": "Oscar"},
            {"squad": "other", "name": "Otto", "is_lead": True},
            {"squad": "other", "name": "Ola"},
            {"squad": "plat", "name": "Pia", "is_lead": True},
            {"squad": "plat", "name": "Paul"},
        ],
        "teams.interactions": [
            {"squad": "own", "partner": "plat", "mode": "x_as_a_service"},
            {"squad": "other", "partner": "plat", "mode": "x_as_a_service"},
        ],
        "teams.capabilities": [
            {"id": "kafka", "area": "engineering", "name": "Kafka platform"},
            {"id": "cicd", "area": "engineering", "name": "CI/CD"},
        ],
        "teams.accountabilities": [
            {"capability": "kafka", "squad": "plat", "role": "accountable"},
            {"capability": "kafka", "squad": "own", "role": "informed"},
            {"capability": "cicd", "squad": "own", "role": "accountable"},
            {"capability": "cicd", "squad": "other", "role": "responsible"},
        ],
    }
}


def squad_named(model: OperatingModel, name: str) -> Squad:
    return Squad.objects.get(operating_model=model, name=name)


@pytest.fixture
def people(db) -> dict[str, Any]:
    """One user per role, a team lead (participant who leads "Own squad"), an outsider."""
    return worlds.people([*ROLE_USERS, "lead", "outsider"])


@pytest.fixture
def teams_om(people) -> OperatingModel:
    return worlds.replay("teams")


def make_teams_model(people: dict[str, Any]) -> OperatingModel:
    model = operating_model_create(
        actor=people["facilitator"], name="Teams", organisation="Quokka Inc", starter=SMALL_TEAMS
    )
    for name, role in [*ROLE_USERS.items(), ("lead", Role.PARTICIPANT)]:
        member_add(operating_model=model, actor=people["facilitator"], user=people[name], role=role)
    squad_lead_grant(
        squad=squad_named(model, "Own squad"), user=people["lead"], actor=people["facilitator"]
    )
    return model
