"""Importing squads, people and ownership from a Backstage catalog and from Team API files:
a plan first (nothing written), then all of it or nothing, and the same files twice change
nothing the second time."""

from __future__ import annotations

from io import StringIO
from pathlib import Path

import pytest
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.core.management.base import CommandError

from teams.importing import backstage_read, import_plan, sources_from_paths, team_api_read
from teams.models import Accountability, Capability, Interaction, Person, Squad
from teams.services import import_apply
from tests.teams.test_permissions import snapshot

pytestmark = [pytest.mark.engine, pytest.mark.django_db]

DATA = Path(__file__).parent / "data"
BACKSTAGE = str(DATA / "backstage")
TEAM_API = str(DATA / "team-api")


def backstage(*paths: str):
    return backstage_read(sources_from_paths(list(paths) or [BACKSTAGE]))


def team_api(*paths: str):
    return team_api_read(sources_from_paths(list(paths) or [TEAM_API]))


def squad(om, name: str) -> Squad:
    return Squad.objects.get(operating_model=om, name__iexact=name)


def test_the_plan_lists_every_change_and_writes_nothing(teams_om):
    before = snapshot(teams_om)
    plan = import_plan(teams_om, backstage())
    assert plan.ok, plan.problems
    texts = [step.text for step in plan.steps]
    assert "Create squad Data Platform (Platform, Growth)" in texts
    assert "Create squad ML enablement (Enabling, Growth)" in texts
    assert "Add Amira Haddad to Customer data products" in texts
    assert "Create capability Data contracts (Governance)" in texts
    assert "Make Data Platform accountable for Data streaming" in texts
    assert any("location:default/quokka-catalog followed" in note for note in plan.skipped)
    assert snapshot(teams_om) == before


def test_a_backstage_catalog_becomes_squads_people_and_capabilities(teams_om, people):
    plan = import_apply(operating_model=teams_om, bundle=backstage(), actor=people["editor"])
    assert not plan.empty
    platform = squad(teams_om, "Data Platform")
    assert platform.team_type == "platform"
    assert platform.domain == "Data"  # the parent group's title
    assert platform.contact == "data-platform@quokka.example"
    assert platform.purpose.startswith("Runs the streaming")
    assert squad(teams_om, "ML enablement").team_type == "enabling"
    customer = squad(teams_om, "Customer data products")
    assert customer.team_type == "stream_aligned"  # no annotation: the default
    assert sorted(Person.objects.filter(squad=platform).values_list("name", flat=True)) == [
        "Ben Okafor",
        "Chloé Martin",
    ]
    # members from User.memberOf and from the group's spec.members, each once
    assert sorted(Person.objects.filter(squad=customer).values_list("name", flat=True)) == [
        "Amira Haddad",
        "eli",
    ]
    areas = dict(Capability.objects.filter(operating_model=teams_om).values_list("name", "area"))
    assert areas["Data streaming"] == "engineering"
    assert areas["kafka-connect"] == "engineering"
    assert areas["Data contracts"] == "governance"  # the annotation
    assert areas["Feature store"] == "facilitation"  # the tag
    accountable = dict(
        Accountability.objects.filter(operating_model=teams_om, role="accountable").values_list(
            "capability__name", "squad__name"
        )
    )
    assert accountable["Customer 360"] == "Customer data products"
    assert accountable["Feature store"] == "ML enablement"
    assert not Squad.objects.filter(operating_model=teams_om, name__in=["Data", "Quokka Inc"])
    record = platform.history.earliest()
    assert record.history_user == people["editor"]
    assert record.history_change_reason == "Imported from Backstage catalog"


def test_reimporting_the_same_catalog_changes_nothing(teams_om, people):
    import_apply(operating_model=teams_om, bundle=backstage(), actor=people["editor"])
    before = snapshot(teams_om)
    plan = import_plan(teams_om, backstage())
    assert plan.ok and plan.empty, [s.text for s in plan.steps]
    import_apply(operating_model=teams_om, bundle=backstage(), actor=people["editor"])
    assert snapshot(teams_om) == before


