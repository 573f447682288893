"""Pages are gzipped for browsers that accept it; event streams and file downloads are not."""

from __future__ import annotations

import gzip
import io

import pytest
from django.http import FileResponse, HttpResponse, StreamingHttpResponse
from django.test import RequestFactory
from django.urls import reverse

from opmodel.middleware import CompressPagesMiddleware

pytestmark = pytest.mark.django_db


def test_a_page_is_gzipped_for_a_browser_that_accepts_it(om, people, client_for):
    client = client_for(people["editor"])
    url = reverse("teams-matrix", args=[om.slug])
    plain = client.get(url)
    packed = client.get(url, headers={"Accept-Encoding": "gzip, deflate, br"})
    assert "Content-Encoding" not in plain
    assert packed["Content-Encoding"] == "gzip" and "Accept-Encoding" in packed["Vary"]
    html = gzip.decompress(packed.content).decode()
    assert "Who is accountable, responsible, consulted, informed" in html
    assert len(packed.content) * 4 < len(plain.content)


@pytest.mark.parametrize(
    "response",
    [
        pytest.param(
            lambda: StreamingHttpResponse(
                iter([b"data: x\n\n"] * 50), content_type="text/event-stream"
            ),
            id="event stream",
        ),
        pytest.param(
            lambda: FileResponse(io.BytesIO(b"%PDF-1.7 " * 100), content_type="application/pdf"),
            id="file download",
        ),
    ],
)
def test_streams_and_files_are_passed_through(response):
    request = RequestFactory().get("/", headers={"Accept-Encoding": "gzip"})
    middleware = CompressPagesMiddleware(lambda r: HttpResponse())
    original = response()
    assert middleware.process_response(request, original) is original
    assert not original.has_header("Content-Encoding")


def test_a_page_response_is_compressed_by_the_same_middleware():
    """The pass-through above is not the middleware doing nothing at all."""
    request = RequestFactory().get("/", headers={"Accept-Encoding": "gzip"})
    middleware = CompressPagesMiddleware(lambda r: HttpResponse())
    page = HttpResponse("<p>quokka</p>" * 100, content_type="text/html")
    assert middleware.process_response(request, page)["Content-Encoding"] == "gzip"
