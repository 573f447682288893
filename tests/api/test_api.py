"""The JSON API (/api/v1/): tokens, every registered section's rows through the same services,
stale writes as 409 with both versions, RFC 9457 problems, pagination, per-token rate limits and
a valid OpenAPI document."""

from __future__ import annotations

import json
import re

import pytest
from django.core.exceptions import PermissionDenied
from django.core.serializers.json import DjangoJSONEncoder
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from openapi_spec_validator import validate

from opmodel.api import _row
from opmodel.models import PersonalAccessToken
from opmodel.registry import registry
from opmodel.services import operating_model_create
from opmodel.services.tokens import token_revoke
from tests.conftest import build_model
from tests.journeys.conftest import SMALL_JOURNEYS
from tests.teams.conftest import SMALL_TEAMS

pytestmark = pytest.mark.django_db


def _rows_url(om, key: str, pk: int | None = None) -> str:
    url = f"/api/v1/models/{om.slug}/sections/{key}/rows"
    return f"{url}/{pk}" if pk is not None else url


def _send(client: Client, method: str, url: str, body: dict, headers: dict):
    return getattr(client, method)(
        url, json.dumps(body), content_type="application/json", headers=headers
    )


def test_a_token_is_shown_once_kept_hashed_and_revocable(people, client_for):
    client = client_for(people["viewer"])
    page = client.post(reverse("api-tokens"), {"name": "CI", "scope": "read", "days": "30"})
    assert page.status_code == 200 and page["Cache-Control"] == "no-store"
    text = page.content.decode().split('class="token-value">', 1)[1].split("<", 1)[0]
    token = PersonalAccessToken.objects.get(user=people["viewer"])
    assert text.startswith(f"opm_{token.prefix}_") and text.split("_", 2)[2] not in str(
        PersonalAccessToken.objects.values_list().get(pk=token.pk)
    )
    assert text not in client.get(reverse("api-tokens")).content.decode()  # once
    api = Client()
    headers = {"Authorization": f"Bearer {text}"}
    assert api.get("/api/v1/models", headers=headers).status_code == 200
    client.post(reverse("api-token-revoke", args=[token.pk]))
    refused = api.get("/api/v1/models", headers=headers)
    assert refused.status_code == 401 and refused["Content-Type"] == "application/problem+json"


def test_only_the_owner_revokes_a_token(people, bearer, client_for):
    bearer(people["viewer"])
    token = PersonalAccessToken.objects.get(user=people["viewer"])
    other = client_for(people["editor"]).post(reverse("api-token-revoke", args=[token.pk]))
    assert other.status_code == 404
    with pytest.raises(PermissionDenied):
        token_revoke(token=token, actor=people["editor"])
    token.refresh_from_db()
    assert token.active


@pytest.mark.parametrize("bad", ["expired", "wrong-secret", "malformed", "inactive-user"])
def test_a_bad_token_is_401(bad, people, bearer):
    headers = bearer(people["viewer"])
    token = PersonalAccessToken.objects.get(user=people["viewer"])
    if bad == "expired":
        PersonalAccessToken.objects.filter(pk=token.pk).update(expires_at=timezone.now())
    elif bad == "wrong-secret":
        headers = {"Authorization": headers["Authorization"][:-3] + "xyz"}
    elif bad == "malformed":
        headers = {"Authorization": "Bearer not-a-token"}
    else:
        people["viewer"].is_active = False
        people["viewer"].save()
    response = Client().get("/api/v1/models", headers=headers)
    assert response.status_code == 401
    assert response.json()["status"] == 401 and response.json()["title"] == "Unauthorized"


def test_a_session_write_without_the_csrf_token_is_refused(small_om, people):
    client = Client(enforce_csrf_checks=True)
    client.force_login(people["editor"])
    url = _rows_url(small_om, "canvas.stages")
    refused = _send(client, "post", url, {"fields": {"name": "X"}}, {})
    assert refused.status_code in {401, 403}
    client.get("/api/v1/docs")  # sets the CSRF cookie
    token = client.cookies["csrftoken"].value
    allowed = _send(client, "post", url, {"fields": {"name": "X"}}, {"X-CSRFToken": token})
    assert allowed.status_code == 201


def test_a_read_token_cannot_write(small_om, people, bearer):
    headers = bearer(people["editor"], scope="read")
    response = _send(
        Client(), "post", _rows_url(small_om, "canvas.stages"), {"fields": {"name": "X"}}, headers
    )
    assert response.status_code == 403
    assert response["Content-Type"] == "application/problem+json"
    assert "only read" in response.json()["detail"]


