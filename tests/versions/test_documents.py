"""The operating model as code: export, import, preview, errors, commands, round trip.

Engine tests (both passes): nearly all, as they import (writes, history, a refused import rolled
back) or publish. Three run once (SQLite): the export's form (keys and their order, the same text
twice: a read and a dump), a new model refused for want of a name (before anything is written)
and an upload refused for its size (before it is read)."""

from __future__ import annotations

import copy
import io
import json

import pytest
import yaml
from django.core.exceptions import ValidationError
from django.core.management import CommandError, call_command
from django.urls import reverse

from canvas.models import Metric, Principle, Stage
from opmodel.models import OperatingModel
from opmodel.registry import registry
from opmodel.services import document_import, document_import_preview, document_load
from opmodel.starters import starter_documents
from opmodel.versions import (
    document_dump,
    document_export,
    document_parse,
    snapshot_build,
)
from tests.versions.conftest import normalise_ids

pytestmark = [pytest.mark.django_db]


def _counts() -> tuple[int, ...]:
    return (
        OperatingModel.objects.count(),
        *(s.model._default_manager.count() for s in registry.sections()),
        *(s.model.history.count() for s in registry.sections()),
    )


def test_the_export_is_stable_and_in_registry_and_form_order(om):
    text = document_dump(document_export(om), "yaml")
    assert text == document_dump(document_export(om), "yaml")
    document = yaml.safe_load(text)
    assert list(document) == ["schema_version", "model", "sections"]
    assert document["schema_version"] == 1
    assert list(document["sections"]) == [s.key for s in registry.sections()]
    metric = document["sections"]["canvas.metrics"][0]
    assert list(metric) == ["id", *registry.get("canvas.metrics").fields]
    assert json.loads(document_dump(document_export(om), "json")) == document


@pytest.mark.engine
def test_a_release_export_says_which_release(om, publish):
    release = publish(om, "First")
    document = document_export(om, release=release)
    assert document["release"]["number"] == 1
    assert document["release"]["published_by"] == "facilitator"
    assert document["sections"] == release.snapshot["sections"]


@pytest.mark.engine
@pytest.mark.parametrize("fmt", ["yaml", "json"])
def test_export_import_export_is_lossless(om, people, fmt):
    first = document_export(om)
    text = document_dump(first, fmt)
    copy_of = document_import(document=document_parse(text), actor=people["editor"])
    assert copy_of.pk != om.pk
    assert normalise_ids(document_export(copy_of)) == normalise_ids(first)


@pytest.mark.engine
def test_every_starter_loads_and_round_trips(people):
    assert {s.key for s in starter_documents()} >= {
        "quokka",
        "central_data_team",
        "platform_engineering",
    }
    for starter in starter_documents():
        model = document_import(document=starter.document, actor=people["facilitator"])
        exported = document_export(model)
        again = document_import(document=exported, actor=people["facilitator"])
        assert normalise_ids(document_export(again)) == normalise_ids(exported), starter.key
        assert Metric.objects.filter(operating_model=model, is_north_star=True).count() == 1


@pytest.mark.engine
def test_importing_into_a_model_updates_by_id_adds_and_deletes(om, people):
    document = copy.deepcopy(snapshot_build(om))
    stages = document["sections"]["canvas.stages"]
    kept = stages[0]["id"]
    stages[0]["name"] = "Discover & frame"
    removed = stages.pop()["id"]
    stages.append({"name": "Celebrate"})
    document["model"]["description"] = "Now as code"
    document_import(document=document, actor=people["editor"], operating_model=om)
    om.refresh_from_db()
    assert om.description == "Now as code"
    names = list(Stage.objects.filter(operating_model=om).values_list("name", flat=True))
    assert names[0] == "Discover & frame" and names[-1] == "Celebrate"
    assert Stage.objects.get(pk=kept).name == "Discover & frame"  # same row, same id
    assert not Stage.objects.filter(pk=removed).exists()
    last = Stage.objects.get(pk=kept).history.order_by("-history_id").first()
    assert (last.history_user, last.history_change_reason) == (
        people["editor"],
        "Imported from a file",
    )


@pytest.mark.engine
def test_importing_the_model_as_it_is_changes_nothing(om, people):
    before = _counts()
    document_import(document=snapshot_build(om), actor=people["editor"], operating_model=om)
    assert _counts() == before


