"""Invitations: signed, single use, expiring, revocable, for one person; email with .ics."""

from __future__ import annotations

import re
from datetime import UTC, timedelta
from unittest import mock

import pytest
from django.contrib.auth import get_user_model
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from opmodel.access import role_of
from opmodel.models import Role
from workshops import services
from workshops.models import Attendee, Invitation

pytestmark = [
    pytest.mark.engine,
    pytest.mark.django_db(transaction=True),
]  # emails go out on commit


def invite(workshop, people, email="newbie@example.com", role=Role.PARTICIPANT):
    services.invitation_create(
        workshop=workshop,
        actor=people["facilitator"],
        email=email,
        role=role,
        base_url="http://testserver/",
    )
    invitation = Invitation.objects.filter(email=email).first()
    return invitation, link_in(mail.outbox[-1])


def link_in(message) -> str:
    return re.search(r"http://testserver(/\S+/invitations/\S+/)", message.body).group(1)


def test_the_invitation_email_has_text_html_and_a_calendar_event(workshop, people):
    invitation, link = invite(workshop, people)
    message = mail.outbox[-1]
    assert message.to == ["newbie@example.com"] and workshop.title in message.subject
    assert link in message.body
    html, html_type = message.alternatives[0]
    assert html_type == "text/html" and link.replace("&", "&amp;") in html
    name, ics, mimetype = message.attachments[0]
    assert name == "workshop.ics" and mimetype.startswith("text/calendar")
    assert "BEGIN:VEVENT" in ics and "METHOD:REQUEST" in ics
    assert f"DTSTART:{workshop.starts_at.astimezone(UTC):%Y%m%dT%H%M%SZ}" in ics
    assert "SUMMARY:Data mesh kick-off" in ics
    assert "ATTENDEE;ROLE=REQ-PARTICIPANT;RSVP=TRUE:mailto:newbie@example.com" in ics
    assert invitation.expires_at - invitation.created_at == timedelta(days=7)


def test_a_new_person_sets_name_and_password_and_lands_in_the_room(workshop, people, client):
    invitation, link = invite(workshop, people)
    page = client.get(link)
    assert page.status_code == 200 and b"Join with your name" in page.content
    response = client.post(
        link, {"name": "Nia Newbie", "password1": "quokka-rules-42", "password2": "quokka-rules-42"}
    )
    assert response.status_code == 302
    assert response["Location"] == reverse(
        "workshop-room", args=[workshop.operating_model.slug, workshop.pk]
    )
    user = get_user_model().objects.get(email="newbie@example.com")
    assert user.get_full_name() == "Nia Newbie" and user.check_password("quokka-rules-42")
    assert role_of(user, workshop.operating_model) == Role.PARTICIPANT
    assert Attendee.objects.filter(workshop=workshop, user=user).exists()
    assert client.get(response["Location"]).status_code == 200
    invitation.refresh_from_db()
    assert invitation.accepted_by == user and invitation.status == "accepted"


def test_a_new_person_is_told_their_username_and_can_log_in_with_it(workshop, people, client):
    _invitation, link = invite(workshop, people, email="nina.newcomer@example.com")
    response = client.post(
        link,
        {"name": "Nina Newcomer", "password1": "quokka-rules-42", "password2": "quokka-rules-42"},
    )
    user = get_user_model().objects.get(email="nina.newcomer@example.com")
    room = client.get(response["Location"]).content.decode()
    assert f"Your username is {user.username}" in room
    welcome = mail.outbox[-1]
    assert welcome.to == ["nina.newcomer@example.com"]
    assert f"Your username: {user.username}" in welcome.body
    assert user.username in welcome.alternatives[0].content
    assert reverse("account_login") in welcome.body
    for login in (user.username, user.email):
        client.logout()
        response = client.post(
            reverse("account_login"), {"login": login, "password": "quokka-rules-42"}
        )
        assert response.status_code == 302, login