def test_matching_is_by_name_whatever_the_case(teams_om, people):
    """An existing squad is updated, not duplicated; its fields the file leaves out stay."""
    own = squad(teams_om, "Own squad")
    own.focus = "Keep this"
    own.save()
    from teams.importing import Source

    text = """
apiVersion: backstage.io/v1alpha1
kind: Group
metadata: {name: own-squad, title: OWN SQUAD, description: New purpose}
spec: {type: team, children: []}
"""
    plan = import_plan(teams_om, backstage_read([Source("own.yaml", text)]))
    assert [s.text for s in plan.steps] == ["Update squad Own squad: purpose"]
    import_apply(
        operating_model=teams_om, bundle=backstage_read([Source("own.yaml", text)]), actor=None
    )
    own.refresh_from_db()
    assert (own.name, own.purpose, own.focus) == ("Own squad", "New purpose", "Keep this")
    assert Squad.objects.filter(operating_model=teams_om, name__iexact="own squad").count() == 1


def test_ownership_moves_to_the_catalog_owner_and_the_old_one_becomes_responsible(teams_om, people):
    from teams.importing import Source

    text = """
apiVersion: backstage.io/v1alpha1
kind: Component
metadata: {name: kafka, title: Kafka platform}
spec: {type: service, owner: own-squad}
---
apiVersion: backstage.io/v1alpha1
kind: Group
metadata: {name: own-squad, title: Own squad}
spec: {type: team, children: []}
"""
    bundle = backstage_read([Source("kafka.yaml", text)])
    plan = import_plan(teams_om, bundle)
    assert [s.text for s in plan.steps if s.kind == "accountability"] == [
        "Make Own squad accountable for Kafka platform",
        "Platform squad becomes responsible for Kafka platform (was accountable)",
    ]
    import_apply(operating_model=teams_om, bundle=bundle, actor=people["editor"])
    roles = dict(
        Accountability.objects.filter(capability__name="Kafka platform").values_list(
            "squad__name", "role"
        )
    )
    assert roles == {"Own squad": "accountable", "Platform squad": "responsible"}


def test_team_api_files_set_the_team_api_people_and_interactions(teams_om, people):
    import_apply(operating_model=teams_om, bundle=team_api(), actor=people["facilitator"])
    platform = squad(teams_om, "Data Platform")
    assert (platform.team_type, platform.mode, platform.domain) == ("platform", "sustain", "Data")
    assert platform.services == "- Kafka topics with schema registry\n- Managed connectors"
    assert "#data-platform channel" in platform.ways_of_working
    assert platform.contact == "#data-platform on Slack"
    ben = Person.objects.get(squad=platform, name="Ben Okafor")
    assert (ben.role, ben.is_lead) == ("Platform engineer", True)
    modes = {
        (i.squad.name, i.partner.name, i.mode): i
        for i in Interaction.objects.filter(operating_model=teams_om)
    }
    # listed by both sides (provider and consumer): one interaction, the consumer starts it
    assert ("Customer data products", "Data Platform", "x_as_a_service") in modes
    assert ("Data Platform", "Customer data products", "x_as_a_service") not in modes
    facilitating = modes[("ML enablement", "Customer data products", "facilitating")]
    assert str(facilitating.expected_end) == "2027-03-31"
    assert platform.history.earliest().history_change_reason == "Imported from Team API"
    assert import_plan(teams_om, team_api()).empty


def test_backstage_then_team_api_updates_the_same_squads(teams_om, people):
    import_apply(operating_model=teams_om, bundle=backstage(), actor=people["editor"])
    plan = import_plan(teams_om, team_api())
    texts = [s.text for s in plan.steps]
    assert not any(t.startswith("Create squad") for t in texts), texts
    assert (
        "Update squad Data Platform: focus, services, ways of working, contact, mode of operation"
        in texts
    )
    assert "Update Ben Okafor in Data Platform: role, team lead" in texts


