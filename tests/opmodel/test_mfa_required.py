"""A facilitator can require two-factor sign-in for a model. What counts is the SESSION: signed in
with a code from an authenticator app (at login, on re-authentication, or when the app was added
in it), or through single sign-on (the identity provider owns the second factor). A session
signed in with a password only is sent to enter a code (the person has an app) or to set one up
(they have none), from every page of the model, and back to the page afterwards.

Every path signs in through allauth's real views (no ``force_login``, which records nothing)."""

from __future__ import annotations

import time
from urllib.parse import quote

import pytest
from allauth.mfa.totp.internal.auth import SECRET_SESSION_KEY, TOTP, format_hotp_value, hotp_value
from django.contrib.auth import get_user_model
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.test import Client
from django.urls import reverse

from opmodel.models import Role
from opmodel.services import member_add, operating_model_require_mfa
from tests.canvas.test_permissions import CASES as MODEL_CASES
from tests.opmodel.test_sso import idp_keys, saml_settings  # noqa: F401 - fixtures used below
from tests.worlds import PASSWORD

pytestmark = pytest.mark.django_db

SECRET = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"
MODEL_PAGES = [c for c in MODEL_CASES if c.method == "get" and c.expected["viewer"] == 200]


def _require(om, people) -> None:
    TOTP.activate(people["facilitator"], SECRET)
    operating_model_require_mfa(operating_model=om, actor=people["facilitator"], required=True)


def test_a_facilitator_without_two_factor_cannot_require_it(small_om, people):
    with pytest.raises(ValidationError):
        operating_model_require_mfa(
            operating_model=small_om, actor=people["facilitator"], required=True
        )
    small_om.refresh_from_db()
    assert not small_om.require_mfa


@pytest.fixture(autouse=True)
def _fresh_codes():
    """allauth refuses a code used once (kept in the cache): each test starts afresh."""
    cache.clear()


