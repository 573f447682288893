"""The authorization audit: every URL pattern of the project, from the resolver, has an expected
status for every role, and every HTML page carries the enforced Content Security Policy.

A new view without an entry here fails ``test_every_url_pattern_has_an_expectation``.
"""

from __future__ import annotations

import re
from urllib.parse import urlsplit

import pytest
from django.urls import URLPattern, URLResolver, get_resolver, resolve, reverse

from opmodel.models import Role
from opmodel.services import member_add, operating_model_create
from tests.canvas.test_permissions import CASES as MODEL_CASES
from tests.exports.test_permissions import CASES as EXPORT_CASES
from tests.journeys.conftest import SMALL_JOURNEYS
from tests.journeys.test_permissions import CASES as JOURNEY_CASES
from tests.permissions import ROLES, Case
from tests.teams.conftest import SMALL_TEAMS
from tests.teams.test_permissions import CASES as TEAMS_CASES
from tests.versions.test_permissions import CASES as VERSIONS_CASES
from tests.workshops.conftest import make_workshop
from tests.workshops.test_permissions import CASES as WORKSHOP_CASES
from tests.workshops.test_permissions import matrix_context

pytestmark = pytest.mark.django_db

ANYONE = dict.fromkeys(ROLES, 200)
SIGNED_IN = {**ANYONE, "anonymous": 302}
SIGNED_OUT_ONLY = {**dict.fromkeys(ROLES, 302), "anonymous": 200}
STREAM = {
    "anonymous": 404,
    "outsider": 404,
    "viewer": 200,
    "participant": 200,
    "editor": 200,
    "facilitator": 200,
}

CORE_CASES = [
    Case("dashboard", "get", lambda om: reverse("dashboard"), SIGNED_IN),
    Case("model-new", "get", lambda om: reverse("model-new"), SIGNED_IN),
    Case("login", "get", lambda om: reverse("login"), SIGNED_OUT_ONLY),
    Case("logout", "get", lambda om: reverse("logout"), dict.fromkeys(ROLES, 405)),
    Case("password_change", "get", lambda om: reverse("password_change"), SIGNED_IN),
    Case("password_change_done", "get", lambda om: reverse("password_change_done"), SIGNED_IN),
    Case("password_reset", "get", lambda om: reverse("password_reset"), ANYONE),
    Case("password_reset_done", "get", lambda om: reverse("password_reset_done"), ANYONE),
    Case(
        "password_reset_confirm",
        "get",
        lambda om: reverse("password_reset_confirm", args=["MQ", "not-a-token"]),
        ANYONE,
    ),
    Case("password_reset_complete", "get", lambda om: reverse("password_reset_complete"), ANYONE),
    Case("model-events", "get", lambda om: reverse("model-events", args=[om.slug]), STREAM),
]


# Every table-driven permission matrix of the project; the audit checks that together they
# reach every URL pattern (by resolving the URLs they request).
MATRICES = [MODEL_CASES, CORE_CASES, VERSIONS_CASES, EXPORT_CASES]
ALL_CASES = MODEL_CASES + CORE_CASES + VERSIONS_CASES + EXPORT_CASES


def _walk(patterns, namespace: str = "") -> list[str]:
    names = []
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            if pattern.namespace == "admin":
                continue  # Django's admin guards itself (staff only), tested separately
            names += _walk(pattern.url_patterns, pattern.namespace or namespace)
        elif isinstance(pattern, URLPattern) and pattern.name:
            names.append(f"{namespace}:{pattern.name}" if namespace else pattern.name)
        elif isinstance(pattern, URLPattern):
            names.append(f"<unnamed {pattern.pattern}>")
    return names


def test_every_url_pattern_has_an_expectation(small_om, people, make_user):
    from canvas.models import Principle
    from opmodel import services
    from opmodel.registry import registry

    # Some matrices point at a deleted row (restore): give them one.
    principle = Principle.objects.filter(operating_model=small_om).first()
    services.part_delete(
        section=registry.get("canvas.principles"),
        part=principle,
        revision=principle.revision,
        actor=people["facilitator"],
    )
    covered = set()
    for cases in MATRICES:
        for case in cases:
            covered.add(resolve(urlsplit(case.url(small_om)).path).view_name)
    # The workshops matrix builds its URLs from a workshop with notes, links and comments.
    ctx = matrix_context(make_workshop(small_om, people["facilitator"]), people)
    for case in WORKSHOP_CASES:
        covered.add(resolve(urlsplit(case.url(ctx)).path).view_name)
    # The Level 2 matrix needs squads, people, interactions and cells.
    teams_model = operating_model_create(
        actor=people["facilitator"], name="Teams", organisation="Quokka Inc", starter=SMALL_TEAMS
    )
    member_add(
        operating_model=teams_model, actor=None, user=make_user("lead"), role=Role.PARTICIPANT
    )
    for case in TEAMS_CASES:
        covered.add(resolve(urlsplit(case.url(teams_model)).path).view_name)
    # The Level 3 matrix needs a journey with stages and steps of two squads.
    journeys_model = operating_model_create(
        actor=people["facilitator"],
        name="Journeys",
        organisation="Quokka Inc",
        starter=SMALL_JOURNEYS,
    )
    for case in JOURNEY_CASES:
        covered.add(resolve(urlsplit(case.url(journeys_model)).path).view_name)
    names = set(_walk(get_resolver().url_patterns))
    missing = sorted(names - covered)
    assert missing == [], f"URLs with no authorization expectation: {missing}"


@pytest.fixture
def om(small_om):
    return small_om


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("case", CORE_CASES, ids=lambda c: c.name)
def test_core_urls_for_every_role(case: Case, role: str, om, other_om, people, client_for):
    client = client_for(None if role == "anonymous" else people[role])
    response = getattr(client, case.method)(case.url(om))
    assert response.status_code == case.expected[role], (case.name, role, response.status_code)


def test_the_admin_is_for_staff_only(people, client_for):
    for role in ["facilitator", "viewer"]:
        response = client_for(people[role]).get(reverse("admin:index"))
        assert response.status_code == 302
        assert "/admin/login/" in response["Location"]


@pytest.mark.parametrize("case", [c for c in ALL_CASES if c.method == "get"], ids=lambda c: c.name)
def test_every_html_page_carries_an_enforced_csp_with_nonces(
    case: Case, om, other_om, people, client_for
):
    client = client_for(people["facilitator"])
    headers = {"HX-Request": "true"} if getattr(case, "htmx", False) else {}
    response = client.get(case.url(om), headers=headers)
    if response.get("Content-Type", "").startswith("text/html") and response.status_code == 200:
        policy = response["Content-Security-Policy"]
        assert "default-src 'self'" in policy
        assert "object-src 'none'" in policy and "frame-ancestors 'none'" in policy
        assert "script-src 'self'" in policy and "unsafe-inline" not in policy
        html = response.content.decode()
        scripts = re.findall(r"<script\b[^>]*>", html)
        if scripts:  # full pages: every script carries this response's nonce
            match = re.search(r"script-src 'self' 'nonce-([^']+)'", policy)
            assert match, policy
            for tag in scripts:
                assert f'nonce="{match.group(1)}"' in tag, tag
        assert "style=" not in re.sub(r"<svg.*?</svg>", "", html, flags=re.S).split("<main", 1)[-1]
