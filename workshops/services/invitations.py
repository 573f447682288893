"""Invitations: a signed, single-use, expiring link by email, with a role and an RSVP."""

from __future__ import annotations

import hmac
import secrets
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.core.mail import EmailMultiAlternatives
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.text import slugify

from opmodel.access import role_of
from opmodel.models import ROLE_ORDER, Role
from opmodel.services import member_add
from opmodel.services.invitations import (
    InvitationRefused,
    invitation_days,
    invitation_link_read,
    invitation_link_token,
    invitation_works_for,
    require_inviter_may_grant,
)

from ..access import require_grants_roles
from ..live import room_event
from ..models import INVITABLE_ROLES, Attendee, Invitation, Rsvp, Workshop

if TYPE_CHECKING:
    from django.contrib.auth.models import User

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser, User

SALT = "workshops.invitation"


def invitation_token(invitation: Invitation) -> str:
    """The link's token: the invitation's id and secret nonce, signed with SECRET_KEY."""
    return invitation_link_token(pk=invitation.pk, nonce=invitation.nonce, salt=SALT)


def invitation_url(invitation: Invitation, base_url: str) -> str:
    path = reverse(
        "invitation-open",
        kwargs={
            "slug": invitation.workshop.operating_model.slug,
            "token": invitation_token(invitation),
        },
    )
    return base_url.rstrip("/") + path


def invitation_check(
    token: str, user: User | AnonymousUser | None = None, *, slug: str | None = None
) -> Invitation:
    """The invitation a link names, if it still works for this person; else InvitationRefused.

    ``user`` (when logged in) must be the person invited: another person's link is refused.
    ``slug``, the model the URL names, must be the invitation's (else it is no invitation).
    """
    pk, nonce = invitation_link_read(token, salt=SALT, ask="the facilitator")
    invitation = (
        Invitation.objects.select_related("workshop__operating_model", "workshop__facilitator")
        .filter(pk=pk)
        .first()
    )
    if (
        invitation is None
        or not hmac.compare_digest(invitation.nonce, nonce)
        or (slug is not None and invitation.workshop.operating_model.slug != slug)
    ):
        raise InvitationRefused(
            "unknown",
            "This invitation no longer exists",
            "Ask the facilitator for a new invitation.",
            404,
        )
    if invitation.revoked_at:
        raise InvitationRefused(
            "revoked",
            "This invitation was withdrawn",
            "The facilitator withdrew this invitation. Ask them if you should still come.",
        )
    if invitation.accepted_at:
        if user is not None and user.is_authenticated and user.pk == invitation.accepted_by_id:
            return invitation  # the person who accepted it, coming back
        raise InvitationRefused(
            "used",
            "This invitation has already been used",
            "Each invitation link works once. If it was you, log in; otherwise ask the "
            "facilitator for your own invitation.",
        )
    invitation_works_for(
        invitation,
        user,
        operating_model=invitation.workshop.operating_model,
        ask="the facilitator",
    )
    return invitation


def _ics_escape(text: str) -> str:
    return text.replace("\\", "\\\\").replace(";", "\\;").replace(",", "\\,").replace("\n", "\\n")


def _ics_time(value: datetime) -> str:
    return value.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")


def _fold(line: str) -> str:
    # RFC 5545: lines longer than 75 octets are folded with CRLF + space.
    out, current = [], ""
    for char in line:
        if len((current + char).encode()) > 75:
            out.append(current)
            current = " " + char
        else:
            current += char
    out.append(current)
    return "\r\n".join(out)


