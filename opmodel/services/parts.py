"""Writes to section rows: create, update (optimistic locking with three-way merge), delete,
reorder and revert. Every write records history with the acting user, checks the revision and
publishes a live event once the transaction commits."""

from __future__ import annotations

import copy
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, cast

from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.db.models import F, Max
from django.utils import timezone
from simple_history.utils import get_m2m_field_name, get_m2m_reverse_field_name

from opmodel import events
from opmodel.models import Part, loaded_references
from opmodel.registry import related_model

if TYPE_CHECKING:
    from django.contrib.auth.models import User

    from opmodel.models import OperatingModel
    from opmodel.registry import Section


@dataclass
class StaleRevision(Exception):
    """A write named a revision the row has moved past, and the changes overlap.

    ``current`` is the row as it is now (None if someone deleted it), ``conflicts`` the fields
    both sides changed differently, ``merged`` what the save would be with the other side's
    non-overlapping changes taken in and the user's input kept for the conflicting fields.
    """

    current: Part | None
    conflicts: list[str] = field(default_factory=list)
    merged: dict[str, Any] = field(default_factory=dict)

    def __str__(self) -> str:
        if self.current is None:
            return "This item was deleted by someone else."
        return "Someone else changed this item since you opened it: " + ", ".join(self.conflicts)


