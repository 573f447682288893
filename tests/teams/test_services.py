"""The matrix cell service and team-lead grants."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError

from opmodel.access import access_for
from opmodel.services import StaleRevision
from teams.models import Accountability, Capability, Squad
from teams.rules import led_squads
from teams.selectors import matrix
from teams.services import accountability_set, squad_lead_grant, squad_lead_remove
from tests.teams.conftest import squad_named

pytestmark = [pytest.mark.engine, pytest.mark.django_db]


@pytest.fixture
def kafka(teams_om) -> Capability:
    return Capability.objects.get(operating_model=teams_om, name="Kafka platform")


def cell(capability, squad) -> Accountability | None:
    return Accountability.objects.filter(capability=capability, squad=squad).first()


def test_setting_changing_and_clearing_a_cell_keeps_history(
    teams_om, people, kafka, captured_events
):
    other = squad_named(teams_om, "Other squad")
    editor = people["editor"]
    row = accountability_set(
        operating_model=teams_om,
        capability=kafka,
        squad=other,
        role="consulted",
        revision=0,
        actor=editor,
    )
    assert (row.role, row.revision) == ("consulted", 1)
    row = accountability_set(
        operating_model=teams_om,
        capability=kafka,
        squad=other,
        role="responsible",
        revision=1,
        actor=editor,
    )
    assert (row.role, row.revision) == ("responsible", 2)
    assert (
        accountability_set(
            operating_model=teams_om,
            capability=kafka,
            squad=other,
            role="",
            revision=2,
            actor=editor,
        )
        is None
    )
    assert cell(kafka, other) is None
    history = Accountability.history.filter(capability=kafka, squad=other).order_by("history_id")
    assert [h.history_type for h in history] == ["+", "~", "-"]
    assert {h.history_user for h in history} == {editor}
    cells = captured_events.of(type="change", section="teams.accountabilities")
    assert [e["action"] for e in cells] == ["created", "updated", "deleted"]
    assert [e["revision"] for e in cells[:2]] == [1, 2]
    assert {e["channel"] for e in cells} == {teams_om.channel}


def test_a_stale_cell_revision_is_refused_and_nothing_is_lost(teams_om, people, kafka):
    own = squad_named(teams_om, "Own squad")  # informed, revision 1
    accountability_set(
        operating_model=teams_om,
        capability=kafka,
        squad=own,
        role="consulted",
        revision=1,
        actor=people["editor"],
    )
    with pytest.raises(StaleRevision) as conflict:
        accountability_set(
            operating_model=teams_om,
            capability=kafka,
            squad=own,
            role="responsible",
            revision=1,
            actor=people["lead"],
        )
    assert conflict.value.current.role == "consulted"
    assert cell(kafka, own).role == "consulted"
    # somebody filled an empty cell meanwhile: also a conflict
    other = squad_named(teams_om, "Other squad")
    accountability_set(
        operating_model=teams_om,
        capability=kafka,
        squad=other,
        role="informed",
        revision=0,
        actor=people["editor"],
    )
    with pytest.raises(StaleRevision):
        accountability_set(
            operating_model=teams_om,
            capability=kafka,
            squad=other,
            role="consulted",
            revision=0,
            actor=people["facilitator"],
        )


def test_the_same_change_from_a_stale_view_is_not_a_conflict(teams_om, people, kafka):
    own = squad_named(teams_om, "Own squad")
    accountability_set(
        operating_model=teams_om,
        capability=kafka,
        squad=own,
        role="consulted",
        revision=1,
        actor=people["editor"],
    )
    row = accountability_set(
        operating_model=teams_om,
        capability=kafka,
        squad=own,
        role="consulted",
        revision=1,
        actor=people["lead"],
    )
    assert row.revision == 2


def test_two_accountable_squads_are_shown_not_forbidden(teams_om, people, kafka):
    other = squad_named(teams_om, "Other squad")
    accountability_set(
        operating_model=teams_om,
        capability=kafka,
        squad=other,
        role="accountable",
        revision=0,
        actor=people["editor"],
    )
    assert Accountability.objects.filter(capability=kafka, role="accountable").count() == 2
    data = matrix(teams_om, access_for(people["viewer"], teams_om))
    row = next(r for r in data.rows if r.capability == kafka)
    assert row.broken and row.accountable == 2 and data.broken == 1


def test_a_cell_of_another_model_or_an_unknown_role_is_refused(teams_om, other_om, people, kafka):
    foreign = Squad.objects.create(operating_model=other_om, name="Theirs")
    with pytest.raises(ValidationError):
        accountability_set(
            operating_model=teams_om,
            capability=kafka,
            squad=foreign,
            role="informed",
            revision=0,
            actor=people["editor"],
        )
    with pytest.raises(ValidationError):
        accountability_set(
            operating_model=teams_om,
            capability=kafka,
            squad=squad_named(teams_om, "Other squad"),
            role="owner",
            revision=0,
            actor=people["editor"],
        )


def test_team_leads_are_members_granted_and_removed_with_history(
    teams_om, people, make_user, captured_events
):
    other = squad_named(teams_om, "Other squad")
    with pytest.raises(ValidationError):
        squad_lead_grant(squad=other, user=make_user("stranger"), actor=people["facilitator"])
    assert not captured_events.of(type="change")  # a refused grant tells nobody
    squad_lead_grant(squad=other, user=people["viewer"], actor=people["facilitator"])
    assert other.pk in led_squads(access_for(people["viewer"], teams_om))
    granted = captured_events.one(type="change")
    assert (granted["section"], granted["id"], granted["action"]) == (
        "teams.squads",
        other.pk,
        "updated",
    )
    assert granted["channel"] == teams_om.channel
    assert granted["actor_id"] == people["facilitator"].pk
    squad_lead_remove(squad=other, user=people["viewer"], actor=people["facilitator"])
    assert other.pk not in led_squads(access_for(people["viewer"], teams_om))
    assert [(e["section"], e["id"]) for e in captured_events.of(type="change")] == [
        ("teams.squads", other.pk)
    ] * 2
    reasons = list(
        other.history.order_by("history_id").values_list("history_change_reason", flat=True)
    )
    assert reasons[-2:] == ["viewer is now a team lead", "viewer is no longer a team lead"]


def test_deleting_a_squad_takes_its_lead_grants_with_it(teams_om, people):
    from teams.models import SquadUserObjectPermission

    own = squad_named(teams_om, "Own squad")
    assert SquadUserObjectPermission.objects.filter(content_object=own).exists()
    own.delete()
    assert not SquadUserObjectPermission.objects.exists()


def test_the_demo_team_lead_leads_customer_data_products(db):
    from opmodel.demo import demo_load

    model = demo_load()
    from django.contrib.auth import get_user_model

    tara = get_user_model().objects.get(username="tara")
    led = led_squads(access_for(tara, model))
    assert Squad.objects.get(pk__in=led).name == "Customer data products"


def test_a_second_cell_for_the_same_pair_is_a_validation_error_not_a_crash(teams_om, people, kafka):
    # The services skip re-querying references that are loaded rows; constraints over those
    # references must still be checked before the database sees the row.
    from opmodel.registry import registry
    from opmodel.services import part_create

    squad = Accountability.objects.filter(capability=kafka).first().squad
    before = Accountability.objects.count()
    with pytest.raises(ValidationError, match="already exists"):
        part_create(
            section=registry.get("teams.accountabilities"),
            operating_model=teams_om,
            actor=people["editor"],
            data={"capability": kafka, "squad": squad, "role": "informed"},
        )
    assert Accountability.objects.count() == before
