"""Every service that emits a live event has a test that asserts it (``captured_events``).

The class guard of issue 19's "each service test asserts its event": the services are read as
source (every public function of ``opmodel/services/``, ``workshops/services/``,
``teams/services.py``, ``journeys/services.py``) and a function *emits* when it calls, itself or
through other functions of those modules, one of the event helpers below. A function is
*asserted* when a test that takes the ``captured_events`` fixture calls it (itself or through a
helper function of the tests). Names are matched as names: approximate, but a new emitting
service without such a test fails here, and so does a gap below that a test has since closed.
"""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SERVICE_FILES = sorted(
    [
        *ROOT.glob("opmodel/services/*.py"),
        *ROOT.glob("workshops/services/*.py"),
        ROOT / "teams" / "services.py",
        ROOT / "journeys" / "services.py",
    ]
)
# What publishes a live event (opmodel.events, workshops.live, the core's history-and-event).
EMITTERS = {"publish_on_commit", "part_event", "room_event", "part_recorded", "positions_save"}

# Emitting services no test asserts the event of yet (issue 19, item 6): this list may only
# shrink, and it is empty now (the 41 of 64 listed at first were closed). A new emitting service
# comes with a test asserting its event with ``captured_events``, never with an entry here.
NOT_YET_ASSERTED: set[tuple[str, str]] = set()


def _calls(node: ast.AST) -> set[str]:
    """The names a function calls (``f(...)`` and ``x.f(...)`` alike)."""
    found = set()
    for call in ast.walk(node):
        if isinstance(call, ast.Call):
            if isinstance(call.func, ast.Name):
                found.add(call.func.id)
            elif isinstance(call.func, ast.Attribute):
                found.add(call.func.attr)
    return found


def _functions(tree: ast.Module) -> list[ast.FunctionDef]:
    """Module-level functions and the methods of module-level classes."""
    found = []
    for node in tree.body:
        if isinstance(node, ast.FunctionDef):
            found.append(node)
        elif isinstance(node, ast.ClassDef):
            found += [sub for sub in node.body if isinstance(sub, ast.FunctionDef)]
    return found


def _closure(calls: dict[str, set[str]], start: set[str]) -> set[str]:
    """``start`` and every name reached from it through ``calls``."""
    seen, todo = set(), list(start)
    while todo:
        name = todo.pop()
        if name not in seen:
            seen.add(name)
            todo += calls.get(name, ())
    return seen


def emitting_services() -> set[tuple[str, str]]:
    calls: dict[str, set[str]] = {}
    public = []
    for path in SERVICE_FILES:
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for function in _functions(tree):
            calls.setdefault(function.name, set()).update(_calls(function))
        public += [
            (path.relative_to(ROOT).as_posix(), node.name)
            for node in tree.body
            if isinstance(node, ast.FunctionDef) and not node.name.startswith("_")
        ]
    return {
        (path, name)
        for path, name in public
        if name in EMITTERS or _closure(calls, calls.get(name, set())) & EMITTERS
    }


def asserted_names() -> set[str]:
    """What the tests that take ``captured_events`` call, through the tests' helpers too."""
    helpers: dict[str, set[str]] = {}
    tests = []
    for path in (ROOT / "tests").rglob("*.py"):
        for function in _functions(ast.parse(path.read_text(encoding="utf-8"))):
            arguments = {a.arg for a in function.args.args}
            if function.name.startswith("test") and "captured_events" in arguments:
                tests.append(function)
            elif not function.name.startswith("test"):
                helpers.setdefault(function.name, set()).update(_calls(function))
    found: set[str] = set()
    for test in tests:
        found |= _closure(helpers, _calls(test))
    return found


def test_the_reading_finds_the_emitters_and_the_asserting_tests():
    """The guard's own reading is not empty: it sees the services and tests it must."""
    emitting = emitting_services()
    assert ("opmodel/services/parts.py", "part_create") in emitting
    assert ("workshops/services/room.py", "note_add") in emitting
    assert ("opmodel/services/tokens.py", "token_create") not in emitting
    asserted = asserted_names()
    assert {"part_create", "part_update", "part_delete", "proposal_create"} <= asserted


def test_every_emitting_service_has_a_test_asserting_its_event():
    emitting = emitting_services()
    asserted = asserted_names()
    missing = sorted(
        (path, name)
        for path, name in emitting
        if name not in asserted and (path, name) not in NOT_YET_ASSERTED
    )
    assert not missing, (
        "these services emit a live event no test asserts: add a captured_events assertion "
        f"to their tests: {missing}"
    )


def test_the_list_of_gaps_only_shrinks():
    emitting = emitting_services()
    asserted = asserted_names()
    closed = sorted(gap for gap in NOT_YET_ASSERTED if gap[1] in asserted)
    gone = sorted(gap for gap in NOT_YET_ASSERTED if gap not in emitting)
    assert not closed, f"a test asserts these now: take them off NOT_YET_ASSERTED: {closed}"
    assert not gone, f"these no longer emit (or no longer exist): take them off: {gone}"