def workshop_ics(workshop: Workshop, *, url: str, attendee_email: str = "") -> str:
    """A calendar invitation (iCalendar, METHOD:REQUEST) for the workshop."""
    organiser = workshop.facilitator
    lines = [
        "BEGIN:VCALENDAR",
        "VERSION:2.0",
        "PRODID:-//opmodel//workshops//EN",
        "METHOD:REQUEST",
        "CALSCALE:GREGORIAN",
        "BEGIN:VEVENT",
        f"UID:workshop-{workshop.pk}@opmodel",
        f"DTSTAMP:{_ics_time(timezone.now())}",
        f"DTSTART:{_ics_time(workshop.starts_at)}",
        f"DTEND:{_ics_time(workshop.ends_at)}",
        f"SUMMARY:{_ics_escape(workshop.title)}",
        f"DESCRIPTION:{_ics_escape((workshop.goal + chr(10) + chr(10) + url).strip())}",
        f"URL:{url}",
        f"ORGANIZER;CN={_ics_escape(organiser.get_full_name() or organiser.get_username())}"
        f":mailto:{organiser.email or 'opmodel@localhost'}",
    ]
    if attendee_email:
        lines.append(f"ATTENDEE;ROLE=REQ-PARTICIPANT;RSVP=TRUE:mailto:{attendee_email}")
    lines += ["END:VEVENT", "END:VCALENDAR"]
    return "\r\n".join(_fold(line) for line in lines) + "\r\n"


def invitation_send(*, invitation: Invitation, base_url: str) -> None:
    """Email the invitation: plain text and HTML, with the workshop as a calendar event."""
    workshop = invitation.workshop
    url = invitation_url(invitation, base_url)
    context = {
        "invitation": invitation,
        "workshop": workshop,
        "om": workshop.operating_model,
        "url": url,
        "days": invitation_days(),
        "facilitator": workshop.facilitator.get_full_name() or workshop.facilitator.username,
    }
    message = EmailMultiAlternatives(
        subject=f"Invitation: {workshop.title} ({workshop.operating_model.name})",
        body=render_to_string("workshops/email/invitation.txt", context),
        to=[invitation.email],
    )
    message.attach_alternative(
        render_to_string("workshops/email/invitation.html", context), "text/html"
    )
    message.attach(
        "workshop.ics",
        workshop_ics(workshop, url=url, attendee_email=invitation.email),
        "text/calendar; method=REQUEST; charset=utf-8",
    )
    message.send()
    Invitation.objects.filter(pk=invitation.pk).update(sent_at=timezone.now())


@transaction.atomic
def invitation_create(
    *,
    workshop: Workshop,
    actor: User | None,
    email: str,
    role: Role | str = Role.PARTICIPANT,
    base_url: str,
    days: int | None = None,
) -> Invitation:
    """Invite someone by email; any earlier pending invitation of theirs is withdrawn, so one
    link per person works at a time. The email goes out once the transaction commits."""
    require_grants_roles(workshop, actor)
    role = Role(role)
    if role not in INVITABLE_ROLES:
        raise ValidationError("Invite as participant, editor or viewer.")
    email = email.strip()
    now = timezone.now()
    Invitation.objects.filter(
        workshop=workshop,
        email__iexact=email,
        accepted_at__isnull=True,
        revoked_at__isnull=True,
    ).update(revoked_at=now)
    invitation = Invitation(
        workshop=workshop,
        email=email,
        role=role,
        nonce=secrets.token_urlsafe(24),
        invited_by=actor,
        created_at=now,
        expires_at=now + timedelta(days=days or invitation_days()),
    )
    invitation.full_clean()
    invitation.save()
    pk = invitation.pk
    transaction.on_commit(
        lambda: invitation_send(
            invitation=Invitation.objects.select_related(
                "workshop__operating_model", "workshop__facilitator"
            ).get(pk=pk),
            base_url=base_url,
        )
    )
    return invitation


@transaction.atomic
def invitation_revoke(*, invitation: Invitation, actor: User | None) -> None:
    if invitation.accepted_at:
        raise ValidationError("This invitation was already accepted.")
    Invitation.objects.filter(pk=invitation.pk, revoked_at__isnull=True).update(
        revoked_at=timezone.now()
    )


@transaction.atomic
def invitation_rsvp(*, invitation: Invitation, answer: Rsvp | str) -> Invitation:
    """Yes, no or maybe: the facilitator sees it on the invite page."""
    answer = Rsvp(answer)
    Invitation.objects.filter(pk=invitation.pk).update(rsvp=answer)
    invitation.rsvp = answer
    if invitation.accepted_by_id:
        Attendee.objects.filter(
            workshop_id=invitation.workshop_id, user_id=invitation.accepted_by_id
        ).update(rsvp=answer)
    return invitation


