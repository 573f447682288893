"""Writing documents into models: the one loader behind starters, the demo and import.

A document names sections by registry key; every row goes through its section's own form, so a
file is validated exactly like a person typing it in. The whole load is one transaction: a bad
document raises ``ValidationError`` with the path of the bad value and changes nothing.
"""

from __future__ import annotations

import copy
import hashlib
import json
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import IntegrityError, models, transaction

from opmodel.models import OperatingModel, Part
from opmodel.parsing import collector_paused
from opmodel.registry import Section, registry, related_model
from opmodel.versions.diffs import ModelDiff, diff_documents, document_empty
from opmodel.versions.documents import document_check
from opmodel.versions.snapshots import MODEL_FIELDS, snapshot_build

from . import loading
from .parts import (
    _split,
    part_create,
    part_delete,
    part_reorder,
    part_update,
)

if TYPE_CHECKING:
    from django.contrib.auth.models import User

Ids = dict[tuple[type, Any], int]


def _is_ref(model_field: Any) -> bool:
    """A field that points at another section's row (resolved through document ids)."""
    related = getattr(model_field, "related_model", None)
    return bool(model_field.is_relation and related is not None and issubclass(related, Part))


def _where(section: Section, index: int | None) -> str:
    return section.key if index is None else f"{section.key}[{index}]"


_REFERENCES: dict[str, tuple[Section, dict[str, tuple[type[models.Model], bool]]]] = {}


def _references(section: Section) -> dict[str, tuple[type[models.Model], bool]]:
    """The section's fields that point at other sections' rows: name -> (the rows' model,
    many?), worked out once per section instead of once per row (issue 18)."""
    known = _REFERENCES.get(section.key)
    if known is None or known[0] is not section:
        references = {
            name: (related_model(field), bool(field.many_to_many))
            for name in section.fields
            if _is_ref(field := section.model_field(name))
        }
        known = _REFERENCES[section.key] = (section, references)
    return known[1]


def _resolve(section: Section, index: int | None, row: dict[str, Any], ids: Ids) -> dict:
    """Replace document ids in reference fields by the primary keys of the rows they name."""
    where = _where(section, index)
    resolved = dict(row)
    references = _references(section)
    for name, value in row.items():
        if name not in references or value in (None, ""):
            continue
        target, many = references[name]
        if many and not isinstance(value, list):
            raise ValidationError(f"{where}.{name}: expected a list of ids")
        pks = []
        for ref in value if many else [value]:
            if (target, ref) not in ids:
                raise ValidationError(
                    f"{where}.{name}: no {target._meta.verbose_name} with id {ref!r} "
                    "(a reference names the id of a row in this document)"
                )
            pks.append(ids[(target, ref)])
        resolved[name] = pks if many else pks[0]
    return resolved


def _message(form: Any, name: str, error: ValidationError, row: dict[str, Any]) -> str:
    if error.code == "invalid_choice" and name in form.fields:
        choices = [
            str(value)
            for value, _label in getattr(form.fields[name], "choices", [])
            if value not in ("", None)
        ]
        if choices and len(choices) <= 20:
            return f"{row.get(name)!r} is not one of {', '.join(choices)}"
    return " ".join(error.messages)


def _clean(
    section: Section,
    index: int | None,
    row: dict[str, Any],
    original: dict[str, Any],
    *,
    operating_model: OperatingModel,
    instance: Any = None,
    form: loading.RowForm | None = None,
) -> dict:
    """The row's values through the section's form; only the fields the row names.

    ``form``, if given, is the section's form built once for a whole batch of rows."""
    where = _where(section, index)
    if not isinstance(row, dict):
        raise ValidationError(f"{where}: expected a mapping, got {type(row).__name__}")
    unknown = set(row) - set(section.fields) - {"id"}
    if unknown:
        raise ValidationError(f"{where}: unknown fields {sorted(unknown)}")
    data = {k: v for k, v in row.items() if k != "id"}
    if instance is not None:
        # Updating: the fields the row leaves out keep their current values.
        current: dict[str, Any] = dict(
            form.initial(instance)
            if form is not None
            else section.form(instance=instance, operating_model=operating_model).initial
        )
        current = {
            k: [getattr(x, "pk", x) for x in v] if isinstance(v, list) else v
            for k, v in current.items()
            if k in section.fields
        }
        data = {**current, **data}
    data = {k: ("" if v is None else v) for k, v in data.items()}
    if form is not None:
        checked = form.check(data, instance)
    else:
        # The form writes the cleaned values onto its instance: give it a copy, so the caller
        # can still compare them with the row as it is.
        checked = section.form(
            data=data,
            instance=copy.copy(instance) if instance is not None else None,
            operating_model=operating_model,
        )
    if not checked.is_valid():
        problems = [
            f"{where}.{name}: {_message(checked, name, error, original)}"
            if name != "__all__"
            else f"{where}: {' '.join(error.messages)}"
            for name, errors in checked.errors.as_data().items()
            for error in errors
        ]
        raise ValidationError(problems)
    return {k: v for k, v in checked.cleaned_data.items() if k in row}


