"""Writes of Level 2 beyond the generic row services: a cell of the accountability matrix, and
granting or removing team leads. Rows themselves go through ``opmodel.services``."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Max
from django.utils import timezone
from guardian.shortcuts import assign_perm, remove_perm

from opmodel import events
from opmodel.access import role_of
from opmodel.models import OperatingModel
from opmodel.registry import registry
from opmodel.services import (
    StaleRevision,
    part_create,
    part_delete,
    part_recorded,
    part_update,
)

from .importing import import_plan
from .models import Accountability, Capability, Responsibility, Squad

if TYPE_CHECKING:
    from django.contrib.auth.models import User

LEAD_CODENAME = "change_squad"


@transaction.atomic
def accountability_set(
    *,
    operating_model: OperatingModel,
    capability: Capability,
    squad: Squad,
    role: str,
    revision: int,
    actor: User | None,
) -> Accountability | None:
    """Set (or, with an empty ``role``, clear) one cell of the accountability matrix.

    ``revision`` is the cell's revision as the user saw it, 0 for an empty cell. When the cell
    has changed since, the write is refused with :class:`StaleRevision` unless it already holds
    what the user asked for. A second accountable squad is allowed: the model shows where the
    one-accountable rule is broken rather than forbidding the states a workshop passes through.
    Returns the cell's row, or None when the cell is empty.
    """
    if capability.operating_model_id != operating_model.pk or (
        squad.operating_model_id != operating_model.pk
    ):
        raise ValidationError("The capability and the squad must belong to this model.")
    if role and role not in Responsibility.values:
        raise ValidationError(f"{role!r} is not a role in the accountability model.")
    section = registry.get("teams.accountabilities")
    current = (
        Accountability.objects.select_for_update()
        .filter(capability=capability, squad=squad)
        .first()
    )
    seen = current.revision if current is not None else 0
    if seen != revision:
        if (current.role if current is not None else "") == role:
            return current  # someone already made the same change
        raise StaleRevision(current, ["role"], {"role": role})
    if current is None:
        if not role:
            return None
        try:
            with transaction.atomic():
                return part_create(  # type: ignore[return-value]
                    section=section,
                    operating_model=operating_model,
                    actor=actor,
                    data={"capability": capability, "squad": squad, "role": role},
                    reason=f"{squad} {Responsibility(role).label.lower()} for {capability}",
                )
        except IntegrityError:
            # Someone filled the cell between our read and our write.
            fresh = Accountability.objects.filter(capability=capability, squad=squad).first()
            raise StaleRevision(fresh, ["role"], {"role": role}) from None
    if not role:
        part_delete(
            section=section,
            part=current,
            revision=revision,
            actor=actor,
            reason=f"{squad} no longer has a role for {capability}",
        )
        return None
    if current.role == role:
        return current
    return part_update(  # type: ignore[return-value]
        section=section,
        part=current,
        revision=revision,
        actor=actor,
        data={"role": role},
        reason=f"{squad} {Responsibility(role).label.lower()} for {capability}",
    )


def _announce_squad(squad: Squad, actor: User | None, reason: str) -> None:
    part_recorded(section=registry.get("teams.squads"), part=squad, actor=actor, reason=reason)


@transaction.atomic
def squad_lead_grant(*, squad: Squad, user: Any, actor: User | None) -> None:
    """Make ``user`` a team lead of ``squad``: they may change its profile, people, the
    interactions it starts and its column of the accountability matrix. The user must already
    be a member of the model (any role); the grant is recorded in the squad's history."""
    if role_of(user, squad.operating_model) is None:
        raise ValidationError(
            f"{user.get_username()} is not a member of this model: add them as a member first."
        )
    assign_perm(LEAD_CODENAME, user, squad)
    _announce_squad(squad, actor, f"{user.get_username()} is now a team lead")


@transaction.atomic
def squad_lead_remove(*, squad: Squad, user: Any, actor: User | None) -> None:
    """Take ``user``'s team-lead rights on ``squad`` away (recorded in the squad's history)."""
    remove_perm(LEAD_CODENAME, user, squad)
    _announce_squad(squad, actor, f"{user.get_username()} is no longer a team lead")


@transaction.atomic
def import_apply(
    *, operating_model: OperatingModel, bundle: Any, actor: User | None, reason: str = ""
) -> Any:
    """Apply what a set of imported files plans (see :mod:`teams.importing`), all or nothing.

    The plan is computed again inside the transaction, so it is what the model holds now; any
    problem refuses the whole import with a :class:`ValidationError` listing every problem.
    Rows are written in batches, one kind after the other (squads, people, capabilities, the
    matrix's cells, interactions): each row is validated (``full_clean``) as the row services
    validate it, then created with ``bulk_create`` or changed with ``bulk_update`` (revision +1),
    and history records ``actor`` and ``reason`` (by default "Imported from Backstage catalog" /
    "... Team API") for every row. One live event per section tells browsers to refresh.
    Returns the plan that was applied.
    """
    plan = import_plan(operating_model, bundle, validate=False)
    if plan.problems:
        raise ValidationError([str(problem) for problem in plan.problems])
    _Batch(operating_model, actor, reason or plan.reason).run(plan.steps)
    return plan


