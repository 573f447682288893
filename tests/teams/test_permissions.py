"""The Level 2 permission matrix: every Level 2 URL and every write x every role, the team lead
on their own squad and on another one. A refused write changes nothing."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.urls import reverse

from teams.models import Accountability, Capability, Interaction, Person, Squad
from tests.permissions import (
    LEAD_FORM,
    LEAD_INVALID,
    LEAD_WRITE,
    LEVEL_FORM,
    LEVEL_MANAGE,
    LEVEL_READ,
    LEVEL_WRITE,
    Case,
    page,
    part,
    wrong_answers,
)
from tests.teams.conftest import squad_named

pytestmark = pytest.mark.django_db


def own(om) -> Squad:
    return squad_named(om, "Own squad")


def other(om) -> Squad:
    return squad_named(om, "Other squad")


def changed(squad: Squad) -> None:
    """A later version of ``squad`` (a save that changes nothing writes no version), so that a
    revert to its first version has something to bring back."""
    from opmodel import services
    from opmodel.registry import registry

    services.part_update(
        section=registry.get("teams.squads"),
        part=squad,
        revision=squad.revision,
        actor=None,
        data={"purpose": f"{squad.purpose} Changed since."},
    )


def person_of(squad: Squad) -> Person:
    return Person.objects.filter(squad=squad).first()


def interaction_of(squad: Squad) -> Interaction:
    return Interaction.objects.filter(squad=squad).first()


def cell_of(squad: Squad) -> Accountability:
    return Accountability.objects.filter(squad=squad).first()


def capability(om) -> Capability:
    return Capability.objects.filter(operating_model=om).first()


CASES = [
    # pages and partials: everyone who may see the model reads them
    Case("squads page", "get", page("teams-squads"), LEVEL_READ),
    Case("map page", "get", page("teams-map"), LEVEL_READ),
    Case("matrix page", "get", page("teams-matrix"), LEVEL_READ),
    Case(
        "matrix area tab",
        "get",
        lambda om: page("teams-matrix")(om) + "?area=governance",
        LEVEL_READ,
        htmx=True,
    ),
    Case("capability roles page", "get", page("teams-capability", capability), LEVEL_READ),
    Case("own squad page", "get", page("teams-squad", own), LEVEL_READ),
    Case("other squad page", "get", page("teams-squad", other), LEVEL_READ),
    Case(
        "who answers", "get", lambda om: page("teams-who")(om) + "?q=kafka", LEVEL_READ, htmx=True
    ),
    Case("map partial", "get", page("teams-map"), LEVEL_READ, htmx=True),
    *[
        Case(f"{key} list", "get", part("section-list", key), LEVEL_READ, htmx=True)
        for key in [
            "teams-squads",
            "teams-people",
            "teams-interactions",
            "teams-capabilities",
            "teams-accountabilities",
        ]
    ],
    Case(
        "people of a squad",
        "get",
        part("section-list", "teams-people", query="?scope=1"),
        LEVEL_READ,
        htmx=True,
    ),
    Case("squad detail", "get", part("part-detail", "teams-squads", own), LEVEL_READ, htmx=True),
    Case("squad history", "get", part("part-history", "teams-squads", own), LEVEL_READ),
    Case(
        "person history",
        "get",
        part("part-history", "teams-people", lambda om: person_of(own(om))),
        LEVEL_READ,
    ),
    # squads: a lead edits their own squad's profile, nothing else about squads
    Case("squad new form", "get", part("part-new", "teams-squads"), LEVEL_FORM),
    Case(
        "squad new",
        "post",
        part("part-new", "teams-squads"),
        LEVEL_WRITE,
        lambda om: {"name": "New", "team_type": "platform", "mode": "sustain"},
    ),
    Case("own squad edit form", "get", part("part-edit", "teams-squads", own), LEAD_FORM),
    Case(
        "own squad edit",
        "post",
        part("part-edit", "teams-squads", own, "?field=purpose"),
        LEAD_WRITE,
        lambda om: {"purpose": "Ours", "revision": own(om).revision},
    ),
    Case(
        "other squad edit",
        "post",
        part("part-edit", "teams-squads", other, "?field=purpose"),
        LEVEL_WRITE,
        lambda om: {"purpose": "Theirs", "revision": other(om).revision},
    ),
    Case(
        "own squad delete",
        "post",
        part("part-delete", "teams-squads", own),
        LEVEL_WRITE,
        lambda om: {"revision": own(om).revision},
    ),
    Case(
        "own squad move",
        "post",
        part("part-move", "teams-squads", own),
        LEVEL_WRITE,
        lambda om: {"offset": 1},
    ),
    Case(
        "own squad revert",
        "post",
        lambda om: reverse(
            "part-revert",
            kwargs={
                "slug": om.slug,
                "key": "teams-squads",
                "pk": own(om).pk,
                "history_id": own(om).history.earliest().history_id,
            },
        ),
        LEAD_WRITE,
        lambda om: {"revision": own(om).revision},
        prepare=lambda om: changed(own(om)),
    ),
    Case(
        "other squad revert",
        "post",
        lambda om: reverse(
            "part-revert",
            kwargs={
                "slug": om.slug,
                "key": "teams-squads",
                "pk": other(om).pk,
                "history_id": other(om).history.earliest().history_id,
            },
        ),
        LEVEL_WRITE,
        lambda om: {"revision": other(om).revision},
        prepare=lambda om: changed(other(om)),
    ),
    # people
    Case("person new form", "get", part("part-new", "teams-people"), LEAD_FORM),
    Case(
        "person new in own squad",
        "post",
        part("part-new", "teams-people"),
        LEAD_WRITE,
        lambda om: {"squad": own(om).pk, "name": "Nia"},
    ),
    Case(
        "person new in other squad",
        "post",
        part("part-new", "teams-people"),
        LEAD_INVALID,
        lambda om: {"squad": other(om).pk, "name": "Nia"},
    ),
    Case(
        "own person edit",
        "post",
        part("part-edit", "teams-people", lambda om: person_of(own(om))),
        LEAD_WRITE,
        lambda om: {"squad": own(om).pk, "name": "Olga B", "revision": person_of(own(om)).revision},
    ),
    Case(
        "own person moved to another squad",
        "post",
        part("part-edit", "teams-people", lambda om: person_of(own(om))),
        LEAD_INVALID,
        lambda om: {"squad": other(om).pk, "name": "Olga", "revision": person_of(own(om)).revision},
    ),
    Case(
        "other person edit",
        "post",
        part("part-edit", "teams-people", lambda om: person_of(other(om))),
        LEVEL_WRITE,
        lambda om: {"squad": other(om).pk, "name": "X", "revision": person_of(other(om)).revision},
    ),
    Case(
        "own person delete",
        "post",
        part("part-delete", "teams-people", lambda om: person_of(own(om))),
        LEAD_WRITE,
        lambda om: {"revision": person_of(own(om)).revision},
    ),
    Case(
        "other person delete",
        "post",
        part("part-delete", "teams-people", lambda om: person_of(other(om))),
        LEVEL_WRITE,
        lambda om: {"revision": person_of(other(om)).revision},
    ),
    # interactions: the lead changes the ones their squad starts
    Case(
        "interaction new from own squad",
        "post",
        part("part-new", "teams-interactions"),
        LEAD_WRITE,
        lambda om: {"squad": own(om).pk, "partner": other(om).pk, "mode": "collaboration"},
    ),
    Case(
        "interaction new from other squad",
        "post",
        part("part-new", "teams-interactions"),
        LEAD_INVALID,
        lambda om: {"squad": other(om).pk, "partner": own(om).pk, "mode": "collaboration"},
    ),
    Case(
        "own interaction edit",
        "post",
        part("part-edit", "teams-interactions", lambda om: interaction_of(own(om))),
        LEAD_WRITE,
        lambda om: {
            "squad": own(om).pk,
            "partner": squad_named(om, "Platform squad").pk,
            "mode": "x_as_a_service",
            "purpose": "Pipelines",
            "revision": interaction_of(own(om)).revision,
        },
    ),
    Case(
        "other interaction delete",
        "post",
        part("part-delete", "teams-interactions", lambda om: interaction_of(other(om))),
        LEVEL_WRITE,
        lambda om: {"revision": interaction_of(other(om)).revision},
    ),
    # capabilities: facilitators and editors only
    Case(
        "capability new",
        "post",
        part("part-new", "teams-capabilities"),
        LEVEL_WRITE,
        lambda om: {"area": "governance", "name": "Data loss prevention"},
    ),
    Case(
        "capability edit",
        "post",
        part("part-edit", "teams-capabilities", capability),
        LEVEL_WRITE,
        lambda om: {"area": "engineering", "name": "Kafka", "revision": capability(om).revision},
    ),
    # the matrix: the lead changes their squad's column only
    Case(
        "own cell picker",
        "get",
        lambda om: reverse("teams-cell", args=[om.slug, capability(om).pk, own(om).pk]),
        LEAD_FORM,
    ),
    Case(
        "other cell picker",
        "get",
        lambda om: reverse("teams-cell", args=[om.slug, capability(om).pk, other(om).pk]),
        LEVEL_FORM,
    ),
    Case(
        "own cell set",
        "post",
        lambda om: reverse("teams-cell", args=[om.slug, capability(om).pk, own(om).pk]),
        LEAD_WRITE,
        lambda om: {
            "role": "responsible",
            "revision": Accountability.objects.get(
                capability=capability(om), squad=own(om)
            ).revision,
        },
    ),
    Case(
        "other cell set",
        "post",
        lambda om: reverse("teams-cell", args=[om.slug, capability(om).pk, other(om).pk]),
        LEVEL_WRITE,
        lambda om: {"role": "accountable", "revision": 0},
    ),
    Case(
        "own cell through the generic edit",
        "post",
        part("part-edit", "teams-accountabilities", lambda om: cell_of(own(om))),
        LEAD_WRITE,
        lambda om: {
            "capability": cell_of(own(om)).capability_id,
            "squad": own(om).pk,
            "role": "consulted",
            "revision": cell_of(own(om)).revision,
        },
    ),
    Case(
        "other cell through the generic edit",
        "post",
        part("part-edit", "teams-accountabilities", lambda om: cell_of(other(om))),
        LEVEL_WRITE,
        lambda om: {
            "capability": cell_of(other(om)).capability_id,
            "squad": other(om).pk,
            "role": "consulted",
            "revision": cell_of(other(om)).revision,
        },
    ),
    Case(
        "own cell moved to another column",
        "post",
        part("part-new", "teams-accountabilities"),
        LEAD_INVALID,
        lambda om: {
            "capability": Capability.objects.get(operating_model=om, name="Kafka platform").pk,
            "squad": other(om).pk,
            "role": "consulted",
        },
    ),
    # importing squads (Backstage, Team API): facilitators and editors; a preview writes nothing
    Case("import page", "get", page("teams-import"), LEVEL_FORM),
    Case(
        "import preview",
        "post",
        page("teams-import"),
        LEVEL_FORM,
        lambda om: {"source": "team_api", "documents": [team_api_upload()]},
    ),
    Case(
        "import apply without a preview",
        "post",
        page("teams-import"),
        LEVEL_FORM | {"editor": 400, "facilitator": 400},
        lambda om: {"action": "apply"},
    ),
    # team leads are granted and removed by facilitators
    Case(
        "grant a team lead",
        "post",
        page("teams-lead-grant", other),
        LEVEL_MANAGE,
        lambda om: {"user": om.role_groups.get(role="viewer").group.user_set.get().pk},
    ),
    Case(
        "remove a team lead",
        "post",
        lambda om: reverse(
            "teams-lead-remove",
            args=[
                om.slug,
                own(om).pk,
                om.role_groups.get(role="participant").group.user_set.get(username="lead").pk,
            ],
        ),
        LEVEL_MANAGE,
    ),
]


def team_api_upload() -> Any:
    from django.core.files.uploadedfile import SimpleUploadedFile

    text = b"name: Imported squad\ntype: enabling\nmembers: [Ines]\n"
    return SimpleUploadedFile("team.yaml", text, "application/yaml")


def snapshot(om) -> tuple:
    """Every Level 2 row with its revision, and the lead grants: a refused write changes none."""
    from teams.models import SquadUserObjectPermission

    rows = [
        sorted(model.objects.filter(operating_model=om).values_list("pk", "revision", "position"))
        for model in (Squad, Person, Interaction, Capability, Accountability)
    ]
    rows.append(
        sorted(SquadUserObjectPermission.objects.values_list("user_id", "content_object_id"))
    )
    return tuple(map(tuple, rows))


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.name)
def test_level2_permission_matrix(case: Case, teams_om, other_om, people, client_for):
    wrong = wrong_answers(case, teams_om, people, client_for, snapshot)
    assert not wrong, (case.name, wrong)


def test_a_lead_sees_edit_controls_on_their_squad_only(teams_om, people, client_for):
    client = client_for(people["lead"])
    mine = client.get(reverse("teams-squad", args=[teams_om.slug, own(teams_om).pk])).content
    theirs = client.get(reverse("teams-squad", args=[teams_om.slug, other(teams_om).pk])).content
    assert b"Edit squad" in mine and b"Add person" in mine
    assert b"Edit squad" not in theirs and b"Add person" not in theirs
    # no deleting their squad, even their own
    assert b">Delete</a>" not in mine


def test_a_lead_edits_only_their_column_of_the_matrix(teams_om, people, client_for):
    html = client_for(people["lead"]).get(reverse("teams-matrix", args=[teams_om.slug])).content
    html = html.decode()
    mine, theirs = own(teams_om).pk, other(teams_om).pk
    cap = capability(teams_om).pk
    # a cell is editable by its class (app.js opens the picker of an editable cell only) ...
    found = re.findall(r'<td class="(cell[^"]*)" id="cell-(\d+-\d+)"', html)
    cells = {where: classes for classes, where in found}
    assert " editable" in cells[f"{cap}-{mine}"]
    assert " editable" not in cells[f"{cap}-{theirs}"]
    # ... and without JavaScript, the capability's roles link to their column's cell only
    client = client_for(people["lead"])
    roles = client.get(reverse("teams-capability", args=[teams_om.slug, cap])).content.decode()
    assert f"/accountability/{cap}/{mine}/" in roles
    assert f"/accountability/{cap}/{theirs}/" not in roles


def test_another_models_squad_is_404_even_for_its_facilitator(
    teams_om, other_om, people, client_for
):
    foreign = Squad.objects.create(operating_model=other_om, name="Theirs")
    client = client_for(people["facilitator"])
    assert client.get(reverse("teams-squad", args=[teams_om.slug, foreign.pk])).status_code == 404
    url = reverse("teams-cell", args=[teams_om.slug, capability(teams_om).pk, foreign.pk])
    assert client.post(url, {"role": "accountable", "revision": 0}).status_code == 404
    assert not Accountability.objects.filter(squad=foreign).exists()


def test_a_lead_grant_on_another_model_gives_nothing_here(teams_om, other_om, people, client_for):
    """change_squad on a squad elsewhere does not open this model's squads."""
    from opmodel.services import member_add
    from teams.services import squad_lead_grant

    member_add(
        operating_model=other_om, actor=people["outsider"], user=people["viewer"], role="viewer"
    )
    squad_lead_grant(
        squad=Squad.objects.create(operating_model=other_om, name="Elsewhere"),
        user=people["viewer"],
        actor=people["outsider"],
    )
    url = reverse(
        "part-edit", kwargs={"slug": teams_om.slug, "key": "teams-squads", "pk": own(teams_om).pk}
    )
    assert client_for(people["viewer"]).get(url).status_code == 403


@pytest.mark.parametrize("key", ["teams.people", "teams.interactions", "teams.accountabilities"])
def test_the_squad_rule_refuses_rows_of_other_squads(key, teams_om, people):
    """Behind the forms: whatever a request carries, a lead's row must be their squad's."""
    from opmodel.access import access_for
    from opmodel.registry import registry
    from teams.rules import owned_by_squad_rule

    section = registry.get(key)
    access = access_for(people["lead"], teams_om)
    row = section.model.objects.filter(squad=own(teams_om)).first()
    assert row is not None
    assert owned_by_squad_rule(access=access, section=section, part=row, action="edit")
    row.squad = other(teams_om)  # the row as a crafted request would save it
    assert not owned_by_squad_rule(access=access, section=section, part=row, action="edit")
    assert not owned_by_squad_rule(access=access, section=section, part=row, action="create")
