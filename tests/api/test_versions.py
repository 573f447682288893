"""The API's versions: diffs between any two versions (the compare page's answer, as JSON), and
the model as code imported through the API (preview writes nothing; apply needs the preview's
fingerprint, and a model changed since is a 409 with the fresh preview)."""

from __future__ import annotations

import json

import pytest
from django.test import Client
from django.utils import timezone

from canvas.models import Stage
from opmodel import services
from opmodel.models import OperatingModel
from opmodel.registry import registry
from opmodel.versions import document_dump, document_export, snapshot_build
from opmodel.versions.timeline import versions_compare

pytestmark = pytest.mark.django_db


def _rename_first_stage(om, actor, name: str) -> Stage:
    stage = Stage.objects.filter(operating_model=om).order_by("position").first()
    return services.part_update(
        section=registry.get("canvas.stages"),
        part=stage,
        revision=stage.revision,
        actor=actor,
        data={"name": name},
    )


def test_a_diff_between_a_release_and_the_draft_is_the_compare_pages(small_om, people, bearer):
    services.release_publish(operating_model=small_om, actor=people["facilitator"], title="One")
    _rename_first_stage(small_om, people["editor"], "Renamed in the draft")
    client, headers = Client(), bearer(people["viewer"], scope="read")
    response = client.get(f"/api/v1/models/{small_om.slug}/diff", headers=headers)
    assert response.status_code == 200
    body = response.json()
    assert body["old"]["ref"] == "v1" and body["new"]["ref"] == "draft"  # the page's defaults
    expected = versions_compare(small_om, "v1", "draft").diff
    assert body["diff"]["changes"] == expected.change_count == 1
    [section] = body["diff"]["sections"]
    [row] = section["rows"]
    assert section["key"] == "canvas.stages" and row["kind"] == "changed"
    assert row["fields"][0]["new"] == "Renamed in the draft"
    assert row["who"] == [r for r in expected.changed_sections[0].rows[0].who]
    assert row["who"], "who changed it comes from history"
    same = client.get(f"/api/v1/models/{small_om.slug}/diff?from=v1&to=v1", headers=headers)
    assert same.json()["diff"] == {"changes": 0, "model": [], "sections": []}


def test_a_diff_from_a_moment_in_history(small_om, people, bearer):
    before = timezone.now()
    _rename_first_stage(small_om, people["editor"], "Later")
    moment = before.isoformat()
    response = Client().get(
        f"/api/v1/models/{small_om.slug}/diff",
        {"from": moment, "to": "draft"},
        headers=bearer(people["viewer"]),
    )
    assert response.status_code == 200
    assert response.json()["diff"]["sections"][0]["rows"][0]["fields"][0]["new"] == "Later"


@pytest.mark.parametrize("ref", ["v9", "yesterday"])
def test_a_version_that_does_not_exist_is_a_422_problem(ref, small_om, people, bearer):
    response = Client().get(
        f"/api/v1/models/{small_om.slug}/diff", {"from": ref}, headers=bearer(people["viewer"])
    )
    assert response.status_code == 422
    assert response["Content-Type"] == "application/problem+json"


def _put(client, url, text, headers, content_type="application/yaml"):
    return client.put(url, text, content_type=content_type, headers=headers)


def test_an_import_preview_writes_nothing_and_apply_needs_its_fingerprint(small_om, people, bearer):
    client, headers = Client(), bearer(people["facilitator"])
    document = document_export(small_om)
    document["sections"]["canvas.stages"][0]["name"] = "From a file"
    text = document_dump(document, "yaml")
    before = snapshot_build(small_om)
    url = f"/api/v1/models/{small_om.slug}/document"
    preview = client.post(f"{url}/preview", text, content_type="application/yaml", headers=headers)
    assert preview.status_code == 200, preview.json()
    plan = preview.json()
    assert snapshot_build(small_om) == before  # nothing written
    assert plan["diff"]["changes"] == 1
    assert plan["diff"]["sections"][0]["rows"][0]["fields"][0]["new"] == "From a file"
    # the model changes after the preview: the apply is refused, with the preview as it is now
    _rename_first_stage(small_om, people["editor"], "Changed meanwhile")
    stale = _put(client, f"{url}?fingerprint={plan['fingerprint']}", text, headers)
    assert stale.status_code == 409 and stale["Content-Type"] == "application/problem+json"
    assert Stage.objects.filter(operating_model=small_om, name="Changed meanwhile").exists()
    fresh = stale.json()["preview"]
    assert fresh["fingerprint"] != plan["fingerprint"]
    applied = _put(client, f"{url}?fingerprint={fresh['fingerprint']}", text, headers)
    assert applied.status_code == 200, applied.json()
    assert Stage.objects.filter(operating_model=small_om, name="From a file").exists()
    # JSON works the same
    again = client.post(
        f"{url}/preview", json.dumps(document), content_type="application/json", headers=headers
    )
    assert again.status_code == 200 and again.json()["diff"]["changes"] == 0


def test_a_new_model_is_imported_from_a_document(small_om, people, bearer):
    client, headers = Client(), bearer(people["participant"])
    document = document_export(small_om)
    document["model"]["name"] = "Imported copy"
    text = document_dump(document, "json")
    preview = client.post(
        "/api/v1/imports/preview", text, content_type="application/json", headers=headers
    )
    assert preview.status_code == 200 and preview.json()["model"]["name"] == "Imported copy"
    assert not OperatingModel.objects.filter(name="Imported copy").exists()
    made = client.post("/api/v1/imports", text, content_type="application/json", headers=headers)
    assert made.status_code == 201
    copy = OperatingModel.objects.get(slug=made.json()["slug"])
    assert copy.name == "Imported copy"
    assert Stage.objects.filter(operating_model=copy).count() == len(
        document["sections"]["canvas.stages"]
    )


def test_an_invalid_document_is_a_422_naming_the_bad_value(small_om, people, bearer):
    bad = (
        "schema_version: 1\nmodel: {name: Bad}\nsections:\n"
        "  teams.squads:\n    - {id: a, name: A, team_type: nonsense, mode: sustain}\n"
    )
    response = Client().post(
        "/api/v1/imports/preview", bad, content_type="application/yaml",
        headers=bearer(people["editor"]),
    )  # fmt: skip
    assert response.status_code == 422
    assert "teams.squads[0].team_type" in response.content.decode()
    empty = Client().post(
        "/api/v1/imports", "", content_type="application/yaml", headers=bearer(people["editor"])
    )
    assert empty.status_code == 422
