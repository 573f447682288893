"""Importing real public files as they are (tests/teams/corpus, see its README): each source
imports in one command without hand edits, with counts by kind in and out; a second import
changes nothing; a rename renames; every skipped file is listed."""

from __future__ import annotations

import shutil
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from opmodel.models import Role
from opmodel.services import member_add, operating_model_create
from teams.health import capability_without_accountable
from teams.importing import (
    Source,
    backstage_read,
    file_access,
    import_plan,
    sources_from_paths,
    team_api_read,
)
from teams.models import Accountability, Capability, Interaction, Person, Squad
from teams.services import import_apply

pytestmark = [pytest.mark.engine, pytest.mark.django_db]

CORPUS = Path(__file__).parent / "corpus"
CATALOG = CORPUS / "backstage-catalog-model"
SHAPES = Path(__file__).parent / "data" / "team-api-shapes"


@pytest.fixture
def om(people):
    model = operating_model_create(actor=people["facilitator"], name="Corpus", organisation="Q")
    member_add(
        operating_model=model, actor=people["facilitator"], user=people["editor"], role=Role.EDITOR
    )
    return model


def read(*paths: Path, **options):
    given = [str(p) for p in paths]
    opener, globber = file_access(given)
    return backstage_read(sources_from_paths(given), opener=opener, globber=globber, **options)


def _found(om, capability) -> bool:
    return Accountability.objects.filter(
        capability__operating_model=om, capability__name=capability.name, role="accountable"
    ).exists()


def counts(om) -> dict[str, int]:
    return {
        "squads": Squad.objects.filter(operating_model=om).count(),
        "people": Person.objects.filter(squad__operating_model=om).count(),
        "capabilities": Capability.objects.filter(operating_model=om).count(),
        "accountable": Accountability.objects.filter(
            operating_model=om, role="accountable"
        ).count(),
        "interactions": Interaction.objects.filter(operating_model=om).count(),
    }


# source -> (entities read by kind that Level 2 imports, what the model holds after, skipped)
SOURCES = {
    "backstage-catalog-model": (
        {"squads": 5, "people": 17, "capabilities": 16, "accountable": 8, "interactions": 0},
        {
            "Locations (followed)": 10,
            "AiResource entities": 3,
            "API entities": 8,
            "files or documents that are not catalog entities": 1,
            "Domain entities": 3,
            "Environment entities": 2,
            "groups that are not teams (only parents)": 4,
        },
    ),
    "backstage-default-app": (
        {"squads": 1, "people": 1, "capabilities": 2, "accountable": 2, "interactions": 0},
        {
            "API entities": 1,
            "Template entities": 1,
            "files or documents that are not catalog entities": 1,
        },
    ),
    "backstage-demo": (
        {"squads": 0, "people": 0, "capabilities": 1, "accountable": 0, "interactions": 0},
        {
            "files or documents that are not catalog entities": 38,
            "Template entities": 1,
            "API entities": 2,
            "AiResource entities": 6,
        },
    ),
}


@pytest.mark.parametrize("source", sorted(SOURCES))
def test_each_backstage_source_imports_as_it_is_and_twice_changes_nothing(om, people, source):
    expected, skipped = SOURCES[source]
    bundle = read(CORPUS / source)
    plan = import_plan(om, bundle)
    assert plan.ok, [str(p) for p in plan.problems]
    assert bundle.skipped_by == skipped
    assert len(plan.skipped) == sum(skipped.values())  # every skipped file or entity is listed
    import_apply(operating_model=om, bundle=bundle, actor=people["editor"])
    assert counts(om) == expected
    assert import_plan(om, read(CORPUS / source)).empty
    # what came in unowned is a health finding, not a blocker
    unowned = {c.name for c in bundle.capabilities if c.accountable is None}
    unowned |= {c.name for c in bundle.capabilities if c.owner_ref and not _found(om, c)}
    findings = {f.message for f in capability_without_accountable(om)}
    assert len(findings) == expected["capabilities"] - expected["accountable"] == len(unowned)


def test_the_catalog_entry_point_follows_its_locations(om):
    bundle = read(CATALOG / "all.yaml")
    assert bundle.ok if hasattr(bundle, "ok") else not bundle.problems
    # all.yaml names six collections; each is read once, with the files they target
    assert len(bundle.files) == 1 + 6 + 3 + 7 + 6 + 3 + 1 + 3
    assert bundle.skipped_by["Locations (followed)"] == 7
    assert {c.name for c in bundle.capabilities} >= {"Artist Engagement Portal", "artists-db"}
    assert not bundle.squads  # groups are not reached from all.yaml (acme-corp.yaml is a URL)
    url = [str(w) for w in read(CATALOG / "acme-corp.yaml").warnings]
    assert len(url) == 1 and "is a URL: it is not fetched" in url[0]


