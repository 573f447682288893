"""The one reader of untrusted YAML and JSON text: every importer (model files, Team API and
Backstage files, starters) turns text into data here, and nowhere else.

A small file can describe a huge document: YAML aliases let ten nodes stand for ten billion,
and a deeply nested one makes every recursive walk fail. So the text is parsed by libyaml
(``CSafeLoader``: no Python objects, and libyaml's own nesting limit) into its node graph, and
the graph is measured *before* anything is built from it, in one pass over its distinct nodes
that never recurses:

- the document expanded (every alias counted as the copy it stands for, scalars weighing their
  length) may exceed the text's own weight by at most ``ALIAS_BUDGET``; a recursive alias is
  refused outright;
- it may nest at most ``MAX_DEPTH`` levels;
- no scalar may hold a NUL character (forms refuse them too);
- only plain data tags: text, numbers, booleans, null, lists and mappings. Timestamps stay the
  text they were written as (documents hold text, as the forms expect), so an impossible date
  such as ``2026-13-45`` is one more value for the form to refuse, not a crash.

JSON is read by ``json`` (it has no aliases) and then held to the same depth and NUL limits.
Every refusal is a :class:`ParseError` whose message says what is wrong and where.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import yaml

ALIAS_BUDGET = 100_000
MAX_DEPTH = 64

_Loader: type = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
_PLAIN_TAGS = frozenset(
    f"tag:yaml.org,2002:{name}"
    for name in ("str", "int", "float", "bool", "null", "seq", "map", "timestamp", "merge")
)


class ParseError(ValueError):
    """The text is not a document opmodel reads: bad syntax (``refused`` False), or past a
    safety limit (``refused`` True). ``line`` and ``column`` (1-based) say where, when known."""

    def __init__(
        self, problem: str, *, mark: Any = None, refused: bool = True, syntax: str = "YAML"
    ) -> None:
        self.problem = problem
        self.refused = refused
        self.line: int | None = mark.line + 1 if mark is not None else None
        self.column: int | None = mark.column + 1 if mark is not None else None
        where = f"line {self.line}, column {self.column}: " if self.line else ""
        super().__init__(f"{'Refused' if refused else f'Not valid {syntax}'}: {where}{problem}.")


class _SafeLoader(_Loader):  # type: ignore[misc,valid-type]
    """libyaml's safe loader, with timestamps kept as the text they were written as."""


def _timestamp_as_text(loader: yaml.SafeLoader, node: yaml.ScalarNode) -> str:
    return str(loader.construct_scalar(node))


_SafeLoader.add_constructor("tag:yaml.org,2002:timestamp", _timestamp_as_text)


def _refuse_tag(node: yaml.Node) -> None:
    if node.tag not in _PLAIN_TAGS:
        raise ParseError(f"the tag {node.tag} is not plain data", mark=node.start_mark)


def _check_nodes(root: yaml.Node) -> None:
    """Measure the node graph without recursing and without expanding it: each distinct node is
    visited once, and its expanded weight and depth come from its children's."""
    seen: dict[int, tuple[int, int]] = {}  # id(node) -> (expanded weight, depth)
    distinct = 0  # the weight of the distinct nodes: what the text itself holds
    open_nodes: set[int] = set()
    stack: list[tuple[yaml.Node, list[yaml.Node] | None]] = [(root, None)]
    while stack:
        node, children = stack.pop()
        key = id(node)
        if children is not None:  # second visit: the children are measured
            open_nodes.discard(key)
            weight, depth = 1, 0
            for child in children:
                child_weight, child_depth = seen[id(child)]
                weight += child_weight
                depth = max(depth, child_depth)
            seen[key] = (weight, depth + 1)
            distinct += 1
            if depth >= MAX_DEPTH:
                raise ParseError(
                    f"the document nests deeper than {MAX_DEPTH} levels", mark=node.start_mark
                )
            # Never less than the whole document's excess: refusing here is refusing it.
            if weight - distinct > ALIAS_BUDGET:
                raise ParseError(
                    "aliases (*name) expand the document far beyond its size; write the "
                    "values out instead",
                    mark=node.start_mark,
                )
            continue
        if key in seen:
            continue
        if key in open_nodes:
            raise ParseError("an alias refers to itself", mark=node.start_mark)
        _refuse_tag(node)
        if isinstance(node, yaml.SequenceNode):
            children = node.value
        elif isinstance(node, yaml.MappingNode):
            children = [part for pair in node.value for part in pair]
        else:
            if "\x00" in node.value:
                raise ParseError("a NUL character in a value", mark=node.start_mark)
            seen[key] = (1 + len(node.value), 0)
            distinct += 1 + len(node.value)
            continue
        open_nodes.add(key)
        stack.append((node, children))
        stack.extend((child, None) for child in children if id(child) not in seen)