def test_an_existing_account_logs_in_and_keeps_a_higher_role(workshop, people, client_for):
    editor = people["editor"]
    _, link = invite(workshop, people, email=editor.email, role=Role.VIEWER)
    anonymous = client_for(None).get(link)
    assert b"Log in to join" in anonymous.content
    client = client_for(editor)
    assert client.post(link).status_code == 302
    assert role_of(editor, workshop.operating_model) == Role.EDITOR  # never downgraded
    outsider = people["outsider"]
    _, link = invite(workshop, people, email=outsider.email, role=Role.EDITOR)
    client_for(outsider).post(link)
    assert role_of(outsider, workshop.operating_model) == Role.EDITOR  # raised


def refused(response, code: str, status: int) -> None:
    assert response.status_code == status
    assert f'data-refusal="{code}"'.encode() in response.content


def test_a_used_link_is_refused_for_anyone_else(workshop, people, client_for):
    _, link = invite(workshop, people, email=people["viewer"].email)
    assert client_for(people["viewer"]).post(link).status_code == 302
    # the person who used it is sent to the room; anyone else is refused
    assert client_for(people["viewer"]).get(link).status_code == 302
    refused(client_for(None).get(link), "used", 410)
    refused(client_for(None).post(link, {"name": "X"}), "used", 410)


def test_an_expired_link_is_refused(workshop, people, client):
    _, link = invite(workshop, people)
    later = timezone.now() + timedelta(days=7, minutes=1)
    with mock.patch("django.utils.timezone.now", return_value=later):
        refused(client.get(link), "expired", 410)
    assert client.get(link).status_code == 200  # still fine before the deadline


def test_the_expiry_is_configurable(workshop, people, settings):
    settings.OPMODEL_INVITATION_DAYS = 2
    invitation, _ = invite(workshop, people)
    assert invitation.expires_at - invitation.created_at == timedelta(days=2)


def test_a_revoked_link_is_refused(workshop, people, client, client_for):
    invitation, link = invite(workshop, people)
    url = reverse(
        "invitation-revoke", args=[workshop.operating_model.slug, workshop.pk, invitation.pk]
    )
    assert client_for(people["facilitator"]).post(url).status_code == 302
    refused(client.get(link), "revoked", 410)


def test_a_second_invitation_to_the_same_person_replaces_the_first(workshop, people, client):
    _, first = invite(workshop, people)
    _, second = invite(workshop, people)
    refused(client.get(first), "revoked", 410)
    assert client.get(second).status_code == 200


def test_a_tampered_link_is_refused(workshop, people, client):
    _, link = invite(workshop, people)
    token = link.rstrip("/").rsplit("/", 1)[1]
    forged = link.replace(token, token[:-3] + ("AAA" if not token.endswith("AAA") else "BBB"))
    refused(client.get(forged), "tampered", 400)
    refused(client.get(link.replace(token, "not-a-token")), "tampered", 400)


def test_another_persons_link_is_refused_to_a_logged_in_user(workshop, people, client_for):
    _, link = invite(workshop, people)  # for newbie@example.com
    refused(client_for(people["viewer"]).get(link), "other_person", 403)
    refused(client_for(people["viewer"]).post(link), "other_person", 403)
    assert not Attendee.objects.filter(workshop=workshop, user=people["viewer"]).exists()


def test_rsvp_is_visible_to_the_facilitator(workshop, people, client, client_for):
    _, link = invite(workshop, people)
    assert client.post(link + "rsvp/", {"answer": "maybe"}).status_code == 302
    page = client_for(people["facilitator"]).get(
        reverse("workshop-invite", args=[workshop.operating_model.slug, workshop.pk])
    )
    assert b"rsvp-maybe" in page.content


def test_the_invite_page_sends_several_invitations(workshop, people, client_for):
    url = reverse("workshop-invite", args=[workshop.operating_model.slug, workshop.pk])
    response = client_for(people["facilitator"]).post(
        url, {"emails": "a@example.com, b@example.com\nc@example.com", "role": "viewer"}
    )
    assert response.status_code == 302
    assert sorted(m.to[0] for m in mail.outbox) == [
        "a@example.com",
        "b@example.com",
        "c@example.com",
    ]
    bad = client_for(people["facilitator"]).post(url, {"emails": "nope", "role": "viewer"})
    assert bad.status_code == 422
    facilitator_role = client_for(people["facilitator"]).post(
        url, {"emails": "d@example.com", "role": "facilitator"}
    )
    assert facilitator_role.status_code == 422