def test_backstage_conventions_on_the_acme_groups(om):
    bundle = read(CATALOG / "acme" / "org.yaml")  # the Location inside follows the groups
    squads = {s.name: s for s in bundle.squads}
    assert sorted(squads) == ["Team B", "Team D", "team-a", "team-c"]  # displayName, else name
    assert squads["Team B"].fields["domain"] == "Backstage"  # the parent's displayName
    assert squads["team-c"].fields["domain"] == "boxoffice"
    assert squads["Team B"].ref == "group:default/team-b"
    guests = sorted(p.name for p in bundle.people if p.name.startswith("Guest"))
    assert guests == ["Guest User", "Guest User (development)"]  # two namespaces, two people


def test_children_name_the_domain_when_a_team_has_no_parent(om):
    text = """
apiVersion: backstage.io/v1alpha1
kind: Group
metadata: {name: payments}
spec: {type: department, profile: {displayName: Payments}, children: [group:default/ledger]}
---
apiVersion: backstage.io/v1alpha1
kind: Group
metadata: {name: ledger}
spec: {type: squad, children: []}
"""
    bundle = backstage_read([Source("org.yaml", text)])
    assert [(s.name, s.fields.get("domain")) for s in bundle.squads] == [("ledger", "Payments")]
    assert backstage_read([Source("org.yaml", text)], team_types=["team"]).squads == []


def test_user_owned_and_unknown_owners_are_warnings_and_strict_refuses(om):
    bundle = read(CATALOG)
    owners = {c.name: c.accountable for c in bundle.capabilities}
    assert owners["playback-order"] == "team-a"  # user:guest's team
    assert owners["podcast"] is None  # user:team-b is no user in the files
    warnings = [str(w) for w in import_plan(om, bundle).warnings]
    assert len(warnings) == 12
    assert any("owner user:guest is a person: their team team-a" in w for w in warnings)
    strict = import_plan(om, read(CATALOG, strict=True))
    assert len(strict.problems) == 12 and strict.digest() != import_plan(om, bundle).digest()


def test_the_command_imports_a_whole_repository_and_strict_refuses_it(om):
    out = StringIO()
    call_command("import_backstage", str(CORPUS / "backstage-demo"), into=om.slug, stdout=out)
    text = out.getvalue()
    assert "Read 42 files; skipped 38 files or documents that are not catalog entities" in text
    assert "Skipped: " in text and ".github/workflows/master.yml" in text
    assert "owner group:backstage/maintainers not found" in text  # the namespace kept
    with pytest.raises(CommandError):
        call_command(
            "import_backstage",
            str(CORPUS / "backstage-demo"),
            into=om.slug,
            strict=True,
            stdout=StringIO(),
        )


def test_a_rename_in_the_catalog_renames_the_squad_and_the_capability(om, people, tmp_path):
    copy = tmp_path / "catalog"
    shutil.copytree(CATALOG, copy)
    import_apply(operating_model=om, bundle=read(copy), actor=people["editor"])
    before = counts(om)
    team = copy / "acme" / "team-b-group.yaml"
    team.write_text(team.read_text().replace("displayName: Team B", "displayName: Team Bee"))
    system = copy / "systems" / "artist-engagement-portal-system.yaml"
    system.write_text(system.read_text().replace("Artist Engagement Portal", "Artist portal"))
    plan = import_plan(om, read(copy))
    assert [s.text for s in plan.steps] == [
        "Update squad Team B: renamed Team Bee",
        "Update capability Artist Engagement Portal: name",
    ]
    import_apply(operating_model=om, bundle=read(copy), actor=people["editor"])
    assert counts(om) == before
    assert Squad.objects.get(operating_model=om, source_ref="group:default/team-b").name == (
        "Team Bee"
    )
    assert Person.objects.filter(squad__name="Team Bee").count() == 5
    assert import_plan(om, read(copy)).empty


