"""The workshop pages outside the live room: list, plan, phases, refine, socialise, summary."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from django.contrib.auth import get_user_model
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_http_methods, require_POST

from opmodel.access import get_model_for
from opmodel.views.types import HtmxHttpRequest

from .. import selectors, services
from ..forms import PhaseForm, UserChoiceForm, WorkshopForm
from ..models import Comment, Phase, ShareLink
from .common import base_url, context, done, error_text, load, of_workshop, proposal_of


@login_required
@require_http_methods(["GET"])
def workshop_list(request: HtmxHttpRequest, slug: str) -> HttpResponse:
    operating_model, access = get_model_for(request.user, slug)
    return render(
        request,
        "workshops/list.html",
        {
            "om": operating_model,
            "access": access,
            "workshops": selectors.workshops_of(operating_model),
        },
    )


def _form_kwargs(form: WorkshopForm) -> dict:
    data = form.cleaned_data
    return {
        "title": data["title"],
        "goal": data["goal"],
        "sections": data["sections"],
        "starts_at": data["starts_at"],
        "duration_minutes": data["duration_minutes"],
        "agenda": data["agenda"],
        "vote_budget": data["vote_budget"],
        "allow_anonymous_notes": data["allow_anonymous_notes"],
    }


@login_required
@require_http_methods(["GET", "POST"])
def workshop_new(request: HtmxHttpRequest, slug: str) -> HttpResponse:
    operating_model, access = get_model_for(request.user, slug)
    if not access.can_manage:
        raise PermissionDenied("Facilitators plan workshops.")
    form = WorkshopForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            workshop = services.workshop_create(
                operating_model=operating_model, actor=request.user, **_form_kwargs(form)
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            return done(request, workshop.get_absolute_url(), f"Planned “{workshop.title}”.")
    status = 422 if request.method == "POST" else 200
    return render(
        request,
        "workshops/form.html",
        {"om": operating_model, "access": access, "form": form, "workshop": None},
        status=status,
    )


@login_required
@require_http_methods(["GET", "POST"])
def workshop_edit(request: HtmxHttpRequest, slug: str, pk: int) -> HttpResponse:
    workshop, wa = load(request, slug, pk)
    wa.require_facilitator()
    form = WorkshopForm(request.POST or None, initial=WorkshopForm.initial_for(workshop))
    if request.method == "POST" and form.is_valid():
        try:
            services.workshop_update(workshop=workshop, actor=request.user, **_form_kwargs(form))
        except ValidationError as error:
            form.add_error(None, error)
        else:
            return done(request, workshop.get_absolute_url(), "Saved the workshop.")
    status = 422 if request.method == "POST" else 200
    return render(request, "workshops/form.html", context(workshop, wa, form=form), status=status)


@login_required
@require_http_methods(["GET"])
def workshop_detail(request: HtmxHttpRequest, slug: str, pk: int) -> HttpResponse:
    workshop, wa = load(request, slug, pk)
    return render(
        request,
        "workshops/detail.html",
        context(
            workshop,
            wa,
            agenda=list(workshop.agenda.all()),
            sections=selectors.focused_sections(workshop),
            phase_changes=list(workshop.phase_changes.select_related("actor")),
            people=selectors.presence(workshop),
        ),
    )


PHASE_PAGES = {
    Phase.INVITE: "workshop-invite",
    Phase.WORKSHOP: "workshop-room",
    Phase.REFINE: "workshop-refine",
    Phase.SOCIALISE: "workshop-socialise",
    Phase.DONE: "workshop-summary",
}


@login_required
@require_POST
def workshop_phase(request: HtmxHttpRequest, slug: str, pk: int) -> HttpResponse:
    workshop, wa = load(request, slug, pk)
    wa.require_facilitator()
    form = PhaseForm(request.POST)
    if not form.is_valid():
        return done(request, workshop.get_absolute_url(), "Choose a phase.", error=True)
    try:
        workshop = services.workshop_transition(
            workshop=workshop,
            actor=request.user,
            to_phase=form.cleaned_data["to_phase"],
            reason=form.cleaned_data["reason"],
            base_url=base_url(request),
        )
    except ValidationError as error:
        return done(request, workshop.get_absolute_url(), error_text(error), error=True)
    page = reverse(PHASE_PAGES[Phase(workshop.phase)], kwargs={"slug": slug, "pk": pk})
    return done(request, page, f"The workshop is now in {workshop.get_phase_display()}.")


@login_required
@require_http_methods(["GET"])
def workshop_refine(request: HtmxHttpRequest, slug: str, pk: int) -> HttpResponse:
    workshop, wa = load(request, slug, pk)
    return render(
        request,
        "workshops/refine.html",
        context(
            workshop,
            wa,
            board=selectors.refine_board(workshop),
            changes=selectors.draft_changes(workshop),
            people=selectors.presence(workshop),
            titles=selectors.section_titles(),
        ),
    )


@login_required
@require_POST
def proposal_owner(request: HtmxHttpRequest, slug: str, pk: int, proposal_id: int) -> HttpResponse:
    workshop, wa = load(request, slug, pk)
    wa.require_facilitator()
    proposal = proposal_of(workshop, proposal_id)
    form = UserChoiceForm(request.POST)
    owner = None
    if form.is_valid():
        owner = (
            get_user_model()
            .objects.filter(pk=form.cleaned_data["user"], workshop_attendances__workshop=workshop)
            .first()
        )
    if owner is None:
        return done(
            request, reverse("workshop-refine", args=[slug, pk]), "Choose an attendee.", error=True
        )
    services.proposal_set_owner(proposal=proposal, actor=request.user, owner=owner)
    return done(
        request,
        reverse("workshop-refine", args=[slug, pk]),
        f"{owner.get_username()} owns proposal #{proposal.number}.",
    )


@login_required
@require_POST
def proposal_finish(request: HtmxHttpRequest, slug: str, pk: int, proposal_id: int) -> HttpResponse:
    workshop, wa = load(request, slug, pk)
    wa.require_take_part()
    proposal = proposal_of(workshop, proposal_id)
    if not wa.may("finish", proposal):
        raise PermissionDenied("Only the owner or the facilitator finishes a change.")
    try:
        services.proposal_finish(proposal=proposal, actor=request.user)
    except ValidationError as error:
        return done(
            request, reverse("workshop-refine", args=[slug, pk]), error_text(error), error=True
        )
    return done(
        request,
        reverse("workshop-refine", args=[slug, pk]),
        f"Proposal #{proposal.number} is finished.",
    )


def release_publish_url(workshop: Any) -> str:
    """The page that publishes the draft as the next release, titled after the workshop."""
    query = urlencode(
        {"title": workshop.title, "notes": f"Decided in the workshop “{workshop.title}”."}
    )
    return f"{reverse('release-new', kwargs={'slug': workshop.operating_model.slug})}?{query}"


@login_required
@require_http_methods(["GET"])
def workshop_socialise(request: HtmxHttpRequest, slug: str, pk: int) -> HttpResponse:
    workshop, wa = load(request, slug, pk)
    links = selectors.share_links_of(workshop) if wa.is_facilitator else []
    template = "workshops/socialise.html"
    if request.htmx:
        template += "#socialise-comments"  # a comment arrived: the list, live
    return render(
        request,
        template,
        context(
            workshop,
            wa,
            release_url=release_publish_url(workshop),
            links=[(link, services.share_url(link, base_url(request))) for link in links],
            comments=selectors.comments_of(workshop),
            titles=selectors.section_titles(),
            follow_ups=list(workshop.follow_ups.all()),
            live=True,
            live_url=reverse("workshop-events", args=[slug, pk]),
        ),
    )


@login_required
@require_POST
def share_link_new(request: HtmxHttpRequest, slug: str, pk: int) -> HttpResponse:
    workshop, wa = load(request, slug, pk)
    wa.require_facilitator()
    services.share_link_create(workshop=workshop, actor=request.user)
    return done(
        request,
        reverse("workshop-socialise", args=[slug, pk]),
        "Created a share link: anyone holding it can read the draft and comment.",
    )


@login_required
@require_POST
def share_link_revoke(request: HtmxHttpRequest, slug: str, pk: int, link_id: int) -> HttpResponse:
    workshop, wa = load(request, slug, pk)
    wa.require_facilitator()
    link = of_workshop(ShareLink, workshop, link_id, noun="link")
    services.share_link_revoke(link=link, actor=request.user)
    return done(request, reverse("workshop-socialise", args=[slug, pk]), "Revoked the share link.")


@login_required
@require_POST
def comment_resolve(request: HtmxHttpRequest, slug: str, pk: int, comment_id: int) -> HttpResponse:
    workshop, wa = load(request, slug, pk)
    wa.require_facilitator()
    comment = of_workshop(
        Comment, workshop, comment_id, noun="comment", related=("workshop__operating_model",)
    )
    services.comment_resolve(comment=comment, actor=request.user)
    return done(request, reverse("workshop-socialise", args=[slug, pk]), "Resolved the comment.")


@login_required
@require_http_methods(["GET", "POST"])
def workshop_next(request: HtmxHttpRequest, slug: str, pk: int) -> HttpResponse:
    """Plan the next workshop: the form starts from this one; saving creates it with the open
    comments, parked proposals and attendees carried over (cancelling leaves nothing behind)."""
    workshop, wa = load(request, slug, pk)
    wa.require_grant_roles()  # planning a workshop is for the model's facilitators
    initial = services.next_workshop_plan(workshop)
    initial["starts_at"] = timezone.localtime(initial["starts_at"]).strftime("%Y-%m-%dT%H:%M")
    initial["agenda"] = "\n".join(f"{minutes} {title}" for title, minutes in initial["agenda"])
    form = WorkshopForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            follow_up = services.workshop_plan_next(
                workshop=workshop, actor=request.user, **_form_kwargs(form)
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            return done(
                request,
                follow_up.get_absolute_url(),
                f"Planned “{follow_up.title}” with the open comments, parked proposals and "
                "attendees of the last one.",
            )
    status = 422 if request.method == "POST" else 200
    ctx = context(workshop, wa, form=form, previous=workshop)
    ctx["workshop"] = None  # the form plans a new one
    return render(request, "workshops/form.html", ctx, status=status)


@login_required
@require_http_methods(["GET"])
def workshop_summary(request: HtmxHttpRequest, slug: str, pk: int) -> HttpResponse:
    workshop, wa = load(request, slug, pk)
    return render(
        request,
        "workshops/summary.html",
        context(workshop, wa, summary=selectors.workshop_summary(workshop)),
    )
