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
from tests.api.test_permissions import API_CASES
from tests.canvas.test_permissions import CASES as MODEL_CASES
from tests.exports.test_permissions import CASES as EXPORT_CASES
from tests.journeys.conftest import SMALL_JOURNEYS
from tests.journeys.test_permissions import CASES as JOURNEY_CASES
from tests.permissions import MANAGE_FORM, MANAGE_REDIRECT, ROLES, Case
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


def _model_invitation_link(om) -> str:
    from opmodel.services.invitations import model_invitation_create, model_invitation_token

    facilitator = om.role_groups.get(role=Role.FACILITATOR).group.user_set.first()
    invitation = model_invitation_create(
        operating_model=om,
        actor=facilitator,
        email="invitee@example.com",
        role=Role.EDITOR,
        base_url="http://testserver/",
    )
    assert invitation is not None
    return reverse("model-invitation-open", args=[om.slug, model_invitation_token(invitation)])


CORE_CASES = [
    Case("dashboard", "get", lambda om: reverse("dashboard"), SIGNED_IN),
    Case("model-new", "get", lambda om: reverse("model-new"), SIGNED_IN),
    Case("model-events", "get", lambda om: reverse("model-events", args=[om.slug]), STREAM),
    Case("api-tokens", "get", lambda om: reverse("api-tokens"), SIGNED_IN),
    Case(
        "api-token-revoke",
        "post",
        lambda om: reverse("api-token-revoke", args=[999]),
        {**dict.fromkeys(ROLES, 404), "anonymous": 302},
    ),
    Case("webhooks", "get", lambda om: reverse("webhooks", args=[om.slug]), MANAGE_FORM),
    Case(
        "webhook-delivery-again",
        "post",
        lambda om: reverse("webhook-delivery-again", args=[om.slug, 999]),
        {**MANAGE_REDIRECT, "editor": 403, "facilitator": 404},
    ),
    Case("api-docs", "get", lambda om: reverse("api-v1:openapi-view"), ANYONE),
    # A model invitation link is for its invitee: signed out, they may open it (and sign up);
    # anyone signed in as somebody else is refused, member or not.
    Case(
        "model-invitation-open",
        "get",
        lambda om: _model_invitation_link(om),
        {**dict.fromkeys(ROLES, 403), "anonymous": 200},
    ),
    Case(
        "model-invitation-accept",
        "post",
        lambda om: _model_invitation_link(om),
        {**dict.fromkeys(ROLES, 403), "anonymous": 422},
    ),
    Case(
        "model-require-mfa",
        "post",
        lambda om: reverse("model-require-mfa", args=[om.slug]),
        MANAGE_REDIRECT,
    ),
]


EVERYONE_REDIRECTED = dict.fromkeys(ROLES, 302)
NOTHING_TO_SHOW_YET = {**dict.fromkeys(ROLES, 404), "anonymous": 302}


def _u(name: str, *args: str):
    return lambda om: reverse(name, args=list(args))