def _unchanged(section: Section, row: Part, data: dict[str, Any]) -> bool:
    """Does ``row`` already hold ``data``? References compare by key, without loading the
    rows they point at (many references from the prefetched links, if prefetched)."""
    return all(
        section.value(row, name) == section.comparable(name, value) for name, value in data.items()
    )


@dataclass
class _Loaded:
    keep: dict[str, set[int]]
    order: dict[str, list[int]]


@dataclass
class _Load:
    """One load's state: where it writes, as whom, and what it has met so far."""

    operating_model: OperatingModel
    actor: User | None
    reason: str
    ids: Ids = field(default_factory=dict)
    kept: dict[str, set[int]] = field(default_factory=dict)
    orders: dict[str, list[int]] = field(default_factory=dict)

    def taken(self, section: Section, index: int | None, item: Any) -> tuple[type, Any] | None:
        """The key of ``item``'s document id (None without one); refuses an id used twice."""
        if not isinstance(item, dict) or "id" not in item:
            return None
        key = (section.model, item["id"])
        if key in self.ids:
            raise ValidationError(f"{_where(section, index)}.id: {item['id']!r} is used twice")
        return key

    def remember(self, section: Section, index: int | None, item: Any, pk: int) -> None:
        key = self.taken(section, index, item)
        if key is not None:
            self.ids[key] = pk


@transaction.atomic
def document_load(
    *,
    operating_model: OperatingModel,
    document: dict[str, Any],
    actor: User | None,
    reason: str = "Loaded from a document",
    replace: bool = False,
) -> Ids:
    """Fill or update ``operating_model`` from ``document``; a bad document raises and changes
    nothing.

    Rows may carry an ``id`` (a number or text, unique per section); reference fields name the
    ``id`` of the row they point at, in a section registered before theirs. A row whose ``id`` is
    one of this model's rows of that section updates that row (only the fields it names, and
    only if they differ); any other row is added. With ``replace`` (import), the document is the
    whole truth: rows it leaves out are deleted and each section takes the document's order.
    Returns the map of document ids to primary keys.

    New rows are written a section at a time (``opmodel.services.loading``); when the batch
    meets an error it cannot name the way the row-by-row loader does, the document is loaded
    again row by row, so models, history, positions and error texts are the same either way.
    """
    # Thousands of rows, forms and history records live until the load ends: without collector
    # passes over them (and the rest of the process) a 4,361-row import takes ~15 % less CPU
    # (issue 18). What they leave as cyclic garbage is collected after.
    with collector_paused():
        try:
            with transaction.atomic():
                return _document_load(
                    operating_model, document, actor, reason, replace=replace, batched=True
                )
        except (loading.Fallback, IntegrityError):
            pass
        return _document_load(
            operating_model, document, actor, reason, replace=replace, batched=False
        )


def _document_load(
    operating_model: OperatingModel,
    document: dict[str, Any],
    actor: User | None,
    reason: str,
    *,
    replace: bool,
    batched: bool,
) -> Ids:
    sections = document.get("sections") or {}
    unknown = set(sections) - {s.key for s in registry.sections()}
    if unknown:
        raise ValidationError(f"Unknown sections: {', '.join(sorted(unknown))}")
    load = _Load(operating_model, actor, reason)
    for section in registry.sections():
        if section.key not in sections:
            continue
        content = sections[section.key]
        if section.singleton:
            _singleton_load(load, section, content)
            continue
        if content is None:
            content = []
        if not isinstance(content, list):
            raise ValidationError(f"{section.key}: expected a list of rows")
        load.kept[section.key] = set()
        load.orders[section.key] = []
        if batched and loading.batchable(section):
            try:
                _rows_load_batched(load, section, content)
            except ValidationError:
                if loading.checks_uniqueness(section):
                    # Row by row, a duplicate before this row would have been named first.
                    raise loading.Fallback from None
                raise
        else:
            _rows_load(load, section, content)
    if replace:
        _replace_rest(operating_model, _Loaded(load.kept, load.orders), actor, reason)
    return load.ids


