"""The plan of an import: what reading a set of files into a model would create or change,
and every problem found, computed without writing anything.

Squads, capabilities and people (within their squad) are matched by name, case-insensitive,
so importing the same files twice plans nothing the second time. A field a file leaves out
never clears what the model holds.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from typing import Any

from opmodel.models import OperatingModel
from teams.models import (
    Accountability,
    Area,
    Capability,
    Interaction,
    InteractionMode,
    Mode,
    Person,
    Responsibility,
    Squad,
    TeamType,
)

from .records import Bundle, Problem

SQUAD_FIELD_LABELS = {
    "team_type": "team type",
    "mode": "mode of operation",
    "purpose": "purpose",
    "domain": "domain",
    "focus": "focus",
    "services": "services",
    "ways_of_working": "ways of working",
    "contact": "contact",
}
REASONS = {"backstage": "Imported from Backstage catalog", "team_api": "Imported from Team API"}


@dataclass
class Step:
    """One change: ``kind`` (squad, person, capability, accountability, interaction) and
    ``action`` (create, update), in words in ``text``. Rows are named, not referenced: a squad
    the plan creates is found by name when the step that needs it is applied."""

    kind: str
    action: str
    text: str
    origin: str
    name: str = ""
    squad: str = ""
    partner: str = ""
    data: dict[str, Any] = field(default_factory=dict)
    pk: int | None = None


@dataclass
class ImportPlan:
    kind: str
    steps: list[Step] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)

    @property
    def reason(self) -> str:
        return REASONS[self.kind]

    @property
    def empty(self) -> bool:
        return not self.steps

    @property
    def ok(self) -> bool:
        return not self.problems

    def counts(self) -> dict[str, int]:
        counts: dict[str, int] = {}
        for step in self.steps:
            counts[f"{step.action} {step.kind}"] = counts.get(f"{step.action} {step.kind}", 0) + 1
        return counts

    def digest(self) -> str:
        """A fingerprint of what the plan would do (to tell whether a preview still holds)."""
        rows = [(s.kind, s.action, s.text) for s in self.steps]
        rows += [(p.file, p.entity, p.message) for p in self.problems]
        return hashlib.sha256(json.dumps(rows, default=str).encode()).hexdigest()

    def lines(self) -> list[str]:
        """The plan as text, one change per line (for the commands)."""
        return [f"{step.text}  [{step.origin}]" for step in self.steps]


def _problem(origin: str, message: str) -> Problem:
    file, _, entity = origin.partition(": ")
    return Problem(file, entity, message)


def _differs(current: Any, new: Any) -> bool:
    if isinstance(current, str) and isinstance(new, str):
        return current.strip() != new.strip()
    return current != new


def _label(choices: Any, value: str) -> str:
    return str(choices(value).label)


def import_plan(operating_model: OperatingModel, bundle: Bundle) -> ImportPlan:
    """What importing ``bundle`` into ``operating_model`` would do (reads only)."""
    plan = ImportPlan(kind=bundle.kind, problems=list(bundle.problems), skipped=bundle.skipped)
    squads = {s.name.lower(): s for s in Squad.objects.filter(operating_model=operating_model)}
    known = {name: squad.name for name, squad in squads.items()}
    known |= {s.name.lower(): s.name for s in bundle.squads}
    _plan_squads(plan, bundle, squads)
    _plan_people(plan, bundle, squads, known)
    _plan_capabilities(plan, bundle, operating_model, squads, known)
    _plan_interactions(plan, bundle, operating_model, squads, known)
    return plan


def _plan_squads(plan: ImportPlan, bundle: Bundle, squads: dict[str, Squad]) -> None:
    for incoming in bundle.squads:
        current = squads.get(incoming.name.lower())
        if current is None:
            data = {
                "name": incoming.name,
                "team_type": TeamType.STREAM_ALIGNED,
                "mode": Mode.GROWTH,
                **incoming.fields,
            }
            plan.steps.append(
                Step(
                    "squad",
                    "create",
                    f"Create squad {incoming.name} "
                    f"({_label(TeamType, data['team_type'])}, {_label(Mode, data['mode'])})",
                    incoming.origin,
                    name=incoming.name,
                    data=data,
                )
            )
            continue
        changed = {
            name: value
            for name, value in incoming.fields.items()
            if _differs(getattr(current, name), value)
        }
        if changed:
            what = ", ".join(SQUAD_FIELD_LABELS[name] for name in changed)
            plan.steps.append(
                Step(
                    "squad",
                    "update",
                    f"Update squad {current.name}: {what}",
                    incoming.origin,
                    name=current.name,
                    data=changed,
                    pk=current.pk,
                )
            )


def _plan_people(
    plan: ImportPlan, bundle: Bundle, squads: dict[str, Squad], known: dict[str, str]
) -> None:
    ids = [s.pk for s in squads.values()]
    people = {(p.squad_id, p.name.lower()): p for p in Person.objects.filter(squad_id__in=ids)}
    for incoming in bundle.people:
        squad_name = known.get(incoming.squad.lower())
        if squad_name is None:
            plan.problems.append(
                _problem(
                    incoming.origin,
                    f"team {incoming.squad!r} of {incoming.name} is neither in the files "
                    "nor in the model",
                )
            )
            continue
        squad = squads.get(squad_name.lower())
        current = people.get((squad.pk, incoming.name.lower())) if squad else None
        wanted = {
            name: value
            for name, value in (("role", incoming.role), ("is_lead", incoming.is_lead))
            if value is not None
        }
        if current is None:
            lead = " (team lead)" if incoming.is_lead else ""
            plan.steps.append(
                Step(
                    "person",
                    "create",
                    f"Add {incoming.name}{lead} to {squad_name}",
                    incoming.origin,
                    name=incoming.name,
                    squad=squad_name,
                    data=wanted,
                )
            )
            continue
        changed = {n: v for n, v in wanted.items() if _differs(getattr(current, n), v)}
        if changed:
            plan.steps.append(
                Step(
                    "person",
                    "update",
                    f"Update {current.name} in {squad_name}: "
                    + ", ".join("team lead" if n == "is_lead" else n for n in changed),
                    incoming.origin,
                    name=current.name,
                    squad=squad_name,
                    data=changed,
                    pk=current.pk,
                )
            )


def _plan_capabilities(
    plan: ImportPlan,
    bundle: Bundle,
    operating_model: OperatingModel,
    squads: dict[str, Squad],
    known: dict[str, str],
) -> None:
    capabilities = {
        c.name.lower(): c for c in Capability.objects.filter(operating_model=operating_model)
    }
    cells: dict[int, list[Accountability]] = {}
    for cell in Accountability.objects.filter(operating_model=operating_model):
        cells.setdefault(cell.capability_id, []).append(cell)
    for incoming in bundle.capabilities:
        owner = known.get(incoming.accountable.lower())
        if owner is None:
            plan.problems.append(
                _problem(
                    incoming.origin,
                    f"owner {incoming.accountable!r} not found: no team of that name in the "
                    "files or the model",
                )
            )
            continue
        current = capabilities.get(incoming.name.lower())
        if current is None:
            area = incoming.area or Area.ENGINEERING
            data = {"name": incoming.name, "area": area}
            if incoming.description:
                data["description"] = incoming.description
            plan.steps.append(
                Step(
                    "capability",
                    "create",
                    f"Create capability {incoming.name} ({_label(Area, area)})",
                    incoming.origin,
                    name=incoming.name,
                    data=data,
                )
            )
        else:
            changed = {
                n: v
                for n, v in (("area", incoming.area), ("description", incoming.description))
                if v is not None and _differs(getattr(current, n), v)
            }
            if changed:
                plan.steps.append(
                    Step(
                        "capability",
                        "update",
                        f"Update capability {current.name}: {', '.join(changed)}",
                        incoming.origin,
                        name=current.name,
                        data=changed,
                        pk=current.pk,
                    )
                )
        name = current.name if current is not None else incoming.name
        existing = cells.get(current.pk, []) if current is not None else []
        owner_squad = squads.get(owner.lower())
        if any(
            c.squad_id == getattr(owner_squad, "pk", None) and c.role == Responsibility.ACCOUNTABLE
            for c in existing
        ):
            continue
        plan.steps.append(
            Step(
                "accountability",
                "update" if existing else "create",
                f"Make {owner} accountable for {name}",
                incoming.origin,
                name=name,
                squad=owner,
                data={"role": Responsibility.ACCOUNTABLE},
            )
        )
        for cell in existing:
            if cell.role == Responsibility.ACCOUNTABLE and cell.squad_id != getattr(
                owner_squad, "pk", None
            ):
                plan.steps.append(
                    Step(
                        "accountability",
                        "update",
                        f"{cell.squad} becomes responsible for {name} (was accountable)",
                        incoming.origin,
                        name=name,
                        squad=cell.squad.name,
                        data={"role": Responsibility.RESPONSIBLE},
                    )
                )


def _plan_interactions(
    plan: ImportPlan,
    bundle: Bundle,
    operating_model: OperatingModel,
    squads: dict[str, Squad],
    known: dict[str, str],
) -> None:
    existing: dict[tuple[int, int, str], Interaction] = {}
    for row in Interaction.objects.filter(operating_model=operating_model):
        existing[(row.squad_id, row.partner_id, row.mode)] = row
        if row.mode == InteractionMode.COLLABORATION:
            existing.setdefault((row.partner_id, row.squad_id, row.mode), row)
    for incoming in bundle.interactions:
        ends = [known.get(incoming.squad.lower()), known.get(incoming.partner.lower())]
        missing = [
            n for n, k in zip((incoming.squad, incoming.partner), ends, strict=True) if not k
        ]
        if missing:
            plan.problems.append(
                _problem(
                    incoming.origin,
                    f"team {missing[0]!r} not found: neither in the files nor in the model",
                )
            )
            continue
        starter, partner = str(ends[0]), str(ends[1])
        a, b = squads.get(starter.lower()), squads.get(partner.lower())
        current = existing.get((a.pk, b.pk, incoming.mode)) if a and b else None
        wanted = {
            n: v
            for n, v in (("purpose", incoming.purpose), ("expected_end", incoming.expected_end))
            if v is not None
        }
        mode = _label(InteractionMode, incoming.mode)
        if current is None:
            plan.steps.append(
                Step(
                    "interaction",
                    "create",
                    f"Add interaction {starter} → {partner} ({mode})",
                    incoming.origin,
                    squad=starter,
                    partner=partner,
                    data={"mode": incoming.mode, **wanted},
                )
            )
            continue
        changed = {n: v for n, v in wanted.items() if _differs(getattr(current, n), v)}
        if changed:
            plan.steps.append(
                Step(
                    "interaction",
                    "update",
                    f"Update interaction {starter} → {partner} ({mode}): "
                    + ", ".join(n.replace("_", " ") for n in changed),
                    incoming.origin,
                    squad=starter,
                    partner=partner,
                    data=changed,
                    pk=current.pk,
                )
            )