def test_bad_files_change_nothing_and_every_problem_is_reported(teams_om, people):
    before = snapshot(teams_om)
    bundle = backstage(
        BACKSTAGE, str(DATA / "broken" / "catalog.yaml"), str(DATA / "broken" / "bad.yaml")
    )
    plan = import_plan(teams_om, bundle)
    problems = [str(p) for p in plan.problems]
    assert any("bad.yaml" in p and "not valid YAML" in p for p in problems)
    assert any(
        "catalog.yaml:6 (document 1): group:default/search: metadata.annotations" in p
        and "'squad-of-heroes' is not a team type" in p
        for p in problems
    )
    assert any("no metadata.name" in p and "(document 4)" in p for p in problems)
    # an owner found nowhere leaves the capability unowned (a warning, not a blocker)
    warnings = [str(p) for p in plan.warnings]
    assert any(
        "component:default/billing: spec.owner: owner group:default/payments not found" in w
        for w in warnings
    )
    # an unknown kind is skipped and listed, never a blocker
    assert any("Componnet typo has no Level 2 meaning" in note for note in plan.skipped)
    with pytest.raises(ValidationError) as refused:
        import_apply(operating_model=teams_om, bundle=bundle, actor=people["editor"])
    assert len(refused.value.messages) == len(problems)
    assert snapshot(teams_om) == before  # the good catalog beside them is not imported either


def test_a_bad_team_api_file_changes_nothing(teams_om, people):
    before = snapshot(teams_om)
    bundle = team_api(TEAM_API, str(DATA / "broken" / "team-api.yaml"))
    problems = [str(p) for p in import_plan(teams_om, bundle).problems]
    assert any("team Search: type: type 'squad-of-heroes'" in p for p in problems)
    assert any("mode 'telepathy'" in p for p in problems)
    with pytest.raises(ValidationError):
        import_apply(operating_model=teams_om, bundle=bundle, actor=people["editor"])
    assert snapshot(teams_om) == before


def test_files_never_construct_python_objects(teams_om):
    from teams.importing import Source

    text = "!!python/object/apply:os.system ['echo pwned']\n"
    plan = import_plan(teams_om, team_api_read([Source("evil.yaml", text)]))
    assert plan.problems and "not plain data" in str(plan.problems[0])
    # a refused file is a problem even in a catalog folder (never skipped as "not a catalog")
    plan = import_plan(teams_om, backstage_read([Source("evil.yaml", text)]))
    assert plan.problems and "not plain data" in str(plan.problems[0])


def test_the_command_dry_run_writes_nothing(teams_om):
    before = snapshot(teams_om)
    out = StringIO()
    call_command("import_backstage", BACKSTAGE, into=teams_om.slug, dry_run=True, stdout=out)
    assert "Create squad Data Platform" in out.getvalue()
    assert "Dry run: nothing was written." in out.getvalue()
    assert snapshot(teams_om) == before


def test_the_commands_import_and_then_find_nothing_to_do(teams_om):
    for command, path in [("import_backstage", BACKSTAGE), ("import_team_api", TEAM_API)]:
        out, again = StringIO(), StringIO()
        call_command(command, path, into=teams_om.slug, stdout=out)
        assert "Imported into Teams" in out.getvalue()
        call_command(command, path, into=teams_om.slug, stdout=again)
        assert "Nothing to change." in again.getvalue()


def test_the_command_reports_problems_and_writes_nothing(teams_om):
    before = snapshot(teams_om)
    with pytest.raises(CommandError) as refused:
        call_command(
            "import_backstage",
            BACKSTAGE,
            str(DATA / "broken" / "catalog.yaml"),
            into=teams_om.slug,
            stdout=StringIO(),
        )
    assert "'squad-of-heroes' is not a team type" in str(refused.value)
    assert snapshot(teams_om) == before


def uploads(*paths: Path):
    from django.core.files.uploadedfile import SimpleUploadedFile

    return [SimpleUploadedFile(p.name, p.read_bytes(), "application/yaml") for p in paths]


CATALOG = sorted((DATA / "backstage").rglob("*.yaml"))


