"""The shared draft: members read and comment; so do people holding a share link."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.http import require_http_methods

from opmodel.access import Access
from opmodel.registry import registry
from opmodel.views.types import HtmxHttpRequest

from .. import selectors, services
from ..forms import CommentForm
from ..models import ShareLink, Workshop
from .common import done, load


def _share_page(
    request: HtmxHttpRequest,
    workshop: Workshop,
    *,
    live_url: str,
    actor=None,
    link: ShareLink | None = None,
    extra: dict | None = None,
) -> HttpResponse:
    form = CommentForm(request.POST or None)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            if link is not None and actor is None and not form.cleaned_data["author_name"]:
                form.add_error("author_name", "Say who you are, so people can follow up.")
            else:
                try:
                    services.comment_add(
                        workshop=workshop,
                        actor=actor,
                        share_link=link,
                        author_name=form.cleaned_data["author_name"],
                        section=form.cleaned_data["section"],
                        part_id=form.cleaned_data["part_id"],
                        text=form.cleaned_data["text"],
                    )
                except ValidationError as error:
                    form.add_error(None, error)
                else:
                    anchor = form.cleaned_data["section"].replace(".", "-")
                    return done(
                        request,
                        f"{request.path}#share-{anchor or 'top'}",
                        "Thank you: your comment is with the facilitator.",
                    )
        status = 422
    # The refused form comes back where it was, with what was typed (section:item).
    sent_to = f"{request.POST.get('section', '')}:{request.POST.get('part_id', '')}"
    # New comments arrive live: the page re-fetches its body when the stream says so.
    template = "workshops/share.html"
    if request.htmx and request.method == "GET":
        template += "#share-body"
    draft = selectors.shared_draft(workshop)
    context = {**(extra or {})}
    # The sections' own partials are drawn read-only: no permission to change anything (the
    # role badge stays).
    role = context["access"].role if "access" in context else None
    context["access"] = Access(workshop.operating_model, request.user, frozenset(), role)
    selectors.with_partial_data([d.view for d in draft], context["access"], request)
    return render(
        request,
        template,
        {
            "workshop": workshop,
            "can_edit": False,
            "draft": draft,
            "form": form,
            "sent_to": sent_to if status == 422 else None,
            "link": link,
            "comment_url": f"{request.path.rstrip('/')}/comment/",
            "general_comments": [c for c in selectors.comments_of(workshop) if not c.section],
            "live": True,
            "live_url": live_url,
            **context,
        },
        status=status,
    )


def _comment_form(
    request: HtmxHttpRequest,
    workshop: Workshop,
    *,
    share_url: str,
    link: ShareLink | None = None,
    extra: dict | None = None,
) -> HttpResponse:
    """The comment form on one section or item, asked for from the share page: in place with
    htmx, or as a page of its own without JavaScript. It posts to the share page."""
    key = request.GET.get("section", "")
    part_id = request.GET.get("part_id", "")
    section = registry.find(key) if key else None
    if (key and section is None) or (part_id and not part_id.isdigit()):
        raise Http404("No such section or item")
    template = "workshops/share_comment.html"
    if request.htmx:
        template += "#share-comment-form"
    return render(
        request,
        template,
        {
            "workshop": workshop,
            "section_key": key,
            "part_id": part_id,
            "section_title": section.title if section else "",
            "share_url": share_url,
            "link": link,
            "form": CommentForm(),
            **(extra or {}),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def workshop_share(request: HtmxHttpRequest, slug: str, pk: int) -> HttpResponse:
    """The draft for every member of the model (viewers included), with comments."""
    workshop, wa = load(request, slug, pk)
    return _share_page(
        request,
        workshop,
        live_url=reverse("workshop-events", args=[slug, pk]),
        actor=request.user,
        extra={"om": workshop.operating_model, "access": wa.access, "wa": wa},
    )


@login_required
@require_http_methods(["GET"])
def workshop_share_comment(request: HtmxHttpRequest, slug: str, pk: int) -> HttpResponse:
    workshop, wa = load(request, slug, pk)
    return _comment_form(
        request,
        workshop,
        share_url=reverse("workshop-share", args=[slug, pk]),
        extra={"om": workshop.operating_model, "access": wa.access, "wa": wa},
    )


@require_http_methods(["GET"])
def share_public_comment(request: HtmxHttpRequest, slug: str, token: str) -> HttpResponse:
    link = _live_link(slug, token)
    return _comment_form(
        request, link.workshop, share_url=reverse("share-public", args=[slug, token]), link=link
    )


def _live_link(slug: str, token: str) -> ShareLink:
    link = services.share_link_check(token)
    if link is None or link.workshop.operating_model.slug != slug:
        raise Http404("This share link does not work (any more).")
    return link


@require_http_methods(["GET", "POST"])
def share_public(request: HtmxHttpRequest, slug: str, token: str) -> HttpResponse:
    """The draft for whoever holds a live share link: read-only, with comments."""
    link = _live_link(slug, token)
    return _share_page(
        request, link.workshop, live_url=reverse("share-events", args=[slug, token]), link=link
    )
