"""The API's permission matrix: every route x every role -> the expected status, by session and
by token; a refused write changes nothing. (The URL audit counts these cases as the API's.)"""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.db import transaction
from django.test import Client

from canvas.models import Stage
from opmodel.services.tokens import token_create
from tests.permissions import ROLES, Case

pytestmark = pytest.mark.django_db

API = "/api/v1"
PUBLIC = dict.fromkeys(ROLES, 200)
SIGNED_IN = {**PUBLIC, "anonymous": 401}
READ = {**SIGNED_IN, "outsider": 404}


def write(allowed: int) -> dict[str, int]:
    return {**READ, "viewer": 403, "participant": 403, "editor": allowed, "facilitator": allowed}


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
]


def _snapshot(om) -> Any:
    return list(Stage.objects.filter(operating_model=om).values_list("pk", "name", "position"))


def _client(role: str, people, how: str) -> tuple[Client, dict[str, str]]:
    if role == "anonymous":
        return Client(), {}
    if how == "session":
        client = Client()
        client.force_login(people[role])
        return client, {}
    _token, text = token_create(user=people[role], name="matrix", scope="write", days=1)
    return Client(), {"Authorization": f"Bearer {text}"}


@pytest.mark.parametrize("how", ["session", "token"])
@pytest.mark.parametrize("case", API_CASES, ids=lambda c: c.name)
def test_every_api_route_for_every_role(case, how, small_om, other_om, people):
    wrong = []
    for role in ROLES:
        with transaction.atomic():
            client, headers = _client(role, people, how)
            before = _snapshot(small_om)
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
                changed = _snapshot(small_om) != before
                if response.status_code >= 400 and changed:
                    wrong.append((role, "a refused write changed something"))
                if response.status_code < 300 and not changed:
                    wrong.append((role, "an allowed write changed nothing"))
            if response.status_code >= 400 and case.name != "api-v1:api-root":
                assert response["Content-Type"] == "application/problem+json", case.name
            transaction.set_rollback(True)
    assert wrong == [], (case.name, how, wrong)