@pytest.mark.engine
def test_the_preview_is_the_diff_and_writes_nothing(om, people, django_capture_on_commit_callbacks):
    document = copy.deepcopy(snapshot_build(om))
    document["sections"]["canvas.metrics"][0]["target"] = "1"
    document["sections"]["canvas.principles"].pop()
    before = _counts()
    with django_capture_on_commit_callbacks() as announced:
        preview = document_import_preview(
            document=document, actor=people["editor"], operating_model=om
        )
    assert [s.summary for s in preview.diff.changed_sections] == [
        "1 metric changed",
        "1 principle removed",
    ]
    assert _counts() == before
    assert announced == []  # rolled-back writes announce nothing


def _doc(**sections) -> dict:
    base = {"schema_version": 1, "model": {"name": "Imported"}, "sections": {}}
    base["sections"].update({k.replace("__", "."): v for k, v in sections.items()})
    return base


MALFORMED = [
    (
        "wrong schema version",
        {"schema_version": 2, "model": {"name": "X"}, "sections": {}},
        "schema_version: 2 is not supported",
    ),
    ("no schema version", {"model": {"name": "X"}, "sections": {}}, "schema_version: missing"),
    (
        "unknown enum",
        _doc(canvas__metrics=[{"name": "M", "category": "sustainabilty"}]),
        "canvas.metrics[0].category: 'sustainabilty' is not one of sustainability, stability",
    ),
    (
        "missing required",
        _doc(canvas__stages=[{"name": "A"}, {"description": "no name"}]),
        "canvas.stages[1].name: This field is required.",
    ),
    (
        "wrong type: a list for text",
        _doc(canvas__stages=[{"name": ["A", "B"]}]),
        "canvas.stages[0].name: expected one value, got a list",
    ),
    (
        "wrong type: rows as a mapping",
        _doc(canvas__stages={"name": "A"}),
        "canvas.stages: expected a list of rows, got dict",
    ),
    (
        "wrong type: a boolean that is not one",
        _doc(canvas__metrics=[{"name": "M", "category": "trust", "is_north_star": {"a": 1}}]),
        "canvas.metrics[0].is_north_star: expected one value",
    ),
    (
        "duplicate ids",
        _doc(canvas__stages=[{"id": "a", "name": "A"}, {"id": "a", "name": "B"}]),
        "canvas.stages[1].id: 'a' is used twice",
    ),
    (
        "unknown field",
        _doc(canvas__skills=[{"name": "SQL", "colour": "red"}]),
        "canvas.skills[0].colour: unknown field",
    ),
    ("unknown section", _doc(teams__nope=[]), "sections.teams.nope: unknown section"),
    (
        "too long",
        _doc(canvas__stages=[{"name": "x" * 81}]),
        "canvas.stages[0].name: Ensure this value has at most 80 characters",
    ),
    (
        "model details of the wrong type",
        {"schema_version": 1, "model": {"name": 7}, "sections": {}},
        "model.name: expected text, got int",
    ),
    (
        "rows that are not mappings",
        _doc(canvas__principles=["Lean"]),
        "canvas.principles[0]: expected a mapping, got str",
    ),
]


@pytest.mark.engine
@pytest.mark.parametrize(("name", "document", "message"), MALFORMED, ids=[m[0] for m in MALFORMED])
def test_a_malformed_document_is_refused_with_its_path_and_writes_nothing(
    name, document, message, small_om, people
):
    for target in (None, small_om):
        before = _counts()
        with pytest.raises(ValidationError) as caught:
            document_import(document=document, actor=people["editor"], operating_model=target)
        assert message in " | ".join(caught.value.messages), caught.value.messages
        assert _counts() == before


def test_a_new_model_needs_a_name(people):
    with pytest.raises(ValidationError, match="model.name: a new model needs a name"):
        document_import(document=_doc() | {"model": {}}, actor=people["editor"])


@pytest.mark.engine
def test_a_bad_row_late_in_the_file_leaves_the_model_untouched(om, people):
    document = copy.deepcopy(snapshot_build(om))
    document["sections"]["canvas.stages"][0]["name"] = "Changed first"
    document["sections"]["canvas.skills"][2]["target_level"] = "guru"
    before = _counts()
    first = Stage.objects.filter(operating_model=om).first().name
    with pytest.raises(ValidationError) as caught:
        document_import(document=document, actor=people["editor"], operating_model=om)
    assert "canvas.skills[2].target_level: 'guru' is not one of" in caught.value.messages[0]
    assert _counts() == before
    assert Stage.objects.filter(operating_model=om).first().name == first


