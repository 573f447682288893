"""Writes of Level 2 beyond the generic row services: a cell of the accountability matrix, and
granting or removing team leads. Rows themselves go through ``opmodel.services``."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from guardian.shortcuts import assign_perm, remove_perm

from opmodel import events
from opmodel.access import role_of
from opmodel.models import OperatingModel
from opmodel.registry import registry
from opmodel.services import StaleRevision, part_create, part_delete, part_update

from .importing import import_plan
from .models import Accountability, Capability, Responsibility, Squad

LEAD_CODENAME = "change_squad"


@transaction.atomic
def accountability_set(
    *,
    operating_model: OperatingModel,
    capability: Capability,
    squad: Squad,
    role: str,
    revision: int,
    actor: Any,
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


def _announce_squad(squad: Squad, actor: Any, reason: str) -> None:
    Squad.history.bulk_history_create(  # type: ignore[attr-defined]
        [squad], update=True, default_user=actor, default_change_reason=reason
    )
    events.part_event(
        channel=squad.operating_model.channel,
        section="teams.squads",
        part_id=squad.pk,
        revision=squad.revision,
        action="updated",
        actor=actor,
    )


@transaction.atomic
def squad_lead_grant(*, squad: Squad, user: Any, actor: Any) -> None:
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
def squad_lead_remove(*, squad: Squad, user: Any, actor: Any) -> None:
    """Take ``user``'s team-lead rights on ``squad`` away (recorded in the squad's history)."""
    remove_perm(LEAD_CODENAME, user, squad)
    _announce_squad(squad, actor, f"{user.get_username()} is no longer a team lead")


@transaction.atomic
def import_apply(
    *, operating_model: OperatingModel, bundle: Any, actor: Any, reason: str = ""
) -> Any:
    """Apply what a set of imported files plans (see :mod:`teams.importing`), all or nothing.

    The plan is computed again inside the transaction, so it is what the model holds now; any
    problem refuses the whole import with a :class:`ValidationError` listing every problem.
    Rows go through the core row services and :func:`accountability_set`, so history records
    ``actor`` and ``reason`` (by default "Imported from Backstage catalog" / "... Team API").
    Returns the plan that was applied.
    """
    plan = import_plan(operating_model, bundle)
    if plan.problems:
        raise ValidationError([str(problem) for problem in plan.problems])
    reason = reason or plan.reason
    squads = {s.name.lower(): s for s in Squad.objects.filter(operating_model=operating_model)}
    capabilities = {
        c.name.lower(): c for c in Capability.objects.filter(operating_model=operating_model)
    }
    for step in plan.steps:
        section = registry.get(f"teams.{_SECTIONS[step.kind]}")
        if step.kind == "accountability":
            capability = capabilities[step.name.lower()]
            squad = squads[step.squad.lower()]
            cell = Accountability.objects.filter(capability=capability, squad=squad).first()
            accountability_set(
                operating_model=operating_model,
                capability=capability,
                squad=squad,
                role=step.data["role"],
                revision=cell.revision if cell is not None else 0,
                actor=actor,
            )
            continue
        data = dict(step.data)
        if step.kind == "person":
            data["squad"] = squads[step.squad.lower()]
            if step.action == "create":
                data["name"] = step.name
        if step.kind == "interaction" and step.action == "create":
            data["squad"] = squads[step.squad.lower()]
            data["partner"] = squads[step.partner.lower()]
        if step.action == "create":
            row = part_create(
                section=section,
                operating_model=operating_model,
                actor=actor,
                data=data,
                reason=reason,
            )
        else:
            current = section.model._default_manager.get(pk=step.pk)
            row = part_update(
                section=section,
                part=current,
                revision=current.revision,
                actor=actor,
                data=data,
                reason=reason,
            )
        if isinstance(row, Squad):
            squads[row.name.lower()] = row
        elif isinstance(row, Capability):
            capabilities[row.name.lower()] = row
    return plan


_SECTIONS = {
    "squad": "squads",
    "person": "people",
    "capability": "capabilities",
    "accountability": "accountabilities",
    "interaction": "interactions",
}