# django-allauth's pages: nothing in them depends on a model, so every signed-in role is alike.
# Pages that need a step first (a pending login, a reauthentication) send everyone on; the
# two-factor pages of a person with no authenticator yet are a 404; an unknown SAML
# organisation or OIDC provider is a 404 (tests/opmodel/test_sso.py covers configured ones).
ACCOUNT_CASES = [
    Case("account_login", "get", _u("account_login"), SIGNED_OUT_ONLY),
    Case("account_signup", "get", _u("account_signup"), SIGNED_OUT_ONLY),
    Case("account_logout", "get", _u("account_logout"), SIGNED_IN),
    Case("account_inactive", "get", _u("account_inactive"), ANYONE),
    Case("account_reauthenticate", "get", _u("account_reauthenticate"), SIGNED_IN),
    Case(
        "account_request_reauthentication_code",
        "get",
        _u("account_request_reauthentication_code"),
        EVERYONE_REDIRECTED,
    ),
    Case(
        "account_confirm_reauthentication_code",
        "get",
        _u("account_confirm_reauthentication_code"),
        EVERYONE_REDIRECTED,
    ),
    Case("account_email", "get", _u("account_email"), SIGNED_IN),
    Case("account_email_verification_sent", "get", _u("account_email_verification_sent"), ANYONE),
    Case("account_confirm_email", "get", _u("account_confirm_email", "not-a-key"), ANYONE),
    Case("account_change_password", "get", _u("account_change_password"), SIGNED_IN),
    Case("account_set_password", "get", _u("account_set_password"), EVERYONE_REDIRECTED),
    Case("account_reset_password", "get", _u("account_reset_password"), ANYONE),
    Case("account_reset_password_done", "get", _u("account_reset_password_done"), ANYONE),
    Case(
        "account_reset_password_from_key",
        "get",
        lambda om: reverse("account_reset_password_from_key", kwargs={"uidb36": "1", "key": "x"}),
        ANYONE,
    ),
    Case(
        "account_reset_password_from_key_done",
        "get",
        _u("account_reset_password_from_key_done"),
        ANYONE,
    ),
    Case(
        "account_confirm_login_code", "get", _u("account_confirm_login_code"), EVERYONE_REDIRECTED
    ),
    Case("mfa_index", "get", _u("mfa_index"), SIGNED_IN),
    Case("mfa_authenticate", "get", _u("mfa_authenticate"), EVERYONE_REDIRECTED),
    Case("mfa_reauthenticate", "get", _u("mfa_reauthenticate"), EVERYONE_REDIRECTED),
    Case("mfa_activate_totp", "get", _u("mfa_activate_totp"), EVERYONE_REDIRECTED),
    Case("mfa_deactivate_totp", "get", _u("mfa_deactivate_totp"), NOTHING_TO_SHOW_YET),
    Case("mfa_view_recovery_codes", "get", _u("mfa_view_recovery_codes"), NOTHING_TO_SHOW_YET),
    Case(
        "mfa_generate_recovery_codes",
        "get",
        _u("mfa_generate_recovery_codes"),
        EVERYONE_REDIRECTED,
    ),
    Case(
        "mfa_download_recovery_codes",
        "get",
        _u("mfa_download_recovery_codes"),
        NOTHING_TO_SHOW_YET,
    ),
    Case("socialaccount_login_cancelled", "get", _u("socialaccount_login_cancelled"), ANYONE),
    Case(
        "socialaccount_login_error",
        "get",
        _u("socialaccount_login_error"),
        dict.fromkeys(ROLES, 401),
    ),
    Case("socialaccount_signup", "get", _u("socialaccount_signup"), EVERYONE_REDIRECTED),
    Case("socialaccount_connections", "get", _u("socialaccount_connections"), SIGNED_IN),
    Case("saml_acs", "get", _u("saml_acs", "unknown"), EVERYONE_REDIRECTED),
    Case("saml_finish_acs", "get", _u("saml_finish_acs", "unknown"), dict.fromkeys(ROLES, 404)),
    Case("saml_sls", "get", _u("saml_sls", "unknown"), dict.fromkeys(ROLES, 404)),
    Case("saml_metadata", "get", _u("saml_metadata", "unknown"), dict.fromkeys(ROLES, 404)),
    Case("saml_login", "get", _u("saml_login", "unknown"), dict.fromkeys(ROLES, 404)),
    Case(
        "openid_connect_login",
        "get",
        _u("openid_connect_login", "unknown"),
        dict.fromkeys(ROLES, 404),
    ),
    Case(
        "openid_connect_callback",
        "get",
        _u("openid_connect_callback", "unknown"),
        dict.fromkeys(ROLES, 404),
    ),
]


# Every table-driven permission matrix of the project; the audit checks that together they
# reach every URL pattern (by resolving the URLs they request).
MATRICES = [MODEL_CASES, CORE_CASES, ACCOUNT_CASES, API_CASES, VERSIONS_CASES, EXPORT_CASES]
ALL_CASES = MODEL_CASES + CORE_CASES + ACCOUNT_CASES + VERSIONS_CASES + EXPORT_CASES


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
@pytest.mark.parametrize("case", CORE_CASES + ACCOUNT_CASES, ids=lambda c: c.name)
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