@pytest.mark.engine
def test_export_and_import_commands(om, tmp_path):
    out = io.StringIO()
    call_command("export_model", om.slug, "--format", "json", stdout=out)
    document = json.loads(out.getvalue())
    assert document["model"]["name"] == om.name
    path = tmp_path / "model.yaml"
    call_command("export_model", om.slug, "-o", str(path))
    document = yaml.safe_load(path.read_text())
    document["sections"]["canvas.stages"][0]["name"] = "Dry"
    path.write_text(document_dump(document))
    out = io.StringIO()
    call_command("import_model", str(path), "--into", om.slug, "--dry-run", stdout=out)
    assert "Macro value journey: 1 stage changed" in out.getvalue()
    assert "Dry run: nothing was written." in out.getvalue()
    assert not Stage.objects.filter(name="Dry").exists()
    call_command("import_model", str(path), stdout=io.StringIO())
    assert OperatingModel.objects.filter(name=om.name).count() == 2
    bad = tmp_path / "bad.yaml"
    bad.write_text("schema_version: 9\nsections: {}\n")
    with pytest.raises(CommandError, match="schema_version: 9 is not supported"):
        call_command("import_model", str(bad), stdout=io.StringIO())
    with pytest.raises(CommandError, match="no release v4"):
        call_command("export_model", om.slug, "--release", "4", stdout=io.StringIO())


@pytest.mark.engine
def test_upload_preview_then_apply(om, people, client_for):
    client = client_for(people["facilitator"])
    url = reverse("model-import", args=[om.slug])
    document = copy.deepcopy(snapshot_build(om))
    document["sections"]["canvas.principles"][0]["name"] = "Leaner"
    upload = io.BytesIO(document_dump(document).encode())
    upload.name = "model.yaml"
    preview = client.post(url, {"file": upload})
    html = preview.content.decode()
    assert preview.status_code == 200
    assert "1 principle changed" in html and "Leaner" in html
    assert not Principle.objects.filter(name="Leaner").exists()
    applied = client.post(url, {"action": "apply"})
    assert applied.status_code == 302
    assert Principle.objects.filter(operating_model=om, name="Leaner").exists()


@pytest.mark.engine
def test_a_file_with_no_differences_offers_nothing_to_apply(om, people, client_for):
    client = client_for(people["facilitator"])
    upload = io.BytesIO(document_dump(snapshot_build(om)).encode())
    upload.name = "model.yaml"
    html = client.post(reverse("model-import", args=[om.slug]), {"file": upload}).content.decode()
    assert "Nothing to apply" in html
    assert "Apply 0 changes" not in html and 'value="apply"' not in html


@pytest.mark.engine
def test_an_upload_previewed_against_an_older_model_is_previewed_again(om, people, client_for):
    client = client_for(people["facilitator"])
    url = reverse("model-import", args=[om.slug])
    document = copy.deepcopy(snapshot_build(om))
    document["sections"]["canvas.principles"][0]["name"] = "Leaner"
    upload = io.BytesIO(document_dump(document, "json").encode())
    upload.name = "model.json"
    client.post(url, {"file": upload})
    Stage.objects.filter(operating_model=om).update(name="Someone else")
    response = client.post(url, {"action": "apply"})
    assert response.status_code == 409
    assert "The model changed since your preview" in response.content.decode()
    assert not Principle.objects.filter(name="Leaner").exists()


@pytest.mark.engine
def test_a_bad_upload_shows_the_path_and_changes_nothing(om, people, client_for):
    client = client_for(people["facilitator"])
    upload = io.BytesIO(b"schema_version: 1\nsections:\n  canvas.metrics:\n    - name: M\n")
    upload.name = "bad.yaml"
    before = _counts()
    response = client.post(reverse("model-import", args=[om.slug]), {"file": upload})
    assert response.status_code == 422
    assert "canvas.metrics[0].category: This field is required." in response.content.decode()
    assert _counts() == before


def test_an_upload_over_the_limit_is_refused(people, client_for, settings):
    settings.OPMODEL_IMPORT_MAX_BYTES = 1024
    upload = io.BytesIO(b"#" * 4096)
    upload.name = "big.yaml"
    response = client_for(people["editor"]).post(reverse("model-import-new"), {"file": upload})
    assert response.status_code == 422
    assert "the limit is" in response.content.decode()


@pytest.mark.engine
def test_a_new_model_from_a_file(om, people, client_for):
    client = client_for(people["outsider"])
    upload = io.BytesIO(document_dump(snapshot_build(om)).encode())
    upload.name = "quokka.yaml"
    assert client.post(reverse("model-import-new"), {"file": upload}).status_code == 200
    assert OperatingModel.objects.count() == 1  # the preview wrote nothing
    response = client.post(reverse("model-import-new"), {"action": "apply"})
    created = OperatingModel.objects.exclude(pk=om.pk).get()
    assert response["Location"] == created.get_absolute_url()
    assert created.name == om.name
    assert normalise_ids(snapshot_build(created)) == normalise_ids(snapshot_build(om))


# ---------- what the loads announce ----------