def test_the_upload_page_previews_then_applies(teams_om, people, client_for):
    from django.urls import reverse

    client = client_for(people["editor"])
    url = reverse("teams-import", args=[teams_om.slug])
    squads_page = client.get(reverse("teams-squads", args=[teams_om.slug])).content.decode()
    assert url in squads_page  # the link from the squads page
    assert client.get(url).status_code == 200
    before = snapshot(teams_om)
    preview = client.post(url, {"source": "backstage", "documents": uploads(*CATALOG)})
    assert preview.status_code == 200
    html = preview.content.decode()
    assert "Create squad Data Platform" in html and "Apply " in html
    assert snapshot(teams_om) == before  # a preview writes nothing
    applied = client.post(url, {"action": "apply"})
    assert applied.status_code == 302
    assert squad(teams_om, "Data Platform").team_type == "platform"
    # the same files again: an empty plan, no Apply button
    again = client.post(url, {"source": "backstage", "documents": uploads(*CATALOG)})
    assert "Nothing to change" in again.content.decode()
    assert "Apply " not in again.content.decode()


def test_the_upload_page_lists_every_problem_and_cannot_apply(teams_om, people, client_for):
    from django.urls import reverse

    client = client_for(people["facilitator"])
    url = reverse("teams-import", args=[teams_om.slug])
    before = snapshot(teams_om)
    broken = sorted((DATA / "broken").glob("*.yaml"))
    response = client.post(
        url, {"source": "backstage", "documents": uploads(*CATALOG, *broken[:2])}
    )
    assert response.status_code == 422
    html = response.content.decode()
    assert "not valid YAML" in html and "squad-of-heroes" in html and "payments" in html
    assert "Apply " not in html
    assert client.post(url, {"action": "apply"}).status_code == 422
    assert snapshot(teams_om) == before


def test_a_preview_made_stale_is_shown_again(teams_om, people, client_for):
    from django.urls import reverse

    client = client_for(people["editor"])
    url = reverse("teams-import", args=[teams_om.slug])
    from tests.teams.test_permissions import team_api_upload

    preview = client.post(url, {"source": "team_api", "documents": [team_api_upload()]})
    assert "Create squad Imported squad" in preview.content.decode()
    Squad.objects.create(operating_model=teams_om, name="Imported squad")
    response = client.post(url, {"action": "apply"})
    assert response.status_code == 409
    html = response.content.decode()
    assert "The model changed since your preview" in html
    assert "Update squad Imported squad: team type" in html
    assert not Person.objects.filter(name="Ines").exists()
    assert client.post(url, {"action": "apply"}).status_code == 302  # the new preview holds
    assert Person.objects.filter(name="Ines", squad__name="Imported squad").exists()


def test_an_upload_over_the_limit_is_refused(teams_om, people, client_for, settings):
    from django.urls import reverse

    settings.OPMODEL_IMPORT_MAX_BYTES = 100
    client = client_for(people["editor"])
    url = reverse("teams-import", args=[teams_om.slug])
    response = client.post(url, {"source": "backstage", "documents": uploads(*CATALOG)})
    assert response.status_code == 422
    assert "the limit is" in response.content.decode()


def test_an_import_announces_each_section_it_wrote_once_and_a_refused_one_nothing(
    teams_om, people, captured_events
):
    plan = import_apply(operating_model=teams_om, bundle=backstage(), actor=people["editor"])
    kinds = {step.kind for step in plan.steps}
    assert kinds == {"squad", "person", "capability", "accountability"}
    assert [
        (e["channel"], e["section"], e["id"], e["revision"], e["action"], e["actor_id"])
        for e in captured_events
    ] == [
        (teams_om.channel, key, None, None, "imported", people["editor"].pk)
        for key in ["teams.accountabilities", "teams.capabilities", "teams.people", "teams.squads"]
    ]
    captured_events.clear()
    import_apply(operating_model=teams_om, bundle=backstage(), actor=people["editor"])
    assert captured_events == []  # nothing changed the second time: nothing to re-fetch
    with pytest.raises(ValidationError):
        import_apply(
            operating_model=teams_om,
            bundle=team_api(TEAM_API, str(DATA / "broken" / "team-api.yaml")),
            actor=people["editor"],
        )
    assert captured_events == []
