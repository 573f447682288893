"""Level 3's blocks of the PDF exports: the journeys at a glance on the picture on a page; each
journey as a swim-lane table (stages as columns, squads as lanes, steps in the cells, pain
points marked, hand-offs named) and every pain point in one table in the handbook.

Everything is drawn from the version's rows (``source.rows``), so a release's PDF shows the
journeys as released; nothing here queries the database.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from opmodel.exports.sources import shares
from opmodel.registry import PdfBlock, registry

from .models import Automation

# Steps of swim lanes per part of the handbook (rendered and let go before the next): a part
# starts on a new page, so small models keep their journeys flowing on shared pages.
STEPS_PER_PART = 240


@dataclass
class Lane:
    squad: Any  # None: the steps no squad performs
    cells: list[list[Any]]  # one list of steps per stage, in stage order


@dataclass
class JourneyMap:
    journey: Any
    stages: list[Any]
    lanes: list[Lane] = field(default_factory=list)
    steps: list[Any] = field(default_factory=list)
    # The handbook renders its long chapters in parts: this journey starts one (on a new page).
    part_break: bool = False

    @property
    def pain_points(self) -> list[Any]:
        return [s for s in self.steps if (s.pain_points or "").strip()]

    @property
    def handoffs(self) -> int:
        return sum(1 for s in self.steps if s.handoff_to_id)


@dataclass
class Journeys:
    maps: list[JourneyMap]

    @property
    def steps(self) -> list[Any]:
        return [s for m in self.maps for s in m.steps]

    @property
    def pain_points(self) -> list[tuple[JourneyMap, Any]]:
        return [(m, s) for m in self.maps for s in m.pain_points]

    def automation(self) -> list[tuple[str, str, int, int]]:
        """(value, label, steps, percent of all steps) per level of automation; the percents
        add up to 100."""
        steps = self.steps
        counts = [sum(1 for s in steps if s.automation == a.value) for a in Automation]
        return [
            (a.value, a.label, n, pct)
            for a, n, pct in zip(Automation, counts, shares(counts), strict=True)
        ]


def journeys_of(source: Any) -> Journeys:
    """Level 3 of the version, from its rows (no query)."""
    cached = source.extra.get("journeys")
    if cached is not None:
        return cached
    rows = source.rows
    stages_of: dict[Any, list[Any]] = {}
    for stage in sorted(rows.get("journeys.stages", []), key=lambda s: s.position):
        stages_of.setdefault(stage.journey_id, []).append(stage)
    steps_of: dict[Any, list[Any]] = {}
    for step in sorted(rows.get("journeys.steps", []), key=lambda s: s.position):
        steps_of.setdefault(step.stage_id, []).append(step)
    squad_order = {s.pk: i for i, s in enumerate(rows.get("teams.squads", []))}
    maps = []
    for journey in rows.get("journeys.journeys", []):
        stages = stages_of.get(journey.pk, [])
        steps = [step for stage in stages for step in steps_of.get(stage.pk, [])]
        # Lanes: the owner squad first, then the others in the model's order; unassigned last.
        squads: dict[Any, Any] = {}
        for step in steps:
            squads.setdefault(step.squad_id, getattr(step, "squad", None))
        keys = sorted(
            squads,
            key=lambda k: (
                k is None,
                k != journey.owner_id,
                squad_order.get(k, len(squad_order)),
            ),
        )
        lanes = [
            Lane(
                squad=squads[key],
                cells=[
                    [s for s in steps_of.get(stage.pk, []) if s.squad_id == key] for stage in stages
                ],
            )
            for key in keys
        ]
        maps.append(JourneyMap(journey=journey, stages=stages, lanes=lanes, steps=steps))
    since = 0
    for m in maps:
        if since and since + len(m.steps) > STEPS_PER_PART:
            m.part_break, since = True, 0
        since += len(m.steps)
    journeys = Journeys(maps=maps)
    source.extra["journeys"] = journeys
    return journeys


def _context(source: Any) -> dict[str, Any]:
    return {"journeys": journeys_of(source)}


def register() -> None:
    registry.register_pdf_block(
        PdfBlock(
            key="journeys",
            kind="picture",
            title="Team journeys",
            level=3,
            template="journeys/pdf.html#picture",
            context=_context,
            area="main",  # a strip under the canvas: the side column is Level 2's and health's
        )
    )
    registry.register_pdf_block(
        PdfBlock(
            key="journeys",
            kind="handbook",
            title="Team journeys",
            level=3,
            template="journeys/pdf.html#handbook",
            context=_context,
        )
    )
