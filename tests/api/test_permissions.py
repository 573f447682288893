"""The API's permission matrix: every route x every role -> the expected status, by session and
by token; a refused write changes nothing, and a token with read scope is refused on every write.
(The URL audit counts these cases as the API's.) Marked ``engine``: it runs on SQLite and again
in the PostgreSQL pass."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.core.files.base import ContentFile
from django.db import transaction
from django.test import Client

from canvas.models import Stage
from opmodel.models import Export, OperatingModel
from opmodel.services import document_fingerprint
from opmodel.services.tokens import token_create
from opmodel.versions import document_export, snapshot_build
from tests.conftest import logged_in
from tests.permissions import ROLES, Case
from tests.workshops.conftest import make_workshop
from workshops.models import Workshop

pytestmark = [pytest.mark.django_db, pytest.mark.engine]

API = "/api/v1"
PUBLIC = dict.fromkeys(ROLES, 200)
SIGNED_IN = {**PUBLIC, "anonymous": 401}
READ = {**SIGNED_IN, "outsider": 404}


def write(allowed: int) -> dict[str, int]:
    return {**READ, "viewer": 403, "participant": 403, "editor": allowed, "facilitator": allowed}


def manage(allowed: int) -> dict[str, int]:
    return {**write(allowed), "editor": 403}


def edited_document(om) -> dict:
    document = document_export(om)
    document["sections"]["canvas.stages"][0]["name"] = "From a file"
    return document


def current(om) -> str:
    return document_fingerprint(snapshot_build(om))


def make_handbook(om) -> None:
    """A draft handbook, done (viewers may not see it: only a release's picture is theirs)."""
    export = Export.objects.create(operating_model=om, kind="handbook", status="done", pages=1)
    export.file.save("x.pdf", ContentFile(b"%PDF-1.4\n%%EOF\n"))


def workshop(om) -> int:
    return Workshop.objects.filter(operating_model=om).values_list("pk", flat=True).first() or 0


def plan_workshop(om) -> None:
    make_workshop(om, om.role_groups.get(role="facilitator").group.user_set.first())


def handbook(om) -> int:
    return (
        Export.objects.filter(operating_model=om, kind="handbook")
        .values_list("pk", flat=True)
        .first()
        or 0
    )


def stage(om) -> Stage:
    return Stage.objects.filter(operating_model=om).order_by("pk").first()


def rows(om) -> str:
    return f"{API}/models/{om.slug}/sections/canvas.stages/rows"


def row(om) -> str:
    return f"{rows(om)}/{stage(om).pk}"


API_CASES = [
    Case("api-v1:openapi-json", "get", lambda om: f"{API}/openapi.json", PUBLIC),
    Case("api-v1:openapi-view", "get", lambda om: f"{API}/docs", PUBLIC),
    Case("api-v1:api-root", "get", lambda om: f"{API}/", dict.fromkeys(ROLES, 404)),
    Case("api-v1:models", "get", lambda om: f"{API}/models", SIGNED_IN),
    Case("api-v1:model", "get", lambda om: f"{API}/models/{om.slug}", READ),
    Case("api-v1:rows", "get", rows, READ),
    Case("api-v1:rows post", "post", rows, write(201), data=lambda om: {"fields": {"name": "N"}}),
    Case("api-v1:row", "get", row, READ),
    Case(
        "api-v1:row patch",
        "patch",
        row,
        write(200),
        data=lambda om: {"revision": stage(om).revision, "fields": {"name": "Renamed"}},
    ),
    Case("api-v1:row delete", "delete", lambda om: f"{row(om)}?revision=1", write(204)),
    Case(
        "api-v1:order",
        "put",
        lambda om: f"{API}/models/{om.slug}/sections/canvas.stages/order",
        write(200),
        data=lambda om: {
            "ids": list(
                Stage.objects.filter(operating_model=om)
                .order_by("-position")
                .values_list("pk", flat=True)
            )
        },
    ),
    Case("api-v1:releases", "get", lambda om: f"{API}/models/{om.slug}/releases", READ),
    Case("api-v1:health", "get", lambda om: f"{API}/models/{om.slug}/health", READ),
    Case("api-v1:document", "get", lambda om: f"{API}/models/{om.slug}/document", READ),
    Case("api-v1:diff", "get", lambda om: f"{API}/models/{om.slug}/diff?from=draft", READ),
    Case(
        "api-v1:document-preview",
        "post",
        lambda om: f"{API}/models/{om.slug}/document/preview",
        manage(200),
        data=edited_document,
    ),
    Case(
        "api-v1:document put",
        "put",
        lambda om: f"{API}/models/{om.slug}/document?fingerprint={current(om)}",
        manage(200),
        data=edited_document,
    ),
    Case(
        "api-v1:import-preview",
        "post",
        lambda om: f"{API}/imports/preview",
        SIGNED_IN,
        data=edited_document,
    ),  # fmt: skip
    Case(
        "api-v1:imports",
        "post",
        lambda om: f"{API}/imports",
        {**SIGNED_IN, **dict.fromkeys(ROLES[1:], 201)},
        data=edited_document,
    ),
    Case(
        "api-v1:exports",
        "post",
        lambda om: f"{API}/models/{om.slug}/exports",
        {**write(202), "participant": 202},
        data=lambda om: {"kind": "handbook"},
    ),
    Case(
        "api-v1:export",
        "get",
        lambda om: f"{API}/models/{om.slug}/exports/{handbook(om)}",
        {**READ, "viewer": 404},
        prepare=make_handbook,
    ),
    Case(
        "api-v1:export-file",
        "get",
        lambda om: f"{API}/models/{om.slug}/exports/{handbook(om)}/file",
        {**READ, "viewer": 404},
        prepare=make_handbook,
    ),
    Case("api-v1:workshops", "get", lambda om: f"{API}/models/{om.slug}/workshops", READ),
    Case(
        "api-v1:workshop",
        "get",
        lambda om: f"{API}/models/{om.slug}/workshops/{workshop(om)}",
        READ,
        prepare=plan_workshop,
    ),
]
# Writes whose effect is elsewhere than the model's stages, and dry runs (they change nothing).
EFFECTS = {
    "api-v1:imports": lambda om: OperatingModel.objects.count(),
    "api-v1:exports": lambda om: Export.objects.count(),
}
# Asking for a PDF changes nothing in the model: a read token may (an executive's picture).
READ_SCOPE_MAY = {"api-v1:exports"}
DRY_RUNS = {"api-v1:document-preview", "api-v1:import-preview"}


def _snapshot(om) -> Any:
    return list(Stage.objects.filter(operating_model=om).values_list("pk", "name", "position"))


def _client(role: str, people, how: str) -> tuple[Client, dict[str, str]]:
    if role == "anonymous":
        return Client(), {}
    if how == "session":
        return logged_in(people[role]), {}
    _token, text = token_create(user=people[role], name="matrix", scope="write", days=1)
    return Client(), {"Authorization": f"Bearer {text}"}


@pytest.mark.parametrize("how", ["session", "token"])
@pytest.mark.parametrize("case", API_CASES, ids=lambda c: c.name)
def test_every_api_route_for_every_role(case, how, small_om, other_om, people, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    wrong = []
    for role in ROLES:
        with transaction.atomic():
            if case.prepare:
                case.prepare(small_om)
            client, headers = _client(role, people, how)
            effect = EFFECTS.get(case.name, _snapshot)
            before = effect(small_om)
            body = json.dumps(case.data(small_om)) if case.data else None
            method = getattr(client, case.method)
            if body is None:
                response = method(case.url(small_om), headers=headers)
            else:
                response = method(
                    case.url(small_om), body, content_type="application/json", headers=headers
                )
            if response.status_code != case.expected[role]:
                wrong.append((role, response.status_code, case.expected[role]))
            if case.method != "get":
                changed = effect(small_om) != before
                if (response.status_code >= 400 or case.name in DRY_RUNS) and changed:
                    wrong.append((role, "a refused write (or a dry run) changed something"))
                if response.status_code < 300 and not changed and case.name not in DRY_RUNS:
                    wrong.append((role, "an allowed write changed nothing"))
            if response.status_code >= 400 and case.name != "api-v1:api-root":
                assert response["Content-Type"] == "application/problem+json", case.name
            transaction.set_rollback(True)
    assert wrong == [], (case.name, how, wrong)


WRITES = [case for case in API_CASES if case.method != "get" and case.name not in READ_SCOPE_MAY]


@pytest.mark.parametrize("case", WRITES, ids=lambda c: c.name)
def test_a_read_token_is_refused_on_every_write(case, small_om, people):
    """The facilitator may make every one of these writes, but not with a read-scope token."""
    effect = EFFECTS.get(case.name, _snapshot)
    before = effect(small_om)
    _token, text = token_create(user=people["facilitator"], name="r", scope="read", days=1)
    body = json.dumps(case.data(small_om)) if case.data else None
    method = getattr(Client(), case.method)
    headers = {"Authorization": f"Bearer {text}"}
    if body is None:
        response = method(case.url(small_om), headers=headers)
    else:
        response = method(
            case.url(small_om), body, content_type="application/json", headers=headers
        )
    assert response.status_code == 403, (case.name, response.status_code)
    assert "only read" in response.json()["detail"]
    assert effect(small_om) == before