class _Batch:
    """The writes of one import, kind by kind, a few queries per kind rather than per row."""

    ORDER = ("squad", "person", "capability", "accountability", "interaction")

    def __init__(self, operating_model: OperatingModel, actor: User | None, reason: str) -> None:
        self.om = operating_model
        self.actor = actor
        self.reason = reason
        self.squads = {s.name.lower(): s for s in Squad.objects.filter(operating_model=self.om)}
        self.capabilities: dict[str, Capability] = {}
        self.touched: set[str] = set()

    def run(self, steps: list[Any]) -> None:
        for kind in self.ORDER:
            mine = [step for step in steps if step.kind == kind]
            if not mine:
                continue
            if kind == "capability" or (kind == "accountability" and not self.capabilities):
                self.capabilities = {
                    c.name.lower(): c for c in Capability.objects.filter(operating_model=self.om)
                }
            section = registry.get(f"teams.{_SECTIONS[kind]}")
            self.touched.add(section.key)
            creates = [s for s in mine if s.action == "create"]
            updates = [s for s in mine if s.action == "update"]
            if kind == "accountability":
                creates, updates = self._cells(mine)
            self._create(section, kind, creates)
            self._update(section, kind, updates)
        for key in sorted(self.touched):
            events.part_event(
                channel=self.om.channel,
                section=key,
                part_id=None,
                revision=None,
                action="imported",
                actor=self.actor,
            )

    def _cells(self, steps: list[Any]) -> tuple[list[Any], list[Any]]:
        """Accountability steps as creates and updates of cells (found in one query)."""
        cells = {
            (c.capability_id, c.squad_id): c
            for c in Accountability.objects.filter(operating_model=self.om)
        }
        creates, updates = [], []
        for step in steps:
            capability = self.capabilities[step.name.lower()]
            squad = self.squads[step.squad.lower()]
            cell = cells.get((capability.pk, squad.pk))
            if cell is None:
                creates.append(step)
            else:
                step.pk = cell.pk
                updates.append(step)
        return creates, updates

    def _values(self, kind: str, step: Any) -> dict[str, Any]:
        data = dict(step.data)
        if kind == "person":
            data["squad"] = self.squads[step.squad.lower()]
            if step.action == "create":
                data["name"] = step.name
        elif kind == "interaction" and step.action == "create":
            data["squad"] = self.squads[step.squad.lower()]
            data["partner"] = self.squads[step.partner.lower()]
        elif kind == "accountability":
            data["capability"] = self.capabilities[step.name.lower()]
            data["squad"] = self.squads[step.squad.lower()]
        return data

    def _check(self, row: Any, step: Any) -> None:
        loaded = [
            f.name
            for f in row._meta.concrete_fields
            if f.is_relation
            and f.is_cached(row)
            and f.get_cached_value(row) is not None
            and not f.get_cached_value(row)._state.adding
        ]
        try:
            row.full_clean(exclude=loaded, validate_unique=False, validate_constraints=False)
        except ValidationError as error:
            raise ValidationError([f"{step.origin}: {m}" for m in error.messages]) from error

    def _create(self, section: Any, kind: str, steps: list[Any]) -> None:
        if not steps:
            return
        model = section.model
        rows = []
        # positions as the row services give them: after the last row of the section (group)
        tops: dict[Any, int] = {}
        group = section.group_field
        query = model._default_manager.filter(operating_model=self.om)
        if group:
            for value, top in query.order_by().values_list(group).annotate(top=Max("position")):
                tops[value] = top + 1
        else:
            top = query.aggregate(top=Max("position"))["top"]
            tops[None] = 0 if top is None else top + 1
        for step in steps:
            row = model(operating_model=self.om, **self._values(kind, step))
            key = getattr(row, group) if group else None
            row.position = tops.get(key, 0)
            tops[key] = row.position + 1
            if section.before_save is not None:
                section.before_save(section=section, part=row, actor=self.actor, creating=True)
            self._check(row, step)
            rows.append(row)
        model._default_manager.bulk_create(rows)
        model.history.bulk_history_create(
            rows, default_user=self.actor, default_change_reason=self.reason
        )
        self._remember(kind, rows)

    def _update(self, section: Any, kind: str, steps: list[Any]) -> None:
        if not steps:
            return
        model = section.model
        current = model._default_manager.in_bulk([step.pk for step in steps])
        now = timezone.now()
        rows, fields = [], {"revision", "updated_at"}
        for step in steps:
            row = current[step.pk]
            for name, value in self._values(kind, step).items():
                setattr(row, name, value)
                fields.add(name)
            if section.before_save is not None:
                section.before_save(section=section, part=row, actor=self.actor, creating=False)
            self._check(row, step)
            row.revision += 1
            row.updated_at = now
            rows.append(row)
        model._default_manager.bulk_update(rows, sorted(fields))
        model.history.bulk_history_create(
            rows, update=True, default_user=self.actor, default_change_reason=self.reason
        )
        self._remember(kind, rows)

    def _remember(self, kind: str, rows: list[Any]) -> None:
        if kind not in ("squad", "capability"):
            return
        known = self.squads if kind == "squad" else self.capabilities
        ids = {row.pk for row in rows}
        for name in [name for name, row in known.items() if row.pk in ids]:
            del known[name]  # a renamed row is found by its new name only
        known.update({row.name.lower(): row for row in rows})


_SECTIONS = {
    "squad": "squads",
    "person": "people",
    "capability": "capabilities",
    "accountability": "accountabilities",
    "interaction": "interactions",
}
