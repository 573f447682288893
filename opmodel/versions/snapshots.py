"""Snapshots: a whole operating model as one canonical document, built from the registry.

The document is the export format (``docs/model-schema.md``)::

    {"schema_version": 1,
     "model": {"name": ..., "organisation": ..., "description": ...},
     "sections": {"canvas.purpose": {"id": 7, ...},          # a singleton: one mapping
                  "canvas.metrics": [{"id": 12, ...}, ...]}}  # rows in display order

Every registered section appears, in registry order, each row with its stable ``id`` (the row's
primary key) and its edited fields in form order; references are the ids of the rows they name.
A release stores exactly this; export, import, diffs and the "as of" view all speak it.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import models

from opmodel.models import OperatingModel
from opmodel.registry import PLAIN_TYPES, Section, registry, related_model

SCHEMA_VERSION = 1
MODEL_FIELDS = ("name", "organisation", "description")


def model_meta(operating_model: Any) -> dict[str, Any]:
    return {name: getattr(operating_model, name) for name in MODEL_FIELDS}


def _sections_document(section_rows: dict[str, list[dict[str, Any]]]) -> dict[str, Any]:
    sections: dict[str, Any] = {}
    for section in registry.sections():
        rows = section_rows.get(section.key, [])
        sections[section.key] = (rows[0] if rows else {}) if section.singleton else rows
    return sections


def _columns(section: Section) -> list[tuple[str, str]]:
    """The section's edited fields that are columns: (name, column attribute), in form order."""
    return [
        (name, section.model_field(name).attname)
        for name in section.fields
        if not section.model_field(name).many_to_many
    ]


def _links(section: Section, operating_model: OperatingModel, name: str) -> dict[Any, list[Any]]:
    """A many-reference field's links of the model's rows: row id -> sorted target ids (one
    query, on the link table)."""
    model_field = section.model_field(name)
    through = getattr(section.model, name).through
    source = model_field.m2m_field_name()  # type: ignore[attr-defined]
    target = model_field.m2m_reverse_field_name()  # type: ignore[attr-defined]
    links: dict[Any, list[Any]] = {}
    pairs = through._default_manager.filter(
        **{f"{source}__operating_model": operating_model}
    ).values_list(f"{source}_id", f"{target}_id")
    for row_id, target_id in pairs:
        links.setdefault(row_id, []).append(target_id)
    return {row_id: sorted(ids) for row_id, ids in links.items()}


def _section_rows(section: Section, operating_model: OperatingModel) -> list[dict[str, Any]]:
    """``section.serialise`` of every row, from the columns the document holds (no model
    instances, no joins): the same values, in the same order. A plain value (text, a number, a
    key) is its own comparable shape; only the others (dates, decimals) go through
    ``section.comparable``."""
    columns = _columns(section)
    links = {name: _links(section, operating_model, name) for name in section.many_fields}
    index = {name: i for i, (name, _a) in enumerate(columns)}
    plan = [(name, index.get(name, -1), links.get(name)) for name in section.fields]
    rows = section.rows(operating_model).values_list("pk", *(a for _n, a in columns))
    plain, convert = PLAIN_TYPES, section.comparable
    found = []
    for pk, *values in rows:
        data: dict[str, Any] = {"id": pk}
        for name, i, link in plan:
            if link is not None:
                data[name] = link.get(pk, [])
            else:
                value = values[i]
                data[name] = value if type(value) in plain else convert(name, value)
        found.append(data)
    return found


def snapshot_build(operating_model: OperatingModel) -> dict[str, Any]:
    """The live draft of ``operating_model`` as a document (one query per section, plus one per
    many-reference field: never one per row).

    Benchmarks time this: it is what publishing a release and exporting the draft cost. It reads
    the columns with ``values_list``; ``Section.serialise`` says the same of a row in hand.
    """
    section_rows = {
        section.key: _section_rows(section, operating_model) for section in registry.sections()
    }
    return {
        "schema_version": SCHEMA_VERSION,
        "model": model_meta(operating_model),
        "sections": _sections_document(section_rows),
    }


