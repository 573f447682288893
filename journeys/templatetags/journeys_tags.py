"""Template helpers for Level 3. The partials fetch their own data through these tags, so a
partial rendered alone (by the core's generic views, or for a live update) is complete."""

from __future__ import annotations

from typing import Any

from django import template
from django.http import Http404
from django.urls import reverse

from opmodel.access import Access
from opmodel.registry import Finding, Section, registry
from opmodel.selectors import model_health

from .. import selectors
from ..models import Journey, Stage, Step

register = template.Library()


@register.simple_tag
def journeys_sections() -> dict[str, Section]:
    """Level 3's sections by short name (``stages``, ``steps``) for partials rendered alone."""
    return {s.key.split(".", 1)[1]: s for s in registry.sections(level=3)}


def _findings(operating_model: Any, findings: Any) -> list[Finding]:
    # a partial rendered alone has no findings in its context (the template passes "")
    return findings if isinstance(findings, list) else model_health(operating_model, level=3)


@register.simple_tag
def journey_rows(operating_model: Any, findings: Any = None) -> list[selectors.JourneyRow]:
    return selectors.journey_list(operating_model, _findings(operating_model, findings))


@register.simple_tag
def journey_map(
    operating_model: Any, access: Access, journey_id: Any, findings: Any = None
) -> selectors.JourneyMap:
    journey = Journey.objects.filter(operating_model=operating_model, pk=journey_id).first()
    if journey is None:
        raise Http404("No such journey")
    return selectors.journey_map(
        operating_model, access, journey, _findings(operating_model, findings)
    )


@register.simple_tag
def stage_column(
    operating_model: Any, access: Access, stage_id: Any, column: Any = None, data: Any = None
) -> dict[str, Any]:
    """One stage's column and the map it belongs to. The map passes both; a column rendered
    alone (after a step is added to or deleted from it) builds them."""
    if not column or not data:
        stage = Stage.objects.filter(operating_model=operating_model, pk=stage_id).first()
        if stage is None:
            raise Http404("No such stage")
        data = selectors.journey_map(
            operating_model, access, stage.journey, model_health(operating_model, level=3)
        )
        column = next(c for c in data.columns if c.stage.pk == stage.pk)
    return {"column": column, "map": data}


@register.simple_tag
def step_number(item: Step) -> str:
    """``2.3``: the third step of the second stage (set by the map; counted for a lone card)."""
    number = getattr(item, "number", None)
    if number:
        return str(number)
    stage = Stage.objects.select_related(None).get(pk=item.stage_id)
    column = Stage.objects.filter(journey_id=stage.journey_id, position__lt=stage.position).count()
    before = Step.objects.filter(stage_id=item.stage_id, position__lt=item.position).count()
    return f"{column + 1}.{before + 1}"


@register.simple_tag
def stage_number(item: Stage) -> int:
    number = getattr(item, "number", None)
    if number:
        return int(number)
    return Stage.objects.filter(journey_id=item.journey_id, position__lt=item.position).count() + 1


@register.simple_tag
def finding_links(operating_model: Any, findings: list[Finding]) -> list[tuple[Finding, str]]:
    """Each Level 3 finding with the journey page that shows its row."""
    owners = selectors.journey_owners(operating_model)
    base = reverse("journeys-list", kwargs={"slug": operating_model.slug})
    links = []
    for finding in findings:
        journey_id = (
            finding.part_id
            if finding.section == "journeys.journeys"
            else owners.get((finding.section, finding.part_id))
        )
        anchor = f"#part-{finding.section.replace('.', '-')}-{finding.part_id}"
        links.append((finding, f"{base}{journey_id}/{anchor}" if journey_id else base))
    return links


@register.simple_tag
def all_steps(operating_model: Any) -> list[Step]:
    """Every step, for the section's list without a stage (one query)."""
    return list(
        Step.objects.filter(operating_model=operating_model)
        .select_related("stage", "stage__journey", "squad")
        .order_by("stage__journey__position", "stage__journey_id", "stage__position", "position")
    )


@register.simple_tag
def all_stages(operating_model: Any) -> list[Stage]:
    """Every stage, for the section's list without a journey (one query)."""
    return list(
        Stage.objects.filter(operating_model=operating_model).order_by(
            "journey__position", "journey_id", "position", "pk"
        )
    )