def _singleton_load(load: _Load, section: Section, content: Any) -> None:
    content = content or {}
    if not isinstance(content, dict):
        raise ValidationError(f"{section.key}: expected a mapping")
    row = section.rows(load.operating_model).first()
    item = _resolve(section, None, content, load.ids)
    data = _clean(section, None, item, content, operating_model=load.operating_model, instance=row)
    if row is None:
        row = part_create(
            section=section,
            operating_model=load.operating_model,
            actor=load.actor,
            data=data,
            reason=load.reason,
        )
    elif data and not _unchanged(section, row, data):
        row = part_update(
            section=section,
            part=row,
            revision=row.revision,
            actor=load.actor,
            data=data,
            reason=load.reason,
        )
    load.remember(section, None, content, row.pk)


def _rows_load(load: _Load, section: Section, content: list[Any]) -> None:
    """Row by row: each row validated, written, recorded and announced on its own."""
    existing = {row.pk: row for row in section.rows(load.operating_model)}
    kept, order = load.kept[section.key], load.orders[section.key]
    for index, item in enumerate(content):
        resolved = _resolve(section, index, item, load.ids) if isinstance(item, dict) else item
        match = existing.get(item.get("id")) if isinstance(item, dict) else None
        if match is not None and match.pk in kept:
            match = None
        data = _clean(
            section, index, resolved, item, operating_model=load.operating_model, instance=match
        )
        if match is None:
            row = part_create(
                section=section,
                operating_model=load.operating_model,
                actor=load.actor,
                data=data,
                reason=load.reason,
            )
        else:
            row = _update_if_changed(load, section, match, data)
        kept.add(row.pk)
        order.append(row.pk)
        load.remember(section, index, item, row.pk)


def _update_if_changed(
    load: _Load, section: Section, match: Part, data: dict[str, Any], batch: Any = None
) -> Part:
    if _unchanged(section, match, data):
        return match
    if batch is not None:
        batch.flush()  # the update sees the rows before it, as it would row by row
    fresh = section.model._default_manager.get(pk=match.pk)
    return part_update(
        section=section,
        part=fresh,
        revision=fresh.revision,
        actor=load.actor,
        data=data,
        reason=load.reason,
    )


def _rows_load_batched(load: _Load, section: Section, content: list[Any]) -> None:
    """The same walk as ``_rows_load``, in the same order and with the same checks, but new rows
    wait and are written together (``opmodel.services.loading``)."""
    rows = list(section.serialisable_rows(load.operating_model))
    existing = {row.pk: row for row in rows}
    positions = loading.Positions(section, rows)
    form = loading.RowForm(section, load.operating_model)
    batch = loading.Batch(section, load.operating_model, actor=load.actor, reason=load.reason)
    kept, order = load.kept[section.key], load.orders[section.key]
    # Document order of every row, with the row itself (a new one has its key once written).
    walk: list[tuple[Part, int, Any]] = []
    pending: set[tuple[type, Any]] = set()
    for index, item in enumerate(content):
        resolved = _resolve(section, index, item, load.ids) if isinstance(item, dict) else item
        match = existing.get(item.get("id")) if isinstance(item, dict) else None
        if match is not None and match.pk in kept:
            match = None
        data = _clean(
            section,
            index,
            resolved,
            item,
            operating_model=load.operating_model,
            instance=match,
            form=form,
        )
        if match is None:
            concrete, many = _split(section, data)
            row = form.made(operating_model=load.operating_model, **concrete)
            positions.take(row, ("new", index))
            batch.add(row, many)
        else:
            row = _update_if_changed(load, section, match, data, batch)
            positions.seen(row, row.pk)
            kept.add(row.pk)
        key = load.taken(section, index, item)
        if key is not None:
            if key in pending:
                raise ValidationError(f"{_where(section, index)}.id: {item['id']!r} is used twice")
            pending.add(key)
        walk.append((row, index, item))
    batch.flush()
    for row, index, item in walk:
        kept.add(row.pk)
        order.append(row.pk)
        load.remember(section, index, item, row.pk)


