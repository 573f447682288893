"""Level 2 pages: squads overview, a squad's page, the interaction map and the accountability
matrix. Rows are added and edited through the core's generic section views; these views show
them, and handle the matrix cells and team-lead grants."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from django.contrib import messages
from django.contrib.auth import get_user_model
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods, require_POST

from opmodel import services as core
from opmodel.access import Access, get_model_for, row_in_model
from opmodel.models import OperatingModel
from opmodel.registry import registry
from opmodel.versions.documents import import_max_bytes
from opmodel.views.levels import level_page_context
from opmodel.views.types import HtmxHttpRequest

from . import selectors, services
from .diagrams import interaction_map_svg
from .forms import CellForm, ImportFilesForm, LeadForm
from .importing import READERS, ImportPlan, Source, import_plan, source_from_bytes
from .models import Capability, Squad
from .rules import may_change_squad


def _page_context(operating_model: OperatingModel, access: Access, **extra: Any) -> dict[str, Any]:
    all_sections = {s.key: s for s in registry.sections()}
    return level_page_context(operating_model, access, level=2, all_sections=all_sections, **extra)


def _with_partials(
    ctx: dict[str, Any], request: HtmxHttpRequest, *names: str, scope: Any = None
) -> dict[str, Any]:
    """``ctx`` with the data of the partials the page includes (``Section.partial_context``):
    the page pays for them here, in its view, not in template tags."""
    for name in names:
        ctx.update(
            ctx["sections"][name].partial_context(
                operating_model=ctx["om"], access=ctx["access"], request=request, scope=scope
            )
        )
    return ctx


@login_required
@require_http_methods(["GET"])
def squads(request: HtmxHttpRequest, slug: str) -> HttpResponse:
    """Every squad, by team type and mode of operation."""
    operating_model, access = get_model_for(request.user, slug)
    ctx = _with_partials(_page_context(operating_model, access), request, "squads")
    return render(request, "teams/squads.html", ctx)


@login_required
@require_http_methods(["GET"])
def squad(request: HtmxHttpRequest, slug: str, pk: int) -> HttpResponse:
    """One squad: its Team API, people, interactions and what it answers for."""
    operating_model, access = get_model_for(request.user, slug)
    data = selectors.squad_page(operating_model, row_in_model(Squad, operating_model, pk))
    ctx = _page_context(
        operating_model,
        access,
        page=data,
        item=data.squad,
        scope=data.squad.pk,
        squad_editable=may_change_squad(access, data.squad.pk),
    )
    _with_partials(ctx, request, "people", "interactions", "accountabilities", scope=data.squad.pk)
    if access.can_manage:
        ctx["lead_form"] = LeadForm(members=_members(operating_model))
    return render(request, "teams/squad.html", ctx)


def _members(operating_model: OperatingModel) -> Any:
    return (
        get_user_model()
        .objects.filter(groups__model_role__operating_model=operating_model)
        .order_by("username")
    )


@login_required
@require_http_methods(["GET"])
def interaction_map(request: HtmxHttpRequest, slug: str) -> HttpResponse:
    """The team interaction map (SVG) and the list of interactions."""
    operating_model, access = get_model_for(request.user, slug)
    ctx = _page_context(operating_model, access)
    # fetched here: the map, its text twin and the list below draw the same rows (template tags
    # never query)
    ctx["interactions"] = list(ctx["sections"]["interactions"].rows(operating_model))
    ctx["svg"] = interaction_map_svg(operating_model, interactions=ctx["interactions"])
    _with_partials(ctx, request, "interactions")
    if request.htmx:
        return render(request, "teams/map.html#map-figure", ctx)
    return render(request, "teams/map.html", ctx)


@login_required
@require_http_methods(["GET"])
def accountability(request: HtmxHttpRequest, slug: str) -> HttpResponse:
    """The shared accountability model: capabilities x squads, with the load per squad."""
    operating_model, access = get_model_for(request.user, slug)
    query = request.GET.get("q", "")
    ctx = _page_context(
        operating_model,
        access,
        query=query,
        answers=selectors.who_answers(operating_model, query),
        # the area tabs change the address on this page, not on another showing the matrix
        push_tabs=not request.htmx
        or urlsplit(request.headers.get("HX-Current-URL", "")).path == request.path,
    )
    _with_partials(ctx, request, "capabilities")
    if request.htmx:  # an area tab, or a live refresh of the matrix
        ctx["section"] = ctx["sections"]["capabilities"]
        return render(request, "teams/teams.html#matrix", ctx)
    return render(request, "teams/matrix.html", ctx)


@login_required
@require_http_methods(["GET"])
def who_answers(request: HtmxHttpRequest, slug: str) -> HttpResponse:
    """ "Who is accountable when <capability> goes wrong?" as you type."""
    operating_model, access = get_model_for(request.user, slug)
    query = request.GET.get("q", "")
    if not request.htmx:
        url = reverse("teams-matrix", args=[slug])
        return redirect(f"{url}?q={query}" if query else url)
    ctx = {
        "om": operating_model,
        "query": query,
        "answers": selectors.who_answers(operating_model, query),
    }
    return render(request, "teams/matrix.html#answers", ctx)


@login_required
@require_http_methods(["GET"])
def capability_roles(request: HtmxHttpRequest, slug: str, pk: int) -> HttpResponse:
    """One capability's roles, squad by squad: where a capability's name in the matrix leads,
    the matrix's path without JavaScript (a matrix cell is a link only with it). Each cell
    this user may change links to its page (the role picker)."""
    operating_model, access = get_model_for(request.user, slug)
    capability = row_in_model(Capability, operating_model, pk)
    matrix_url = reverse("teams-matrix", args=[slug])
    ctx = {
        "om": operating_model,
        "access": access,
        "capability": capability,
        "cells": selectors.capability_cells(operating_model, access, capability),
        "matrix_url": matrix_url,
        "back_url": f"{matrix_url}?area={capability.area}#cap-{capability.pk}",
    }
    return render(request, "teams/capability_page.html", ctx)


def _cell_parts(
    operating_model: OperatingModel, capability_pk: int, squad_pk: int
) -> tuple[Capability, Squad]:
    return (
        row_in_model(Capability, operating_model, capability_pk),
        row_in_model(Squad, operating_model, squad_pk),
    )


@login_required
@require_http_methods(["GET", "POST"])
def matrix_cell(
    request: HtmxHttpRequest, slug: str, capability_pk: int, squad_pk: int
) -> HttpResponse:
    """One cell of the matrix: GET shows the role picker, POST sets or clears the role."""
    operating_model, access = get_model_for(request.user, slug)
    capability, squad = _cell_parts(operating_model, capability_pk, squad_pk)
    if not may_change_squad(access, squad.pk):
        raise PermissionDenied("Only this squad's lead, editors and facilitators change it.")
    cell = selectors.matrix_cell(operating_model, access, capability, squad)
    ctx: dict[str, Any] = {
        "om": operating_model,
        "access": access,
        "cell": cell,
        "capability": capability,
        "squad": squad,
        "matrix_url": reverse("teams-matrix", args=[slug]),
        "back_url": reverse("teams-matrix", args=[slug])
        + f"?area={capability.area}#cap-{capability.pk}",
    }
    template = "teams/teams.html#cell" if request.htmx else "teams/cell_page.html"
    if request.method == "GET":
        # htmx asks for the picker (?pick=1) or, on cancel, for the plain cell again
        ctx["picking"] = not request.htmx or request.GET.get("pick") == "1"
        return render(request, template, ctx)
    form = CellForm(request.POST)
    if not form.is_valid():
        ctx.update(picking=True, error="Choose one of the roles.")
        return render(request, template, ctx, status=422)
    try:
        services.accountability_set(
            operating_model=operating_model,
            capability=capability,
            squad=squad,
            role=form.cleaned_data["role"],
            revision=form.cleaned_data["revision"] or 0,
            actor=request.user,
        )
    except core.StaleRevision as conflict:
        ctx.update(
            cell=selectors.matrix_cell(operating_model, access, capability, squad),
            picking=True,
            conflict=conflict,
            wanted=form.cleaned_data["role"],
        )
        return render(request, template, ctx, status=409)
    except ValidationError as error:
        ctx.update(picking=True, error=" ".join(error.messages))
        return render(request, template, ctx, status=422)
    if not request.htmx:
        messages.success(request, f"Saved {squad}'s role for {capability}.")
        return redirect(ctx["back_url"])
    ctx["cell"] = selectors.matrix_cell(operating_model, access, capability, squad)
    ctx["saved"] = True
    return render(request, template, ctx)


@login_required
@require_POST
def lead_grant(request: HtmxHttpRequest, slug: str, pk: int) -> HttpResponse:
    """A facilitator makes a member a team lead of this squad."""
    operating_model, access = get_model_for(request.user, slug)
    if not access.can_manage:
        raise PermissionDenied("Only facilitators grant team leads.")
    squad = row_in_model(Squad, operating_model, pk)
    form = LeadForm(request.POST, members=_members(operating_model))
    if form.is_valid():
        user = form.cleaned_data["user"]
        try:
            services.squad_lead_grant(squad=squad, user=user, actor=request.user)
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        else:
            messages.success(request, f"{user.get_username()} now leads {squad}.")
    else:
        messages.error(request, "Choose one of the model's members.")
    return redirect("teams-squad", slug=slug, pk=pk)


@login_required
@require_POST
def lead_remove(request: HtmxHttpRequest, slug: str, pk: int, user_id: int) -> HttpResponse:
    """A facilitator takes a team lead's rights on this squad away."""
    operating_model, access = get_model_for(request.user, slug)
    if not access.can_manage:
        raise PermissionDenied("Only facilitators remove team leads.")
    squad = row_in_model(Squad, operating_model, pk)
    user = get_user_model().objects.filter(pk=user_id).first()
    if user is None:
        raise Http404("No such user")
    services.squad_lead_remove(squad=squad, user=user, actor=request.user)
    messages.success(request, f"{user.get_username()} no longer leads {squad}.")
    return redirect("teams-squad", slug=slug, pk=pk)