def _code(secret: str) -> str:
    """The app's code now. allauth accepts only the current 30-second period: a code made in
    the last seconds of one would be checked in the next, so wait for the next one then."""
    if 30 - time.time() % 30 < 3:
        time.sleep(30 - time.time() % 30 + 0.1)
    return format_hotp_value(hotp_value(secret, int(time.time()) // 30))


def sign_in(user, secret: str | None = None) -> Client:
    """Sign in through allauth's login view; with ``secret``, answer its two-factor step."""
    client = Client()
    step = client.post(reverse("account_login"), {"login": user.username, "password": PASSWORD})
    assert step.status_code == 302
    if secret is not None:
        assert step["Location"] == reverse("mfa_authenticate")
        done = client.post(reverse("mfa_authenticate"), {"code": _code(secret)})
        assert done.status_code == 302
    assert client.session["_auth_user_id"] == str(user.pk)
    return client


def test_the_rule_is_set_on_the_members_page_by_facilitators_only(small_om, people, client_for):
    password_only = sign_in(people["facilitator"])  # before the app was added
    TOTP.activate(people["facilitator"], SECRET)
    url = reverse("model-require-mfa", args=[small_om.slug])
    assert client_for(people["editor"]).post(url, {"require_mfa": "on"}).status_code == 403
    # a facilitator whose session was signed in with the password only may not turn it on
    password_only.post(url, {"require_mfa": "on"})
    small_om.refresh_from_db()
    assert not small_om.require_mfa
    facilitator = sign_in(people["facilitator"], SECRET)
    response = facilitator.post(url, {"require_mfa": "on"})
    assert response.status_code == 302
    small_om.refresh_from_db()
    assert small_om.require_mfa
    assert facilitator.post(url, {}).status_code == 302
    small_om.refresh_from_db()
    assert not small_om.require_mfa


@pytest.mark.parametrize("case", MODEL_PAGES, ids=lambda c: c.name)
def test_every_page_of_the_model_sends_a_member_without_two_factor_to_set_it_up(
    case, small_om, people, client_for
):
    _require(small_om, people)
    client = client_for(people["viewer"])
    headers = {"HX-Request": "true"} if case.htmx else {}
    response = client.get(case.url(small_om), headers=headers)
    if case.htmx:
        assert response.status_code == 200 and response["HX-Redirect"] == reverse("mfa_index")
    else:
        assert response.status_code == 302 and response["Location"] == reverse("mfa_index")


def test_a_session_signed_in_with_password_and_code_opens_the_model(small_om, people):
    _require(small_om, people)
    TOTP.activate(people["viewer"], SECRET)
    client = sign_in(people["viewer"], SECRET)
    assert client.get(reverse("canvas", args=[small_om.slug])).status_code == 200


@pytest.mark.parametrize("htmx", [False, True], ids=["page", "htmx"])
def test_a_password_only_session_of_someone_with_an_app_is_asked_for_a_code_then_opens(
    small_om, people, htmx
):
    """The hole closed: the person HAS an app (added in another session, or after this one
    began), but this session never showed a code. Owning a device is not signing in with it."""
    _require(small_om, people)
    viewer = people["viewer"]
    client = sign_in(viewer)  # no app yet: allauth asks no code
    TOTP.activate(viewer, SECRET)  # added elsewhere afterwards
    page = reverse("canvas", args=[small_om.slug])
    ask = f"{reverse('mfa_reauthenticate')}?next={quote(page, safe='')}"
    if htmx:
        headers = {"HX-Request": "true", "HX-Current-URL": f"http://testserver{page}"}
        response = client.get(reverse("model-health", args=[small_om.slug]), headers=headers)
        assert response.status_code == 200 and response["HX-Redirect"] == ask
    else:
        response = client.get(page)
        assert response.status_code == 302 and response["Location"] == ask
    back = client.post(ask, {"code": _code(SECRET)})
    assert back.status_code == 302, back.context["form"].errors
    assert back["Location"] == page
    assert client.get(page).status_code == 200


@pytest.mark.django_db(transaction=True)  # allauth announces the new app once it is committed
def test_adding_an_app_in_a_password_session_opens_the_model(small_om, people):
    """No app yet: sent to set one up. Adding it asks for a code from it: that session has now
    shown both factors."""
    _require(small_om, people)
    client = sign_in(people["viewer"])
    page = reverse("canvas", args=[small_om.slug])
    response = client.get(page)
    assert response.status_code == 302 and response["Location"] == reverse("mfa_index")
    activate = client.get(reverse("mfa_activate_totp"))  # allauth asks for the password again
    assert activate.status_code == 302
    again = client.post(activate["Location"], {"password": PASSWORD})
    assert again.status_code == 302 and again["Location"] == reverse("mfa_activate_totp")
    assert client.get(reverse("mfa_activate_totp")).status_code == 200
    secret = client.session[SECRET_SESSION_KEY]
    added = client.post(reverse("mfa_activate_totp"), {"code": _code(secret)})
    assert added.status_code == 302
    assert client.get(page).status_code == 200
    # from now on allauth asks for a code at every password sign-in of this person
    step = Client().post(
        reverse("account_login"), {"login": people["viewer"].username, "password": PASSWORD}
    )
    assert step["Location"] == reverse("mfa_authenticate")


def test_a_session_without_any_sign_in_record_is_asked_for_a_code(small_om, people, client_for):
    """A session made outside allauth's sign-in (``force_login``, a session from before this
    rule) has no record of a second factor, whatever the account has."""
    _require(small_om, people)
    TOTP.activate(people["viewer"], SECRET)
    response = client_for(people["viewer"]).get(reverse("canvas", args=[small_om.slug]))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("mfa_reauthenticate"))


@pytest.mark.usefixtures("saml_settings")
def test_a_single_sign_on_session_opens_the_model(small_om, people, request):
    """Signed in through the identity provider (a real signed SAML assertion): the provider owns
    the second factor, so the session meets the rule, password or not."""
    from tests.opmodel import test_sso as sso

    _require(small_om, people)
    keys = request.getfixturevalue("idp_keys")
    client = Client(HTTP_HOST=sso.HOST)
    request_id, relay = sso._start(client)
    assertion = sso._sign(sso._assertion(request_id, "carol@quokka.example", []), keys["idp"])
    sso._finish(client, sso._response(request_id, assertion), relay)
    carol = get_user_model().objects.get(email="carol@quokka.example")
    member_add(operating_model=small_om, actor=people["facilitator"], user=carol, role=Role.VIEWER)
    assert client.session["_auth_user_id"] == str(carol.pk)
    assert client.get(reverse("canvas", args=[small_om.slug])).status_code == 200


def test_an_outsider_still_sees_no_model_at_all(small_om, people):
    _require(small_om, people)
    TOTP.activate(people["outsider"], SECRET)
    response = sign_in(people["outsider"], SECRET).get(reverse("canvas", args=[small_om.slug]))
    assert response.status_code == 404  # not a hint that it exists
