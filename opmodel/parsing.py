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

import gc
import json
from collections.abc import Iterator
from contextlib import contextmanager
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


def resolve_fast(self: Any, kind: type, value: str | None, implicit: tuple[bool, bool]) -> str:
    """PyYAML's ``Resolver.resolve`` (which libyaml calls back for every node it reads or
    writes) with its tables joined once: the same tag for every value, without building two
    lists per scalar. Only for a class without path resolvers (``fast_resolver``)."""
    if kind is yaml.ScalarNode:
        if implicit[0]:
            for tag, regexp in self._implicit_by_first.get(value[:1], self._implicit_any):  # type: ignore[index]
                if regexp.match(value):
                    return tag
        return self.DEFAULT_SCALAR_TAG
    if kind is yaml.SequenceNode:
        return self.DEFAULT_SEQUENCE_TAG
    return self.DEFAULT_MAPPING_TAG


def fast_resolver(cls: type) -> type:
    """Give a loader or dumper class ``resolve_fast``, with the tables it reads."""
    if cls.yaml_path_resolvers:  # type: ignore[attr-defined]
        raise TypeError(f"{cls.__name__} has path resolvers: resolve_fast ignores them")
    implicit = cls.yaml_implicit_resolvers  # type: ignore[attr-defined]
    anywhere = list(implicit.get(None, []))
    cls._implicit_any = anywhere  # type: ignore[attr-defined]
    cls._implicit_by_first = {  # type: ignore[attr-defined]
        first: [*resolvers, *anywhere] for first, resolvers in implicit.items() if first is not None
    }
    cls.resolve = resolve_fast  # type: ignore[attr-defined]
    return cls


class _SafeLoader(_Loader):  # type: ignore[misc,valid-type]
    """libyaml's safe loader, with timestamps kept as the text they were written as."""


def _timestamp_as_text(loader: yaml.SafeLoader, node: yaml.ScalarNode) -> str:
    return str(loader.construct_scalar(node))


_SafeLoader.add_constructor("tag:yaml.org,2002:timestamp", _timestamp_as_text)
fast_resolver(_SafeLoader)
_STR, _SEQ, _MAP = (f"tag:yaml.org,2002:{name}" for name in ("str", "seq", "map"))
# Scalars built by their constructors (a key or a value; keys are never lists or mappings).
_SCALAR_TAGS = frozenset(
    f"tag:yaml.org,2002:{name}" for name in ("str", "int", "float", "bool", "null", "timestamp")
)


def _refuse_tag(node: yaml.Node) -> None:
    if node.tag not in _PLAIN_TAGS:
        raise ParseError(f"the tag {node.tag} is not plain data", mark=node.start_mark)


def _build_scalar(loader: Any, node: yaml.Node, built: dict[int, Any]) -> bool:
    """Build a scalar as its tag's constructor does; False to leave it to the loader."""
    if node.tag == _STR:
        built[id(node)] = node.value
        return True
    if node.tag not in _SCALAR_TAGS:  # (a lone "<<", a "list": the loader refuses them)
        return False
    try:
        built[id(node)] = loader.yaml_constructors[node.tag](loader, node)
    except ValueError:  # the loader raises it again, after the measuring
        return False
    return True


def _build_collection(node: yaml.Node, children: list[yaml.Node], built: dict[int, Any]) -> bool:
    """Build a list or mapping from its built children; False to leave it to the loader."""
    if node.tag == _SEQ and isinstance(node, yaml.SequenceNode):
        built[id(node)] = [built[id(child)] for child in children]
        return True
    if node.tag != _MAP or not isinstance(node, yaml.MappingNode):
        return False  # (a list tagged as a mapping: the loader refuses it)
    mapping: dict[Any, Any] = {}
    for key_node, value_node in node.value:
        if key_node.tag not in _SCALAR_TAGS:  # a merge key (<<), a list as a key
            return False
        mapping[built[id(key_node)]] = built[id(value_node)]
    built[id(node)] = mapping
    return True


_COLLECTIONS = (yaml.SequenceNode, yaml.MappingNode)


