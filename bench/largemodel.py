"""A large operating model for benchmarks, built through the real write paths.

The model itself (its role groups, its facilitator, its singleton rows) comes from
``operating_model_create``, the same service the app uses. The many rows of each section are
made by ``bulk_create_with_history`` and then edited in rounds by ``bulk_update_with_history``,
so every row has a history the way an edited model does: one record per change, with a user,
a reason, a date and the ``revision`` the optimistic lock would have given it.

To make a level large, add its sections to ``FACTORIES``: a section key mapped to a
:class:`RowFactory` (how many rows at scale 1, how to make row ``i``, which text field the
history rounds edit). Factories run in the order of the dict and receive the rows made so far,
so a later section can point at earlier ones. What Level 2 and Level 3 will add, at the scale
of issue 9::

    "teams.squads": RowFactory(60, _squad, edit="description"),
    "teams.capabilities": RowFactory(300, _capability, edit="description"),
    "teams.accountabilities": RowFactory(60 * 300 // 10, _raci, edit="note"),  # the matrix
    "journeys.journeys": RowFactory(20, _journey, edit="description"),
    "journeys.stages": RowFactory(20 * 6, _journey_stage, edit="description"),
    "journeys.steps": RowFactory(20 * 6 * 10, _step, edit="description"),

Only sections that are registered may be listed: a factory for a missing section fails loudly
rather than pretending.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.db import transaction
from simple_history.utils import bulk_create_with_history, bulk_update_with_history

from opmodel.models import OperatingModel, Part
from opmodel.registry import registry
from opmodel.services import operating_model_create, part_update

# The rows already made, by section key: later factories may refer to them.
Built = dict[str, list[Part]]


@dataclass(frozen=True)
class RowFactory:
    """How one section's rows are made: ``count`` at scale 1, ``make(i, built)`` gives the
    field values of row ``i``, ``edit`` names the text field that history rounds change."""

    count: int
    make: Callable[[int, Built], dict[str, Any]]
    edit: str


METRIC_CATEGORIES = [
    "sustainability",
    "stability",
    "trust",
    "efficiency",
    "kaizen",
    "team_health",
    "people_first",
]
PRINCIPLE_GROUPS = ["ways_of_working", "design_development", "delivery", "operations_management"]
LIFECYCLES = ["adopt", "trial", "assess", "hold"]
SKILL_LEVELS = ["foundation", "practitioner", "expert", "leader"]
LOREM = (
    "Teams own their data products from the first idea to the value people get, "
    "and measure what they deliver."
)


def _stage(i: int, built: Built) -> dict[str, Any]:
    return {
        "name": f"Stage {i}",
        "description": f"Stage {i}: {LOREM}",
        "outcome": f"Outcome of stage {i}",
    }


def _metric(i: int, built: Built) -> dict[str, Any]:
    return {
        "name": f"Metric {i}",
        "category": METRIC_CATEGORIES[i % len(METRIC_CATEGORIES)],
        "description": f"Metric {i}: {LOREM}",
        "target": f"{90 + i % 10}",
        "current": f"{80 + i % 15}",
        "unit": "%",
        "is_north_star": i == 0,
    }


def _principle(i: int, built: Built) -> dict[str, Any]:
    return {
        "group": PRINCIPLE_GROUPS[i % len(PRINCIPLE_GROUPS)],
        "name": f"Principle {i}",
        "statement": f"We hold principle {i} in every decision.",
        "implications": LOREM,
    }


def _technology(i: int, built: Built) -> dict[str, Any]:
    return {
        "name": f"Technology {i}",
        "category": ["Streaming", "Warehouse", "Orchestration", "Catalogue"][i % 4],
        "purpose": LOREM,
        "lifecycle": LIFECYCLES[i % len(LIFECYCLES)],
    }


def _skill(i: int, built: Built) -> dict[str, Any]:
    return {
        "name": f"Skill {i}",
        "description": LOREM,
        "target_level": SKILL_LEVELS[i % len(SKILL_LEVELS)],
    }


FACTORIES: dict[str, RowFactory] = {
    "canvas.stages": RowFactory(60, _stage, edit="description"),
    "canvas.metrics": RowFactory(200, _metric, edit="description"),
    "canvas.principles": RowFactory(100, _principle, edit="implications"),
    "canvas.technologies": RowFactory(80, _technology, edit="purpose"),
    "canvas.skills": RowFactory(60, _skill, edit="description"),
}
HISTORY_ROWS = 5_000
EPOCH = dt.datetime(2025, 1, 6, 9, 0, tzinfo=dt.UTC)


@dataclass(frozen=True)
class LargeModel:
    operating_model: OperatingModel
    rows: dict[str, int]
    history_rows: int


def expected_rows(scale: float) -> dict[str, int]:
    """How many rows each generated section gets at ``scale``."""
    return {key: max(1, round(f.count * scale)) for key, f in FACTORIES.items()}


def history_count(operating_model: OperatingModel) -> int:
    """History records of every registered section's rows in the model."""
    return sum(
        section.model.history.filter(operating_model_id=operating_model.pk).count()  # type: ignore[attr-defined]
        for section in registry.sections()
    )


