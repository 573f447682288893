"""Single sign-on through a real OpenID Connect provider: django-oauth-toolkit in its own process
on loopback (tests/sso/), the authorisation code flow with PKCE, a "just in time" account, a
group claim that grants a role, and a refused sign-in that leaves nobody signed in."""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model

from opmodel.access import role_of
from opmodel.models import Role
from tests.conftest import build_model
from tests.sso.provider import CLIENT_ID, CLIENT_SECRET, identity_provider

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PEOPLE = {
    "alice": {
        "password": "alice-at-the-idp",
        "email": "alice@quokka.example",
        "first_name": "Alice",
        "last_name": "Lovelace",
        "groups": ["ops-designers", "everyone"],
    },
    "bob": {"password": "bob-at-the-idp", "email": "bob@quokka.example", "groups": ["everyone"]},
}


def _sign_in_at_provider(page, base: str, username: str, shot=None) -> None:
    page.goto(f"{base}/accounts/login/")
    if shot:
        page.screenshot(path=str(shot))
    page.click("text=Log in with Quokka SSO")
    page.wait_for_selector("text=Quokka identity provider")
    page.fill("#id_username", username)
    page.fill("#id_password", PEOPLE[username]["password"])
    page.click("button[type=submit]")
    page.wait_for_selector("#authorizationForm")


def test_signing_in_through_the_oidc_provider(
    browser, asgi_server, people, settings, tmp_path, artifacts
):
    model = build_model(people["facilitator"], starter="small")
    callback = f"{asgi_server}/accounts/oidc/quokka/login/callback/"
    with identity_provider(tmp_path, redirect_uri=callback, people=PEOPLE) as issuer:
        settings.SOCIALACCOUNT_PROVIDERS = {
            "openid_connect": {
                "OAUTH_PKCE_ENABLED": True,
                "APPS": [
                    {
                        "provider_id": "quokka",
                        "name": "Quokka SSO",
                        "client_id": CLIENT_ID,
                        "secret": CLIENT_SECRET,
                        "settings": {"server_url": issuer},
                    }
                ],
            }
        }
        # what settings.py derives from OIDC_SERVER_URL: the sign-in form may be sent on there
        settings.SECURE_CSP = {
            **settings.SECURE_CSP,
            "form-action": [*settings.SECURE_CSP["form-action"], issuer.removesuffix("/o")],
        }
        settings.OPMODEL_SSO_GROUP_ROLES = [f"ops-designers={model.slug}:editor"]

        context = browser.new_context(viewport={"width": 1440, "height": 900})
        page = context.new_page()
        authorize_urls: list[str] = []
        page.on(
            "request",
            lambda r: authorize_urls.append(r.url) if "/o/authorize/" in r.url else None,
        )
        _sign_in_at_provider(page, asgi_server, "alice", shot=artifacts / "sso-login.png")
        page.screenshot(path=str(artifacts / "sso-consent.png"))
        page.click("input[name=allow]")
        page.wait_for_url(f"{asgi_server}/")
        page.screenshot(path=str(artifacts / "sso-signed-in.png"))
        assert model.name in page.inner_text("main")
        # the authorisation request carried a PKCE challenge (the provider requires one)
        assert any("code_challenge_method=S256" in url for url in authorize_urls)
        alice = get_user_model().objects.get(email="alice@quokka.example")
        assert (alice.first_name, alice.last_name) == ("Alice", "Lovelace")
        assert role_of(alice, model) == Role.EDITOR  # from the group claim
        context.close()

        # Bob's sign-in is refused at the provider: nobody is signed in, no account appears.
        context = browser.new_context(viewport={"width": 1440, "height": 900})
        page = context.new_page()
        _sign_in_at_provider(page, asgi_server, "bob")
        page.click("input[value=Cancel]")
        page.wait_for_url(f"{asgi_server}/accounts/**")
        assert "cancel" in page.inner_text("main").lower()
        page.goto(f"{asgi_server}/")
        assert "/accounts/login/" in page.url
        assert not get_user_model().objects.filter(email="bob@quokka.example").exists()
        context.close()