def _measure_collection(
    node: yaml.Node, children: list[yaml.Node], seen: dict[int, tuple[int, int]], distinct: int
) -> None:
    """A list's or mapping's expanded weight and depth, from its children's (measured); refuses
    it past the depth or alias limits (``distinct``: the weight of the distinct nodes so far)."""
    weight, depth = 1, 0
    for child in children:
        child_weight, child_depth = seen[id(child)]
        weight += child_weight
        depth = max(depth, child_depth)
    seen[id(node)] = (weight, depth + 1)
    if depth >= MAX_DEPTH:
        raise ParseError(f"the document nests deeper than {MAX_DEPTH} levels", mark=node.start_mark)
    # Never less than the whole document's excess: refusing here is refusing it.
    if weight - distinct > ALIAS_BUDGET:
        raise ParseError(
            "aliases (*name) expand the document far beyond its size; write the values out instead",
            mark=node.start_mark,
        )


def _check_nodes(root: yaml.Node, loader: Any = None) -> tuple[bool, Any]:
    """Measure the node graph without recursing and without expanding it: each distinct node is
    visited once, and its expanded weight and depth come from its children's.

    With ``loader``, the same pass builds the data as ``loader.construct_document`` would (a
    scalar by its tag's constructor, aliases as the one shared object): returns (True, data).
    A merge key (``<<``), a key that is not a scalar, or a value its constructor cannot read
    leaves the building to the loader after the measuring: (False, None)."""
    seen: dict[int, tuple[int, int]] = {}  # id(node) -> (expanded weight, depth)
    built: dict[int, Any] = {}  # id(node) -> its data, while ``building``
    building = loader is not None
    distinct = 0  # the weight of the distinct nodes: what the text itself holds
    open_nodes: set[int] = set()
    # A node to visit, or (node, children) to finish once its children are measured. Children
    # go on as they are (one already seen is skipped when taken off), so that text, nine nodes
    # in ten, costs no tuple and no call (issue 18); the order of the visits, and so which
    # problem is named first, is the order it always was.
    stack: list[Any] = [root]
    scalar = yaml.ScalarNode
    while stack:
        node = stack.pop()
        if type(node) is tuple:  # second visit: the children are measured
            node, children = node
            open_nodes.discard(id(node))
            distinct += 1
            _measure_collection(node, children, seen, distinct)
            building = building and _build_collection(node, children, built)
            continue
        key = id(node)
        if key in seen:
            continue
        if type(node) is scalar or not isinstance(node, _COLLECTIONS):  # (a scalar is never open)
            _refuse_tag(node)
            value = node.value
            if "\x00" in value:
                raise ParseError("a NUL character in a value", mark=node.start_mark)
            seen[key] = (1 + len(value), 0)
            distinct += 1 + len(value)
            if building:
                if node.tag == _STR:
                    built[key] = value
                else:
                    building = _build_scalar(loader, node, built)
            continue
        if key in open_nodes:
            raise ParseError("an alias refers to itself", mark=node.start_mark)
        _refuse_tag(node)
        if isinstance(node, yaml.SequenceNode):
            children = node.value
        else:
            children = [part for pair in node.value for part in pair]
        open_nodes.add(key)
        stack.append((node, children))
        stack.extend(children)
    return building, built.get(id(root))


def _yaml_error(exc: yaml.YAMLError) -> ParseError:
    problem = getattr(exc, "problem", None) or str(exc)
    # libyaml's own nesting limit is a safety limit too, not a typo in the file.
    refused = "maximum nesting depth" in problem
    return ParseError(problem, mark=getattr(exc, "problem_mark", None), refused=refused)


def _construct(loader: Any, node: yaml.Node) -> Any:
    done, data = _check_nodes(node, loader)
    if done:
        return data
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


@contextmanager
def collector_paused() -> Iterator[None]:
    """No garbage collection inside: for reading or writing a whole document, whose tens of
    thousands of nodes live until the end and each thousand set off a collector pass that walks
    every object of a large process (~70 ms of a 4,361-row model's dump, issue 18). They hold
    no cycle to collect; the collector runs again after."""
    collecting = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if collecting:
            gc.enable()


def parse_yaml(text: str) -> Any:
    """The single document of a YAML text (None when it is empty)."""
    loader = _SafeLoader(text)
    try:
        with collector_paused():
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
