"""Reading the documents of a file through ``opmodel.parsing``, the one reader of untrusted
YAML (libyaml's ``CSafeLoader``): a file can never construct Python objects, and alias bombs,
deep nesting, NUL bytes and object tags are refused before anything is built (JSON is read the
same way: it is YAML). Each document keeps its first line and the lines of its keys, for
problems to name."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
from django.core.exceptions import ValidationError

from opmodel.parsing import ParseError, parse_yaml_nodes
from opmodel.versions.documents import import_max_bytes

from .records import Problem, Source

SUFFIXES = (".yaml", ".yml", ".json", ".md", ".markdown")
MARKDOWN = (".md", ".markdown")


@dataclass
class Document:
    number: int  # 1-based, in its file
    line: int  # the document's first line
    data: Any
    lines: dict[str, int] = field(default_factory=dict)  # "spec.owner" -> line


class NotYaml(ValueError):
    """A file that is not valid YAML or JSON; ``line`` where the parser stopped. ``refused``:
    it parses, but is past a safety limit (an alias bomb, deep nesting, a NUL byte, an object
    tag): always a problem, never a file skipped as "not a catalog"."""

    def __init__(self, message: str, line: int | None, *, refused: bool = False) -> None:
        super().__init__(message)
        self.line = line
        self.refused = refused


def _key_lines(node: Any, prefix: str, out: dict[str, int], depth: int = 0) -> None:
    """The lines of a document's keys (``spec.owner``) and list items (``members[2]``,
    1-based), a few levels deep."""
    if depth > 3 or not isinstance(node, yaml.MappingNode):
        return
    for key, value in node.value:
        if isinstance(key, yaml.ScalarNode):
            path = f"{prefix}{key.value}"
            out[path] = key.start_mark.line + 1
            if isinstance(value, yaml.SequenceNode):
                for i, item in enumerate(value.value[:1000], start=1):
                    out[f"{path}[{i}]"] = item.start_mark.line + 1
            _key_lines(value, path + ".", out, depth + 1)


def load(text: str, first_line: int = 1) -> list[Document]:
    """Every non-empty document of ``text``; :class:`NotYaml` if it does not parse (a broken
    file is not half-read)."""
    found: list[Document] = []
    try:
        for number, (node, data) in enumerate(parse_yaml_nodes(text), start=1):
            if node is None or data is None:
                continue
            lines: dict[str, int] = {}
            _key_lines(node, "", lines)
            lines = {k: v + first_line - 1 for k, v in lines.items()}
            found.append(Document(number, node.start_mark.line + first_line, data, lines))
    except ParseError as exc:
        line = exc.line + first_line - 1 if exc.line else None
        where = f"line {line}, column {exc.column}: " if line else ""
        what = "refused" if exc.refused else "not valid YAML or JSON"
        raise NotYaml(f"{what}: {where}{exc.problem}", line, refused=exc.refused) from exc
    return found


def documents(source: Source, problems: list[Problem]) -> Iterator[tuple[int, Any]]:
    """The file's documents with their number (1-based); a file that is not valid YAML adds
    one problem and yields nothing."""
    try:
        loaded = load(source.text)
    except NotYaml as exc:
        problems.append(Problem(source.name, "", str(exc), line=exc.line))
        return
    for document in loaded:
        yield document.number, document.data


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


def file_access(paths: list[str]) -> tuple[Any, Any]:
    """An opener and a globber for Location targets and substitutions: files under the given
    folders (or the folders of the given files) only, each held to the import limit."""
    roots = [Path(p).resolve() if Path(p).is_dir() else Path(p).resolve().parent for p in paths]

    def inside(path: Path) -> bool:
        return any(path == root or root in path.parents for root in roots)

    def opener(name: str) -> Source | None:
        path = Path(name).resolve()
        if not inside(path) or not path.is_file():
            return None
        return source_from_bytes(name, path.read_bytes())

    def globber(pattern: str) -> list[str]:
        import glob

        return [p for p in glob.glob(pattern, recursive=True) if inside(Path(p).resolve())]

    return opener, globber


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
