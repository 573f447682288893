"""A viewer asks for a release's picture on a page in the browser: the PDFs page shows its
progress and then a download button, without a reload (live events, the background thread of
the embedded default), and the download is the PDF."""

from __future__ import annotations

import pytest

from opmodel.models import Export
from opmodel.services import release_publish
from tests.e2e.conftest import login

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_viewer_gets_the_release_picture_without_reloading(
    browser, asgi_server, local_broadcaster, small_om, people, artifacts, settings, tmp_path
):
    settings.OPMODEL_EXPORTS_RUN = "thread"  # the embedded default
    settings.MEDIA_ROOT = tmp_path / "media"
    release_publish(operating_model=small_om, actor=people["facilitator"], title="First cut")
    page = login(browser, asgi_server, "viewer")
    page.goto(f"{asgi_server}/m/{small_om.slug}/releases/v1/")
    assert page.get_by_role("button", name="Handbook PDF").count() == 0  # viewers: picture only
    page.get_by_role("button", name="Picture PDF").click()
    page.wait_for_url(f"{asgi_server}/m/{small_om.slug}/exports/")
    page.wait_for_selector('#live-status[data-state="live"]', timeout=10_000)
    navigations: list[str] = []
    page.on("framenavigated", lambda frame: navigations.append(frame.url))
    download = page.get_by_role("link", name="Download PDF")
    download.wait_for(timeout=60_000)
    assert navigations == []  # the row changed in place
    page.screenshot(path=str(artifacts / "exports-page-done.png"), full_page=True)
    with page.expect_download() as info:
        download.click()
    path = tmp_path / "picture.pdf"
    info.value.save_as(path)
    assert path.read_bytes().startswith(b"%PDF-")
    assert info.value.suggested_filename == f"{small_om.slug}-v1-picture.pdf"
    export = Export.objects.get(operating_model=small_om)
    assert export.status == "done" and export.pages == 1
    assert page.js_errors == []  # type: ignore[attr-defined]
