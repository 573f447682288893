"""Model invitations: a facilitator invites an email address to a model with a role.

The answer is the same whether or not an account exists for the address, and nobody becomes a
member before they open the emailed link and accept it (issue 14: adding any existing account
by email enumerated accounts and put models on strangers' dashboards). The link is signed,
expires, and works once; it grants its role only while the inviter may still grant it.
"""

from __future__ import annotations

import hmac
import secrets
from dataclasses import dataclass
from datetime import timedelta
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core import signing
from django.core.exceptions import ValidationError
from django.core.mail import send_mail
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import ngettext

from opmodel.access import access_for, role_of
from opmodel.models import ROLE_ORDER, InvitationBase, ModelInvitation, OperatingModel, Role

from .models import member_add

if TYPE_CHECKING:
    from django.contrib.auth.models import User

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser, User

SALT = "opmodel.model-invitation"


def invitation_days() -> int:
    """How long an invitation link works (model and workshop invitations alike)."""
    return int(getattr(settings, "OPMODEL_INVITATION_DAYS", 7))


def invitation_link_token(*, pk: int, nonce: str, salt: str) -> str:
    """An invitation link's token (a model's or a workshop's): its id and secret nonce, signed
    with SECRET_KEY under the kind's own salt."""
    return signing.dumps({"i": pk, "n": nonce}, salt=salt, compress=True)


def invitation_link_read(token: str, *, salt: str, ask: str) -> tuple[int, str]:
    """The id and nonce a link's token names; a damaged or changed link is refused, telling
    the person whom to ``ask`` for a new one."""
    try:
        data = signing.loads(token, salt=salt)
        return int(data["i"]), str(data["n"])
    except (signing.BadSignature, KeyError, TypeError, ValueError) as exc:
        raise InvitationRefused(
            "tampered",
            "This link is not valid",
            "The invitation link is damaged or was changed. Copy it from the email again, "
            f"or ask {ask} for a new invitation.",
            400,
        ) from exc


def model_invitation_token(invitation: ModelInvitation) -> str:
    return invitation_link_token(pk=invitation.pk, nonce=invitation.nonce, salt=SALT)


def model_invitation_url(invitation: ModelInvitation, base_url: str) -> str:
    path = reverse(
        "model-invitation-open",
        kwargs={
            "slug": invitation.operating_model.slug,
            "token": model_invitation_token(invitation),
        },
    )
    return base_url.rstrip("/") + path


@dataclass
class InvitationRefused(Exception):
    """Why a link does not work, in words for the person holding it."""

    code: str
    title: str
    message: str
    status: int = 410


def _rank(role: Role | str | None) -> int:
    return ROLE_ORDER.index(Role(role)) if role else -1


def require_inviter_may_grant(invitation: InvitationBase, operating_model: OperatingModel) -> None:
    """The role is granted now, so the inviter must be allowed to grant it now: only a
    facilitator of the model manages members (demoted or removed, their links stop working).
    A workshop's invitation grants a role in its model: the same rule, for that model."""
    inviter = invitation.invited_by
    if inviter is None or not access_for(inviter, operating_model).can_manage:
        raise InvitationRefused(
            "inviter",
            "This invitation no longer works",
            "The person who sent it can no longer invite people to this model. Ask a "
            "facilitator of the model for a new invitation.",
        )


def invitation_works_for(
    invitation: InvitationBase,
    user: User | AnonymousUser | None,
    *,
    operating_model: OperatingModel,
    ask: str,
) -> None:
    """What every invitation, a model's or a workshop's, passes once found and not yet used:
    not expired, its inviter still a facilitator of ``operating_model``, and ``user`` (when
    logged in) the person invited. Else InvitationRefused, telling whom to ``ask``."""
    if invitation.expires_at <= timezone.now():
        raise InvitationRefused(
            "expired",
            "This invitation has expired",
            f"Invitations are valid for {invitation_days()} "
            f"{ngettext('day', 'days', invitation_days())}. Ask {ask} to send a new one.",
        )
    require_inviter_may_grant(invitation, operating_model)
    if (
        user is not None
        and user.is_authenticated
        and user.email.strip().lower() != invitation.email.strip().lower()
    ):
        raise InvitationRefused(
            "other_person",
            "This invitation is for someone else",
            f"You are logged in as {user.get_username()}, but this invitation was sent to "
            "another address. Log out and open the link again, or ask for your own invitation.",
            403,
        )


