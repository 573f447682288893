"""Every state-changing request is CSRF-protected: no view opts out, and the htmx requests of
the live room and of inline editing are refused without the token (and work with it)."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from canvas.models import Stage
from tests.workshops.conftest import make_workshop
from workshops import services


def _callbacks(resolver: URLResolver, prefix: str = "") -> list[tuple[str, object]]:
    found: list[tuple[str, object]] = []
    for entry in resolver.url_patterns:
        if isinstance(entry, URLResolver):
            found += _callbacks(entry, prefix + str(entry.pattern))
        elif isinstance(entry, URLPattern):
            found.append((prefix + str(entry.pattern), entry.callback))
    return found


# A SAML identity provider posts its response from its own origin, so these two cannot carry our
# token: what they accept is a response signed by the configured provider's certificate
# (tests/opmodel/test_sso.py), answering a request this session started.
CROSS_SITE_BY_PROTOCOL = {
    "accounts/^saml/(?P<organization_slug>[^/]+)/acs/",
    "accounts/^saml/(?P<organization_slug>[^/]+)/sls/",
}


# django-ninja's routes are exempt from the middleware and check CSRF themselves when the session
# authenticates (a token in a header is not sent by a browser on its own):
# tests/api/test_api.py::test_a_session_write_without_the_csrf_token_is_refused.
API_CHECKS_ITS_OWN = "api/v1/"


def test_no_view_of_the_project_is_exempt_from_csrf():
    views = _callbacks(get_resolver())
    assert len(views) > 50  # the walk reached every app's patterns
    exempt = {
        route
        for route, callback in views
        if getattr(callback, "csrf_exempt", False) and not route.startswith(API_CHECKS_ITS_OWN)
    }
    assert exempt == CROSS_SITE_BY_PROTOCOL


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("name", "data"),
    [
        ("note-add", {"kind": "idea", "text": "A note"}),
        ("control-focus", {"section": "canvas.stages"}),
        ("control-timer", {"action": "stop"}),
        ("part-edit", {"outcome": "x", "revision": "1"}),
    ],
)
def test_htmx_posts_without_the_token_are_refused_and_work_with_it(name, data, small_om, people):
    workshop = make_workshop(small_om, people["facilitator"])
    services.attendee_add(
        workshop=workshop, actor=people["facilitator"], user=people["participant"]
    )
    if name == "part-edit":
        stage = Stage.objects.filter(operating_model=small_om).order_by("position").first()
        url = reverse(name, args=[small_om.slug, "canvas-stages", stage.pk]) + "?field=outcome"
        data = {**data, "revision": str(stage.revision)}
    else:
        url = reverse(name, args=[small_om.slug, workshop.pk])
    client = Client(enforce_csrf_checks=True)
    client.force_login(people["facilitator"])
    refused = client.post(url, data, HTTP_HX_REQUEST="true")
    assert refused.status_code == 403
    client.get(reverse("workshop-room", args=[small_om.slug, workshop.pk]))  # sets the cookie
    token = client.cookies["csrftoken"].value
    accepted = client.post(url, data, HTTP_HX_REQUEST="true", HTTP_X_CSRFTOKEN=token)
    assert accepted.status_code != 403, accepted.content[:300]
    assert accepted.status_code < 400, accepted.content[:300]
