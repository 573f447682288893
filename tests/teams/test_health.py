"""Each Level 2 health check: a failing and a passing case."""

from __future__ import annotations

import datetime

import pytest
from django.utils import timezone

from opmodel.registry import registry
from opmodel.services import part_create, part_update
from teams import health
from teams.models import Accountability, Capability, Interaction, Person
from teams.services import accountability_set
from tests.teams.conftest import squad_named

pytestmark = [pytest.mark.engine, pytest.mark.django_db]


def checks_of(check, model) -> list[str]:
    return [f.check for f in check(model)]


def add(key, model, actor, **data):
    return part_create(section=registry.get(key), operating_model=model, actor=actor, data=data)


def test_a_capability_with_no_accountable_squad_is_an_error(teams_om, people):
    assert checks_of(health.capability_without_accountable, teams_om) == []
    capability = add(
        "teams.capabilities", teams_om, people["editor"], name="DLP", area="governance"
    )
    findings = list(health.capability_without_accountable(teams_om))
    assert [(f.check, f.part_id, f.severity) for f in findings] == [
        ("no-accountable-squad", capability.pk, "error")
    ]


def _kafka_with_a_second_accountable_squad(teams_om, people) -> Capability:
    """The Kafka platform capability, with "Other squad" made accountable beside its own."""
    kafka = Capability.objects.get(operating_model=teams_om, name="Kafka platform")
    accountability_set(
        operating_model=teams_om,
        capability=kafka,
        squad=squad_named(teams_om, "Other squad"),
        role="accountable",
        revision=0,
        actor=people["editor"],
    )
    return kafka


def test_a_capability_with_two_accountable_squads_is_an_error(teams_om, people):
    assert checks_of(health.capability_with_several_accountable, teams_om) == []
    kafka = _kafka_with_a_second_accountable_squad(teams_om, people)
    (finding,) = health.capability_with_several_accountable(teams_om)
    assert finding.part_id == kafka.pk and "Other squad, Platform squad" in finding.message


def test_the_registered_capability_check_finds_what_the_two_checks_find_in_fewer_queries(
    teams_om, people, django_assert_num_queries
):
    """The section registers one check for both rules: the same findings, in the same order,
    as the two checks one after the other (two queries instead of four)."""
    lonely = add("teams.capabilities", teams_om, people["editor"], name="DLP", area="governance")
    kafka = _kafka_with_a_second_accountable_squad(teams_om, people)
    assert health.capability_accountable in registry.get("teams.capabilities").checks
    assert health.capability_without_accountable not in registry.get("teams.capabilities").checks
    apart = [
        *health.capability_without_accountable(teams_om),
        *health.capability_with_several_accountable(teams_om),
    ]
    with django_assert_num_queries(2):
        together = list(health.capability_accountable(teams_om))
    assert together == apart
    assert [(f.check, f.part_id) for f in together] == [
        ("no-accountable-squad", lonely.pk),
        ("several-accountable-squads", kafka.pk),
    ]


def test_a_squad_over_the_cognitive_load_limit_is_a_warning(teams_om, people, settings):
    settings.TEAMS_COGNITIVE_LOAD_LIMIT = 2
    assert checks_of(health.squad_overloaded, teams_om) == []  # Own squad: A for CI/CD only
    own = squad_named(teams_om, "Own squad")
    for name in ("One", "Two"):
        capability = add("teams.capabilities", teams_om, people["editor"], name=name)
        add(
            "teams.accountabilities",
            teams_om,
            people["editor"],
            capability=capability,
            squad=own,
            role="responsible",
        )
    (finding,) = health.squad_overloaded(teams_om)
    assert finding.part_id == own.pk and "3 capabilities" in finding.message


def test_a_platform_nobody_consumes_is_a_warning(teams_om, people):
    assert checks_of(health.platform_without_consumers, teams_om) == []
    Interaction.objects.filter(operating_model=teams_om).update(mode="collaboration")
    (finding,) = health.platform_without_consumers(teams_om)
    assert finding.part_id == squad_named(teams_om, "Platform squad").pk


def test_a_collaboration_past_its_expected_end_is_a_warning(teams_om, people):
    today = timezone.localdate()
    row = add(
        "teams.interactions",
        teams_om,
        people["editor"],
        squad=squad_named(teams_om, "Own squad"),
        partner=squad_named(teams_om, "Other squad"),
        mode="collaboration",
        starts_on=today - datetime.timedelta(days=90),
        expected_end=today + datetime.timedelta(days=30),
    )
    assert checks_of(health.collaboration_overdue, teams_om) == []
    part_update(
        section=registry.get("teams.interactions"),
        part=row,
        revision=row.revision,
        actor=people["editor"],
        data={"expected_end": today - datetime.timedelta(days=1)},
    )
    (finding,) = health.collaboration_overdue(teams_om)
    assert finding.part_id == row.pk and finding.section == "teams.interactions"


def test_a_squad_of_one_person_or_without_a_lead_is_a_warning(teams_om, people):
    assert checks_of(health.squad_people, teams_om) == []
    other = squad_named(teams_om, "Other squad")
    Person.objects.filter(squad=other, name="Ola").delete()
    Person.objects.filter(squad=squad_named(teams_om, "Own squad")).update(is_lead=False)
    assert sorted(checks_of(health.squad_people, teams_om)) == ["squad-no-lead", "squad-one-person"]


def test_a_squad_with_no_capability_is_noted(teams_om, people):
    assert checks_of(health.squad_without_capability, teams_om) == []
    Accountability.objects.filter(squad=squad_named(teams_om, "Other squad")).delete()
    (finding,) = health.squad_without_capability(teams_om)
    assert finding.severity == "info"


def test_the_demo_has_deliberate_findings_shown_on_the_health_page(om, people, client_for):
    from django.urls import reverse

    html = client_for(people["viewer"]).get(reverse("model-health", args=[om.slug])).content
    assert b"No squad is accountable for Data asset management" in html
    assert b"/teams/accountability/?area=governance#part-teams-capabilities-" in html