def _rank(role: Role | None) -> int:
    return -1 if role is None else ROLE_ORDER.index(role)


def attendee_add(*, workshop: Workshop, actor: User | None, user: Any, rsvp: str = "") -> Attendee:
    """Put a member of the model into the workshop (idempotent)."""
    attendee, created = Attendee.objects.get_or_create(
        workshop=workshop, user=user, defaults={"rsvp": rsvp}
    )
    if not created and rsvp and not attendee.rsvp:
        attendee.rsvp = rsvp
        attendee.save(update_fields=["rsvp"])
    room_event(workshop, ["presence"], actor)
    return attendee


@transaction.atomic
def invitation_accept(*, invitation: Invitation, user: User) -> Attendee:
    """Use the invitation: membership of the model with the invited role (never lowering a
    higher role the person already holds) and a place in the workshop. Single use: a second
    acceptance (even a simultaneous one) is refused."""
    now = timezone.now()
    if invitation.accepted_by_id == user.pk and invitation.accepted_at:
        return Attendee.objects.get(workshop=invitation.workshop, user=user)
    require_inviter_may_grant(invitation, invitation.workshop.operating_model)
    used = Invitation.objects.filter(
        pk=invitation.pk, accepted_at__isnull=True, revoked_at__isnull=True, expires_at__gt=now
    ).update(accepted_at=now, accepted_by=user)
    if not used:
        raise InvitationRefused(
            "used", "This invitation has already been used", "Each invitation link works once."
        )
    operating_model = invitation.workshop.operating_model
    current = role_of(user, operating_model)
    invited = Role(invitation.role)
    if _rank(current) < _rank(invited):
        member_add(
            operating_model=operating_model, actor=invitation.invited_by, user=user, role=invited
        )
    return attendee_add(workshop=invitation.workshop, actor=user, user=user, rsvp=invitation.rsvp)


def _username_for(email: str) -> str:
    user_model = get_user_model()
    root = slugify(email.split("@")[0])[:120] or "participant"
    name, n = root, 2
    while user_model.objects.filter(username=name).exists():
        name = f"{root}{n}"
        n += 1
    return name


def welcome_send(*, user: Any, workshop: Workshop, base_url: str) -> None:
    """Email a person who just joined by invitation their username: it is generated from their
    email address, and they need it (or the address) to log in again."""
    base = base_url.rstrip("/")
    context = {
        "user": user,
        "workshop": workshop,
        "om": workshop.operating_model,
        "room_url": base
        + reverse("workshop-room", args=[workshop.operating_model.slug, workshop.pk]),
        "login_url": base + reverse("account_login"),
        "reset_url": base + reverse("account_reset_password"),
    }
    message = EmailMultiAlternatives(
        subject=f"Welcome to {workshop.operating_model.name}: your username is {user.username}",
        body=render_to_string("workshops/email/welcome.txt", context),
        to=[user.email],
    )
    message.attach_alternative(
        render_to_string("workshops/email/welcome.html", context), "text/html"
    )
    message.send()


@transaction.atomic
def invitation_accept_as_new_person(
    *, invitation: Invitation, name: str, password: str, base_url: str = ""
) -> tuple[Any, Attendee]:
    """A person without an account: create it (their email is the invited address) and accept.
    A welcome email tells them their username once the transaction commits."""
    user_model = get_user_model()
    if user_model.objects.filter(email__iexact=invitation.email).exists():
        raise ValidationError("An account with this email exists: log in to accept.")
    first, _, last = name.strip().partition(" ")
    user = user_model.objects.create_user(
        username=_username_for(invitation.email),
        email=invitation.email,
        password=password,
        first_name=first[:150],
        last_name=last[:150],
    )
    attendee = invitation_accept(invitation=invitation, user=user)
    workshop = invitation.workshop
    transaction.on_commit(lambda: welcome_send(user=user, workshop=workshop, base_url=base_url))
    return user, attendee
