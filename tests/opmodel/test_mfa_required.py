"""A facilitator can require two-factor sign-in for a model: members with a password and no
authenticator app are sent to set one up, from every page of the model; single sign-on accounts
rely on their identity provider."""

from __future__ import annotations

import pytest
from allauth.mfa.totp.internal.auth import TOTP
from django.core.exceptions import ValidationError
from django.urls import reverse

from opmodel.services import operating_model_require_mfa
from tests.canvas.test_permissions import CASES as MODEL_CASES

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


def test_the_rule_is_set_on_the_members_page_by_facilitators_only(small_om, people, client_for):
    TOTP.activate(people["facilitator"], SECRET)
    url = reverse("model-require-mfa", args=[small_om.slug])
    assert client_for(people["editor"]).post(url, {"require_mfa": "on"}).status_code == 403
    response = client_for(people["facilitator"]).post(url, {"require_mfa": "on"})
    assert response.status_code == 302
    small_om.refresh_from_db()
    assert small_om.require_mfa
    assert client_for(people["facilitator"]).post(url, {}).status_code == 302
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


def test_with_an_authenticator_app_or_single_sign_on_the_model_opens(small_om, people, client_for):
    _require(small_om, people)
    url = reverse("canvas", args=[small_om.slug])
    assert client_for(people["facilitator"]).get(url).status_code == 200
    TOTP.activate(people["viewer"], SECRET)
    assert client_for(people["viewer"]).get(url).status_code == 200
    people["editor"].set_unusable_password()  # an account that only signs in through SSO
    people["editor"].save()
    assert client_for(people["editor"]).get(url).status_code == 200
    # an outsider still sees no model at all, not a hint that it exists
    assert client_for(people["outsider"]).get(url).status_code == 404