def test_the_team_api_template_and_shapes(om, people):
    template = team_api_read(sources_from_paths([str(CORPUS / "team-api-template")]))
    assert not template.squads and not template.problems
    assert any("a blank Team API template" in note for note in template.skipped)
    bundle = team_api_read(sources_from_paths([str(SHAPES)]))
    assert not bundle.problems, [str(p) for p in bundle.problems]
    import_apply(operating_model=om, bundle=bundle, actor=people["editor"])
    assert counts(om) == {
        "squads": 5,
        "people": 0,
        "capabilities": 0,
        "accountable": 0,
        "interactions": 3,
    }
    payments = Squad.objects.get(operating_model=om, name="Payments stream")
    assert payments.services == "- Payout service (https://payouts.example.com)"  # not a repr
    assert payments.contact == "slack: payments-stream"
    assert "Daily sync: Monday 09:30, 15 min" in payments.ways_of_working
    fraud = Squad.objects.get(operating_model=om, name="Fraud detection")
    assert (fraud.team_type, fraud.focus) == (
        "complicated_subsystem",
        "stop card fraud before payout",
    )
    directed = set(
        Interaction.objects.filter(operating_model=om).values_list(
            "squad__name", "partner__name", "mode"
        )
    )
    # the platform provides (it listed its consumer too: imported once), the enabling team
    # facilitates though the stream-aligned team listed it
    assert directed == {
        ("Payments stream", "Payments platform", "x_as_a_service"),
        ("Test automation enabling", "Payments stream", "facilitating"),
        ("Fraud detection", "Payments stream", "collaboration"),
    }
    again = team_api_read(sources_from_paths([str(SHAPES), str(CORPUS / "team-api-template")]))
    assert import_plan(om, again).empty


def test_the_preview_validates_field_lengths_as_apply_does(om):
    name = "A squad whose name is far longer than the eighty characters a squad name may have"
    text = f"name: Payments\ndomain: {name} in the model\n"
    plan = import_plan(om, team_api_read([Source("long.yaml", text)]))
    assert len(plan.problems) == 1
    problem = plan.problems[0]
    assert (problem.file, problem.entity, problem.field, problem.line) == (
        "long.yaml",
        "team Payments",
        "domain",
        2,
    )
    assert "at most 80 characters" in problem.message


def test_apply_writes_in_batches_and_records_history(om, people, django_assert_max_num_queries):
    bundle = read(CATALOG)
    plan = import_plan(om, bundle)
    assert len(plan.steps) == 46
    # a few queries per kind of row, not per row (the plan's reads included)
    with django_assert_max_num_queries(25):
        import_apply(operating_model=om, bundle=bundle, actor=people["editor"])
    squad = Squad.objects.get(operating_model=om, name="Team B")
    record = squad.history.get()
    assert (record.history_user, record.history_change_reason) == (
        people["editor"],
        "Imported from Backstage catalog",
    )
    cells = Accountability.objects.filter(operating_model=om)
    assert all(c.history.count() == 1 for c in cells)
    positions = list(Squad.objects.filter(operating_model=om).values_list("position", flat=True))
    assert sorted(positions) == list(range(5))  # one group (stream-aligned), in file order


def uploads(*paths: Path):
    from django.core.files.uploadedfile import SimpleUploadedFile

    return [SimpleUploadedFile(p.name, p.read_bytes(), "application/yaml") for p in paths]


def test_the_web_preview_shows_warnings_and_skips_and_applies(om, people, client_for):
    from django.urls import reverse

    client = client_for(people["editor"])
    url = reverse("teams-import", args=[om.slug])
    files = sorted(p for p in CATALOG.rglob("*.yaml"))
    preview = client.post(url, {"source": "backstage", "documents": uploads(*files)})
    html = preview.content.decode()
    assert preview.status_code == 200, html
    assert "12 warnings" in html and "owner user:guest is a person" in html
    assert "Read 51 files; skipped 10 Locations (followed)" in html
    assert client.post(url, {"action": "apply"}).status_code == 302
    assert counts(om)["squads"] == 5 and counts(om)["capabilities"] == 16


def test_a_failed_apply_says_why_and_changes_nothing(om, people, client_for, monkeypatch):
    from django.core.exceptions import ValidationError
    from django.urls import reverse

    from teams import services

    client = client_for(people["editor"])
    url = reverse("teams-import", args=[om.slug])
    client.post(url, {"source": "team_api", "documents": uploads(SHAPES / "payments.yml")})

    def refuse(self, row, step):
        if step.kind == "interaction":
            raise ValidationError(f"{step.origin}: refused")

    monkeypatch.setattr(services._Batch, "_check", refuse)
    response = client.post(url, {"action": "apply"})
    assert response.status_code == 422
    html = response.content.decode()
    assert "Nothing was imported:" in html and "payments.yml: team Payments stream: refused" in html
    assert counts(om)["squads"] == 0  # the squads written before the refusal are rolled back