def _replace_rest(
    operating_model: OperatingModel, loaded: _Loaded, actor: User | None, reason: str
):
    """Delete what the document left out (dependants first) and take the document's order."""
    for section in reversed(registry.sections()):
        if section.key not in loaded.keep:
            continue
        keep = loaded.keep[section.key]
        present = section.rows(operating_model).values_list("pk", flat=True)
        gone = [pk for pk in present if pk not in keep]
        for row in section.rows(operating_model).filter(pk__in=gone) if gone else ():
            part_delete(
                section=section, part=row, revision=row.revision, actor=actor, reason=reason
            )
    for section in registry.sections():
        order = loaded.order.get(section.key)
        if not order or not _would_move(section, operating_model, order):
            continue
        rows = list(section.rows(operating_model))  # once for all of its groups
        if section.group_field:
            groups: dict[Any, list[int]] = {}
            values = {row.pk: getattr(row, section.group_field) for row in rows}
            for pk in order:
                groups.setdefault(values.get(pk), []).append(pk)
            for group, pks in groups.items():
                part_reorder(
                    section=section,
                    operating_model=operating_model,
                    ordered_ids=pks,
                    actor=actor,
                    group=group,
                    rows=rows,
                )
        else:
            part_reorder(
                section=section,
                operating_model=operating_model,
                ordered_ids=order,
                actor=actor,
                rows=rows,
            )


def _would_move(section: Section, operating_model: OperatingModel, order: list[int]) -> bool:
    """Would taking the document's ``order`` move any row of ``section``? The reorder below
    (``part_reorder``, per group) worked out on (key, group, position) alone, so a section
    already in order (every section of an import into a new model) loads no rows at all."""
    group_field = section.group_field
    group_column = section.model_field(group_field).attname if group_field else "pk"
    light = list(section.rows(operating_model).values_list("pk", group_column, "position"))
    group_of = {pk: group for pk, group, _position in light}
    groups: dict[Any, list[int]] = {}
    for pk in order:
        groups.setdefault(group_of.get(pk) if group_field else None, []).append(pk)
    for group, pks in groups.items():
        rows = [r for r in light if r[1] == group] if group_field else light
        known = {r[0] for r in rows}
        ordered = list(dict.fromkeys(pk for pk in pks if pk in known))
        taken = set(ordered)
        ordered += [r[0] for r in rows if r[0] not in taken]
        position = {r[0]: r[2] for r in rows}
        if any(position[pk] != index for index, pk in enumerate(ordered)):
            return True
    return False


@transaction.atomic
def operating_model_update(
    *, operating_model: OperatingModel, actor: User | None, **values: Any
) -> OperatingModel:
    """Change a model's name, organisation or description (never its slug)."""
    for name, value in values.items():
        if name not in MODEL_FIELDS:
            raise ValueError(f"{name} cannot be changed here")
        setattr(operating_model, name, value if value is not None else "")
    operating_model.full_clean()
    operating_model._history_user = actor  # type: ignore[attr-defined]
    operating_model.save()
    return operating_model


def _meta(document: dict[str, Any]) -> dict[str, str]:
    meta = document.get("model") or {}
    return {n: meta[n] or "" for n in MODEL_FIELDS if n in meta}


@transaction.atomic
def operating_model_create_from_document(
    *,
    actor: User | None,
    name: str,
    organisation: str,
    document: dict[str, Any],
    description: str = "",
    slug: str | None = None,
    reason: str = "Loaded from a starter",
) -> OperatingModel:
    """A new model (``operating_model_create``) filled from ``document`` (a starter, in the
    export format) by the import's loader: rows go through their sections' forms and may name
    each other by ``id``. A bad document raises and nothing is written."""
    from .models import operating_model_create

    operating_model = operating_model_create(
        actor=actor, name=name, organisation=organisation, description=description, slug=slug
    )
    document_check(document, require_version=False)
    document_load(operating_model=operating_model, document=document, actor=actor, reason=reason)
    return operating_model