@pytest.mark.parametrize("section", registry.sections(), ids=lambda s: s.key)
def test_every_section_reads_and_an_unchanged_write_keeps_its_rows(
    section, people, bearer, client_for
):
    """Generated from the registry: each section's rows are listed, read one by one, and a
    PATCH that sends a row's own values back changes nothing (a round trip)."""
    starter = (
        SMALL_TEAMS
        if section.key.startswith("teams.")
        else SMALL_JOURNEYS
        if section.key.startswith("journeys.")
        else "small"
    )
    om = (
        build_model(people["facilitator"], starter="small")
        if starter == "small"
        else operating_model_create(
            actor=people["facilitator"], name="All", organisation="Q", starter=starter
        )
    )
    headers = bearer(people["facilitator"])
    client = Client()
    listed = client.get(_rows_url(om, section.key), headers=headers)
    assert listed.status_code == 200
    body = listed.json()
    assert body["count"] == section.rows(om).count()
    # the list reads plain values: every row as the row's own serialiser gives it
    assert body == json.loads(
        json.dumps(
            {
                "items": [_row(section, r) for r in section.serialisable_rows(om)],
                "count": body["count"],
            },
            cls=DjangoJSONEncoder,
        )
    )
    for row in body["items"][:2]:
        one = client.get(_rows_url(om, section.key, row["id"]), headers=headers)
        assert one.json() == row
        same = _send(
            client,
            "patch",
            _rows_url(om, section.key, row["id"]),
            {"revision": row["revision"], "fields": row["fields"]},
            headers,
        )
        assert same.status_code == 200, same.json()
        assert same.json()["fields"] == row["fields"]


def test_a_stale_update_is_409_with_both_versions_and_nothing_is_lost(small_om, people, bearer):
    client = Client()
    editor, facilitator = bearer(people["editor"]), bearer(people["facilitator"])
    row = client.get(_rows_url(small_om, "canvas.stages"), headers=editor).json()["items"][0]
    url = _rows_url(small_om, "canvas.stages", row["id"])
    first = _send(
        client, "patch", url, {"revision": row["revision"], "fields": {"name": "A"}}, facilitator
    )
    assert first.status_code == 200
    stale = _send(
        client, "patch", url, {"revision": row["revision"], "fields": {"name": "B"}}, editor
    )
    assert stale.status_code == 409 and stale["Content-Type"] == "application/problem+json"
    problem = stale.json()
    assert problem["current"]["fields"]["name"] == "A" and problem["yours"] == {"name": "B"}
    assert problem["conflicts"] == ["name"]
    # a change to another field merges (the page's rule): both survive
    merged = _send(
        client,
        "patch",
        url,
        {"revision": row["revision"], "fields": {"outcome": "Shipped"}},
        editor,
    )
    assert merged.status_code == 200
    assert (
        merged.json()["fields"]["name"] == "A" and merged.json()["fields"]["outcome"] == "Shipped"
    )
    gone = client.delete(f"{url}?revision={row['revision']}", headers=editor)
    assert gone.status_code == 409


def test_create_validates_with_the_sections_form_and_delete_and_reorder_work(
    small_om, people, bearer
):
    client, headers = Client(), bearer(people["editor"])
    url = _rows_url(small_om, "canvas.stages")
    invalid = _send(client, "post", url, {"fields": {"name": ""}}, headers)
    assert invalid.status_code == 422 and "name" in invalid.json()["errors"]
    made = _send(client, "post", url, {"fields": {"name": "Scale"}}, headers)
    assert made.status_code == 201
    ids = [r["id"] for r in client.get(url, headers=headers).json()["items"]]
    order = client.put(
        f"/api/v1/models/{small_om.slug}/sections/canvas.stages/order",
        json.dumps({"ids": list(reversed(ids))}),
        content_type="application/json",
        headers=headers,
    )
    assert [r["id"] for r in order.json()] == list(reversed(ids))
    new = made.json()
    deleted = client.delete(f"{url}/{new['id']}?revision={new['revision']}", headers=headers)
    assert deleted.status_code == 204
    assert client.get(f"{url}/{new['id']}", headers=headers).status_code == 404


def test_a_list_and_an_update_cost_the_same_queries_whatever_the_sections_size(
    small_om, people, bearer
):
    from django.test.utils import CaptureQueriesContext

    client, headers = Client(), bearer(people["editor"])
    url = _rows_url(small_om, "canvas.stages")

    def cost() -> tuple[int, int]:
        client.get(url, headers=headers)  # the token's last use is recorded once a minute
        with CaptureQueriesContext(connection) as listed:
            rows = client.get(url, headers=headers).json()["items"]
        row = rows[0]
        body = {"revision": row["revision"], "fields": {"outcome": f"o{len(rows)}"}}
        with CaptureQueriesContext(connection) as updated:
            assert _send(client, "patch", _rows_url(small_om, "canvas.stages", row["id"]),
                         body, headers).status_code == 200  # fmt: skip
        return len(listed.captured_queries), len(updated.captured_queries)

    small = cost()
    for n in range(20):
        _send(client, "post", url, {"fields": {"name": f"S{n}"}}, headers)
    # token, model, the role's permissions (one query), then the page and its count in one
    assert small[0] == 4
    # token, model, permissions, the row; savepoint, the row re-read under the revision check,
    # the UPDATE, the history row, release (no reference looked up: stages have none)
    assert small[1] == 9
    assert cost() == small


EXISTS = re.compile(r'SELECT 1 AS "a" FROM "(\w+)" WHERE "\1"\."id" = ')


