"""The core's modules import each other without a cycle.

Every ``import`` counts: at module level, inside functions and under ``TYPE_CHECKING`` (a lazy or
type-only import hides a knot, it does not untie it). The one exception is documented below.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = "opmodel"

# A service queues a task; the task calls the service back (services.exports renders PDFs,
# services.webhooks delivers): HackSoft keeps its services <-> tasks pairs the same way. So the
# edges from opmodel.tasks back to the services are not counted; nothing else may form a cycle.
TASKS = "opmodel.tasks"


def allowed(source: str, target: str) -> bool:
    return source == TASKS and target.startswith("opmodel.services.")


def modules(package: str = PACKAGE) -> dict[str, Path]:
    found = {}
    for path in (ROOT / package).rglob("*.py"):
        if "migrations" in path.parts:
            continue
        name = ".".join(path.relative_to(ROOT).with_suffix("").parts)
        found[name.removesuffix(".__init__")] = path
    return found


def import_graph(found: dict[str, Path]) -> dict[str, set[str]]:
    """module -> the modules of ``found`` it imports anywhere in its body."""

    def owner(name: str) -> str | None:  # the module of found that ``name`` lives in
        while name and name not in found:
            name = name.rpartition(".")[0]
        return name or None

    graph: dict[str, set[str]] = {name: set() for name in found}
    for name, path in found.items():
        package = name if path.name == "__init__.py" else name.rpartition(".")[0]
        for node in ast.walk(ast.parse(path.read_text(), str(path))):
            targets: list[str] = []
            if isinstance(node, ast.Import):
                targets = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom):
                base = node.module or ""
                if node.level:
                    parts = package.split(".")[: len(package.split(".")) - node.level + 1]
                    base = ".".join([*parts, base] if base else parts)
                targets = [
                    f"{base}.{alias.name}" if f"{base}.{alias.name}" in found else base
                    for alias in node.names
                ]
            for target in targets:
                module = owner(target)
                if module is not None and module != name:
                    graph[name].add(module)
    return graph


def cycles(graph: dict[str, set[str]]) -> list[set[str]]:
    """The strongly connected components with more than one module (Tarjan, iteratively)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[set[str]] = []
    for root in graph:
        if root in index:
            continue
        work = [(root, iter(sorted(graph[root])))]
        index[root] = low[root] = len(index)
        stack.append(root)
        on_stack.add(root)
        while work:
            node, children = work[-1]
            child = next(children, None)
            if child is not None:
                if child not in index:
                    index[child] = low[child] = len(index)
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(sorted(graph[child]))))
                elif child in on_stack:
                    low[node] = min(low[node], index[child])
                continue
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[node])
            if low[node] == index[node]:
                component = set()
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    component.add(member)
                    if member == node:
                        break
                if len(component) > 1:
                    found.append(component)
    return found


def core_graph() -> dict[str, set[str]]:
    graph = import_graph(modules())
    return {m: {t for t in targets if not allowed(m, t)} for m, targets in graph.items()}


def test_the_core_imports_without_a_cycle():
    knots = [sorted(c) for c in cycles(core_graph())]
    assert knots == [], f"import cycles in {PACKAGE}/ (lazy and type-only imports count): {knots}"


def test_the_allowed_exception_is_still_needed():
    """The tasks -> services edges left out close real cycles (a service imports the tasks);
    once none does, the exception goes."""
    graph = import_graph(modules())
    assert any(allowed(TASKS, t) and TASKS in graph[t] for t in graph[TASKS])


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        # a function-level import and a type-only one close the same cycle as a top-level one
        ({"a": "from p import b\n", "b": "def f():\n    from p import a\n"}, [{"p.a", "p.b"}]),
        (
            {
                "a": "from p.b import x\n",
                "b": "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    from .a import y\n",
            },
            [{"p.a", "p.b"}],
        ),
        ({"a": "from p import b\n", "b": "import os\n"}, []),
    ],
)
def test_the_graph_sees_every_kind_of_import(tmp_path, monkeypatch, source, expected):
    (tmp_path / "p").mkdir()
    (tmp_path / "p" / "__init__.py").write_text("")
    for name, text in source.items():
        (tmp_path / "p" / f"{name}.py").write_text(text)
    monkeypatch.setattr(f"{__name__}.ROOT", tmp_path)
    assert cycles(import_graph(modules("p"))) == expected