@transaction.atomic
def document_import(
    *,
    document: dict[str, Any],
    actor: User | None,
    operating_model: OperatingModel | None = None,
) -> OperatingModel:
    """Import a checked or unchecked document, in one transaction.

    Without ``operating_model`` a new model is created (the actor becomes its facilitator);
    with one, that model becomes what the document says: rows matched by id are updated, new
    rows added, rows the document leaves out deleted, the model's name and description taken.
    A bad document raises ``ValidationError`` (with the path of the bad value) and nothing is
    written. Benchmarks time this.
    """
    from .models import operating_model_create

    document_check(document)
    meta = _meta(document)
    reason = "Imported from a file"
    try:
        if operating_model is None:
            if not meta.get("name"):
                raise ValidationError("model.name: a new model needs a name")
            operating_model = operating_model_create(
                actor=actor,
                name=meta["name"],
                organisation=meta.get("organisation") or meta["name"],
                description=meta.get("description", ""),
            )
        else:
            changed = {
                k: v
                for k, v in meta.items()
                if v != getattr(operating_model, k) and (v or k != "name")
            }
            if changed:
                operating_model_update(operating_model=operating_model, actor=actor, **changed)
    except ValidationError as error:
        if hasattr(error, "error_dict"):
            raise ValidationError(
                [
                    f"model.{k}: {' '.join(m.messages)}"
                    for k, v in error.error_dict.items()
                    for m in v
                ]
            ) from error
        raise
    document_load(
        operating_model=operating_model,
        document=_account_links_of_members(document, operating_model),
        actor=actor,
        reason=reason,
        replace=True,
    )
    return operating_model


def _account_links_of_members(
    document: dict[str, Any], operating_model: OperatingModel
) -> dict[str, Any]:
    """A link to an account (a person's ``user``) names an account id of the installation that
    wrote the file: one that is not a member of ``operating_model`` is dropped (the row stays,
    unlinked), so a model's own export always imports, into a new model too."""
    user_model = get_user_model()
    members = {
        str(pk)
        for pk in user_model._default_manager.filter(
            groups__model_role__operating_model=operating_model
        ).values_list("pk", flat=True)
    }
    sections = dict(document.get("sections") or {})
    for section in registry.sections():
        links = [
            name
            for name in section.fields
            if getattr(section.model_field(name), "related_model", None) is user_model
        ]
        content = sections.get(section.key)
        if not links or not content or not isinstance(content, list | dict):
            continue
        rows = [content] if isinstance(content, dict) else content
        kept = [
            {
                **row,
                **{
                    n: None
                    for n in links
                    if row.get(n) not in (None, "") and str(row[n]) not in members
                },
            }
            if isinstance(row, dict)
            else row
            for row in rows
        ]
        sections[section.key] = kept[0] if isinstance(content, dict) else kept
    return {**document, "sections": sections}


def document_fingerprint(document: dict[str, Any]) -> str:
    """A digest of a document: an import is applied to the model its preview was made of, and
    a model that changed since (another digest) is shown again instead (pages and API)."""
    return hashlib.sha256(json.dumps(document, sort_keys=True, default=str).encode()).hexdigest()


@dataclass(frozen=True)
class ImportPreview:
    """What an import would do: the diff from the model as it is to the model as it would be."""

    diff: ModelDiff
    before: dict[str, Any]
    after: dict[str, Any]

    @property
    def fingerprint(self) -> str:
        """The fingerprint of the model the preview was made of (``document_fingerprint``)."""
        return document_fingerprint(self.before)


class _Rollback(Exception):
    pass


def document_import_preview(
    *,
    document: dict[str, Any],
    actor: User | None,
    operating_model: OperatingModel | None = None,
) -> ImportPreview:
    """Run the import and roll it back: the exact diff it would make, and every error it would
    raise, with nothing written (live events of the rolled-back writes are never sent)."""
    before = snapshot_build(operating_model) if operating_model is not None else document_empty()
    after: dict[str, Any] = {}
    try:
        with transaction.atomic():
            imported = document_import(
                document=document, actor=actor, operating_model=operating_model
            )
            after = snapshot_build(imported)
            raise _Rollback
    except _Rollback:
        pass
    return ImportPreview(diff=diff_documents(before, after), before=before, after=after)
