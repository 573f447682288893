"""Writes that belong to Level 3 alone: moving steps between stages and ordering stages and steps
within their parent. Content changes go through the core's part services (history, revision,
live event); a move saves positions through the core's ``positions_save`` (history and a
"moved" event, as every reorder)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.core.exceptions import ValidationError
from django.db import transaction

from opmodel.registry import registry
from opmodel.services import part_update, positions_save

from .models import Stage, Step

if TYPE_CHECKING:
    from django.contrib.auth.models import User


def _reposition(key: str, rows: list[Any], *, actor: User | None) -> None:
    """Give ``rows`` (the children of one parent, in their new order) the positions they hold
    among themselves, so rows of other parents keep theirs (and diffs show only this move)."""
    slots = sorted(r.position for r in rows)
    for i in range(1, len(slots)):  # rows added in bulk may share a position
        slots[i] = max(slots[i], slots[i - 1] + 1)
    moved = []
    for row, position in zip(rows, slots, strict=True):
        if row.position != position:
            row.position = position
            moved.append(row)
    if moved:
        positions_save(
            section=registry.get(key),
            operating_model=rows[0].operating_model,
            moved=moved,
            actor=actor,
        )


def _placed(rows: list[Any], row: Any, index: int) -> list[Any]:
    others = [r for r in rows if r.pk != row.pk]
    index = max(0, min(len(others), index))
    return [*others[:index], row, *others[index:]]


@transaction.atomic
def step_move(*, step: Step, stage: Stage, index: int, actor: User | None) -> Step:
    """Put ``step`` at ``index`` among the steps of ``stage`` (another stage of its journey, or
    its own). Changing the stage is an edit of the step (history, revision, event)."""
    if stage.operating_model_id != step.operating_model_id:
        raise ValidationError("That stage belongs to another model.")
    current = Step.objects.select_related(None).select_for_update().get(pk=step.pk)
    if stage.journey_id != Stage.objects.get(pk=current.stage_id).journey_id:
        raise ValidationError("A step moves between the stages of its own journey only.")
    if current.stage_id != stage.pk:
        current = part_update(  # type: ignore[assignment]
            section=registry.get("journeys.steps"),
            part=current,
            revision=current.revision,
            actor=actor,
            data={"stage": stage},
            reason=f"Moved to the stage {stage.name}",
        )
    siblings = list(
        Step.objects.filter(stage=stage).select_related(None).order_by("position", "pk")
    )
    _reposition("journeys.steps", _placed(siblings, current, index), actor=actor)
    return current


def step_shift(*, step: Step, direction: str, actor: User | None) -> Step:
    """The keyboard way: ``up``/``down`` within the stage, ``left``/``right`` to the previous
    or next stage (at the end of it). At an edge nothing changes."""
    stage = Stage.objects.get(pk=step.stage_id)
    if direction in ("up", "down"):
        siblings = list(Step.objects.filter(stage=stage).order_by("position", "pk"))
        ids = [s.pk for s in siblings]
        index = ids.index(step.pk) + (-1 if direction == "up" else 1)
        if not 0 <= index < len(ids):
            return step
        return step_move(step=step, stage=stage, index=index, actor=actor)
    if direction not in ("left", "right"):
        raise ValidationError("Move a step up, down, left or right.")
    stages = list(Stage.objects.filter(journey_id=stage.journey_id).order_by("position", "pk"))
    index = [s.pk for s in stages].index(stage.pk) + (-1 if direction == "left" else 1)
    if not 0 <= index < len(stages):
        return step
    return step_move(step=step, stage=stages[index], index=10**6, actor=actor)


@transaction.atomic
def stage_shift(*, stage: Stage, direction: str, actor: User | None) -> Stage:
    """Move a stage one column ``left`` or ``right`` within its journey."""
    if direction not in ("left", "right"):
        raise ValidationError("Move a stage left or right.")
    stages = list(
        Stage.objects.filter(journey_id=stage.journey_id)
        .select_related(None)
        .order_by("position", "pk")
    )
    ids = [s.pk for s in stages]
    index = ids.index(stage.pk) + (-1 if direction == "left" else 1)
    if 0 <= index < len(stages):
        current = next(s for s in stages if s.pk == stage.pk)
        _reposition("journeys.stages", _placed(stages, current, index), actor=actor)
    return stage