def _said(captured_events) -> list[tuple]:
    return [
        (e["channel"], e["section"], e["id"], e["revision"], e["action"], e["actor_id"])
        for e in captured_events
    ]


@pytest.mark.engine
def test_an_import_into_a_model_announces_exactly_what_it_changed(om, people, captured_events):
    document = copy.deepcopy(snapshot_build(om))
    stages = document["sections"]["canvas.stages"]
    kept = stages[0]["id"]
    stages[0]["name"] = "Discover & frame"
    removed = stages.pop()["id"]
    stages.append({"name": "Celebrate"})
    document_import(document=document, actor=people["editor"], operating_model=om)
    editor = people["editor"].pk
    # the other sections are as they were: nothing said about them
    assert _said(captured_events) == [
        (om.channel, "canvas.stages", kept, 2, "updated", editor),
        (om.channel, "canvas.stages", None, None, "created", editor),  # the new rows at once
        (om.channel, "canvas.stages", removed, None, "deleted", editor),
        (om.channel, "canvas.stages", None, None, "moved", editor),  # the document's order
    ]


@pytest.mark.engine
def test_importing_the_model_as_it_is_announces_nothing(om, people, captured_events):
    document_import(document=snapshot_build(om), actor=people["editor"], operating_model=om)
    assert captured_events == []


@pytest.mark.engine
def test_a_new_model_from_a_file_announces_each_section_on_its_own_channel(
    small_om, people, captured_events
):
    document = snapshot_build(small_om)
    model = document_import(document=document, actor=people["editor"])
    purpose = registry.get("canvas.purpose").rows(model).get()
    editor = people["editor"].pk
    filled = [s.key for s in registry.sections() if not s.singleton and document["sections"][s.key]]
    assert len(filled) == 13
    assert _said(captured_events) == [
        (model.channel, "canvas.purpose", purpose.pk, 1, "created", editor),
        (model.channel, "canvas.purpose", purpose.pk, 2, "updated", editor),
        *[(model.channel, key, None, None, "created", editor) for key in filled],
    ]


@pytest.mark.engine
def test_loading_a_document_announces_the_updated_rows_and_each_section_s_new_ones(
    small_om, people, captured_events
):
    stage = Stage.objects.filter(operating_model=small_om).first()
    rows = [{"id": stage.pk, "name": "Renamed"}, {"name": "New"}, {"name": "Newer"}]
    document_load(
        operating_model=small_om,
        document={"sections": {"canvas.stages": rows}},
        actor=people["editor"],
    )
    assert _said(captured_events) == [
        (small_om.channel, "canvas.stages", stage.pk, 2, "updated", people["editor"].pk),
        (small_om.channel, "canvas.stages", None, None, "created", people["editor"].pk),
    ]
    captured_events.clear()
    with pytest.raises(ValidationError):
        document_load(
            operating_model=small_om,
            document={"sections": {"canvas.stages": [{"name": "Fine"}, {"name": ""}]}},
            actor=people["editor"],
        )
    assert captured_events == []  # refused before anything was written


@pytest.mark.engine
def test_the_preview_asks_for_the_import_s_events_and_none_is_sent(
    om, people, captured_events, django_capture_on_commit_callbacks
):
    document = copy.deepcopy(snapshot_build(om))
    metric = document["sections"]["canvas.metrics"][0]
    metric["target"] = "1"
    with django_capture_on_commit_callbacks() as sent:
        document_import_preview(document=document, actor=people["editor"], operating_model=om)
    # the import it runs asks for its event as the import would ...
    assert _said(captured_events) == [
        (om.channel, "canvas.metrics", metric["id"], 2, "updated", people["editor"].pk)
    ]
    assert sent == []  # ... and the rollback drops it: no browser hears of a preview


def test_a_document_is_loaded_without_collector_passes_and_the_collector_runs_after(
    om, people, monkeypatch
):
    """document_load runs with the garbage collector paused (issue 18: ~15 % of a large
    import's CPU) and switches it on again, also when the document is refused."""
    import gc

    from opmodel.services import documents as service

    seen: list[bool] = []
    load = service._document_load
    monkeypatch.setattr(
        service,
        "_document_load",
        lambda *args, **kw: seen.append(gc.isenabled()) or load(*args, **kw),
    )
    copy_of = document_import(document=document_export(om), actor=people["editor"])
    assert copy_of.pk != om.pk and seen and not any(seen) and gc.isenabled()
    broken = document_export(om)
    broken["sections"]["canvas.metrics"] = [{"name": "x" * 100_000}]
    with pytest.raises(ValidationError):
        document_import(document=broken, actor=people["editor"])
    assert gc.isenabled()