def _another_value(section, name: str, current):
    """A value for field ``name`` that differs from ``current`` and the form accepts (None
    for a field this cannot make one for)."""
    model_field = section.model_field(name)
    if model_field.is_relation or model_field.get_internal_type() == "BooleanField":
        return None
    choices = [value for value, _label in model_field.flatchoices if value not in ("", None)]
    if choices:
        return next((value for value in choices if value != current), None)
    if model_field.get_internal_type() in ("CharField", "TextField"):
        return "Changed (API)"
    return None


def test_an_update_looks_each_reference_up_once_in_every_section(om, people, bearer):
    """A PATCH of one plain field of a row with references (every such section): each row a
    reference points at is read once, by the form's field, never checked again by a
    ``SELECT 1`` (the form's model validation, the service's) nor re-read for the live event."""
    client, headers = Client(), bearer(people["facilitator"])
    client.get(f"/api/v1/models/{om.slug}", headers=headers)  # the token's use is recorded
    checked = []
    for section in registry.sections():
        fields = [section.model_field(name) for name in section.fields]
        references = [f for f in fields if f.is_relation and not f.many_to_many]
        row = section.rows(om).first()
        if not references or row is None:
            continue
        data = client.get(_rows_url(om, section.key, row.pk), headers=headers).json()
        name, value = next(
            (n, v)
            for n in section.fields
            if (v := _another_value(section, n, data["fields"][n])) is not None
        )
        body = {"revision": data["revision"], "fields": {name: value}}
        with CaptureQueriesContext(connection) as captured:
            response = _send(client, "patch", _rows_url(om, section.key, row.pk), body, headers)
        assert response.status_code == 200, (section.key, response.content)
        assert response.json()["fields"][name] == value
        sql = [q["sql"] for q in captured.captured_queries]
        own = section.model._meta.db_table
        tables = {f.related_model._meta.db_table for f in references} | {"opmodel_operatingmodel"}
        # Django's check that a reference exists (a uniqueness check reads other columns)
        assert not [q for q in sql if EXISTS.match(q)], section.key
        for table in tables:
            reads = [q for q in sql if q.startswith("SELECT") and f'FROM "{table}" ' in q]
            pointing = [f for f in references if f.related_model._meta.db_table == table]
            expected = len([f for f in pointing if data["fields"][f.name] is not None])
            expected += 2 if table == own else 0  # the row itself, and its re-read
            expected += 1 if table == "opmodel_operatingmodel" else 0  # the model, once
            assert len(reads) == expected, (section.key, table, reads)
        checked.append(section.key)
    assert {"teams.people", "teams.interactions", "journeys.steps"} <= set(checked)


def test_lists_are_paginated(small_om, people, bearer):
    client, headers = Client(), bearer(people["editor"])
    url = _rows_url(small_om, "canvas.stages")
    for n in range(3):
        _send(client, "post", url, {"fields": {"name": f"S{n}"}}, headers)
    page = client.get(f"{url}?page=2&page_size=2", headers=headers).json()
    assert page["count"] == 6 and len(page["items"]) == 2


def test_each_token_has_its_own_rate_limit(small_om, people, bearer, monkeypatch):
    from opmodel.api import api

    throttle = api.throttle[0]  # OPMODEL_API_RATE, made small for the test
    monkeypatch.setattr(throttle, "num_requests", 3)
    monkeypatch.setattr(throttle, "duration", 60)
    client, one, two = Client(), bearer(people["editor"]), bearer(people["editor"])
    codes = [client.get("/api/v1/models", headers=one).status_code for _ in range(4)]
    assert codes == [200, 200, 200, 429]
    limited = client.get("/api/v1/models", headers=one)
    assert limited["Content-Type"] == "application/problem+json"
    assert client.get("/api/v1/models", headers=two).status_code == 200


@pytest.mark.engine  # runs in the PostgreSQL pass too (issue 21: on both databases)
def test_the_openapi_document_is_valid_and_names_every_route():
    document = Client().get("/api/v1/openapi.json").json()
    validate(document)
    assert "/api/v1/models/{slug}/sections/{key}/rows/{pk}" in document["paths"]
    assert {"patch", "get", "delete"} <= set(
        document["paths"]["/api/v1/models/{slug}/sections/{key}/rows/{pk}"]
    )


def test_the_docs_page_uses_the_apps_own_assets(people, client_for):
    html = client_for(people["viewer"]).get("/api/v1/docs").content.decode()
    assert "/static/ninja/swagger-ui-bundle.js" in html
    assert "cdn" not in html.lower() and "https://" not in html


def test_the_document_and_health_are_what_the_pages_show(small_om, people, bearer):
    from opmodel import selectors
    from opmodel.versions.documents import document_export

    client, headers = Client(), bearer(people["viewer"])
    document = client.get(f"/api/v1/models/{small_om.slug}/document", headers=headers).json()
    assert document["sections"].keys() == document_export(small_om)["sections"].keys()
    assert (
        client.get(
            f"/api/v1/models/{small_om.slug}/document?release=9", headers=headers
        ).status_code
        == 404
    )
    findings = client.get(f"/api/v1/models/{small_om.slug}/health", headers=headers).json()
    assert len(findings) == len(selectors.model_health(small_om))
