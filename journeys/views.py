"""Level 3 pages: the journey list, a journey's swim-lane map, pain points across journeys and
the steps a squad performs everywhere. Rows are added, edited and deleted through the core's
generic section views; these views show them and move steps and stages."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods, require_POST
from django_htmx.http import reswap, retarget

from opmodel.access import Access, get_model_for, row_in_model
from opmodel.models import OperatingModel
from opmodel.registry import registry
from opmodel.views.feedback import notify
from opmodel.views.levels import level_page_context
from opmodel.views.types import HtmxHttpRequest
from teams.models import Squad

from . import selectors, services
from .models import Journey, Stage, Step


def _page_context(operating_model: OperatingModel, access: Access, **extra: Any) -> dict[str, Any]:
    return level_page_context(operating_model, access, level=3, **extra)


@login_required
@require_http_methods(["GET"])
def journey_list(request: HtmxHttpRequest, slug: str) -> HttpResponse:
    """Every journey with its owner, size and health."""
    operating_model, access = get_model_for(request.user, slug)
    ctx = _page_context(operating_model, access)
    # the journey rows and the findings' links (journeys.partials.journeys_data)
    ctx.update(
        ctx["sections"]["journeys"].partial_context(
            operating_model=operating_model,
            access=access,
            request=request,
            findings=ctx["findings"],
        )
    )
    return render(request, "journeys/list.html", ctx)


@login_required
@require_http_methods(["GET"])
def journey(request: HtmxHttpRequest, slug: str, pk: int) -> HttpResponse:
    """One journey as a swim-lane map: stages as columns, squads as lanes, steps as cards."""
    operating_model, access = get_model_for(request.user, slug)
    item = row_in_model(Journey, operating_model, pk)
    ctx = _page_context(operating_model, access, item=item, scope=item.pk)
    ctx.update(_map_data(request, ctx, item))
    # the map holds the journey's stages and steps: which findings are about them needs no
    # second read of every stage and step of the model
    owner = selectors.map_owners(ctx["map"])
    mine = selectors.journey_findings(operating_model, item, ctx["findings"], owner)
    ctx["journey_findings"] = mine
    ctx["finding_links"] = selectors.finding_links(operating_model, mine, owner)
    return render(request, "journeys/journey.html", ctx)


def _map_data(request: HtmxHttpRequest, ctx: dict[str, Any], journey: Journey) -> dict[str, Any]:
    """The journey's swim-lane map (the stages' partial data) for the page's findings."""
    return ctx["sections"]["stages"].partial_context(
        operating_model=ctx["om"],
        access=ctx["access"],
        request=request,
        scope=journey,  # read once, by the view
        findings=ctx["findings"],
    )


@login_required
@require_http_methods(["GET"])
def pain_points(request: HtmxHttpRequest, slug: str) -> HttpResponse:
    """What hurts, across every journey: the steps with pain points."""
    operating_model, access = get_model_for(request.user, slug)
    ctx = _page_context(operating_model, access, groups=selectors.pain_points(operating_model))
    return render(request, "journeys/pain_points.html", ctx)


@login_required
@require_http_methods(["GET"])
def squad_steps(request: HtmxHttpRequest, slug: str, pk: int) -> HttpResponse:
    """The steps one squad performs in every journey, and the hand-offs it receives."""
    operating_model, access = get_model_for(request.user, slug)
    squad = row_in_model(Squad, operating_model, pk)
    ctx = _page_context(
        operating_model, access, page=selectors.squad_steps(operating_model, squad), squad=squad
    )
    return render(request, "journeys/squad.html", ctx)


def _map_response(
    request: HtmxHttpRequest, operating_model: OperatingModel, access: Access, journey_id: int
) -> HttpResponse:
    """After a move: the whole map again (htmx), or back to the journey page."""
    if not request.htmx:
        return redirect("journeys-journey", slug=operating_model.slug, pk=journey_id)
    item = Journey.objects.get(pk=journey_id)
    ctx = _page_context(operating_model, access, item=item, scope=item.pk)
    ctx["section"] = ctx["sections"]["stages"]
    ctx.update(_map_data(request, ctx, item))
    response = render(request, "journeys/journeys.html#journey-map", ctx)
    return reswap(retarget(response, f"#section-journeys-stages-{journey_id}"), "outerHTML")


@login_required
@require_POST
def step_move(request: HtmxHttpRequest, slug: str, pk: int) -> HttpResponse:
    """Move a step: ``direction`` up/down within its stage or left/right to the next stage, or
    ``stage`` (and ``index``) to put it at a place in a stage of the same journey."""
    operating_model, access = get_model_for(request.user, slug)
    step = row_in_model(Step, operating_model, pk)
    if not registry.get("journeys.steps").allows(access, step, "move"):
        raise PermissionDenied("You can read this journey but not move this step.")
    stage = Stage.objects.get(pk=step.stage_id)
    try:
        if request.POST.get("stage"):
            target = row_in_model(Stage, operating_model, _int(request.POST["stage"]))
            services.step_move(
                step=step,
                stage=target,
                index=_int(request.POST.get("index", "1000000")),
                actor=request.user,
            )
        else:
            services.step_shift(
                step=step, direction=request.POST.get("direction", ""), actor=request.user
            )
    except ValidationError as error:
        if not request.htmx:
            return HttpResponse(" ".join(error.messages), status=400)
        response = _map_response(request, operating_model, access, stage.journey_id)
        return notify(response, " ".join(error.messages), error=True)
    return _map_response(request, operating_model, access, stage.journey_id)


@login_required
@require_POST
def stage_move(request: HtmxHttpRequest, slug: str, pk: int) -> HttpResponse:
    """Move a stage one column left or right."""
    operating_model, access = get_model_for(request.user, slug)
    stage = row_in_model(Stage, operating_model, pk)
    if not registry.get("journeys.stages").allows(access, stage, "move"):
        raise PermissionDenied("Only facilitators and editors reorder stages.")
    try:
        services.stage_shift(
            stage=stage, direction=request.POST.get("direction", ""), actor=request.user
        )
    except ValidationError as error:
        return HttpResponse(" ".join(error.messages), status=400)
    return _map_response(request, operating_model, access, stage.journey_id)


def _int(value: str) -> int:
    try:
        return int(value)
    except ValueError as exc:
        raise Http404("Not a number") from exc
