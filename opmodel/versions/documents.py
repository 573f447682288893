"""Operating model as code: documents to and from YAML/JSON text, and their structural checks.

Writing a document into the database is a service (``opmodel.services.documents``); this module
only turns text into a checked document and documents into text.
"""

from __future__ import annotations

import datetime as dt
import json
from typing import TYPE_CHECKING, Any

import yaml
from django.conf import settings
from django.core.exceptions import ValidationError

from opmodel.parsing import (
    ParseError,
    collector_paused,
    fast_resolver,
    parse_json,
    parse_yaml,
)
from opmodel.registry import registry

from .snapshots import MODEL_FIELDS, SCHEMA_VERSION, snapshot_build

if TYPE_CHECKING:
    from opmodel.models import OperatingModel, Release

FORMATS = ("yaml", "json")
# Top-level keys a document may hold. ``release`` and ``starter`` describe the document and are
# ignored when it is loaded.
TOP_LEVEL = ("schema_version", "model", "release", "starter", "sections")
YAML_HEADER = (
    "# An opmodel operating model. Format: docs/model-schema.md (schema_version {v}).\n"
    "# Rows keep their ids: edit values, add rows without an id, delete rows you no longer want.\n"
)


def import_max_bytes() -> int:
    return int(getattr(settings, "OPMODEL_IMPORT_MAX_BYTES", 2 * 1024 * 1024))


def release_block(release: Release) -> dict[str, Any]:
    by = release.published_by
    return {
        "number": release.number,
        "title": release.title,
        "notes": release.notes,
        "published_at": release.published_at.isoformat(),
        "published_by": by.get_username() if by is not None else None,
    }


def document_export(
    operating_model: OperatingModel, *, release: Release | None = None
) -> dict[str, Any]:
    """The document of the live draft, or of ``release`` (its snapshot, with a ``release``
    block saying which one). Benchmarks time this for the draft."""
    if release is None:
        return snapshot_build(operating_model)
    snapshot = release.snapshot
    return {
        "schema_version": snapshot.get("schema_version", SCHEMA_VERSION),
        "model": snapshot.get("model", {}),
        "release": release_block(release),
        "sections": snapshot.get("sections", {}),
    }


# libyaml writes a large model's YAML three times faster than PyYAML's own emitter, with the
# same bytes (tests/versions/test_yaml_speed.py); ``opmodel.checks`` refuses to start without it.
# Where the two differ (libyaml escapes characters beyond U+FFFF and U+0085), text with an
# escape is written by PyYAML's emitter.
_Emitter: type = getattr(yaml, "CSafeDumper", yaml.SafeDumper)


_STR, _INT, _BOOL, _NULL, _SEQ, _MAP = (
    f"tag:yaml.org,2002:{name}" for name in ("str", "int", "bool", "null", "seq", "map")
)
_Scalar, _Sequence, _Mapping = yaml.ScalarNode, yaml.SequenceNode, yaml.MappingNode


def _nodes(data: Any, seen: set[int]) -> yaml.Node | None:
    """The node graph the safe representer makes of a document (block style, multi-line text
    as literal blocks), built directly for its plain types: None for anything else, and for a
    list or mapping met twice (the representer writes an anchor and alias there). Text, the
    most common value, is made in place (a call less per value)."""
    kind = type(data)
    if kind is str:
        return _Scalar(_STR, data, None, None, "|" if "\n" in data else None)
    if kind is int:
        return _Scalar(_INT, str(data), None, None, None)
    if kind is bool:
        return _Scalar(_BOOL, "true" if data else "false", None, None, None)
    if data is None:
        return _Scalar(_NULL, "null", None, None, None)
    if kind is not dict and kind is not list or id(data) in seen:
        return None
    seen.add(id(data))
    if kind is list:
        items = [_nodes(item, seen) for item in data]
        if None in items:
            return None
        return _Sequence(_SEQ, items, None, None, False)
    pairs = []
    for key, value in data.items():
        key_node = (
            _Scalar(_STR, key, None, None, "|" if "\n" in key else None)
            if type(key) is str
            else _nodes(key, seen)
        )
        value_node = (
            _Scalar(_STR, value, None, None, "|" if "\n" in value else None)
            if type(value) is str
            else _nodes(value, seen)
        )
        if key_node is None or value_node is None:
            return None
        pairs.append((key_node, value_node))
    return _Mapping(_MAP, pairs, None, None, False)


