"""Starter documents: whole operating models as data, in the export format.

A starter is a document in the export format (``docs/model-schema.md``) with a ``starter`` block
(title, description) for the "new model" page. Data only: it is loaded by the same loader as
an import (``opmodel.services.documents.operating_model_create_from_document``).
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from opmodel.parsing import parse_yaml

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
