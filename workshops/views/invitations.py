"""Inviting people, and the invitation link they open (which works without an account)."""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods, require_POST

from opmodel.forms import InvitationSignupForm
from opmodel.selectors import members_of
from opmodel.views.models import (
    invitation_accept_step,
    invitation_refused,
    invitation_signup_form,
)
from opmodel.views.types import HtmxHttpRequest

from .. import selectors, services
from ..forms import InvitationForm, RsvpForm, UserChoiceForm
from ..models import Invitation
from .common import base_url, context, done, error_text, load, of_workshop


@login_required
@require_http_methods(["GET", "POST"])
def workshop_invite(request: HtmxHttpRequest, slug: str, pk: int) -> HttpResponse:
    workshop, wa = load(request, slug, pk)
    wa.require_facilitator()
    if request.method == "POST":
        wa.require_grant_roles()  # an invitation makes its invitee a member with a role
    form = InvitationForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            for email in form.cleaned_data["emails"]:
                services.invitation_create(
                    workshop=workshop,
                    actor=request.user,
                    email=email,
                    role=form.cleaned_data["role"],
                    base_url=base_url(request),
                )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            n = len(form.cleaned_data["emails"])
            return done(
                request,
                reverse("workshop-invite", args=[slug, pk]),
                f"Sent {n} invitation{'s' if n != 1 else ''}.",
            )
    attendee_ids = {p.user.pk for p in selectors.presence(workshop)}
    return render(
        request,
        "workshops/invite.html",
        context(
            workshop,
            wa,
            form=form,
            invitations=selectors.invitations_of(workshop),
            people=selectors.presence(workshop),
            candidates=[
                m for m in members_of(workshop.operating_model) if m.user.pk not in attendee_ids
            ],
        ),
        status=422 if request.method == "POST" else 200,
    )


@login_required
@require_POST
def invitation_revoke(
    request: HtmxHttpRequest, slug: str, pk: int, invitation_id: int
) -> HttpResponse:
    workshop, wa = load(request, slug, pk)
    wa.require_facilitator()
    invitation = of_workshop(Invitation, workshop, invitation_id, noun="invitation")
    to = reverse("workshop-invite", args=[slug, pk])
    try:
        services.invitation_revoke(invitation=invitation, actor=request.user)
    except ValidationError as error:
        return done(request, to, error_text(error), error=True)
    return done(request, to, f"Withdrew the invitation to {invitation.email}.")


@login_required
@require_POST
def attendee_add(request: HtmxHttpRequest, slug: str, pk: int) -> HttpResponse:
    """Put an existing member of the model straight into the workshop (no email)."""
    workshop, wa = load(request, slug, pk)
    wa.require_facilitator()
    form = UserChoiceForm(request.POST)
    user = None
    if form.is_valid():
        user = (
            get_user_model()
            .objects.filter(
                pk=form.cleaned_data["user"],
                groups__model_role__operating_model=workshop.operating_model,
            )
            .first()
        )
    to = reverse("workshop-invite", args=[slug, pk])
    if user is None:
        return done(request, to, "Choose a member of the model.", error=True)
    services.attendee_add(workshop=workshop, actor=request.user, user=user)
    return done(request, to, f"{user.get_username()} is in the workshop.")


@require_http_methods(["GET", "POST"])
def invitation_open(request: HttpRequest, slug: str, token: str) -> HttpResponse:
    """The link in the email: see the workshop, RSVP, and join (creating an account if needed)."""
    try:
        invitation = services.invitation_check(token, request.user, slug=slug)
    except services.InvitationRefused as refusal:
        return invitation_refused(request, refusal)
    workshop = invitation.workshop
    room = reverse("workshop-room", args=[slug, workshop.pk])
    if invitation.accepted_at and request.user.is_authenticated:
        return redirect(room)
    has_account, form = invitation_signup_form(request, invitation.email)
    status = 200
    if request.method == "POST":
        try:
            welcome = _invitation_accept(request, invitation, form)
        except services.InvitationRefused as refusal:
            return invitation_refused(request, refusal)
        except ValidationError as error:
            if form is None:
                raise
            form.add_error(None, error)
            welcome = ""
        if welcome:
            return done(request, room, welcome)
        status = 422
    return render(
        request,
        "workshops/invitation.html",
        {
            "invitation": invitation,
            "workshop": workshop,
            "form": form,
            "has_account": has_account,
            "login_url": f"{reverse('account_login')}?next={request.path}",
            "token": token,
            "rsvp_form": RsvpForm(initial={"answer": invitation.rsvp}),
        },
        status=status,
    )


def _invitation_accept(
    request: HttpRequest, invitation: Invitation, form: InvitationSignupForm | None
) -> str:
    """The joining step (``invitation_accept_step``): the welcome to say, "" when the form is
    not valid. The username is generated: the welcome says it (the welcome email repeats it)."""
    return invitation_accept_step(
        request,
        form,
        accept=lambda user: services.invitation_accept(invitation=invitation, user=user),
        accept_as_new_person=lambda name, password: services.invitation_accept_as_new_person(
            invitation=invitation, name=name, password=password, base_url=base_url(request)
        )[0],
        welcome=f"Welcome to “{invitation.workshop.title}”.",
        welcome_new=lambda username: (
            f"Welcome to “{invitation.workshop.title}”. Your username is {username}: "
            "log in with it next time (we have emailed it to you too)."
        ),
    )


@require_POST
def invitation_rsvp(request: HttpRequest, slug: str, token: str) -> HttpResponse:
    try:
        invitation = services.invitation_check(token, request.user, slug=slug)
    except services.InvitationRefused as refusal:
        return invitation_refused(request, refusal)
    form = RsvpForm(request.POST)
    if form.is_valid():
        services.invitation_rsvp(invitation=invitation, answer=form.cleaned_data["answer"])
        return done(
            request,
            request.path.rsplit("rsvp/", 1)[0],
            "Thank you: the facilitator sees your answer.",
        )
    return done(request, request.path.rsplit("rsvp/", 1)[0], "Answer yes, no or maybe.", error=True)
