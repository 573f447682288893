"""Class guard: hostile files through EVERY importer (a new model, an existing model, Backstage
and Team API files, and the API's imports, whose body is the text) are refused with a 422 that
says why, before anything is built from them.

Each payload here crashed or stalled an importer before ``opmodel.parsing``: alias bombs
(a 500-byte file took 36 s and 1.2 GB), recursive aliases, deep nesting (``RecursionError``
500s), impossible dates (``ValueError`` 500s), NUL bytes (exports that no longer re-import),
object tags and integers of more digits than Python converts.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from opmodel.parsing import ALIAS_BUDGET, MAX_DEPTH, ParseError, parse_json, parse_yaml

pytestmark = pytest.mark.django_db


def _alias_bomb(levels: int = 7, fan: int = 10) -> str:
    lines = ["lol0: &a0 [lol, lol, lol, lol, lol, lol, lol, lol, lol, lol]"]
    lines += [f"lol{i}: &a{i} [{', '.join([f'*a{i - 1}'] * fan)}]" for i in range(1, levels + 1)]
    return "\n".join(lines) + "\n"


HOSTILE = {
    "alias bomb": (_alias_bomb(), "aliases (*name) expand"),
    "alias bomb in a value": (
        "name: &a0 " + "x" * 200 + "\n"
        "l1: &a1 [" + ", ".join(["*a0"] * 50) + "]\n"
        "l2: &a2 [" + ", ".join(["*a1"] * 50) + "]\n",
        "aliases (*name) expand",
    ),
    "recursive alias": ("name: &me [1, *me]\n", "an alias refers to itself"),
    "deep YAML flow": ("[" * 5000, "nesting depth"),
    "deep YAML block": ("".join("  " * i + "- \n" for i in range(MAX_DEPTH + 5)), "nests deeper"),
    "deep JSON": ('{"a": ' * 50_000 + "1" + "}" * 50_000, "nest"),
    "deep JSON, under the parser's limit": ('{"a": ' * 200 + "1" + "}" * 200, "nest"),
    "NUL in YAML": ('name: "Squad\\0"\n', "NUL character"),
    "NUL in JSON": ('{"name": "Squad\\u0000"}', "NUL character"),
    "object tag": ("!!python/object/apply:os.system ['echo pwned']\n", "not plain data"),
    "binary tag": ("name: !!binary aGVsbG8=\n", "not plain data"),
    "huge integer": ("name: " + "9" * 5000 + "\n", "cannot be read"),
}


@dataclass(frozen=True)
class Importer:
    name: str
    role: str
    url: Callable[[object], str]
    upload: Callable[[str], dict]
    # The API's importers take the text as the request body (with a method and a type).
    method: str = "post"
    content_type: str = ""

    def send(self, client, om, text: str):
        if self.content_type:
            return getattr(client, self.method)(
                self.url(om), text.encode(), content_type=self.content_type
            )
        return client.post(self.url(om), self.upload(text))


def _model_file(text: str) -> dict:
    return {"file": SimpleUploadedFile("model.yaml", text.encode())}


def _teams_files(kind: str) -> Callable[[str], dict]:
    def upload(text: str) -> dict:
        return {"source": kind, "documents": [SimpleUploadedFile("teams.yaml", text.encode())]}

    return upload


IMPORTERS = [
    Importer("new model", "participant", lambda om: reverse("model-import-new"), _model_file),
    Importer(
        "existing model",
        "facilitator",
        lambda om: reverse("model-import", kwargs={"slug": om.slug}),
        _model_file,
    ),
    Importer(
        "Backstage",
        "editor",
        lambda om: reverse("teams-import", kwargs={"slug": om.slug}),
        _teams_files("backstage"),
    ),
    Importer(
        "Team API",
        "editor",
        lambda om: reverse("teams-import", kwargs={"slug": om.slug}),
        _teams_files("team_api"),
    ),
    Importer(
        "API new model",
        "participant",
        lambda om: "/api/v1/imports",
        _model_file,
        content_type="application/yaml",
    ),
    Importer(
        "API new model preview",
        "participant",
        lambda om: "/api/v1/imports/preview",
        _model_file,
        content_type="application/yaml",
    ),
    Importer(
        "API existing model preview",
        "facilitator",
        lambda om: f"/api/v1/models/{om.slug}/document/preview",
        _model_file,
        content_type="application/yaml",
    ),
    Importer(
        "API existing model",
        "facilitator",
        lambda om: f"/api/v1/models/{om.slug}/document?fingerprint=x",
        _model_file,
        method="put",
        content_type="application/yaml",
    ),
]
IMPORTER_IDS = [i.name for i in IMPORTERS]


@pytest.mark.parametrize("importer", IMPORTERS, ids=IMPORTER_IDS)
@pytest.mark.parametrize("payload", list(HOSTILE), ids=list(HOSTILE))
def test_every_importer_refuses_hostile_files_with_a_clear_422(
    small_om, people, client_for, importer, payload
):
    text, reason = HOSTILE[payload]
    response = importer.send(client_for(people[importer.role]), small_om, text)
    assert response.status_code == 422
    assert reason in response.content.decode()
    assert len(response.content) < 200_000  # the error page never echoes an expansion


# Where a date lands in a date field, an impossible one is the field's own error (never a 500).
IMPOSSIBLE_DATES = {
    "new model": (
        "schema_version: 1\nmodel: {name: Dates}\nsections:\n  teams.squads:\n"
        "    - {id: a, name: A, team_type: platform, mode: sustain}\n"
        "    - {id: b, name: B, team_type: platform, mode: sustain}\n"
        "  teams.interactions:\n"
        "    - {squad: a, partner: b, mode: collaboration, starts_on: 2026-13-45}\n",
        "teams.interactions[0].starts_on",
    ),
    "Team API": (
        "name: Dates\ntype: platform\ninteractions:\n"
        "  - {team: Own squad, mode: collaboration, until: 2026-13-45}\n",
        "2026-13-45",
    ),
}
IMPOSSIBLE_DATES["existing model"] = IMPOSSIBLE_DATES["new model"]
# (the API's apply into an existing model checks the preview's fingerprint first: a 409 here)
for _name in ["API new model", "API new model preview", "API existing model preview"]:
    IMPOSSIBLE_DATES[_name] = IMPOSSIBLE_DATES["new model"]


@pytest.mark.parametrize(
    "importer", [i for i in IMPORTERS if i.name in IMPOSSIBLE_DATES], ids=lambda i: i.name
)
def test_an_impossible_date_is_a_422_naming_the_field(small_om, people, client_for, importer):
    text, where = IMPOSSIBLE_DATES[importer.name]
    response = importer.send(client_for(people[importer.role]), small_om, text)
    assert response.status_code == 422
    assert where in response.content.decode()


def test_dates_stay_the_text_they_were_written_as():
    assert parse_yaml("a: 2026-13-45\nb: 2027-01-31\nc: 2026-01-12 10:00:00\n") == {
        "a": "2026-13-45",
        "b": "2027-01-31",
        "c": "2026-01-12 10:00:00",
    }


def test_aliases_within_the_budget_are_read():
    shared = "x" * (ALIAS_BUDGET // 20)
    document = parse_yaml(f"a: &s {shared}\nb: [{', '.join(['*s'] * 10)}]\n")
    assert document["b"] == [shared] * 10


def test_the_budget_counts_the_expansion_not_the_text():
    shared = "x" * (ALIAS_BUDGET // 5)
    with pytest.raises(ParseError, match="aliases"):
        parse_yaml(f"a: &s {shared}\nb: [{', '.join(['*s'] * 10)}]\n")


def test_json_is_held_to_the_same_limits():
    nested = "[" * MAX_DEPTH + "]" * MAX_DEPTH
    assert parse_json(nested)
    with pytest.raises(ParseError, match="nests deeper"):
        parse_json("[" * (MAX_DEPTH + 1) + "]" * (MAX_DEPTH + 1))


def test_an_export_with_people_linked_to_accounts_imports_anywhere(small_om, people):
    from opmodel.services import document_import, document_load
    from opmodel.versions import document_dump, document_export, document_parse
    from teams.models import Person

    editor = people["editor"]
    document_load(
        operating_model=small_om,
        actor=people["facilitator"],
        document={
            "sections": {
                "teams.squads": [
                    {"id": "a", "name": "A", "team_type": "platform", "mode": "sustain"}
                ],
                "teams.people": [{"squad": "a", "name": "Eddie", "user": editor.pk}],
            }
        },
    )
    text = document_dump(document_export(small_om), "yaml")
    # a new model (its only member is the importer): the row stays, the account link does not
    copy_of = document_import(document=document_parse(text), actor=people["outsider"])
    assert Person.objects.get(operating_model=copy_of, name="Eddie").user is None
    # the same model: the link is kept
    document_import(
        document=document_parse(text), actor=people["facilitator"], operating_model=small_om
    )
    assert Person.objects.get(operating_model=small_om, name="Eddie").user == editor