IMPORT_SESSION_KEY = "teams-import"
IMPORT_TEMPLATE = "teams/import.html"


def _preview(
    request: HtmxHttpRequest, ctx: dict[str, Any], kind: str, sources: list[Source]
) -> HttpResponse:
    """Plan the files against the model, keep them in the session for "Apply", show the plan."""
    plan = import_plan(ctx["om"], READERS[kind](sources))
    request.session[IMPORT_SESSION_KEY] = {
        "slug": ctx["om"].slug,
        "kind": kind,
        "sources": [{"name": s.name, "text": s.text} for s in sources],
        "digest": plan.digest(),
    }
    ctx.update(plan=plan, files=[s.name for s in sources])
    return render(
        request, IMPORT_TEMPLATE, ctx, status=422 if plan.problems else ctx.pop("status", 200)
    )


@login_required
@require_http_methods(["GET", "POST"])
def import_files(request: HtmxHttpRequest, slug: str) -> HttpResponse:
    """Import squads, people and ownership from a Backstage catalog or Team API files: upload,
    preview the plan (nothing written), apply all of it or nothing."""
    operating_model, access = get_model_for(request.user, slug)
    if not access.can_edit:
        raise PermissionDenied("Only facilitators and editors import into Level 2.")
    applying = request.method == "POST" and request.POST.get("action") == "apply"
    uploading = request.method == "POST" and not applying
    form = ImportFilesForm(request.POST, request.FILES) if uploading else ImportFilesForm()
    ctx: dict[str, Any] = {
        "om": operating_model,
        "access": access,
        "form": form,
        "max_mb": import_max_bytes() / 1024 / 1024,
    }
    if request.method == "GET":
        request.session.pop(IMPORT_SESSION_KEY, None)
        return render(request, IMPORT_TEMPLATE, ctx)
    if uploading:
        return _import_upload(request, form, ctx)
    return _import_apply(request, operating_model, ctx)


