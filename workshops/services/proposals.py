"""Change proposals: captured with the section's own form, applied through the core services.

An accepted proposal becomes a change to the draft through ``part_update`` / ``part_create`` /
``part_delete``, with the revision it was made against and the decision as the history's change
reason. A row changed since is merged three-way by the core (different fields both survive);
overlapping changes or a deleted row are recorded as a conflict and shown, never overwritten.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, Any, cast

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Max
from django.forms import modelform_factory
from django.utils import timezone

from opmodel.forms import PartForm
from opmodel.models import Part
from opmodel.registry import Section, reason_proposed_by, registry, user_label
from opmodel.services import StaleRevision, part_create, part_delete, part_update

from ..access import require_may, require_runs
from ..live import room_event
from ..models import Proposal, ProposalKind, ProposalStatus, Workshop
from ..webhooks import proposal_decided
from .room import breakout_of, require_room_open

if TYPE_CHECKING:
    from django.contrib.auth.models import User


def section_form(section: Section, fields: Iterable[str]) -> type[PartForm]:
    return cast(
        "type[PartForm]",
        modelform_factory(section.model, form=section.form, fields=list(fields)),
    )


def _require_subject(
    workshop: Workshop, sec: Section, kind: ProposalKind, part: Part | None
) -> None:
    """A change or a deletion names an item of this model (a singleton is never deleted)."""
    if kind not in (ProposalKind.CHANGE, ProposalKind.DELETE):
        return
    if part is None or part.operating_model_id != workshop.operating_model_id:
        raise ValidationError("Choose the item the proposal is about.")
    if kind == ProposalKind.DELETE and sec.singleton:
        raise ValidationError(f"The {sec.item_noun} cannot be deleted, only changed.")


def _proposed_fields(
    sec: Section, kind: ProposalKind, part: Part | None, data: dict[str, Any]
) -> tuple[dict[str, Any], dict[str, Any]]:
    """The proposal's ``changes`` (field values as the form takes them back) and ``display``
    (label, old and new text): for a change only the fields that differ from the row, for a
    new row every field given, for a deletion or an idea none."""
    changes: dict[str, Any] = {}
    display: dict[str, Any] = {}
    if kind == ProposalKind.CHANGE and part is not None:
        for name in (n for n in sec.fields if n in data):
            old = sec.read(part, name)
            if sec.comparable(name, old) != sec.comparable(name, data[name]):
                changes[name] = sec.comparable(name, data[name])
                display[name] = {
                    "label": sec.field_label(name),
                    "old": sec.display(name, old),
                    "new": sec.display(name, data[name]),
                }
        if not changes:
            raise ValidationError("Change at least one field.")
    elif kind == ProposalKind.ADD:
        for name in (n for n in sec.fields if n in data):
            changes[name] = sec.comparable(name, data[name])
            display[name] = {
                "label": sec.field_label(name),
                "old": "",
                "new": sec.display(name, data[name]),
            }
    return changes, display


@transaction.atomic
def proposal_create(
    *,
    workshop: Workshop,
    actor: User | None,
    section: str,
    kind: ProposalKind | str,
    part: Part | None = None,
    data: dict[str, Any] | None = None,
    rationale: str = "",
    base_revision: int | None = None,
) -> Proposal:
    """Record a proposal. ``data`` is the section form's cleaned data: for a change only the
    fields that differ from the row are kept; for a new row all of them. ``base_revision`` is
    the revision the author saw (the row's current one if not given)."""
    require_room_open(workshop)
    kind = ProposalKind(kind)
    if section not in workshop.sections:
        raise ValidationError("Propose changes to the workshop's sections.")
    sec = registry.get(section)
    _require_subject(workshop, sec, kind, part)
    changes, display = _proposed_fields(sec, kind, part, data or {})
    if kind == ProposalKind.IDEA and not rationale.strip():
        raise ValidationError("Describe the change.")
    locked = Workshop.objects.select_for_update().get(pk=workshop.pk)  # numbers stay unique
    top = Proposal.objects.filter(workshop=locked).aggregate(n=Max("number"))["n"] or 0
    proposal = Proposal(
        workshop=workshop,
        author=actor,
        breakout=breakout_of(workshop, actor),
        section=section,
        part_id=part.pk if part is not None else None,
        part_label=str(sec.describe(part))[:200] if part is not None else "",
        kind=kind,
        changes=changes,
        display=display,
        base_revision=(base_revision or part.revision) if part is not None else None,
        rationale=rationale.strip(),
        number=top + 1,
    )
    proposal.full_clean()
    proposal.save()
    room_event(workshop, ["proposals"], actor)
    return proposal


def decision_reason(proposal: Proposal, actor: User | None, verb: str = "accepted") -> str:
    """The history reason of a change a proposal made: the decision and who proposed it (the
    history user is the facilitator who applied it)."""
    workshop = proposal.workshop.title
    reason = f"Workshop {workshop}: proposal #{proposal.number} {verb} by {user_label(actor)}"
    return reason_proposed_by(reason, proposal.author)


def _bound(section: Section, proposal: Proposal) -> dict[str, Any]:
    """The proposal's values validated again by the section's form, against today's model."""
    operating_model = proposal.workshop.operating_model
    form = section_form(section, proposal.changes)(
        data=proposal.changes,
        instance=section.model(operating_model=operating_model),
        operating_model=operating_model,
    )
    if not form.is_valid():
        raise ValidationError(
            [
                f"{section.field_label(n)}: {' '.join(str(m) for m in e)}"
                if n != "__all__"
                else " ".join(str(m) for m in e)
                for n, e in form.errors.items()
            ]
        )
    return {name: form.cleaned_data[name] for name in proposal.changes}


def _apply(proposal: Proposal, actor: User | None, reason: str, on_current: bool) -> int | None:
    section = registry.get(proposal.section)
    operating_model = proposal.workshop.operating_model
    if proposal.kind == ProposalKind.ADD:
        row = part_create(
            section=section,
            operating_model=operating_model,
            actor=actor,
            data=_bound(section, proposal),
            reason=reason,
        )
        return row.pk
    part = section.model._default_manager.filter(
        operating_model=operating_model, pk=proposal.part_id
    ).first()
    if part is None:
        raise StaleRevision(None)
    revision = part.revision if on_current else (proposal.base_revision or part.revision)
    if proposal.kind == ProposalKind.DELETE:
        part_delete(section=section, part=part, revision=revision, actor=actor, reason=reason)
        return None
    part_update(
        section=section,
        part=part,
        revision=revision,
        actor=actor,
        data=_bound(section, proposal),
        reason=reason,
    )
    return part.pk


def _conflict_info(proposal: Proposal, stale: StaleRevision) -> dict[str, Any]:
    section = registry.get(proposal.section)
    if stale.current is None:
        return {"deleted": True, "fields": [], "theirs": {}}
    fields = stale.conflicts or list(proposal.changes)
    theirs = {}
    for name in fields:
        if name in section.fields:
            theirs[name] = {
                "label": section.field_label(name),
                "value": section.display(name, section.read(stale.current, name)),
            }
    return {
        "deleted": False,
        "fields": fields,
        "theirs": theirs,
        "revision": stale.current.revision,
    }


@transaction.atomic
def proposal_accept(
    *, proposal: Proposal, actor: User | None, note: str = "", on_current: bool = False
) -> Proposal:
    """Accept a proposal and apply it to the draft.

    Returns the proposal: accepted (and finished, for a concrete change that applied), or still
    open with ``conflict`` filled when the row changed in the same fields or was deleted since.
    ``on_current=True`` is the facilitator's explicit choice, after seeing the conflict, to
    apply the proposal on top of the row as it is now. A proposal in words is accepted
    unfinished: its owner makes the change in the refine phase.
    """
    proposal = (
        Proposal.objects.select_for_update()
        .select_related("workshop__operating_model")
        .get(pk=proposal.pk)
    )
    workshop = proposal.workshop
    require_runs(workshop, actor, "Only the workshop's facilitator decides on proposals.")
    if proposal.status not in (ProposalStatus.OPEN, ProposalStatus.PARKED):
        raise ValidationError(f"Proposal #{proposal.number} is already {proposal.status}.")
    now = timezone.now()
    if proposal.is_concrete:
        try:
            with transaction.atomic():
                proposal.applied_part_id = _apply(
                    proposal, actor, decision_reason(proposal, actor), on_current
                )
        except StaleRevision as stale:
            proposal.conflict = _conflict_info(proposal, stale)
            proposal.save(update_fields=["conflict"])
            room_event(workshop, ["proposals"], actor)
            return proposal
        proposal.applied_at = proposal.finished_at = now
    proposal.status = ProposalStatus.ACCEPTED
    proposal.decided_by, proposal.decided_at, proposal.decision_note = actor, now, note
    proposal.conflict = {}
    if proposal.owner_id is None:
        proposal.owner_id = proposal.author_id
    proposal.save()
    room_event(workshop, ["proposals"], actor)
    proposal_decided(proposal=proposal, actor=actor)
    return proposal


@transaction.atomic
def proposal_decide(
    *, proposal: Proposal, actor: User | None, status: ProposalStatus | str, note: str = ""
) -> Proposal:
    """Reject or park a proposal (parked ones come back in the next workshop)."""
    status = ProposalStatus(status)
    if status not in (ProposalStatus.REJECTED, ProposalStatus.PARKED, ProposalStatus.OPEN):
        raise ValidationError("Reject, park or reopen: accepting applies the change.")
    proposal = (
        Proposal.objects.select_for_update()
        .select_related("workshop__operating_model")
        .get(pk=proposal.pk)
    )
    require_runs(proposal.workshop, actor, "Only the workshop's facilitator decides on proposals.")
    if proposal.status == ProposalStatus.ACCEPTED:
        raise ValidationError(f"Proposal #{proposal.number} was accepted and applied.")
    proposal.status = status
    proposal.decided_by, proposal.decided_at, proposal.decision_note = actor, timezone.now(), note
    proposal.save()
    room_event(proposal.workshop, ["proposals"], actor)
    if status != ProposalStatus.OPEN:  # reopening is not a decision
        proposal_decided(proposal=proposal, actor=actor)
    return proposal


@transaction.atomic
def proposal_set_owner(*, proposal: Proposal, actor: User | None, owner: Any) -> Proposal:
    require_runs(proposal.workshop, actor, "Only the workshop's facilitator names owners.")
    proposal.owner = owner
    proposal.save(update_fields=["owner"])
    room_event(proposal.workshop, ["proposals"], actor)
    return proposal


@transaction.atomic
def proposal_finish(*, proposal: Proposal, actor: User | None) -> Proposal:
    """The owner (or the facilitator) says an accepted change is done."""
    require_may(
        proposal.workshop,
        actor,
        "finish",
        proposal,
        "Only the owner or the facilitator finishes a change.",
    )
    if proposal.status != ProposalStatus.ACCEPTED:
        raise ValidationError("Only accepted changes are finished.")
    proposal.finished_at = timezone.now()
    proposal.save(update_fields=["finished_at"])
    room_event(proposal.workshop, ["proposals"], actor)
    return proposal