@transaction.atomic
def model_invitation_create(
    *,
    operating_model: OperatingModel,
    actor: User,
    email: str,
    role: Role | str,
    base_url: str,
) -> ModelInvitation | None:
    """Invite ``email`` with ``role``; the caller answers the same whatever happens here.

    An address that already belongs to a member changes nothing (roles change on the members
    page, not by email). Otherwise an invitation is emailed once the transaction commits.
    """
    if not access_for(actor, operating_model).can_manage:
        raise ValidationError("Only facilitators of the model invite people.")
    role = Role(role)
    email = email.strip()
    already = (
        get_user_model()
        .objects.filter(email__iexact=email, groups__model_role__operating_model=operating_model)
        .exists()
    )
    if already:
        return None
    invitation = ModelInvitation(
        operating_model=operating_model,
        email=email,
        role=role,
        nonce=secrets.token_urlsafe(24),
        invited_by=actor,
        expires_at=timezone.now() + timedelta(days=invitation_days()),
    )
    invitation.full_clean()
    invitation.save()
    transaction.on_commit(lambda: model_invitation_send(invitation=invitation, base_url=base_url))
    return invitation


def model_invitation_send(*, invitation: ModelInvitation, base_url: str) -> None:
    inviter = invitation.invited_by
    context = {
        "invitation": invitation,
        "om": invitation.operating_model,
        "inviter": (inviter.get_full_name() or inviter.get_username()) if inviter else "opmodel",
        "url": model_invitation_url(invitation, base_url),
        "days": invitation_days(),
    }
    send_mail(
        subject=f"You are invited to the operating model “{invitation.operating_model.name}”",
        message=render_to_string("opmodel/email/model_invitation.txt", context),
        from_email=None,
        recipient_list=[invitation.email],
    )


def model_invitation_check(
    token: str, user: User | AnonymousUser | None = None, *, slug: str
) -> ModelInvitation:
    """The invitation a link names, if it still works for this person; else refused."""
    pk, nonce = invitation_link_read(token, salt=SALT, ask="a facilitator")
    invitation = (
        ModelInvitation.objects.select_related("operating_model", "invited_by")
        .filter(pk=pk)
        .first()
    )
    if (
        invitation is None
        or not hmac.compare_digest(invitation.nonce, nonce)
        or invitation.operating_model.slug != slug
    ):
        raise InvitationRefused(
            "unknown", "This invitation no longer exists", "Ask for a new invitation.", 404
        )
    if invitation.accepted_at:
        raise InvitationRefused(
            "used",
            "This invitation has already been used",
            "Each invitation link works once. If it was you, log in; otherwise ask a "
            "facilitator for your own invitation.",
        )
    invitation_works_for(
        invitation, user, operating_model=invitation.operating_model, ask="a facilitator"
    )
    return invitation


@transaction.atomic
def model_invitation_accept(*, invitation: ModelInvitation, user: User) -> None:
    """Use the invitation: the person becomes a member with the invited role (never lowering a
    higher role they already hold). Single use, also when two acceptances race."""
    now = timezone.now()
    require_inviter_may_grant(invitation, invitation.operating_model)
    used = ModelInvitation.objects.filter(
        pk=invitation.pk, accepted_at__isnull=True, expires_at__gt=now
    ).update(accepted_at=now, accepted_by=user)
    if not used:
        raise InvitationRefused(
            "used", "This invitation has already been used", "Each invitation link works once."
        )
    invitation.accepted_at, invitation.accepted_by = now, user
    operating_model = invitation.operating_model
    if _rank(role_of(user, operating_model)) < _rank(invitation.role):
        member_add(
            operating_model=operating_model,
            actor=invitation.invited_by,
            user=user,
            role=invitation.role,
        )


def _username_for(email: str) -> str:
    user_model = get_user_model()
    root = slugify(email.split("@")[0])[:120] or "member"
    name, n = root, 2
    while user_model.objects.filter(username=name).exists():
        name = f"{root}{n}"
        n += 1
    return name


@transaction.atomic
def model_invitation_accept_as_new_person(
    *, invitation: ModelInvitation, name: str, password: str
) -> Any:
    """A person without an account: create it (their email is the invited address), accept."""
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
    model_invitation_accept(invitation=invitation, user=user)
    return user
