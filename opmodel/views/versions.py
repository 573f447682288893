"""Releases, comparisons, the model-wide timeline and the "as of" view. HTTP only: the reads
are in ``opmodel.versions``, the writes in ``opmodel.services``."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_http_methods, require_POST

from opmodel import selectors, services
from opmodel.access import Access, get_model_for, release_in_model
from opmodel.forms import AsOfForm, ReleaseForm, TimelineFilterForm
from opmodel.models import OperatingModel, Release
from opmodel.registry import registry
from opmodel.versions import DRAFT, diff_documents, snapshot_as_of, snapshot_build
from opmodel.versions.diffs import document_view
from opmodel.versions.timeline import TimelineFilter, timeline_page, versions_compare
from opmodel.views.parts import can_change
from opmodel.views.types import HtmxHttpRequest


def _ctx(operating_model: OperatingModel, access: Access, tab: str, **extra: Any) -> dict:
    return {"om": operating_model, "access": access, "tab": tab, **extra}


def _release_pages(operating_model: OperatingModel, release: Release) -> list[dict[str, str]]:
    """The level pages that can draw themselves from a release (e.g. the picture on a page)."""
    return [
        {
            "title": page.title,
            "url": reverse(
                page.release_url_name,
                kwargs={"slug": operating_model.slug, "number": release.number},
            ),
        }
        for page in registry.pages()
        if page.release_url_name
    ]


@login_required
@require_http_methods(["GET"])
def releases(request: HtmxHttpRequest, slug: str) -> HttpResponse:
    """Every release, newest first, and whether the draft has moved on since the latest."""
    operating_model, access = get_model_for(request.user, slug)
    published = list(operating_model.releases.select_related("published_by"))
    latest = published[0] if published else None
    pending = diff_documents(latest.snapshot if latest else {}, snapshot_build(operating_model))
    return render(
        request,
        "opmodel/releases.html",
        _ctx(
            operating_model,
            access,
            "releases",
            releases=published,
            latest=latest,
            pending=pending,
            form=ReleaseForm() if access.can_manage else None,
        ),
    )


@login_required
@require_http_methods(["GET", "POST"])
def release_new(request: HtmxHttpRequest, slug: str) -> HttpResponse:
    """Publish the live draft as the next release (facilitators)."""
    operating_model, access = get_model_for(request.user, slug)
    if not access.can_manage:
        raise PermissionDenied("Only facilitators publish releases.")
    # A workshop's socialise step links here with its title and goal as a starting point.
    initial = {k: request.GET[k][:200] for k in ("title", "notes") if k in request.GET}
    form = ReleaseForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            release = services.release_publish(
                operating_model=operating_model,
                actor=request.user,
                title=form.cleaned_data["title"],
                notes=form.cleaned_data["notes"],
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, f"Published {release.label}: {release.title}.")
            return redirect(release.get_absolute_url())
    status = 422 if request.method == "POST" else 200
    return render(
        request,
        "opmodel/release_new.html",
        _ctx(operating_model, access, "releases", form=form),
        status=status,
    )


@login_required
@require_http_methods(["GET"])
def release_detail(request: HtmxHttpRequest, slug: str, number: int) -> HttpResponse:
    """A release exactly as it was published, drawn from its snapshot alone."""
    operating_model, access = get_model_for(request.user, slug)
    release = release_in_model(operating_model, number)
    previous = operating_model.releases.filter(number__lt=number).order_by("-number").first()
    return render(
        request,
        "opmodel/release_detail.html",
        _ctx(
            operating_model,
            access,
            "releases",
            release=release,
            previous=previous,
            sections=document_view(release.snapshot),
            meta=release.snapshot.get("model", {}),
            release_pages=_release_pages(operating_model, release),
        ),
    )


def _version_choices(operating_model: OperatingModel) -> list[tuple[str, str]]:
    return [(DRAFT, "Live draft")] + [
        (f"v{number}", f"v{number} · {title}")
        for number, title in operating_model.releases.values_list("number", "title")
    ]


@login_required
@require_http_methods(["GET"])
def compare(request: HtmxHttpRequest, slug: str) -> HttpResponse:
    """What changed between two versions (releases, the draft, or moments in history)."""
    operating_model, access = get_model_for(request.user, slug)
    choices = _version_choices(operating_model)
    default_from = choices[1][0] if len(choices) > 1 else DRAFT
    ref_from = request.GET.get("from") or default_from
    ref_to = request.GET.get("to") or DRAFT
    ctx = _ctx(
        operating_model, access, "compare", choices=choices, ref_from=ref_from, ref_to=ref_to
    )
    try:
        comparison = versions_compare(operating_model, ref_from, ref_to)
    except ValidationError as error:
        ctx["error"] = " ".join(error.messages)
        return render(request, "opmodel/compare.html", ctx, status=400)
    ctx.update(old=comparison.old, new=comparison.new, diff=comparison.diff)
    return render(request, "opmodel/compare.html", ctx)


@login_required
@require_http_methods(["GET"])
def timeline(request: HtmxHttpRequest, slug: str) -> HttpResponse:
    """Every change to the model, newest first, filterable by section, person and date."""
    operating_model, access = get_model_for(request.user, slug)
    sections = registry.sections()
    people = [m.user for m in selectors.members_of(operating_model)]
    form = TimelineFilterForm(request.GET or None, sections=sections, people=people)
    when = TimelineFilter()
    if form.is_bound and form.is_valid():
        data = form.cleaned_data
        when = TimelineFilter(
            section=registry.find(data["section"]) if data["section"] else None,
            user_id=data["person"],
            since=data["since"],
            until=data["until"],
        )
    page, entries = timeline_page(operating_model, when, request.GET.get("page") or 1)
    query = request.GET.copy()
    query.pop("page", None)
    editable = {s.key: can_change(access, s) for s in sections}
    return render(
        request,
        "opmodel/timeline.html",
        _ctx(
            operating_model,
            access,
            "timeline",
            form=form,
            page=page,
            entries=entries,
            query=query.urlencode(),
            editable=editable,
        ),
    )


@login_required
@require_http_methods(["GET"])
def as_of(request: HtmxHttpRequest, slug: str) -> HttpResponse:
    """The model as it was at a chosen date and time, rebuilt from history."""
    operating_model, access = get_model_for(request.user, slug)
    form = AsOfForm(request.GET or None)
    ctx = _ctx(operating_model, access, "as-of", form=form)
    if form.is_bound and form.is_valid():
        moment = form.cleaned_data["at"]
        document = snapshot_as_of(operating_model, moment)
        ctx.update(
            moment=moment,
            ref=timezone.localtime(moment).strftime("%Y-%m-%dT%H:%M"),
            sections=document_view(document),
            meta=document["model"],
        )
    return render(request, "opmodel/as_of.html", ctx, status=400 if form.errors else 200)


@login_required
@require_POST
def part_restore(request: HtmxHttpRequest, slug: str, key: str, history_id: int) -> HttpResponse:
    """Bring back a deleted row from the timeline, as a new row (editors)."""
    operating_model, access = get_model_for(request.user, slug)
    section = registry.find(key)
    if section is None:
        raise Http404("No such section")
    if not can_change(access, section):
        raise PermissionDenied("You can read this section but not change it.")
    history = section.model.history  # type: ignore[attr-defined]
    if not history.filter(history_id=history_id, operating_model_id=operating_model.pk).exists():
        raise Http404("No such version")
    try:
        row = services.part_restore(
            section=section,
            operating_model=operating_model,
            history_id=history_id,
            actor=request.user,
        )
    except ValidationError as error:
        messages.error(request, "It cannot be restored: " + " ".join(error.messages))
    else:
        messages.success(request, f"Restored the {section.item_noun} “{row}” as a new item.")
    back = request.POST.get("next", "")
    if not url_has_allowed_host_and_scheme(back, allowed_hosts={request.get_host()}):
        back = reverse("timeline", args=[slug])
    return redirect(back or reverse("timeline", args=[slug]))
