from __future__ import annotations

import pytest
from django.db import OperationalError
from django.urls import reverse

pytestmark = [pytest.mark.engine, pytest.mark.django_db]


def test_a_lost_database_gives_a_friendly_503_not_a_traceback(
    people, client_for, monkeypatch, small_om
):
    client = client_for(people["viewer"])
    import canvas.views

    def broken(*args, **kwargs):
        raise OperationalError("server closed the connection unexpectedly")

    monkeypatch.setattr(canvas.views, "canvas_data", broken)
    response = client.get(reverse("canvas", args=[small_om.slug]))
    assert response.status_code == 503
    assert response["Retry-After"] == "5"
    assert "Back in a moment" in response.content.decode()
    assert "Traceback" not in response.content.decode()
    monkeypatch.undo()
    assert client.get(reverse("canvas", args=[small_om.slug])).status_code == 200


def test_a_database_error_outside_a_view_gives_the_friendly_503_too(people, monkeypatch):
    # The session is saved by a middleware after the login view returned: past the view.
    from django.contrib.sessions.backends.db import SessionStore
    from django.test import Client

    def broken(self, must_create=False):
        raise OperationalError("server closed the connection unexpectedly")

    monkeypatch.setattr(SessionStore, "save", broken)
    monkeypatch.setattr(SessionStore, "cycle_key", lambda self: None)
    client = Client(raise_request_exception=False)
    response = client.post(reverse("account_login"), {"login": "viewer", "password": "pw-123456"})
    assert response.status_code == 503
    assert "Back in a moment" in response.content.decode()
