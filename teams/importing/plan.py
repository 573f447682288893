"""The plan of an import: what reading a set of files into a model would create or change,
and every problem found, computed without writing anything.

Squads, capabilities and people (within their squad) are matched by the entity ref or Team
API id they were imported from (``source_ref``), else by name, case-insensitive, so importing
the same files twice plans nothing the second time and a renamed entity renames its row. A
field a file leaves out never clears what the model holds. Every row a step would write is
validated as apply validates it (the model's ``full_clean``), so a preview that passes applies.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import ValidationError

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

from .records import Bundle, CapabilityIn, Origin, Problem

SQUAD_FIELD_LABELS = {
    "team_type": "team type",
    "mode": "mode of operation",
    "purpose": "purpose",
    "domain": "domain",
    "focus": "focus",
    "services": "services",
    "ways_of_working": "ways of working",
    "contact": "contact",
    "source_ref": "source ref",
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
    origin: Any  # an Origin (file, document, ref, lines) or "file: entity" text
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
    warnings: list[Problem] = field(default_factory=list)
    summary: str = ""
    files: list[str] = field(default_factory=list)

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


def _problem(origin: Any, message: str, field: str = "") -> Problem:
    if isinstance(origin, Origin):
        return origin.problem(message, field)
    file, _, entity = str(origin).partition(": ")
    return Problem(file, entity, message, field)


# the model field a step's data sets -> the field of the file it came from (for line numbers)
FILE_FIELDS = {
    "name": "metadata.name",
    "purpose": "metadata.description",
    "description": "metadata.description",
    "contact": "spec.profile.email",
    "domain": "spec.parent",
}


def _validate(plan: ImportPlan) -> None:
    """Check every row a step writes as apply will (``clean_fields``, references aside)."""
    models: dict[str, Any] = {"squad": Squad, "person": Person, "capability": Capability}
    models["interaction"] = Interaction
    for step in plan.steps:
        model = models.get(step.kind)
        if model is None:
            continue
        row = model()
        values = {n: v for n, v in step.data.items() if not hasattr(v, "_meta")}
        if step.kind in ("person", "capability", "squad") and step.action == "create":
            values.setdefault("name", step.name)
        for name, value in values.items():
            setattr(row, name, value)
        names = {f.name for f in model._meta.concrete_fields}
        exclude = [n for n in names if n not in values]
        try:
            row.clean_fields(exclude=exclude)
        except ValidationError as error:
            for name, messages in error.message_dict.items():
                for message in messages:
                    plan.problems.append(
                        _problem(
                            step.origin,
                            f"{model._meta.get_field(name).verbose_name}: {message}",
                            FILE_FIELDS.get(name, name) if plan.kind == "backstage" else name,
                        )
                    )


def _by_ref(rows: Any) -> dict[str, Any]:
    return {r.source_ref.lower(): r for r in rows if r.source_ref}


def _differs(current: Any, new: Any) -> bool:
    if isinstance(current, str) and isinstance(new, str):
        return current.strip() != new.strip()
    return current != new


def _label(choices: Any, value: str) -> str:
    return str(choices(value).label)


def import_plan(
    operating_model: OperatingModel, bundle: Bundle, *, validate: bool = True
) -> ImportPlan:
    """What importing ``bundle`` into ``operating_model`` would do (reads only). ``validate``
    checks every row a step writes as apply does (apply itself, which checks each row as it
    writes it, plans without)."""
    plan = ImportPlan(
        kind=bundle.kind,
        problems=list(bundle.problems),
        skipped=bundle.skipped,
        warnings=list(bundle.warnings),
        summary=bundle.summary(),
        files=list(bundle.files),
    )
    rows = list(Squad.objects.filter(operating_model=operating_model))
    squads = {s.name.lower(): s for s in rows}
    refs = _by_ref(rows)
    known = {name: squad.name for name, squad in squads.items()}
    known_refs = {ref: squad.name for ref, squad in refs.items()}
    for incoming in bundle.squads:
        current = refs.get(incoming.ref.lower()) if incoming.ref else None
        if current is not None and current.name.lower() != incoming.name.lower():
            # renamed in the files: the row is renamed, and found by either name
            squads[incoming.name.lower()] = current
        known[incoming.name.lower()] = incoming.name
        if current is not None:
            known[current.name.lower()] = incoming.name
        if incoming.ref:
            known_refs[incoming.ref.lower()] = incoming.name
    _plan_squads(plan, bundle, squads, refs)
    _plan_people(plan, bundle, squads, known)
    _plan_capabilities(plan, bundle, operating_model, squads, known, known_refs)
    _plan_interactions(plan, bundle, operating_model, squads, known)
    if validate:
        _validate(plan)
    return plan


def _plan_squads(
    plan: ImportPlan, bundle: Bundle, squads: dict[str, Squad], refs: dict[str, Squad]
) -> None:
    for incoming in bundle.squads:
        current = refs.get(incoming.ref.lower()) if incoming.ref else None
        current = current or squads.get(incoming.name.lower())
        if current is None:
            data = {
                "name": incoming.name,
                "team_type": TeamType.STREAM_ALIGNED,
                "mode": Mode.GROWTH,
                **incoming.fields,
            }
            if incoming.ref:
                data["source_ref"] = incoming.ref
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
        wanted = dict(incoming.fields)
        if incoming.ref:
            wanted["source_ref"] = incoming.ref
        if current.name.lower() != incoming.name.lower():
            wanted["name"] = incoming.name
        changed = {
            name: value for name, value in wanted.items() if _differs(getattr(current, name), value)
        }
        if changed:
            what = ", ".join(
                SQUAD_FIELD_LABELS.get(name, name)
                for name in changed
                if name != "name" and (name != "source_ref" or len(changed) == 1)
            )
            if "name" in changed:
                what = f"renamed {incoming.name}" + (f", {what}" if what else "")
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
    people: dict[tuple[int, str], Person] = {}
    by_ref: dict[tuple[int, str], Person] = {}
    elsewhere: dict[str, list[Person]] = {}  # ref -> the model's people of that ref
    for person in Person.objects.filter(squad_id__in=ids):
        people[(person.squad_id, person.name.lower())] = person
        if person.source_ref:
            by_ref[(person.squad_id, person.source_ref.lower())] = person
            elsewhere.setdefault(person.source_ref.lower(), []).append(person)
    # where the files place each ref: a person of that ref in a squad the files no longer
    # place them in has moved (the row moves: nothing is duplicated)
    placed = {
        ((known.get(p.squad.lower()) or p.squad).lower(), p.ref.lower())
        for p in bundle.people
        if p.ref
    }
    by_pk = {s.pk: s for s in squads.values()}

    def moved_from(ref: str) -> Person | None:
        for person in elsewhere.get(ref, []):
            old = by_pk[person.squad_id].name
            if ((known.get(old.lower()) or old).lower(), ref) not in placed:
                elsewhere[ref].remove(person)
                return person
        return None

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
        current = None
        if squad is not None:
            current = by_ref.get((squad.pk, incoming.ref.lower())) if incoming.ref else None
            current = current or people.get((squad.pk, incoming.name.lower()))
        wanted = {
            name: value
            for name, value in (
                ("role", incoming.role),
                ("is_lead", incoming.is_lead),
                ("source_ref", incoming.ref or None),
                (
                    "name",
                    incoming.name
                    if current is not None and current.name.lower() != incoming.name.lower()
                    else None,
                ),
            )
            if value is not None
        }
        mover = moved_from(incoming.ref.lower()) if current is None and incoming.ref else None
        if mover is not None:
            plan.steps.append(
                Step(
                    "person",
                    "update",
                    f"Move {mover.name} from {by_pk[mover.squad_id].name} to {squad_name}",
                    incoming.origin,
                    name=incoming.name,
                    squad=squad_name,
                    data={**wanted, "name": incoming.name},
                    pk=mover.pk,
                )
            )
            continue
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
                    + _what_changed(changed, {"is_lead": "team lead"}),
                    incoming.origin,
                    name=current.name,
                    squad=squad_name,
                    data=changed,
                    pk=current.pk,
                )
            )


def _what_changed(changed: dict[str, Any], labels: dict[str, str] | None = None) -> str:
    """The changed fields in words ("role, team lead"); the source ref only when nothing else
    changed."""
    return ", ".join(
        (labels or {}).get(n, n.replace("_", " "))
        for n in changed
        if n != "source_ref" or len(changed) == 1
    )


def _plan_capabilities(
    plan: ImportPlan,
    bundle: Bundle,
    operating_model: OperatingModel,
    squads: dict[str, Squad],
    known: dict[str, str],
    known_refs: dict[str, str],
) -> None:
    rows = list(Capability.objects.filter(operating_model=operating_model))
    capabilities = {c.name.lower(): c for c in rows}
    refs = _by_ref(rows)
    cells: dict[int, list[Accountability]] = {}
    for cell in Accountability.objects.filter(operating_model=operating_model):
        cells.setdefault(cell.capability_id, []).append(cell)
    for incoming in bundle.capabilities:
        owner = _capability_owner(plan, bundle, incoming, known, known_refs)
        current = refs.get(incoming.ref.lower()) if incoming.ref else None
        current = current or capabilities.get(incoming.name.lower())
        if current is None:
            _plan_capability_create(plan, incoming)
        else:
            _plan_capability_update(plan, incoming, current)
        if owner is not None:
            existing = cells.get(current.pk, []) if current is not None else []
            _plan_accountable(plan, incoming, owner, squads.get(owner.lower()), existing)


def _capability_owner(
    plan: ImportPlan,
    bundle: Bundle,
    incoming: CapabilityIn,
    known: dict[str, str],
    known_refs: dict[str, str],
) -> str | None:
    """The squad accountable for ``incoming`` (None: unowned; an owner not found is said)."""
    if incoming.accountable is None:
        return None
    owner = known_refs.get(incoming.owner_ref.lower()) or known.get(incoming.accountable.lower())
    if owner is None:
        found = _problem(
            incoming.origin,
            f"owner {incoming.owner_ref or incoming.accountable} not found in the files "
            "or the model: imported unowned",
            "spec.owner",
        )
        (plan.problems if bundle.strict else plan.warnings).append(found)
    return owner


def _plan_capability_create(plan: ImportPlan, incoming: CapabilityIn) -> None:
    area = incoming.area or Area.ENGINEERING
    data = {"name": incoming.name, "area": area}
    if incoming.ref:
        data["source_ref"] = incoming.ref
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


def _plan_capability_update(plan: ImportPlan, incoming: CapabilityIn, current: Capability) -> None:
    changed = {
        n: v
        for n, v in (
            ("area", incoming.area),
            ("description", incoming.description),
            ("source_ref", incoming.ref or None),
            (
                "name",
                None if current.name.lower() == incoming.name.lower() else incoming.name,
            ),
        )
        if v is not None and _differs(getattr(current, n), v)
    }
    if not changed:
        return
    plan.steps.append(
        Step(
            "capability",
            "update",
            f"Update capability {current.name}: " + _what_changed(changed),
            incoming.origin,
            name=current.name,
            data=changed,
            pk=current.pk,
        )
    )


def _plan_accountable(
    plan: ImportPlan,
    incoming: CapabilityIn,
    owner: str,
    owner_squad: Squad | None,
    existing: list[Accountability],
) -> None:
    """Make ``owner`` accountable for the capability; a squad accountable before becomes
    responsible."""
    name = incoming.name
    owner_pk = getattr(owner_squad, "pk", None)
    if any(c.squad_id == owner_pk and c.role == Responsibility.ACCOUNTABLE for c in existing):
        return
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
        if cell.role == Responsibility.ACCOUNTABLE and cell.squad_id != owner_pk:
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
