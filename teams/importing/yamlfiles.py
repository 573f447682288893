"""Reading the documents of a file: ``yaml.safe_load_all`` only, so a file can never construct
Python objects (JSON is read the same way: it is YAML)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import yaml
from django.core.exceptions import ValidationError

from opmodel.versions.documents import import_max_bytes

from .records import Problem, Source

SUFFIXES = (".yaml", ".yml", ".json")


def documents(source: Source, problems: list[Problem]) -> Iterator[tuple[int, Any]]:
    """The file's documents with their number (1-based); a file that is not valid YAML adds
    one problem and yields nothing (its first documents included: a broken file is not
    half-read)."""
    try:
        loaded = list(yaml.safe_load_all(source.text))
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"line {mark.line + 1}, column {mark.column + 1}: " if mark else ""
        problem = getattr(exc, "problem", None) or str(exc)
        problems.append(Problem(source.name, "", f"not valid YAML or JSON: {where}{problem}"))
        return
    for number, document in enumerate(loaded, start=1):
        if document is not None:
            yield number, document


def source_from_bytes(name: str, content: bytes) -> Source:
    """A file's bytes as a :class:`Source`, refusing what is too big or not UTF-8 text."""
    limit = import_max_bytes()
    if len(content) > limit:
        raise ValidationError(
            f"{name}: the file is {len(content) / 1024 / 1024:.1f} MB; the limit is "
            f"{limit / 1024 / 1024:.0f} MB."
        )
    try:
        return Source(name, content.decode("utf-8-sig"))
    except UnicodeDecodeError as exc:
        raise ValidationError(f"{name}: the file is not UTF-8 text.") from exc


def sources_from_paths(paths: list[str]) -> list[Source]:
    """Files and folders (searched for *.yaml, *.yml and *.json) as sources, in a stable
    order; the total is held to the import limit too."""
    files: list[Path] = []
    for given in paths:
        path = Path(given)
        if path.is_dir():
            files += sorted(p for p in path.rglob("*") if p.suffix in SUFFIXES and p.is_file())
        elif path.is_file():
            files.append(path)
        else:
            raise ValidationError(f"No such file or folder: {given}")
    total = sum(f.stat().st_size for f in files)
    if total > import_max_bytes():
        raise ValidationError(
            f"The files hold {total / 1024 / 1024:.1f} MB; the limit is "
            f"{import_max_bytes() / 1024 / 1024:.0f} MB (OPMODEL_IMPORT_MAX_BYTES)."
        )
    return [source_from_bytes(str(f), f.read_bytes()) for f in files]


def text(value: Any) -> str | None:
    """A scalar as stripped text (None when absent or empty); lists become Markdown bullets."""
    if value is None:
        return None
    if isinstance(value, list):
        items = [str(v).strip() for v in value if v is not None and str(v).strip()]
        return "\n".join(f"- {item}" for item in items) or None
    if isinstance(value, dict):
        return None
    stripped = str(value).strip()
    return stripped or None