def _import_upload(
    request: HtmxHttpRequest, form: ImportFilesForm, ctx: dict[str, Any]
) -> HttpResponse:
    """Step 1: the files read and planned (nothing written); the plan waits in the session."""
    if not form.is_valid():
        return render(request, IMPORT_TEMPLATE, ctx, status=422)
    try:
        sources = [
            source_from_bytes(upload.name, upload.read(import_max_bytes() + 1))
            for upload in form.cleaned_data["documents"]
        ]
    except ValidationError as error:
        form.add_error("documents", error)
        return render(request, IMPORT_TEMPLATE, ctx, status=422)
    return _preview(request, ctx, form.cleaned_data["source"], sources)


def _import_apply(
    request: HtmxHttpRequest, operating_model: OperatingModel, ctx: dict[str, Any]
) -> HttpResponse:
    """Step 2: the plan previewed applied, all or nothing, if the files would still plan it."""
    pending = request.session.get(IMPORT_SESSION_KEY) or {}
    if pending.get("slug") != operating_model.slug:
        ctx["expired"] = True
        return render(request, IMPORT_TEMPLATE, ctx, status=400)
    kind = pending["kind"]
    sources = [Source(**s) for s in pending["sources"]]
    bundle = READERS[kind](sources)
    if import_plan(operating_model, bundle).digest() != pending["digest"]:
        ctx.update(stale=True, status=409)
        return _preview(request, ctx, kind, sources)
    try:
        plan: ImportPlan = services.import_apply(
            operating_model=operating_model, bundle=bundle, actor=request.user
        )
    except ValidationError as error:
        # nothing was written (one transaction): say why, beside the plan as it is now
        ctx.update(apply_errors=error.messages, status=422)
        return _preview(request, ctx, kind, sources)
    request.session.pop(IMPORT_SESSION_KEY, None)
    if plan.empty:
        messages.success(request, "Nothing to import: the model already holds what the files say.")
    else:
        messages.success(
            request, f"Imported {len(plan.steps)} change{'s' if len(plan.steps) > 1 else ''}."
        )
    return redirect("teams-squads", slug=operating_model.slug)