@fast_resolver
class _Dumper(_Emitter):  # type: ignore[misc,valid-type]
    """Block style, multi-line text as literal blocks: a document that diffs cleanly in git.

    A document of plain values (all of them) skips PyYAML's representer, which asks a dozen
    questions of every value: its nodes are built directly (``_nodes``), the same nodes."""

    def represent(self, data: Any) -> None:
        node = _nodes(data, set())
        if node is None:
            super().represent(data)
        else:
            self.serialize(node)


class _PythonDumper(yaml.SafeDumper):
    """The same dumper on PyYAML's pure-Python emitter (what the tests compare with)."""


def _str(dumper: yaml.SafeDumper, value: str) -> yaml.ScalarNode:
    if "\n" in value:
        return dumper.represent_scalar("tag:yaml.org,2002:str", value, style="|")
    return dumper.represent_scalar("tag:yaml.org,2002:str", value)


_Dumper.add_representer(str, _str)
_PythonDumper.add_representer(str, _str)


def _yaml(document: dict[str, Any], dumper: type) -> str:
    with collector_paused():
        return yaml.dump(
            document,
            Dumper=dumper,
            sort_keys=False,
            allow_unicode=True,
            default_flow_style=False,
            width=1_000_000,  # one line per value: an edit changes one line of a git diff
        )


def document_dump(document: dict[str, Any], fmt: str = "yaml", *, dumper: type = _Dumper) -> str:
    """A document as text. Key order is the document's own (registry and form order), so the
    same model always gives the same text."""
    if fmt == "json":
        return json.dumps(document, indent=2, ensure_ascii=False) + "\n"
    if fmt != "yaml":
        raise ValueError(f"unknown format {fmt!r}")
    body = _yaml(document, dumper)
    if "\\" in body and dumper is _Dumper:
        # libyaml escapes what PyYAML's emitter writes as it is (an emoji, U+0085): only an
        # escape can differ, so text with one is written the way it always was.
        body = _yaml(document, _PythonDumper)
    return YAML_HEADER.format(v=document.get("schema_version", SCHEMA_VERSION)) + body


def document_parse(content: bytes | str, *, max_bytes: int | None = None) -> dict[str, Any]:
    """Text (YAML or JSON) to a document, refusing what is too big, not text, or not a
    mapping. Read by ``opmodel.parsing`` only: a document can never construct Python objects,
    and alias bombs, deep nesting and NUL bytes are refused before anything is built."""
    limit = import_max_bytes() if max_bytes is None else max_bytes
    size = len(content)
    if size > limit:
        raise ValidationError(
            f"The file is {size / 1024 / 1024:.1f} MB; the limit is {limit / 1024 / 1024:.0f} MB."
        )
    if isinstance(content, bytes):
        try:
            content = content.decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            raise ValidationError(
                "The file is not UTF-8 text: export a model as YAML or JSON."
            ) from exc
    if not content.strip():
        raise ValidationError("The file is empty.")
    parse = parse_json if content.lstrip().startswith("{") else parse_yaml
    try:
        document = parse(content)
    except ParseError as exc:
        raise ValidationError(str(exc)) from exc
    if not isinstance(document, dict):
        raise ValidationError(
            "Not an operating model: the file must be a mapping with schema_version, model "
            f"and sections (it is {type(document).__name__})."
        )
    return document


def _scalar(value: Any) -> bool:
    # YAML reads an unquoted 2026-01-12 as a date: a date is one value too.
    return value is None or isinstance(value, str | int | float | bool | dt.date)


