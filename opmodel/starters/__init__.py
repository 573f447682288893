"""Starter documents: whole operating models as data, in the export format.

A document names sections by their registry key. Rows go through each section's own form, so a
starter is validated exactly like a person typing it in; a bad document changes nothing.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, cast

import yaml
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Model

from opmodel.registry import registry

if TYPE_CHECKING:
    from opmodel.models import OperatingModel

STARTERS_DIR = Path(__file__).parent


@dataclass(frozen=True)
class Starter:
    key: str
    title: str
    description: str
    document: dict[str, Any]


@functools.cache
def starter_documents() -> tuple[Starter, ...]:
    """The starters shipped with opmodel, for the "new model" page (read once per process)."""
    starters = []
    for path in sorted(STARTERS_DIR.glob("*.yaml")):
        document = yaml.safe_load(path.read_text(encoding="utf-8"))
        meta = document.get("starter", {})
        starters.append(
            Starter(
                key=path.stem,
                title=meta.get("title", path.stem),
                description=meta.get("description", ""),
                document=document,
            )
        )
    return tuple(starters)


def starter_get(key: str) -> Starter:
    for starter in starter_documents():
        if starter.key == key:
            return starter
    raise KeyError(key)


def _is_ref(model_field: Any) -> bool:
    """A field that points at another section's row (resolved through document ids)."""
    from opmodel.models import Part

    related = getattr(model_field, "related_model", None)
    return bool(model_field.is_relation and related is not None and issubclass(related, Part))


def _resolve(
    section_key: str, index: int | None, row: dict[str, Any], ids: dict[tuple[type, Any], int]
) -> dict[str, Any]:
    """Replace document ids in reference fields by the primary keys of the rows they name."""
    section = registry.get(section_key)
    where = section_key if index is None else f"{section_key}[{index}]"
    resolved = dict(row)
    for name, value in row.items():
        if name == "id" or name not in section.fields:
            continue
        model_field = section.model._meta.get_field(name)
        if not _is_ref(model_field) or value in (None, ""):
            continue
        target = cast("type[Model]", model_field.related_model)
        many = model_field.many_to_many
        values = value if many else [value]
        if many and not isinstance(value, list):
            raise ValidationError(f"{where}.{name}: expected a list of ids")
        pks = []
        for ref in values:
            if (target, ref) not in ids:
                raise ValidationError(
                    f"{where}.{name}: no {target._meta.verbose_name} with id {ref!r}"
                )
            pks.append(ids[(target, ref)])
        resolved[name] = pks if many else pks[0]
    return resolved


def _clean(
    section_key: str,
    index: int | None,
    row: dict[str, Any],
    *,
    operating_model: Any,
    instance: Any = None,
) -> dict:
    section = registry.get(section_key)
    where = section_key if index is None else f"{section_key}[{index}]"
    if not isinstance(row, dict):
        raise ValidationError(f"{where}: expected a mapping, got {type(row).__name__}")
    unknown = set(row) - set(section.fields) - {"id"}
    if unknown:
        raise ValidationError(f"{where}: unknown fields {sorted(unknown)}")
    form = section.form(
        data={k: v for k, v in row.items() if k != "id"},
        instance=instance,
        operating_model=operating_model,
    )
    if not form.is_valid():
        problems = "; ".join(f"{k}: {' '.join(str(e) for e in v)}" for k, v in form.errors.items())
        raise ValidationError(f"{where}: {problems}")
    return {k: v for k, v in form.cleaned_data.items() if k in row}


@transaction.atomic
def starter_load(
    *, operating_model: OperatingModel, document: dict[str, Any], actor: Any
) -> dict[tuple[type, Any], int]:
    """Fill ``operating_model`` from ``document``; a bad document raises and changes nothing.

    Rows may carry an ``id`` (any string or number, unique per section); reference fields name
    the ``id`` of the row they point at. Sections load in registry order, so a section can refer
    to the rows of sections registered before it. Returns the map of document ids to new keys.
    """
    from opmodel.services import part_create, part_update

    sections = document.get("sections", {})
    unknown = set(sections) - {s.key for s in registry.sections()}
    if unknown:
        raise ValidationError(f"Unknown sections: {', '.join(sorted(unknown))}")
    ids: dict[tuple[type, Any], int] = {}

    def remember(section_key: str, index: int | None, item: dict, pk: int) -> None:
        if "id" not in item:
            return
        key = (registry.get(section_key).model, item["id"])
        if key in ids:
            raise ValidationError(f"{section_key}[{index}].id: {item['id']!r} is used twice")
        ids[key] = pk

    for section in registry.sections():
        if section.key not in sections:
            continue
        content = sections[section.key]
        if section.singleton:
            row = section.rows(operating_model).first()
            item = _resolve(section.key, None, content or {}, ids)
            data = _clean(section.key, None, item, operating_model=operating_model, instance=row)
            if row is None:
                row = part_create(
                    section=section,
                    operating_model=operating_model,
                    actor=actor,
                    data=data,
                    reason="Loaded from a starter",
                )
            else:
                row = part_update(
                    section=section,
                    part=row,
                    revision=row.revision,
                    actor=actor,
                    data=data,
                    reason="Loaded from a starter",
                )
            remember(section.key, None, content or {}, row.pk)
            continue
        if not isinstance(content, list):
            raise ValidationError(f"{section.key}: expected a list of rows")
        for index, item in enumerate(content):
            resolved = _resolve(section.key, index, item, ids) if isinstance(item, dict) else item
            data = _clean(section.key, index, resolved, operating_model=operating_model)
            row = part_create(
                section=section,
                operating_model=operating_model,
                actor=actor,
                data=data,
                reason="Loaded from a starter",
            )
            remember(section.key, index, item, row.pk)
    return ids