def _as_of_rows(
    section: Section, operating_model: OperatingModel, when: dt.datetime
) -> list[dict[str, Any]]:
    """The section's rows at ``when``: of each row's history up to then, its latest record(s)
    (as simple-history's ``latest_of_each``: every record at the latest date), unless that is
    its deletion. One ordered scan of the history, no correlated subquery per row."""
    columns = _columns(section)
    group = section.model_field(section.group_field).attname if section.group_field else None
    history = section.model.history  # type: ignore[attr-defined]
    records = (
        history.filter(operating_model_id=operating_model.pk, history_date__lte=when)
        .order_by("history_date", "history_id")
        .values_list(
            "id",
            "history_date",
            "history_type",
            "position",
            group or "id",
            *(a for _n, a in columns),
        )
    )
    latest: dict[Any, list[tuple[Any, ...]]] = {}
    for record in records:
        kept = latest.get(record[0])
        if kept is not None and kept[0][1] == record[1]:
            kept.append(record)
        else:
            latest[record[0]] = [record]
    alive = [r for found in latest.values() for r in found if r[2] != "-"]
    alive.sort(key=lambda r: (str(r[4]) if group else "", r[3], r[0]))
    names = [n for n, _a in columns]
    plain, convert = PLAIN_TYPES, section.comparable
    return [
        {
            "id": r[0],
            **{
                n: v if type(v) in plain else convert(n, v)
                for n, v in zip(names, r[5:], strict=True)
            },
        }
        for r in alive
    ]


def snapshot_as_of(operating_model: OperatingModel, when: dt.datetime) -> dict[str, Any]:
    """The model as it was at ``when``, rebuilt from django-simple-history (one query per
    section). History does not record many-to-many links, so those fields are left out."""
    section_rows = {
        section.key: _as_of_rows(section, operating_model, when) for section in registry.sections()
    }
    record = (
        OperatingModel.history.filter(id=operating_model.pk, history_date__lte=when)  # type: ignore[attr-defined]
        .order_by("-history_date", "-history_id")
        .first()
    )
    return {
        "schema_version": SCHEMA_VERSION,
        "model": model_meta(record or operating_model),
        "sections": _sections_document(section_rows),
    }


def document_rows(document: dict[str, Any], only: set[str] | None = None) -> dict[str, list[Any]]:
    """Lightweight, unsaved row objects built from a document, by section key (of the sections
    in ``only``, which must hold the sections they refer to: see ``sections_referred``).

    They answer ``str()``, ``get_<field>_display()`` and attribute access like rows read from
    the database, so a level's templates can draw a release exactly as it draws the draft.
    References point at the objects built from the same document (never at today's rows).
    Nothing here queries the database.
    """
    sections = document.get("sections", {})
    built: dict[str, list[Any]] = {}
    by_model_id: dict[tuple[type, Any], Any] = {}
    pending: list[tuple[Any, models.Field, Any]] = []
    for section in registry.sections():
        if only is not None and section.key not in only:
            continue
        content = sections.get(section.key)
        items = ([content] if content else []) if section.singleton else (content or [])
        objects = []
        for position, item in enumerate(items):
            obj = section.model(position=position)
            obj.pk = item.get("id")
            for name in section.fields:
                if name not in item:
                    continue
                model_field = section.model_field(name)
                if model_field.is_relation:
                    pending.append((obj, model_field, item[name]))
                else:
                    setattr(obj, model_field.attname, item[name])
            objects.append(obj)
            by_model_id[(section.model, item.get("id"))] = obj
        built[section.key] = objects
    for obj, model_field, value in pending:
        target = related_model(model_field)
        if model_field.many_to_many:
            related = [by_model_id[(target, v)] for v in value or [] if (target, v) in by_model_id]
            queryset = target._default_manager.none()
            queryset._result_cache = related  # type: ignore[attr-defined]
            queryset._prefetch_done = True  # type: ignore[attr-defined]
            obj._prefetched_objects_cache = {
                **getattr(obj, "_prefetched_objects_cache", {}),
                model_field.name: queryset,
            }
        else:
            setattr(obj, model_field.attname, value)
            if (target, value) in by_model_id:
                model_field.set_cached_value(obj, by_model_id[(target, value)])  # type: ignore[attr-defined]
    return built


def sections_referred(key: str) -> set[str]:
    """``key`` and every section its rows refer to, directly or through others (a step: its
    stage, that stage's journey, its squad): what ``document_rows`` needs to name its rows."""
    found: set[str] = set()
    todo = [key]
    while todo:
        current = todo.pop()
        if current in found:
            continue
        found.add(current)
        section = registry.get(current)
        for name in section.fields:
            model_field = section.model_field(name)
            if model_field.is_relation:
                target = registry.for_model(related_model(model_field))
                if target is not None:
                    todo.append(target.key)
    return found


def document_index(document: dict[str, Any]) -> dict[str, dict[Any, dict[str, Any]]]:
    """Each section's rows by id."""
    index: dict[str, dict[Any, dict[str, Any]]] = {}
    for key, content in document.get("sections", {}).items():
        rows = [content] if isinstance(content, dict) else (content or [])
        index[key] = {row.get("id"): row for row in rows if isinstance(row, dict) and row}
    return index
