"""A large operating model for benchmarks, built through the real write paths.

The model itself (its role groups, its facilitator, its singleton rows) comes from
``operating_model_create``, the same service the app uses. The many rows of each section are
made by ``bulk_create_with_history`` and then edited in rounds by ``bulk_update_with_history``,
so every row has a history the way an edited model does: one record per change, with a user,
a reason, a date and the ``revision`` the optimistic lock would have given it.

To make a level large, add its sections to ``FACTORIES``: a section key mapped to a
:class:`RowFactory` (how many rows at scale 1, how to make row ``i``, which text field the
history rounds edit). Factories run in the order of the dict and receive the rows made so far,
so a later section can point at earlier ones. Level 2 and Level 3 are here at the scale of
issue 9: 60 squads, 300 capabilities, a tenth of the full accountability matrix (every
capability with one accountable squad and five more roles, ten squads apart), and 20
journeys x 6 stages x 10 steps. A section with no free text to edit (the matrix cells) gets
no history rounds.

Only sections that are registered may be listed: a factory for a missing section fails loudly
rather than pretending. Many-to-many links (a step's technologies) are not generated.
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
    edit: str | None
    floor: int = 1  # rows at any scale (the matrix needs six squads per capability)


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


TEAM_TYPES = ["stream_aligned", "platform", "enabling", "complicated_subsystem"]
MODES = ["growth", "optimise", "sustain", "consumption"]
AREAS = ["engineering", "governance", "facilitation", "steering"]
ROLES = ["accountable", "responsible", "consulted", "informed", "informed", "consulted"]
CELLS_PER_CAPABILITY = len(ROLES)
AUTOMATION = ["manual", "partly", "fully"]


def _pick(built: Built, key: str, i: int) -> Part:
    rows = built[key]
    return rows[i % len(rows)]


def _squad(i: int, built: Built) -> dict[str, Any]:
    return {
        "name": f"Squad {i}",
        "team_type": TEAM_TYPES[i % len(TEAM_TYPES)],
        "mode": MODES[i % len(MODES)],
        "purpose": f"Squad {i}: {LOREM}",
        "domain": f"Domain {i % 12}",
    }


INTERACTION_MODES = ["x_as_a_service", "collaboration", "facilitating"]


def _person(i: int, built: Built) -> dict[str, Any]:
    """Person ``i``: four to a squad, the first of each its lead."""
    return {
        "squad": _pick(built, "teams.squads", i // 4),
        "name": f"Person {i}",
        "role": "Engineer",
        "is_lead": i % 4 == 0,
    }


def _interaction(i: int, built: Built) -> dict[str, Any]:
    """Interaction ``i``: two per squad, with the squads one and seven further on."""
    squads = built["teams.squads"]
    squad, step = i // 2, (1, 7)[i % 2]
    return {
        "squad": squads[squad % len(squads)],
        "partner": squads[(squad + step) % len(squads)],
        "mode": INTERACTION_MODES[(squad + step) % len(INTERACTION_MODES)],
        "purpose": f"Interaction {i}",
    }


def _capability(i: int, built: Built) -> dict[str, Any]:
    return {"area": AREAS[i % len(AREAS)], "name": f"Capability {i}", "description": LOREM}


def _raci(i: int, built: Built) -> dict[str, Any]:
    """Cell ``i``: capability ``i % n``, each with six squads ten apart (one accountable)."""
    capabilities = built["teams.capabilities"]
    squads = built["teams.squads"]
    capability, k = i % len(capabilities), i // len(capabilities)
    apart = max(1, len(squads) // CELLS_PER_CAPABILITY)
    return {
        "capability": capabilities[capability],
        "squad": squads[(capability + k * apart) % len(squads)],
        "role": ROLES[k % len(ROLES)],
    }


def _journey(i: int, built: Built) -> dict[str, Any]:
    return {
        "name": f"Journey {i}",
        "owner": _pick(built, "teams.squads", i),
        "purpose": f"Journey {i}: {LOREM}",
        "trigger": f"Trigger of journey {i}",
        "outcome": f"Outcome of journey {i}",
    }


def _journey_stage(i: int, built: Built) -> dict[str, Any]:
    return {
        "journey": _pick(built, "journeys.journeys", i // 6),
        "name": f"Stage {i % 6 + 1} of journey {i // 6}",
        "description": LOREM,
    }


def _step(i: int, built: Built) -> dict[str, Any]:
    squads = built["teams.squads"]
    return {
        "stage": _pick(built, "journeys.stages", i // 10),
        "title": f"Step {i}",
        "description": LOREM,
        "squad": squads[(i * 7) % len(squads)],
        "handoff_to": squads[(i * 7 + 1) % len(squads)] if i % 3 == 0 else None,
        "inputs": f"What step {i} needs",
        "outputs": f"What step {i} makes",
        "automation": AUTOMATION[i % len(AUTOMATION)],
        "pain_points": f"Step {i} waits for a review." if i % 4 == 0 else "",
    }


FACTORIES: dict[str, RowFactory] = {
    "canvas.stages": RowFactory(60, _stage, edit="description"),
    "canvas.metrics": RowFactory(200, _metric, edit="description"),
    "canvas.principles": RowFactory(100, _principle, edit="implications"),
    "canvas.technologies": RowFactory(80, _technology, edit="purpose"),
    "canvas.skills": RowFactory(60, _skill, edit="description"),
    "teams.squads": RowFactory(60, _squad, edit="purpose", floor=CELLS_PER_CAPABILITY),
    "teams.people": RowFactory(60 * 4, _person, edit="role"),
    "teams.interactions": RowFactory(60 * 2, _interaction, edit="purpose"),
    "teams.capabilities": RowFactory(300, _capability, edit="description"),
    "teams.accountabilities": RowFactory(300 * CELLS_PER_CAPABILITY, _raci, edit=None),
    "journeys.journeys": RowFactory(20, _journey, edit="purpose"),
    "journeys.stages": RowFactory(20 * 6, _journey_stage, edit="description"),
    "journeys.steps": RowFactory(20 * 6 * 10, _step, edit="description"),
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
    return {key: max(f.floor, round(f.count * scale)) for key, f in FACTORIES.items()}


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
    counts: dict[str, int] | None = None,
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
    # ``counts`` overrides some sections' row counts (a test that needs the big matrix but not
    # twenty journeys).
    counts = {**expected_rows(scale), **(counts or {})}
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
    everyone = [(key, row) for key, rows in built.items() if FACTORIES[key].edit for row in rows]
    round_no = 0
    while remaining > 0 and everyone:
        round_no += 1
        date = EPOCH + dt.timedelta(hours=round_no)
        batch = everyone[: min(remaining, len(everyone))]
        by_section: dict[str, list[Part]] = defaultdict(list)
        for key, row in batch:
            edit = str(FACTORIES[key].edit)
            setattr(row, edit, f"{getattr(row, edit).split(' [edit')[0]} [edit {round_no}]")
            row.revision += 1
            row.updated_at = date
            by_section[key].append(row)
        for key, rows in by_section.items():
            bulk_update_with_history(
                rows,
                registry.get(key).model,
                fields=[str(FACTORIES[key].edit), "revision", "updated_at"],
                batch_size=500,
                default_user=actor,
                default_change_reason=f"Edited in round {round_no} (bench)",
                default_date=date,
            )
        remaining -= len(batch)