@transaction.atomic
def build_large_model(
    *,
    actor: Any,
    scale: float = 1.0,
    history_rows: int = HISTORY_ROWS,
    name: str = "Large bench model",
    slug: str = "bench-large",
) -> LargeModel:
    """Make a large model whose sections hold ``expected_rows(scale)`` rows and whose rows
    carry about ``history_rows`` history records in all (never fewer than one per row)."""
    operating_model = operating_model_create(
        actor=actor, name=name, organisation="Bench Inc", slug=slug
    )
    purpose_section = registry.get("canvas.purpose")
    purpose = purpose_section.model._default_manager.get(operating_model=operating_model)
    part_update(
        section=purpose_section,
        part=purpose,
        revision=purpose.revision,
        actor=actor,
        data={"mission": "Benchmark everything", "vision": LOREM},
        reason="Generated (bench)",
    )

    built: Built = {}
    counts = expected_rows(scale)
    for key, factory in FACTORIES.items():
        section = registry.get(key)  # a factory for a section that does not exist fails here
        positions: dict[Any, int] = defaultdict(int)
        objs = []
        for i in range(counts[key]):
            values = factory.make(i, built)
            group = values.get(section.group_field) if section.group_field else None
            obj = section.model(operating_model=operating_model, position=positions[group])
            positions[group] += 1
            for field_name, value in values.items():
                setattr(obj, field_name, value)
            # Constraints (one north star) are left to the database, which enforces them.
            obj.full_clean(validate_unique=False, validate_constraints=False)
            objs.append(obj)
        built[key] = bulk_create_with_history(
            objs,
            section.model,
            batch_size=500,
            default_user=actor,
            default_change_reason="Generated (bench)",
            default_date=EPOCH,
        )

    _edit_in_rounds(built, actor=actor, remaining=history_rows - history_count(operating_model))
    return LargeModel(
        operating_model=operating_model,
        rows={key: len(rows) for key, rows in built.items()},
        history_rows=history_count(operating_model),
    )


def _edit_in_rounds(built: Built, *, actor: Any, remaining: int) -> None:
    """Edit rows round-robin, one history record per edit, until ``remaining`` are made."""
    everyone = [(key, row) for key, rows in built.items() for row in rows]
    round_no = 0
    while remaining > 0 and everyone:
        round_no += 1
        date = EPOCH + dt.timedelta(hours=round_no)
        batch = everyone[: min(remaining, len(everyone))]
        by_section: dict[str, list[Part]] = defaultdict(list)
        for key, row in batch:
            edit = FACTORIES[key].edit
            setattr(row, edit, f"{getattr(row, edit).split(' [edit')[0]} [edit {round_no}]")
            row.revision += 1
            row.updated_at = date
            by_section[key].append(row)
        for key, rows in by_section.items():
            bulk_update_with_history(
                rows,
                registry.get(key).model,
                fields=[FACTORIES[key].edit, "revision", "updated_at"],
                batch_size=500,
                default_user=actor,
                default_change_reason=f"Edited in round {round_no} (bench)",
                default_date=date,
            )
        remaining -= len(batch)
