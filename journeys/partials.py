"""The data Level 3's partials show besides their rows (``Section.partial_data``): the views
call these through ``Section.partial_context``, so the template tags only format."""

from __future__ import annotations

from typing import Any

from django.http import Http404

from opmodel.access import Access
from opmodel.registry import Finding
from opmodel.selectors import model_health

from . import health, selectors
from .models import Journey, Stage


def _health(operating_model: Any, findings: list[Finding] | None) -> list[Finding]:
    """The page's Level 3 findings, or (a partial rendered alone) the model's."""
    return findings if findings is not None else model_health(operating_model, level=3)


def _map_health(operating_model: Any, findings: list[Finding] | None) -> list[Finding]:
    """The findings a swim-lane map shows on its step cards: the page's, or (a map or a column
    rendered alone) those of the one check a card shows (``handoff-no-interaction``), not
    every Level 3 check."""
    if findings is not None:
        return findings
    return list(health.handoff_without_interaction(operating_model))


def journeys_data(
    *, operating_model: Any, item: Any, findings: list[Finding] | None, **_: Any
) -> dict[str, Any]:
    """The journey list: every journey with its size and health, and each finding with the
    journey page that shows its row (``finding_links``, the page's findings panel): one read
    of which journey each stage and step is in for both."""
    if item is not None:
        return {}
    findings = _health(operating_model, findings)
    owner = selectors.journey_owners(operating_model)
    return {
        "journey_rows": selectors.journey_list(operating_model, findings, owner),
        "finding_links": selectors.finding_links(operating_model, findings, owner),
    }


def _map(
    operating_model: Any, access: Access, journey: Journey | None, findings: Any
) -> selectors.JourneyMap:
    if journey is None:
        raise Http404("No such journey")
    return selectors.journey_map(
        operating_model, access, journey, _map_health(operating_model, findings)
    )


def stages_data(
    *,
    operating_model: Any,
    access: Access,
    scope: Any,
    item: Any,
    findings: list[Finding] | None,
    **_: Any,
) -> dict[str, Any]:
    """A journey's stages are its swim-lane map (``map``); without a journey, every stage
    (``stages``); one stage alone, its number. ``scope`` is the journey's id, or the journey
    itself where the caller has it."""
    if item is not None:
        number = getattr(item, "number", None)
        return {"number": number or selectors.stage_number(item)}
    if not scope:
        return {"stages": selectors.all_stages(operating_model)}
    if isinstance(scope, Journey):  # the journey's page, which has read it already
        journey = scope if scope.operating_model_id == operating_model.pk else None
    else:
        journey = Journey.objects.filter(operating_model=operating_model, pk=scope).first()
    return {"map": _map(operating_model, access, journey, findings)}


def steps_data(
    *,
    operating_model: Any,
    access: Access,
    scope: Any,
    item: Any,
    findings: list[Finding] | None,
    **_: Any,
) -> dict[str, Any]:
    """A stage's steps are its column of the map (``column`` and its ``map``); without a
    stage, every step (``steps``); one step alone, its number."""
    if item is not None:
        number = getattr(item, "number", None)
        return {"number": number or selectors.step_number(item)}
    if not scope:
        return {"steps": selectors.all_steps(operating_model)}
    stage = Stage.objects.filter(operating_model=operating_model, pk=scope).first()
    if stage is None:
        raise Http404("No such stage")
    data = _map(operating_model, access, stage.journey, findings)
    column = next(c for c in data.columns if c.stage.pk == stage.pk)
    return {"map": data, "column": column}
