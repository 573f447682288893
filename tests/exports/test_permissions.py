"""Every exports URL x every role. Viewers (executives) get the picture on a page of any
release; participants and up every PDF, the draft's included; outsiders nothing (404), and a
PDF someone may not download does not exist for them (404). Files only come through the
checked download view."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.core.files.base import ContentFile
from django.urls import reverse

from opmodel.models import Export
from opmodel.services import release_publish
from tests.exports.conftest import FAKE_PDF
from tests.permissions import READ, ROLES, Case
from tests.workshops.conftest import make_workshop
from workshops.models import Workshop

pytestmark = pytest.mark.django_db

ASK = {**READ, **dict.fromkeys(["viewer", "participant", "editor", "facilitator"], 302)}
ASK_NOT_VIEWER = {**ASK, "viewer": 403}
HIDDEN_FROM_VIEWER = {**READ, "viewer": 404}
RETRY = {**ASK, "viewer": 404}


def export_of(om, kind: str, *, release: bool = True, status: str = "done") -> int:
    """The id of the fixture's export of this kind (0 when the model has none: the URL audit
    resolves these URLs on another model)."""
    rows = Export.objects.filter(operating_model=om, kind=kind, status=status)
    rows = rows.filter(release__isnull=not release)
    return rows.values_list("pk", flat=True).first() or 0


def url(name: str, kind: str, **opts: Any) -> Callable[[Any], str]:
    return lambda om: reverse(name, args=[om.slug, export_of(om, kind, **opts)])


CASES = [
    Case("exports page", "get", lambda om: reverse("exports", args=[om.slug]), READ),
    Case(
        "ask for a release picture",
        "post",
        lambda om: reverse("export-new", args=[om.slug]),
        ASK,
        lambda om: {"kind": "picture", "release": "1"},
    ),
    Case(
        "ask for the draft picture",
        "post",
        lambda om: reverse("export-new", args=[om.slug]),
        ASK_NOT_VIEWER,
        lambda om: {"kind": "picture", "release": "draft"},
    ),
    Case(
        "ask for a release handbook",
        "post",
        lambda om: reverse("export-new", args=[om.slug]),
        ASK_NOT_VIEWER,
        lambda om: {"kind": "handbook", "release": "1"},
    ),
    Case("release picture status", "get", url("export-status", "picture"), READ),
    Case("release picture download", "get", url("export-download", "picture"), READ),
    Case(
        "draft handbook status",
        "get",
        url("export-status", "handbook", release=False),
        HIDDEN_FROM_VIEWER,
    ),
    Case(
        "draft handbook download",
        "get",
        url("export-download", "handbook", release=False),
        HIDDEN_FROM_VIEWER,
    ),
    Case(
        "ask for a workshop summary",
        "post",
        lambda om: reverse("export-new", args=[om.slug]),
        ASK_NOT_VIEWER,
        lambda om: {"kind": "workshop", "release": "draft", "subject": _workshop_id(om)},
    ),
    Case(
        "workshop summary status",
        "get",
        url("export-status", "workshop", release=False),
        HIDDEN_FROM_VIEWER,
    ),
    Case(
        "workshop summary download",
        "get",
        url("export-download", "workshop", release=False),
        HIDDEN_FROM_VIEWER,
    ),
    Case(
        "retry a failed draft picture",
        "post",
        url("export-retry", "picture", release=False, status="failed"),
        RETRY,
    ),
]


def _workshop_id(om) -> int:
    return Workshop.objects.filter(operating_model=om).values_list("pk", flat=True).first() or 0


def _done(om, actor, kind: str, release=None, subject_id: int = 0) -> Export:
    export = Export.objects.create(
        operating_model=om,
        release=release,
        kind=kind,
        subject_id=subject_id,
        status="done",
        progress=100,
        pages=1,
        requested_by=actor,
    )
    export.file.save("x.pdf", ContentFile(FAKE_PDF))
    return export


@pytest.fixture
def om(small_om, people, media):
    release = release_publish(operating_model=small_om, actor=people["facilitator"], title="v1")
    _done(small_om, people["facilitator"], "picture", release)
    _done(small_om, people["editor"], "handbook")
    workshop = make_workshop(small_om, people["facilitator"])
    _done(small_om, people["facilitator"], "workshop", subject_id=workshop.pk)
    Export.objects.create(
        operating_model=small_om,
        kind="picture",
        status="failed",
        error="boom",
        requested_by=people["editor"],
    )
    return small_om


ORDER = ROLES  # (refused roles come first in it)


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.name)
def test_permission_matrix(case: Case, om, other_om, people, client_for):
    seen = {}
    for role in ORDER:
        client = client_for(None if role == "anonymous" else people[role])
        before = Export.objects.count()
        # the failed export is reset by the first allowed retry: fail it again for the next role
        Export.objects.filter(operating_model=om, kind="picture", release=None).update(
            status="failed"
        )
        data = case.data(om) if case.data else {}
        response = getattr(client, case.method)(case.url(om), data)
        seen[role] = response.status_code
        if case.method == "post" and response.status_code in (403, 404):
            assert Export.objects.count() == before, (case.name, role)
        if role == "anonymous":
            assert response["Location"].startswith(reverse("account_login"))
    assert seen == case.expected, case.name


def test_a_download_is_the_pdf_as_an_attachment_never_a_public_media_url(
    om, people, client_for, settings
):
    export = Export.objects.get(operating_model=om, kind="picture", status="done")
    response = client_for(people["viewer"]).get(
        reverse("export-download", args=[om.slug, export.pk])
    )
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"].startswith("attachment;")
    assert f"{om.slug}-v1-picture.pdf" in response["Content-Disposition"]
    assert b"".join(response.streaming_content) == FAKE_PDF
    assert response["Cache-Control"] == "private, no-store"
    # the stored file has no URL of its own
    client = client_for(people["facilitator"])
    assert client.get("/" + settings.MEDIA_URL + export.file.name).status_code == 404
    page = client.get(reverse("exports", args=[om.slug])).content.decode()
    assert export.file.name not in page and settings.MEDIA_URL not in page


def test_a_workshop_summary_is_named_after_its_workshop(om, people, client_for):
    export = Export.objects.get(operating_model=om, kind="workshop")
    response = client_for(people["participant"]).get(
        reverse("export-download", args=[om.slug, export.pk])
    )
    assert (
        f'filename="{om.slug}-workshop-summary-data-mesh-kick-off.pdf"'
        in (response["Content-Disposition"])
    )


def test_another_models_export_is_not_found_here(om, other_om, people, client_for):
    theirs = Export.objects.create(operating_model=other_om, kind="handbook", status="done")
    response = client_for(people["facilitator"]).get(
        reverse("export-download", args=[om.slug, theirs.pk])
    )
    assert response.status_code == 404


def test_the_exports_page_lists_only_what_the_role_may_download(om, people, client_for):
    viewer = client_for(people["viewer"]).get(reverse("exports", args=[om.slug]))
    editor = client_for(people["editor"]).get(reverse("exports", args=[om.slug]))
    assert viewer.content.decode().count('class="export export-') == 1  # the release picture
    # the draft handbook and the workshop summary are not for viewers
    assert editor.content.decode().count('class="export export-') == 4
    assert "The live draft" not in viewer.content.decode()
