"""The tests' WhiteNoise (tests/static_files.py): a new test client serves the static files
without walking them again, and serves what WhiteNoise itself would."""

from __future__ import annotations

import pytest
from django.contrib.staticfiles import finders
from django.test import Client
from whitenoise.middleware import WhiteNoiseMiddleware


def test_a_new_client_serves_static_files_without_walking_them_again(monkeypatch):
    assert Client().get("/static/css/pdf.css").status_code == 200  # the process's first walk

    def walked() -> None:
        pytest.fail("a new client walked the static files again")

    monkeypatch.setattr(finders, "get_finders", walked)
    response = Client().get("/static/css/pdf.css")
    assert response.status_code == 200
    assert b"@page" in b"".join(response.streaming_content)


def test_the_static_files_are_the_ones_whitenoise_finds():
    from tests.static_files import WhiteNoiseMiddleware as Once

    Once(lambda request: None)  # found once, before this test (or here)
    reused = Once(lambda request: None).files
    walked = WhiteNoiseMiddleware(lambda request: None).files
    assert set(reused) == set(walked) and len(walked) > 50
    for url, found in walked.items():
        assert (reused[url].alternatives, reused[url].last_modified) == (
            found.alternatives,
            found.last_modified,
        ), url
