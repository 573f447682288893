"""Starter documents: whole operating models as data, in the export format.

A starter is a document in the export format (``docs/model-schema.md``) with a ``starter`` block
(title, description) for the "new model" page. It is loaded by the same loader as an import.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from opmodel.parsing import parse_yaml

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
        document = parse_yaml(path.read_text(encoding="utf-8"))
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


def starter_load(
    *, operating_model: OperatingModel, document: dict[str, Any], actor: Any
) -> dict[tuple[type, Any], int]:
    """Fill ``operating_model`` from a starter ``document``; a bad document raises and changes
    nothing. The same loader as import (``opmodel.services.documents.document_load``): rows
    go through their sections' forms and may name each other by ``id``."""
    from opmodel.services.documents import document_load
    from opmodel.versions.documents import document_check

    document_check(document, require_version=False)
    return document_load(
        operating_model=operating_model,
        document=document,
        actor=actor,
        reason="Loaded from a starter",
    )
