"""The exports UI: ask, watch, download, retry; the PDF buttons where people read the model;
a fixed number of queries whatever the number of exports."""

from __future__ import annotations

import pytest
from django.urls import reverse

from opmodel.models import Export
from opmodel.services import release_publish
from tests.exports.conftest import celery_broker
from tests.workshops.conftest import make_workshop

pytestmark = pytest.mark.django_db


@pytest.fixture
def release(om, people):
    return release_publish(operating_model=om, actor=people["facilitator"], title="First cut")


def test_asking_for_a_pdf_redirects_to_the_exports_page_where_its_progress_shows(
    om, people, release, client_for, settings
):
    settings.OPMODEL_EXPORTS_RUN = "inline"  # never reached: the test's transaction never commits
    client = client_for(people["viewer"])
    response = client.post(
        reverse("export-new", args=[om.slug]), {"kind": "picture", "release": "1"}
    )
    assert response.status_code == 302 and response["Location"] == reverse(
        "exports", args=[om.slug]
    )
    page = client.get(response["Location"]).content.decode()
    export = Export.objects.get(release=release, kind="picture")
    assert f'id="export-{export.pk}"' in page
    assert "<progress" in page and "Waiting for a worker" in page
    assert 'hx-trigger="every 3s"' in page  # polls while the live stream is away
    assert "Your PDF is being made" in page


def test_with_htmx_asking_returns_the_row_to_swap_in(om, people, release, client_for):
    response = client_for(people["editor"]).post(
        reverse("export-new", args=[om.slug]),
        {"kind": "handbook", "release": "draft"},
        headers={"HX-Request": "true"},
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert html.strip().startswith('<li id="export-') and "Handbook" in html


def test_a_done_export_offers_its_download_and_a_failed_one_says_why_and_offers_a_retry(
    om, people, client_for
):
    done = Export.objects.create(
        operating_model=om, kind="handbook", status="done", progress=100, pages=14
    )
    failed = Export.objects.create(
        operating_model=om, kind="picture", status="failed", error="ValueError: no room"
    )
    page = client_for(people["editor"]).get(reverse("exports", args=[om.slug])).content.decode()
    assert reverse("export-download", args=[om.slug, done.pk]) in page and "14 pages" in page
    assert "Failed: ValueError: no room" in page
    assert reverse("export-retry", args=[om.slug, failed.pk]) in page
    row = client_for(people["editor"]).get(reverse("export-status", args=[om.slug, done.pk]))
    assert 'hx-trigger="every' not in row.content.decode()  # finished: no more polling


@pytest.mark.django_db(transaction=True)  # the enqueue runs on a real commit, in the view
def test_when_the_broker_is_down_the_page_says_so_at_once(
    om, people, release, client_for, settings
):
    settings.OPMODEL_EXPORTS_RUN = "celery"
    with celery_broker("redis://127.0.0.1:9/0"):
        client = client_for(people["viewer"])
        response = client.post(
            reverse("export-new", args=[om.slug]),
            {"kind": "picture", "release": "1"},
            headers={"HX-Request": "true"},
        )
        assert response.status_code == 503
        assert "cannot be reached" in response.content.decode()
        assert "opmodel:error" in response["HX-Trigger"]
        page = client.get(reverse("exports", args=[om.slug])).content.decode()
        assert "Failed: The export queue (Redis) cannot be reached" in page
        assert "Try again" in page
        response = client.post(
            reverse("export-new", args=[om.slug]), {"kind": "picture", "release": "1"}
        )  # without htmx: back to the page, with the message
        assert response.status_code == 302
        page = client.get(response["Location"]).content.decode()
        assert "cannot be reached" in page


def test_the_pdf_buttons_appear_where_people_read_the_model(om, people, release, client_for):
    viewer, editor = client_for(people["viewer"]), client_for(people["editor"])
    new = reverse("export-new", args=[om.slug])
    release_page = viewer.get(reverse("release-detail", args=[om.slug, 1])).content.decode()
    assert new in release_page and "Picture PDF" in release_page
    assert "Handbook PDF" not in release_page  # viewers: the picture only
    assert (
        "Handbook PDF" in editor.get(reverse("release-detail", args=[om.slug, 1])).content.decode()
    )
    assert "A3 PDF" in viewer.get(reverse("picture-release", args=[om.slug, 1])).content.decode()
    assert "A3 PDF" not in viewer.get(reverse("picture", args=[om.slug])).content.decode()
    assert "A3 PDF" in editor.get(reverse("picture", args=[om.slug])).content.decode()
    workshop = make_workshop(om, people["facilitator"])
    summary_url = reverse("workshop-summary", args=[om.slug, workshop.pk])
    # a workshop's summary PDF is for participants and up (viewers read the page only)
    summary = client_for(people["participant"]).get(summary_url).content.decode()
    assert "Summary PDF" in summary and f'name="subject" value="{workshop.pk}"' in summary
    assert "Summary PDF" not in viewer.get(summary_url).content.decode()


def test_a_workshop_summary_pdf_can_be_asked_for_and_an_unknown_workshop_cannot(
    om, people, client_for
):
    workshop = make_workshop(om, people["facilitator"])
    client = client_for(people["participant"])
    url = reverse("export-new", args=[om.slug])
    assert client.post(url, {"kind": "workshop", "subject": workshop.pk}).status_code == 302
    assert Export.objects.get(kind="workshop").subject_id == workshop.pk
    assert client.post(url, {"kind": "workshop", "subject": 99999}).status_code == 400
    page = client.get(reverse("exports", args=[om.slug])).content.decode()
    assert "Workshop summary" in page and workshop.title in page


def test_the_exports_page_costs_the_same_queries_for_many_exports(
    om, people, release, client_for, django_assert_max_num_queries
):
    workshop = make_workshop(om, people["facilitator"])
    for i in range(40):
        Export.objects.create(
            operating_model=om,
            kind=["picture", "handbook"][i % 2],
            requested_by=people["editor"],
            status=["queued", "rendering", "done", "failed"][i % 4],
        )
    Export.objects.create(operating_model=om, kind="workshop", subject_id=workshop.pk)
    client = client_for(people["facilitator"])
    with django_assert_max_num_queries(12):
        response = client.get(reverse("exports", args=[om.slug]))
    assert response.status_code == 200
    assert response.content.decode().count('class="export export-') == 30
