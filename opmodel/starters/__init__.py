"""Starter documents: whole operating models as data, in the export format.

A document names sections by their registry key. Rows go through each section's own form, so a
starter is validated exactly like a person typing it in; a bad document changes nothing.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import yaml
from django.core.exceptions import ValidationError
from django.db import transaction

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


def _clean(section_key: str, index: int | None, row: dict[str, Any], instance: Any = None) -> dict:
    section = registry.get(section_key)
    if not isinstance(row, dict):
        raise ValidationError(
            f"{section_key}[{index}]: expected a mapping, got {type(row).__name__}"
        )
    unknown = set(row) - set(section.fields) - {"id"}
    if unknown:
        raise ValidationError(f"{section_key}[{index}]: unknown fields {sorted(unknown)}")
    form = section.form(data={k: v for k, v in row.items() if k != "id"}, instance=instance)
    if not form.is_valid():
        where = section_key if index is None else f"{section_key}[{index}]"
        problems = "; ".join(f"{k}: {' '.join(v)}" for k, v in form.errors.items())
        raise ValidationError(f"{where}: {problems}")
    return {k: v for k, v in form.cleaned_data.items() if k in row}


@transaction.atomic
def starter_load(*, operating_model: OperatingModel, document: dict[str, Any], actor: Any) -> None:
    """Fill ``operating_model`` from ``document``; unknown sections are an error."""
    from opmodel.services import part_create, part_update

    sections = document.get("sections", {})
    unknown = set(sections) - {s.key for s in registry.sections()}
    if unknown:
        raise ValidationError(f"Unknown sections: {', '.join(sorted(unknown))}")
    # Registry order, so that sections load after the ones they refer to.
    for section in registry.sections():
        if section.key not in sections:
            continue
        content = sections[section.key]
        if section.singleton:
            row = section.rows(operating_model).first()
            data = _clean(section.key, None, content, instance=row)
            if row is None:
                part_create(
                    section=section,
                    operating_model=operating_model,
                    actor=actor,
                    data=data,
                    reason="Loaded from a starter",
                )
            else:
                part_update(
                    section=section,
                    part=row,
                    revision=row.revision,
                    actor=actor,
                    data=data,
                    reason="Loaded from a starter",
                )
            continue
        for index, item in enumerate(content or []):
            data = _clean(section.key, index, item)
            part_create(
                section=section,
                operating_model=operating_model,
                actor=actor,
                data=data,
                reason="Loaded from a starter",
            )
