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
import decimal
import uuid
from typing import TYPE_CHECKING, Any

from django.db import models

from opmodel.models import OperatingModel
from opmodel.registry import Section, registry, related_model

if TYPE_CHECKING:
    from opmodel.models import Part

SCHEMA_VERSION = 1
MODEL_FIELDS = ("name", "organisation", "description")


def plain(value: Any) -> Any:
    """A field value as JSON-able data that the section's form accepts back unchanged."""
    if isinstance(value, dt.datetime | dt.date | dt.time):
        return value.isoformat()
    if isinstance(value, decimal.Decimal | uuid.UUID):
        return str(value)
    if isinstance(value, list):
        return [plain(v) for v in value]
    return value


def model_meta(operating_model: Any) -> dict[str, Any]:
    return {name: getattr(operating_model, name) for name in MODEL_FIELDS}


def _sections_document(section_rows: dict[str, list[dict[str, Any]]]) -> dict[str, Any]:
    sections: dict[str, Any] = {}
    for section in registry.sections():
        rows = section_rows.get(section.key, [])
        sections[section.key] = (rows[0] if rows else {}) if section.singleton else rows
    return sections


def snapshot_build(operating_model: OperatingModel) -> dict[str, Any]:
    """The live draft of ``operating_model`` as a document (one query per section, plus one per
    many-reference field: never one per row).

    Benchmarks time this: it is what publishing a release and exporting the draft cost.
    """
    section_rows = {
        section.key: [
            {name: plain(value) for name, value in section.serialise(row).items()}
            for row in section.serialisable_rows(operating_model)
        ]
        for section in registry.sections()
    }
    return {
        "schema_version": SCHEMA_VERSION,
        "model": model_meta(operating_model),
        "sections": _sections_document(section_rows),
    }


def _serialise_without_many(section: Section, row: Part) -> dict[str, Any]:
    data: dict[str, Any] = {"id": row.pk}
    for name in section.fields:
        model_field = section.model_field(name)
        if model_field.many_to_many:
            continue
        data[name] = plain(getattr(row, model_field.attname))
    return data


def snapshot_as_of(operating_model: OperatingModel, when: dt.datetime) -> dict[str, Any]:
    """The model as it was at ``when``, rebuilt from django-simple-history (one query per
    section). History does not record many-to-many links, so those fields are left out."""
    section_rows: dict[str, list[dict[str, Any]]] = {}
    for section in registry.sections():
        history = section.model.history  # type: ignore[attr-defined]
        instances = (
            history.filter(operating_model_id=operating_model.pk, history_date__lte=when)
            .latest_of_each()
            .as_instances()
        )
        ordered = sorted(
            instances,
            key=lambda r: (
                str(getattr(r, section.group_field)) if section.group_field else "",
                r.position,
                r.pk,
            ),
        )
        section_rows[section.key] = [_serialise_without_many(section, r) for r in ordered]
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
