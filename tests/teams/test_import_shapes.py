"""Shapes real imports meet beyond the corpus: people moving teams, Team API ids, Backstage
substitutions and REST API JSON, the dry run showing the plan beside its problems."""

from __future__ import annotations

import json
import shutil
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from teams.importing import Source, backstage_read, import_plan, team_api_read
from teams.models import Capability, Person, Squad
from teams.services import import_apply
from tests.teams.test_import_corpus import CATALOG, SHAPES, counts, read

pytestmark = pytest.mark.django_db


@pytest.fixture
def om(people):
    from opmodel.services import operating_model_create

    return operating_model_create(actor=people["facilitator"], name="Shapes", organisation="Q")


def test_a_person_who_changes_team_moves(om, people, tmp_path):
    copy = tmp_path / "acme"
    shutil.copytree(CATALOG / "acme", copy)
    import_apply(operating_model=om, bundle=read(copy), actor=people["editor"])
    before = counts(om)
    team = copy / "team-b-group.yaml"
    moved = team.read_text().replace(
        "name: jenny.doe\nspec:\n  profile:\n    displayName: Jenny Doe\n"
        "    email: jenny-doe@example.com\n"
        "    picture: https://avatars.dicebear.com/api/avataaars/jenny-doe@example.com.svg"
        "?background=%23fff\n  memberOf: [team-b]",
        "name: jenny.doe\nspec:\n  profile:\n    displayName: Jenny Doe\n"
        "    email: jenny-doe@example.com\n"
        "    picture: https://avatars.dicebear.com/api/avataaars/jenny-doe@example.com.svg"
        "?background=%23fff\n  memberOf: [team-d]",
    )
    assert moved != team.read_text()
    team.write_text(moved)
    plan = import_plan(om, read(copy))
    assert [s.text for s in plan.steps] == ["Move Jenny Doe from Team B to Team D"]
    import_apply(operating_model=om, bundle=read(copy), actor=people["editor"])
    assert counts(om) == before
    assert Person.objects.get(source_ref="user:default/jenny.doe").squad.name == "Team D"
    assert import_plan(om, read(copy)).empty


def test_a_team_api_id_keeps_a_renamed_team(om, people):
    first = team_api_read([Source("t.yaml", "id: pay-7\nname: Payments\ntype: platform\n")])
    import_apply(operating_model=om, bundle=first, actor=people["editor"])
    renamed = team_api_read([Source("t.yaml", "id: pay-7\nname: Payouts\ntype: platform\n")])
    plan = import_plan(om, renamed)
    assert [s.text for s in plan.steps] == ["Update squad Payments: renamed Payouts"]
    import_apply(operating_model=om, bundle=renamed, actor=people["editor"])
    assert list(Squad.objects.filter(operating_model=om).values_list("name", "source_ref")) == [
        ("Payouts", "team:pay-7")
    ]


def test_substitutions_are_read_relative_to_the_entity_file(om, tmp_path):
    (tmp_path / "docs").mkdir()
    (tmp_path / "docs" / "about.md").write_text("Runs the ledger.\n")
    (tmp_path / "owner.json").write_text(json.dumps("group:default/ledger"))
    (tmp_path / "catalog-info.yaml").write_text(
        "apiVersion: backstage.io/v1alpha1\nkind: Component\nmetadata:\n  name: ledger-api\n"
        "  description: {$text: ./docs/about.md}\nspec:\n  owner: {$json: ./owner.json}\n"
        "---\napiVersion: backstage.io/v1alpha1\nkind: Group\nmetadata: {name: ledger}\n"
        "spec: {type: team, children: []}\n"
        "---\napiVersion: backstage.io/v1alpha1\nkind: Component\nmetadata:\n  name: far\n"
        "  description: {$text: https://example.com/x.md}\nspec: {owner: ledger}\n"
    )
    bundle = read(tmp_path / "catalog-info.yaml")
    (ledger, far) = bundle.capabilities
    assert (ledger.description, ledger.accountable) == ("Runs the ledger.", "ledger")
    assert far.description is None
    assert any("$text https://example.com/x.md is a URL" in str(w) for w in bundle.warnings)


@pytest.mark.parametrize("wrap", [lambda e: e, lambda e: {"items": e}])
def test_backstage_rest_api_json_is_read(om, wrap):
    entities = [
        {
            "apiVersion": "backstage.io/v1alpha1",
            "kind": "Group",
            "metadata": {"name": "ledger", "namespace": "default"},
            "spec": {"type": "team", "profile": {"displayName": "Ledger"}},
        },
        {
            "apiVersion": "backstage.io/v1alpha1",
            "kind": "Component",
            "metadata": {"name": "ledger-api"},
            "spec": {"owner": "group:default/ledger"},
        },
    ]
    bundle = backstage_read([Source("entities.json", json.dumps(wrap(entities)))])
    assert not bundle.problems
    assert [s.name for s in bundle.squads] == ["Ledger"]
    assert [(c.name, c.accountable) for c in bundle.capabilities] == [("ledger-api", "Ledger")]


def test_a_location_cycle_is_read_once(om, tmp_path):
    location = "apiVersion: backstage.io/v1alpha1\nkind: Location\nmetadata: {{name: {}}}\n"
    (tmp_path / "a.yaml").write_text(location.format("a") + "spec: {targets: ['./b.yaml']}\n")
    (tmp_path / "b.yaml").write_text(location.format("b") + "spec: {targets: ['./*.yaml']}\n")
    bundle = read(tmp_path / "a.yaml")
    assert sorted(Path(f).name for f in bundle.files) == ["a.yaml", "b.yaml"]
    assert bundle.skipped_by == {"Locations (followed)": 2}


def test_a_location_never_reads_outside_the_given_folders(om, tmp_path):
    inside = tmp_path / "catalog"
    inside.mkdir()
    (tmp_path / "secret.yaml").write_text(
        "apiVersion: backstage.io/v1alpha1\nkind: Group\nmetadata: {name: secret}\n"
        "spec: {type: team}\n"
    )
    (inside / "all.yaml").write_text(
        "apiVersion: backstage.io/v1alpha1\nkind: Location\nmetadata: {name: all}\n"
        "spec: {targets: ['../secret.yaml', '../*.yaml']}\n"
    )
    bundle = read(inside / "all.yaml")
    assert not bundle.squads
    assert any("target ../secret.yaml not found" in str(w) for w in bundle.warnings)


def test_the_dry_run_shows_the_plan_beside_its_problems(om):
    out = StringIO()
    with pytest.raises(CommandError) as refused:
        call_command(
            "import_team_api",
            str(SHAPES / "payments.yml"),
            str(Path(__file__).parent / "data" / "broken" / "team-api.yaml"),
            into=om.slug,
            dry_run=True,
            stdout=out,
        )
    assert "Create squad Payments stream" in out.getvalue()
    assert "mode 'telepathy'" in str(refused.value)
    assert not Capability.objects.filter(operating_model=om).exists()


def test_the_template_lists_interactions_expected_soon(om):
    bundle = team_api_read([Source("fraud.md", (SHAPES / "fraud.md").read_text())])
    assert bundle.skipped_by["interactions expected soon (not imported)"] == 1
    assert any("Risk reporting" in note for note in bundle.skipped)


def test_a_problem_points_at_the_list_item_it_is_about(om):
    text = (Path(__file__).parent / "data" / "broken" / "team-api.yaml").read_text()
    problems = import_plan(om, team_api_read([Source("team-api.yaml", text)])).problems
    where = {(p.field, p.line) for p in problems}
    assert where == {("type", 2), ("interactions[2]", 6)}
