"""The API's PDF exports: asked for, followed and downloaded through the exports service, with
the pages' rule of who gets which PDF (tests/exports/test_permissions.py for the pages)."""

from __future__ import annotations

import json

import pytest
from django.test import Client

from opmodel.models import Export
from opmodel.services import release_publish
from tests.exports.conftest import FAKE_PDF
from tests.workshops.conftest import make_workshop

pytestmark = pytest.mark.django_db


def _ask(client, om, headers, **body):
    return client.post(
        f"/api/v1/models/{om.slug}/exports",
        json.dumps(body),
        content_type="application/json",
        headers=headers,
    )


def test_a_pdf_is_asked_for_followed_and_downloaded(
    small_om, people, bearer, fake_render, media, settings, django_capture_on_commit_callbacks
):
    settings.OPMODEL_EXPORTS_RUN = "inline"  # rendered once the request's transaction commits
    release_publish(operating_model=small_om, actor=people["facilitator"], title="One")
    client, headers = Client(), bearer(people["viewer"], scope="read")
    with django_capture_on_commit_callbacks(execute=True):
        asked = _ask(client, small_om, headers, kind="picture", release=1)
    assert asked.status_code == 202, asked.json()
    export = asked.json()
    assert export["status"] == "queued" and export["download"] is None
    assert fake_render == [(small_om.pk, "picture", 1, 0)]  # through the service, once
    status = client.get(f"/api/v1/models/{small_om.slug}/exports/{export['id']}", headers=headers)
    assert status.json()["status"] == "done" and status.json()["progress"] == 100
    pdf = client.get(status.json()["download"], headers=headers)
    assert pdf.status_code == 200 and pdf["Content-Type"] == "application/pdf"
    assert b"".join(pdf.streaming_content) == FAKE_PDF
    assert f"{small_om.slug}-v1-picture.pdf" in pdf["Content-Disposition"]
    # asking again for the release's picture answers the same export: rendered once
    again = _ask(client, small_om, headers, kind="picture", release=1)
    assert again.json()["id"] == export["id"] and len(fake_render) == 1


def test_a_pdf_not_ready_is_not_downloadable(small_om, people, bearer, media):
    client, headers = Client(), bearer(people["editor"])
    asked = _ask(client, small_om, headers, kind="handbook")
    assert asked.status_code == 202 and asked.json()["release"] is None
    url = f"/api/v1/models/{small_om.slug}/exports/{asked.json()['id']}/file"
    assert client.get(url, headers=headers).status_code == 404


@pytest.mark.parametrize(
    ("role", "body", "status"),
    [
        ("viewer", {"kind": "picture"}, 403),  # the draft's picture: participants and up
        ("viewer", {"kind": "handbook", "release": 1}, 403),
        ("viewer", {"kind": "workshop", "subject": "workshop"}, 403),
        ("participant", {"kind": "workshop", "subject": "workshop"}, 202),
        ("participant", {"kind": "workshop", "subject": 999999}, 422),
        ("participant", {"kind": "nonsense"}, 403),
        ("participant", {"kind": "picture", "release": 9}, 404),
    ],
)
def test_the_kind_is_allowed_by_role_exactly_as_on_the_pages(
    role, body, status, small_om, people, bearer, media
):
    release_publish(operating_model=small_om, actor=people["facilitator"], title="One")
    if body.get("subject") == "workshop":
        body = {**body, "subject": make_workshop(small_om, people["facilitator"]).pk}
    before = Export.objects.count()
    response = _ask(Client(), small_om, bearer(people[role]), **body)
    assert response.status_code == status, response.json()
    assert Export.objects.count() == before + (1 if status == 202 else 0)
    if status >= 400:
        assert response["Content-Type"] == "application/problem+json"


def test_an_export_the_caller_may_not_download_does_not_exist_for_them(
    small_om, other_om, people, bearer, media
):
    client = Client()
    draft = _ask(client, small_om, bearer(people["editor"]), kind="handbook").json()
    viewer = bearer(people["viewer"])
    url = f"/api/v1/models/{small_om.slug}/exports/{draft['id']}"
    assert client.get(url, headers=viewer).status_code == 404
    assert client.get(f"{url}/file", headers=viewer).status_code == 404
    theirs = Export.objects.create(operating_model=other_om, kind="handbook", status="done")
    mine = bearer(people["facilitator"])
    assert (
        client.get(f"/api/v1/models/{small_om.slug}/exports/{theirs.pk}", headers=mine).status_code
        == 404
    )