def _split(section: Section, data: dict[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
    """Split data into concrete column values and many-to-many values."""
    concrete: dict[str, Any] = {}
    many: dict[str, Any] = {}
    for name, value in data.items():
        model_field = section.model_field(name)
        if isinstance(model_field, models.ManyToManyField):
            many[name] = value
        else:
            concrete[name] = value
    return concrete, many


def _unchanged(section: Section, row: Part, data: dict[str, Any]) -> bool:
    """Does ``data`` hold what ``row`` holds already? (References compare by key, without
    loading the rows they point at.)"""
    return all(
        section.value(row, name) == section.comparable(name, value) for name, value in data.items()
    )


def _tracked_links(section: Section) -> list[Any]:
    """The many-to-many fields whose links history records (a model's ``_history_m2m_fields``)."""
    return list(getattr(section.model.history.model, "_history_m2m_fields", []))  # type: ignore[attr-defined]


def _links(section: Section, row: Part) -> dict[str, list[tuple[int, int]]]:
    """The rows of the link tables (their id, the other row's id) per tracked many-to-many
    field, read before they change."""
    links = {}
    for model_field in _tracked_links(section):
        through = model_field.remote_field.through
        source = get_m2m_field_name(model_field)
        target = get_m2m_reverse_field_name(model_field)
        links[model_field.name] = list(
            through.objects.filter(**{f"{source}_id": row.pk})
            .order_by("pk")
            .values_list("pk", f"{target}_id")
        )
    return links


def _record_links(section: Section, historical: Any, links: dict[str, list[tuple[int, int]]]):
    """Store ``links`` with one history row, as django-simple-history's ``m2m_fields`` do: a
    restore can then bring them back."""
    for model_field in _tracked_links(section):
        m2m_history = getattr(type(historical), model_field.name).model
        source = get_m2m_field_name(model_field)
        target = get_m2m_reverse_field_name(model_field)
        m2m_history.objects.bulk_create(
            m2m_history(
                history=historical,
                id=link_id,
                **{f"{source}_id": historical.id, f"{target}_id": other},
            )
            for link_id, other in links.get(model_field.name, [])
        )


def _set_links(row: Part, many: dict[str, Any]) -> None:
    """Set many-to-many values without the per-change history row simple-history's signal
    would add: the service records the row and its links once."""
    row.skip_history_when_saving = True  # type: ignore[attr-defined]
    try:
        for name, value in many.items():
            getattr(row, name).set(value)
    finally:
        del row.skip_history_when_saving  # type: ignore[attr-defined]


def _record(section: Section, row: Part, *, actor: User | None, reason: str, update: bool) -> None:
    created = section.model.history.bulk_history_create(  # type: ignore[attr-defined]
        [row], update=update, default_user=actor, default_change_reason=reason
    )
    if _tracked_links(section):
        _record_links(section, created[0], _links(section, row))


def _keep_loaded(row: Part, given: Part) -> None:
    """Give ``row`` (just read) the rows ``given`` (the caller's copy of it: a form's instance)
    holds loaded for the references both point at alike: its model, a form's choices. They are
    not looked up again, by validation or by the live event."""
    for name in loaded_references(given):
        ref = row._meta.get_field(name)
        if getattr(row, ref.attname) == getattr(given, ref.attname):  # type: ignore[union-attr]
            ref.set_cached_value(row, ref.get_cached_value(given))  # type: ignore[union-attr]


def _full_clean(row: Part, many: dict[str, Any]) -> None:
    """``full_clean`` without re-checking references the caller handed over as loaded rows.

    Django validates a foreign key with one query per field; a value that is a row fetched from
    the database (a form's choice, ``operating_model``) exists, and the database's own constraint
    catches a row deleted since. Ids and unsaved rows are still checked.
    """
    loaded = []
    for ref in row._meta.concrete_fields:
        if ref.is_relation and ref.is_cached(row):  # type: ignore[attr-defined]
            target = ref.get_cached_value(row)  # type: ignore[attr-defined]
            if target is not None and not target._state.adding:
                loaded.append(ref.name)
    errors: dict[str, Any] = {}
    try:
        row.full_clean(exclude=[*many, *loaded], validate_unique=False, validate_constraints=False)
    except ValidationError as error:
        errors = error.update_error_dict(errors)
    # Uniqueness and constraints still see every concrete field, loaded references included.
    for check in (row.validate_unique, row.validate_constraints):
        try:
            check(exclude=[*many, *errors])
        except ValidationError as error:
            errors = error.update_error_dict(errors)
    if errors:
        raise ValidationError(errors)


def _next_position(section: Section, operating_model: OperatingModel, group: Any) -> int:
    rows = section.model._default_manager.filter(operating_model=operating_model)
    if section.group_field:
        rows = rows.filter(**{section.group_field: group})
    top = rows.aggregate(top=Max("position"))["top"]
    return 0 if top is None else top + 1


def part_recorded(
    *, section: Section, part: Part, actor: User | None, reason: str, action: str = "updated"
) -> None:
    """Record ``part`` as it is now in its history (with ``reason``) and tell the model's live
    clients: how every write of a row ends, also the writes beside the row services (a squad's
    team lead granted)."""
    _record(section, part, actor=actor, reason=reason, update=True)
    _announce(section, part, action, actor)


def _announce(section: Section, row: Part, action: str, actor: User | None) -> None:
    events.part_event(
        channel=row.operating_model.channel if hasattr(row, "operating_model") else "",
        section=section.key,
        part_id=row.pk,
        revision=row.revision,
        action=action,
        actor=actor,
    )


@transaction.atomic
def part_create(
    *,
    section: Section,
    operating_model: OperatingModel,
    actor: User | None,
    data: dict[str, Any],
    reason: str = "",
) -> Part:
    """Add a row at the end of its section (or of its group)."""
    concrete, many = _split(section, data)
    row = section.model(operating_model=operating_model, **concrete)
    row.position = _next_position(
        section, operating_model, concrete.get(section.group_field) if section.group_field else None
    )
    if section.before_save is not None:
        section.before_save(section=section, part=row, actor=actor, creating=True)
    _full_clean(row, many)
    row._history_user = actor  # type: ignore[attr-defined]
    row._change_reason = reason or f"Added {section.item_noun}"  # type: ignore[attr-defined]
    row.save()
    if many:
        _set_links(row, many)
    if _tracked_links(section):
        added = row.history.order_by("-history_id").first()  # type: ignore[attr-defined]
        _record_links(section, added, _links(section, row))
    _announce(section, row, "created", actor)
    return row


def _base_values(section: Section, row: Part, revision: int, names: list[str]) -> dict | None:
    """The row's values at ``revision``, from its history (None if history has no such row)."""
    historical = (
        section.model.history.filter(id=row.pk, revision=revision)  # type: ignore[attr-defined]
        .order_by("-history_id")
        .first()
    )
    if historical is None:
        return None
    concrete = {n: getattr(historical, n) for n in names if n not in section.many_fields}
    return concrete


def _merge(
    section: Section, current: Part, base_revision: int, data: dict[str, Any]
) -> tuple[dict[str, Any], list[str]]:
    """Three-way merge of the user's ``data`` (started from ``base_revision``) onto ``current``.

    A field only the other side changed keeps their value, a field only this user changed takes
    the user's, and a field both changed to different values is a conflict.
    """
    names = list(data)
    theirs = {name: section.read(current, name) for name in names}
    base = _base_values(section, current, base_revision, names)
    merged: dict[str, Any] = {}
    conflicts: list[str] = []
    for name in names:
        mine_v = section.comparable(name, data[name])
        theirs_v = section.comparable(name, theirs[name])
        if mine_v == theirs_v:
            merged[name] = data[name]
            continue
        if base is None or name not in base:
            # No record of what the user started from: any difference is a conflict.
            conflicts.append(name)
            merged[name] = data[name]
            continue
        base_v = section.comparable(name, base[name])
        if mine_v == base_v:
            merged[name] = theirs[name]  # only they changed it
        elif theirs_v == base_v:
            merged[name] = data[name]  # only I changed it
        else:
            conflicts.append(name)
            merged[name] = data[name]
    return merged, conflicts


@transaction.atomic
def part_update(
    *,
    section: Section,
    part: Part,
    revision: int,
    actor: User | None,
    data: dict[str, Any],
    reason: str = "",
) -> Part:
    """Change a row's fields, refusing a stale ``revision`` unless the changes merge cleanly.

    The check and the increment are one ``UPDATE ... WHERE revision = N``. When the row has moved
    on, the user's changes are merged three-way against the version they started from: changes
    to different fields both survive; overlapping ones raise :class:`StaleRevision`.
    """
    model = section.model
    current = model._default_manager.filter(pk=part.pk).first()
    if current is None:
        raise StaleRevision(None, [], dict(data))
    if current.revision != revision:
        merged, conflicts = _merge(section, current, revision, data)
        if conflicts:
            raise StaleRevision(current, conflicts, merged)
        data, revision = merged, current.revision
    if _unchanged(section, current, data):
        return current  # a form saved as it was shown: no new revision, no history row

    concrete, many = _split(section, data)
    candidate = copy.copy(current)
    _keep_loaded(candidate, part)
    for name, value in concrete.items():
        setattr(candidate, name, value)
    if section.before_save is not None:
        section.before_save(section=section, part=candidate, actor=actor, creating=False)
    _full_clean(candidate, many)
    now = timezone.now()
    fields = {n: cast("models.Field[Any, Any]", model._meta.get_field(n)) for n in concrete}
    columns = {f.attname: getattr(candidate, f.attname) for f in fields.values()}
    changed = model._default_manager.filter(pk=part.pk, revision=revision).update(
        **columns, revision=F("revision") + 1, updated_at=now
    )
    if not changed:
        # Someone saved between our read and our write: start again from their version.
        fresh = model._default_manager.filter(pk=part.pk).first()
        raise StaleRevision(fresh, list(data), dict(data))
    _set_links(candidate, many)
    candidate.revision = revision + 1
    candidate.updated_at = now
    candidate._change_reason = reason  # type: ignore[attr-defined]
    _record(
        section, candidate, actor=actor, reason=reason or f"Edited {section.item_noun}", update=True
    )
    _announce(section, candidate, "updated", actor)
    return candidate


@transaction.atomic
def part_set_fields(
    *, section: Section, part: Part, actor: User | None, data: dict[str, Any], reason: str
) -> Part:
    """A system-made change to a row (e.g. the north star moving elsewhere), on its current
    revision. Used by sections' ``before_save`` hooks."""
    current = section.model._default_manager.get(pk=part.pk)
    return part_update(
        section=section,
        part=current,
        revision=current.revision,
        actor=actor,
        data=data,
        reason=reason,
    )


@transaction.atomic
def part_delete(
    *, section: Section, part: Part, revision: int, actor: User | None, reason: str = ""
) -> None:
    """Delete a row, unless it changed since the user looked at it."""
    model = section.model
    if section.singleton:
        raise ValidationError(f"The {section.item_noun} cannot be deleted, only edited.")
    locked = model._default_manager.filter(pk=part.pk, revision=revision).update(
        revision=F("revision")
    )
    if not locked:
        raise StaleRevision(model._default_manager.filter(pk=part.pk).first())
    row = model._default_manager.get(pk=part.pk)
    row._history_user = actor  # type: ignore[attr-defined]
    row._change_reason = reason or f"Deleted {section.item_noun}"  # type: ignore[attr-defined]
    pk = row.pk
    channel = row.operating_model.channel
    links = _links(section, row)  # Django deletes the links before the row's history is written
    row.delete()
    if any(links.values()):
        deleted = section.model.history.filter(id=pk).order_by("-history_id").first()  # type: ignore[attr-defined]
        _record_links(section, deleted, links)
    events.part_event(
        channel=channel,
        section=section.key,
        part_id=pk,
        revision=None,
        action="deleted",
        actor=actor,
    )


@transaction.atomic
def part_reorder(
    *,
    section: Section,
    operating_model: OperatingModel,
    ordered_ids: list[int],
    actor: User | None,
    group: Any = None,
    rows: list[Part] | None = None,
) -> list[Part]:
    """Put the rows of a section (or of one group) in the given order.

    Rows missing from ``ordered_ids`` (added by someone else meanwhile) keep their relative order
    after the named ones; unknown ids (deleted meanwhile, or another model's) are ignored. Moving
    does not bump revisions: it never conflicts with someone editing a row's content. ``rows``:
    the section's rows in their order, if the caller has just read them (in this transaction).
    """
    rows = list(section.rows(operating_model)) if rows is None else list(rows)
    if section.group_field:
        rows = [r for r in rows if getattr(r, section.group_field) == group]
    by_id = {r.pk: r for r in rows}
    seen: set[int] = set()
    ordered: list[Part] = []
    for pk in ordered_ids:
        if pk in by_id and pk not in seen:
            ordered.append(by_id[pk])
            seen.add(pk)
    ordered += [r for r in rows if r.pk not in seen]
    moved = []
    for position, row in enumerate(ordered):
        if row.position != position:
            row.position = position
            moved.append(row)
    positions_save(section=section, operating_model=operating_model, moved=moved, actor=actor)
    return ordered


def positions_save(
    *, section: Section, operating_model: OperatingModel, moved: list[Part], actor: User | None
) -> None:
    """Save the new positions of ``moved`` rows (nothing moved: nothing done): one history row
    each ("Reordered", no revision bump) and one "moved" event for the section. Every reorder
    ends here, the generic one and the journeys' moves alike."""
    if not moved:
        return
    section.model._default_manager.bulk_update(moved, ["position"])
    section.model.history.bulk_history_create(  # type: ignore[attr-defined]
        moved, update=True, default_user=actor, default_change_reason="Reordered"
    )
    events.part_event(
        channel=operating_model.channel,
        section=section.key,
        part_id=None,
        revision=None,
        action="moved",
        actor=actor,
    )


def part_move(*, section: Section, part: Part, offset: int, actor: User | None) -> list[Part]:
    """Move a row up (negative) or down (positive) within its section or group."""
    group = getattr(part, section.group_field) if section.group_field else None
    rows = list(section.rows(part.operating_model))
    if section.group_field:
        rows = [r for r in rows if getattr(r, section.group_field) == group]
    ids = [r.pk for r in rows]
    if part.pk not in ids:
        return rows
    index = ids.index(part.pk)
    target = max(0, min(len(ids) - 1, index + offset))
    ids.insert(target, ids.pop(index))
    return part_reorder(
        section=section,
        operating_model=part.operating_model,
        ordered_ids=ids,
        actor=actor,
        group=group,
    )


def part_revert(
    *, section: Section, part: Part, history_id: int, revision: int, actor: User | None
) -> Part:
    """Bring a row's content back to one of its earlier versions, as a new change."""
    historical = section.model.history.get(  # type: ignore[attr-defined]
        history_id=history_id, id=part.pk
    )
    data = {
        name: getattr(historical, name)
        for name in section.fields
        if name not in section.many_fields
    }
    when = timezone.localtime(historical.history_date).strftime("%d %b %Y %H:%M")
    return part_update(
        section=section,
        part=part,
        revision=revision,
        actor=actor,
        data=data,
        reason=f"Reverted to the version of {when}",
    )


def _in_model(model: type[models.Model], operating_model: OperatingModel) -> models.QuerySet:
    """Rows a restored row may point at: a section's rows of the same model (a person's user
    account belongs to no model)."""
    rows = model._default_manager.all()
    if issubclass(model, Part):
        rows = rows.filter(operating_model=operating_model)
    return rows


@transaction.atomic
def part_restore(
    *, section: Section, operating_model: OperatingModel, history_id: int, actor: User | None
) -> Part:
    """Bring back a deleted row, as it was when it was deleted, as a new row at the end of its
    section (or group). Its history stays with the old row; the restore is a new change.

    Many-to-many links come back from the deletion's history, less those whose rows are gone.
    """
    historical = section.model.history.get(  # type: ignore[attr-defined]
        history_id=history_id, operating_model_id=operating_model.pk
    )
    if section.model._default_manager.filter(pk=historical.id).exists():
        raise ValidationError(f"The {section.item_noun} still exists: revert it instead.")
    mark = f"(version {history_id})"
    if section.model.history.filter(  # type: ignore[attr-defined]
        operating_model_id=operating_model.pk,
        history_type="+",
        history_change_reason__endswith=mark,
    ).exists():
        raise ValidationError(f"The {section.item_noun} was restored already.")
    data: dict[str, Any] = {}
    tracked = {f.name for f in _tracked_links(section)}
    for name in section.fields:
        model_field = section.model_field(name)
        if model_field.many_to_many:
            if name in tracked:
                target_name = get_m2m_reverse_field_name(model_field)
                ids = getattr(historical, name).values_list(f"{target_name}_id", flat=True)
                others = _in_model(related_model(model_field), operating_model)
                data[name] = list(others.filter(pk__in=list(ids)))
            continue
        data[name] = getattr(historical, model_field.attname)
        if model_field.is_relation:
            others = _in_model(related_model(model_field), operating_model)
            target = others.filter(pk=data[name]).first()
            if data[name] is not None and target is None:
                raise ValidationError(
                    f"It pointed at a {related_model(model_field)._meta.verbose_name} that was "
                    "deleted too: restore that first."
                )
            data[name] = target
    when = timezone.localtime(historical.history_date).strftime("%d %b %Y %H:%M")
    return part_create(
        section=section,
        operating_model=operating_model,
        actor=actor,
        data=data,
        reason=f"Restored the {section.item_noun} deleted on {when} {mark}",
    )