def _yaml_error(exc: yaml.YAMLError) -> ParseError:
    problem = getattr(exc, "problem", None) or str(exc)
    # libyaml's own nesting limit is a safety limit too, not a typo in the file.
    refused = "maximum nesting depth" in problem
    return ParseError(problem, mark=getattr(exc, "problem_mark", None), refused=refused)


def _construct(loader: Any, node: yaml.Node) -> Any:
    _check_nodes(node)
    try:
        return loader.construct_document(node)
    except ValueError as exc:  # e.g. an integer of more digits than Python converts
        raise ParseError(f"a value cannot be read: {exc}", mark=node.start_mark) from exc


def parse_yaml_nodes(text: str) -> Iterator[tuple[yaml.Node | None, Any]]:
    """Every document of a YAML stream with its node (for the lines of its keys), each
    measured before it is built (a bad document raises :class:`ParseError` when reached)."""
    loader = _SafeLoader(text)
    try:
        while True:
            try:
                if not loader.check_node():
                    return
                node = loader.get_node()
            except yaml.YAMLError as exc:
                raise _yaml_error(exc) from exc
            yield node, None if node is None else _construct(loader, node)
    finally:
        loader.dispose()


def parse_yaml_all(text: str) -> Iterator[Any]:
    """Every document of a YAML stream (see :func:`parse_yaml_nodes`)."""
    for _node, data in parse_yaml_nodes(text):
        yield data


def parse_yaml(text: str) -> Any:
    """The single document of a YAML text (None when it is empty)."""
    loader = _SafeLoader(text)
    try:
        try:
            node = loader.get_single_node()
        except yaml.YAMLError as exc:
            raise _yaml_error(exc) from exc
        return None if node is None else _construct(loader, node)
    finally:
        loader.dispose()


def _check_value(root: Any) -> None:
    stack: list[tuple[Any, int]] = [(root, 1)]
    while stack:
        value, level = stack.pop()
        if isinstance(value, str):
            if "\x00" in value:
                raise ParseError("a NUL character in a value")
            continue
        if isinstance(value, dict):
            children = [*value.keys(), *value.values()]
        elif isinstance(value, list):
            children = value
        else:
            continue
        if level > MAX_DEPTH:
            raise ParseError(f"the document nests deeper than {MAX_DEPTH} levels")
        stack.extend((child, level + 1) for child in children)


def parse_json(text: str) -> Any:
    """A JSON text, held to the same depth and NUL limits as YAML."""
    try:
        value = json.loads(text)
    except json.JSONDecodeError as exc:
        mark = yaml.Mark("", exc.pos, exc.lineno - 1, exc.colno - 1, "", 0)
        raise ParseError(exc.msg, mark=mark, refused=False, syntax="JSON") from exc
    except RecursionError as exc:
        raise ParseError(f"the document nests deeper than {MAX_DEPTH} levels") from exc
    except ValueError as exc:
        raise ParseError(f"a value cannot be read: {exc}") from exc
    _check_value(value)
    return value
