"""Members are invited, not added (issue 14): the members page answers the same whether or not an
account exists for the address, nobody is a member before accepting the emailed link, and the
link is signed, single-use and expiring, granting only what the inviter may grant now."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.contrib.auth import get_user_model
from django.urls import reverse
from django.utils import timezone

from opmodel.access import role_of
from opmodel.models import ModelInvitation, Role
from opmodel.selectors import members_of
from opmodel.services import member_add, member_set_role

pytestmark = pytest.mark.django_db


def _invite(client, om, email: str, role: str, capture):
    with capture(execute=True):
        return client.post(reverse("members", args=[om.slug]), {"email": email, "role": role})


def _link(mail) -> str:
    return re.search(r"https?://\S+/members/invitations/\S+/", mail.body).group(0)


def _same(page: str, email: str) -> str:
    """The page with the address, and what changes on every response (nonces, CSRF), out."""
    page = page.replace(email, "X")
    page = re.sub(r'nonce="[^"]*"', 'nonce=""', page)
    return re.sub(r'"X-CSRFToken": "[^"]*"|name="csrfmiddlewaretoken" value="[^"]*"', "", page)


def _membership(om) -> list[tuple[int, str]]:
    return sorted((m.user.pk, str(m.role)) for m in members_of(om))


@pytest.mark.parametrize("role", [r.value for r in Role])
def test_the_answer_is_the_same_whether_or_not_an_account_exists(
    role, small_om, people, client_for, make_user, mailoutbox, django_capture_on_commit_callbacks
):
    stranger = make_user("stranger")
    client = client_for(people["facilitator"])
    before = _membership(small_om)
    answers = []
    for email in [stranger.email, "nobody-here@example.com"]:
        response = _invite(client, small_om, email, role, django_capture_on_commit_callbacks)
        page = client.get(response["Location"]).content.decode()
        # what the inviter sees, with the address itself taken out
        answers.append((response.status_code, response["Location"], _same(page, email)))
    assert answers[0] == answers[1]
    assert answers[0][0] == 302
    assert "Invitation sent to X." in answers[0][2]
    assert _membership(small_om) == before  # nobody is a member before accepting
    assert role_of(stranger, small_om) is None
    dashboard = client_for(stranger).get(reverse("dashboard")).content.decode()
    assert reverse("model-home", args=[small_om.slug]) not in dashboard
    assert [m.to for m in mailoutbox] == [[stranger.email], ["nobody-here@example.com"]]


@pytest.mark.parametrize("role", [r.value for r in Role])
def test_an_accepted_invitation_makes_the_member_with_that_role(
    role, small_om, people, client_for, make_user, mailoutbox, django_capture_on_commit_callbacks
):
    stranger = make_user("stranger")
    _invite(
        client_for(people["facilitator"]),
        small_om,
        stranger.email.upper(),
        role,
        django_capture_on_commit_callbacks,
    )
    link = _link(mailoutbox[0])
    client = client_for(stranger)
    assert client.get(link).status_code == 200
    assert client.post(link).status_code == 302
    assert role_of(stranger, small_om) == Role(role)
    # used once: the same link no longer works, for anyone
    assert client.post(link).status_code == 410
    assert client_for(None).get(link).status_code == 410


def test_a_new_person_signs_up_through_the_link(
    small_om, people, client_for, mailoutbox, django_capture_on_commit_callbacks
):
    _invite(
        client_for(people["facilitator"]),
        small_om,
        "newcomer@example.com",
        "editor",
        django_capture_on_commit_callbacks,
    )
    link = _link(mailoutbox[0])
    client = client_for(None)
    assert "Join with your name" in client.get(link).content.decode()
    assert (
        client.post(link, {"name": "New Comer", "password1": "x", "password2": "x"}).status_code
        == 422
    )
    assert not get_user_model().objects.filter(email="newcomer@example.com").exists()
    password = "a-long-passphrase-4711"
    response = client.post(
        link, {"name": "New Comer", "password1": password, "password2": password}
    )
    assert response.status_code == 302
    user = get_user_model().objects.get(email="newcomer@example.com")
    assert role_of(user, small_om) == Role.EDITOR


def test_an_expired_or_tampered_link_fails_and_makes_nobody_a_member(
    small_om, people, client_for, make_user, mailoutbox, django_capture_on_commit_callbacks
):
    stranger = make_user("stranger")
    _invite(
        client_for(people["facilitator"]),
        small_om,
        stranger.email,
        "viewer",
        django_capture_on_commit_callbacks,
    )
    link = _link(mailoutbox[0])
    client = client_for(stranger)
    assert client.post(link[:-3] + "xx/").status_code == 400
    ModelInvitation.objects.update(expires_at=timezone.now() - timedelta(seconds=1))
    assert client.get(link).status_code == 410
    assert client.post(link).status_code == 410
    assert role_of(stranger, small_om) is None


def test_someone_else_cannot_use_the_link(
    small_om, people, client_for, make_user, mailoutbox, django_capture_on_commit_callbacks
):
    stranger, other = make_user("stranger"), make_user("other")
    _invite(
        client_for(people["facilitator"]),
        small_om,
        stranger.email,
        "editor",
        django_capture_on_commit_callbacks,
    )
    link = _link(mailoutbox[0])
    assert client_for(other).post(link).status_code == 403
    assert role_of(other, small_om) is None


def test_a_demoted_inviter_s_links_stop_granting(
    small_om, people, client_for, make_user, mailoutbox, django_capture_on_commit_callbacks
):
    stranger, second = make_user("stranger"), make_user("second")
    member_add(operating_model=small_om, actor=None, user=second, role=Role.FACILITATOR)
    _invite(
        client_for(second),
        small_om,
        stranger.email,
        "facilitator",
        django_capture_on_commit_callbacks,
    )
    member_set_role(
        operating_model=small_om, actor=people["facilitator"], user=second, role=Role.EDITOR
    )
    link = _link(mailoutbox[0])
    assert client_for(stranger).post(link).status_code == 410
    assert role_of(stranger, small_om) is None


@pytest.mark.parametrize("role", ["viewer", "participant", "editor"])
def test_only_facilitators_invite(role, small_om, people, client_for, mailoutbox):
    response = client_for(people[role]).post(
        reverse("members", args=[small_om.slug]), {"email": "x@example.com", "role": "viewer"}
    )
    assert response.status_code == 403
    assert not ModelInvitation.objects.exists()
    assert mailoutbox == []


def test_inviting_an_existing_member_again_changes_nothing(
    small_om, people, client_for, mailoutbox, django_capture_on_commit_callbacks
):
    before = _membership(small_om)
    client = client_for(people["facilitator"])
    for role in [r.value for r in Role]:
        response = _invite(
            client, small_om, people["viewer"].email, role, django_capture_on_commit_callbacks
        )
        assert response.status_code == 302
        assert (
            f"Invitation sent to {people['viewer'].email}."
            in client.get(response["Location"]).content.decode()
        )
    assert _membership(small_om) == before
    assert not ModelInvitation.objects.exists()
    assert mailoutbox == []


def test_accepting_an_invitation_announces_no_row(small_om, people, make_user, captured_events):
    from opmodel.services import (
        model_invitation_accept,
        model_invitation_accept_as_new_person,
        model_invitation_create,
    )

    def invite(email: str) -> ModelInvitation:
        invitation = model_invitation_create(
            operating_model=small_om,
            actor=people["facilitator"],
            email=email,
            role=Role.EDITOR,
            base_url="http://testserver",
        )
        assert invitation is not None
        return invitation

    stranger = make_user("stranger")
    model_invitation_accept(invitation=invite(stranger.email), user=stranger)
    newcomer = model_invitation_accept_as_new_person(
        invitation=invite("newcomer@example.com"), name="New Comer", password="pw-123456"
    )
    assert role_of(stranger, small_om) == role_of(newcomer, small_om) == Role.EDITOR
    assert captured_events == []  # a membership is no section's row: nothing to re-fetch