def _row_problems(fields: list[str], many: set[str], where: str, row: Any) -> list[str]:
    """A row's problems, given its section's ``fields`` and those of them that are ``many``
    references (asked of the section once, not once per value: issue 18)."""
    if not isinstance(row, dict):
        return [f"{where}: expected a mapping, got {type(row).__name__}"]
    problems = []
    row_id = row.get("id")
    if "id" in row and (not isinstance(row_id, str | int) or isinstance(row_id, bool)):
        problems.append(f"{where}.id: expected a number or text")
    for name, value in row.items():
        if name == "id":
            continue
        if name not in fields:
            problems.append(f"{where}.{name}: unknown field (fields: {', '.join(fields)})")
        elif name in many:
            if not isinstance(value, list) or not all(_scalar(v) for v in value):
                problems.append(f"{where}.{name}: expected a list of ids")
        elif not _scalar(value):
            problems.append(f"{where}.{name}: expected one value, got a {type(value).__name__}")
    return problems


def _section_problems(section: Any, content: Any) -> list[str]:
    key = section.key
    if content is None:
        return []
    fields, many = section.fields, set(section.many_fields)
    if section.singleton:
        return _row_problems(fields, many, key, content)
    if not isinstance(content, list):
        return [f"{key}: expected a list of rows, got {type(content).__name__}"]
    problems: list[str] = []
    seen: set[Any] = set()
    for index, row in enumerate(content):
        where = f"{key}[{index}]"
        problems += _row_problems(fields, many, where, row)
        if isinstance(row, dict) and isinstance(row.get("id"), str | int):
            if row["id"] in seen:
                problems.append(f"{where}.id: {row['id']!r} is used twice")
            seen.add(row["id"])
        if len(problems) > 50:
            break
    return problems


def _meta_problems(meta: Any) -> list[str]:
    if not isinstance(meta, dict):
        return [f"model: expected a mapping, got {type(meta).__name__}"]
    problems = [
        f"model.{name}: unknown field (fields: {', '.join(MODEL_FIELDS)})"
        for name in sorted(str(k) for k in set(meta) - set(MODEL_FIELDS))
    ]
    problems += [
        f"model.{name}: expected text, got {type(meta[name]).__name__}"
        for name in MODEL_FIELDS
        if name in meta and not isinstance(meta[name], str | type(None))
    ]
    return problems


def document_check(document: Any, *, require_version: bool = True) -> None:
    """The structure of a document, before any row is loaded: schema version, top-level keys,
    the model block, known sections, rows as mappings of plain values, ids unique per section.
    Reports every problem found (up to twenty), each with its path."""
    if not isinstance(document, dict):
        raise ValidationError("Not an operating model: expected a mapping.")
    problems: list[str] = []
    version = document.get("schema_version")
    if version is None and require_version:
        problems.append(f"schema_version: missing (this opmodel reads {SCHEMA_VERSION})")
    elif version is not None and version != SCHEMA_VERSION:
        problems.append(
            f"schema_version: {version!r} is not supported (this opmodel reads {SCHEMA_VERSION})"
        )
    unknown = sorted(str(k) for k in set(document) - set(TOP_LEVEL))
    if unknown:
        problems.append(f"unknown top-level keys: {', '.join(unknown)}")
    problems += _meta_problems(document.get("model") or {})
    sections = document.get("sections") or {}
    if not isinstance(sections, dict):
        problems.append(f"sections: expected a mapping, got {type(sections).__name__}")
        sections = {}
    known = {s.key: s for s in registry.sections()}
    problems += [
        f"sections.{key}: unknown section (known: {', '.join(known)})"
        for key in sorted(str(k) for k in set(sections) - set(known))
    ]
    for key, content in sections.items():
        if key in known:
            problems += _section_problems(known[key], content)
    if problems:
        shown = problems[:20]
        if len(problems) > 20:
            shown.append(f"… and {len(problems) - 20} more problems")
        raise ValidationError(shown)
