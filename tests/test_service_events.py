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
# shrink. Close a gap by asserting the event in the service's test with ``captured_events``.
NOT_YET_ASSERTED = {
    ("opmodel/services/__init__.py", "operating_model_create"),
    ("opmodel/services/documents.py", "document_import"),
    ("opmodel/services/documents.py", "document_import_preview"),
    ("opmodel/services/documents.py", "document_load"),
    ("opmodel/services/documents.py", "operating_model_create_from_document"),
    ("opmodel/services/exports.py", "export_request"),
    ("opmodel/services/exports.py", "export_retry"),
    ("opmodel/services/invitations.py", "model_invitation_accept"),
    ("opmodel/services/invitations.py", "model_invitation_accept_as_new_person"),
    ("opmodel/services/models.py", "member_add"),
    ("opmodel/services/models.py", "member_set_role"),
    ("opmodel/services/models.py", "operating_model_create"),
    ("opmodel/services/parts.py", "part_move"),
    ("opmodel/services/parts.py", "part_recorded"),
    ("opmodel/services/parts.py", "part_restore"),
    ("opmodel/services/parts.py", "part_revert"),
    ("opmodel/services/parts.py", "part_set_fields"),
    ("opmodel/services/parts.py", "positions_save"),
    ("opmodel/services/sso.py", "sso_groups_apply"),
    ("teams/services.py", "import_apply"),
    ("workshops/services/facilitation.py", "breakout_assign"),
    ("workshops/services/facilitation.py", "breakout_timer_start"),
    ("workshops/services/facilitation.py", "breakouts_end"),
    ("workshops/services/facilitation.py", "breakouts_split"),
    ("workshops/services/facilitation.py", "private_writing_reveal"),
    ("workshops/services/facilitation.py", "private_writing_start"),
    ("workshops/services/facilitation.py", "summon"),
    ("workshops/services/facilitation.py", "timer_next"),
    ("workshops/services/facilitation.py", "votes_nudge"),
    ("workshops/services/invitations.py", "invitation_accept"),
    ("workshops/services/invitations.py", "invitation_accept_as_new_person"),
    ("workshops/services/proposals.py", "proposal_finish"),
    ("workshops/services/proposals.py", "proposal_set_owner"),
    ("workshops/services/room.py", "note_delete"),
    ("workshops/services/room.py", "note_group"),
    ("workshops/services/room.py", "presence_join"),
    ("workshops/services/room.py", "presence_leave"),
    ("workshops/services/sharing.py", "comment_add"),
    ("workshops/services/sharing.py", "comment_resolve"),
    ("workshops/services/workshops.py", "timer_extend"),
    ("workshops/services/workshops.py", "workshop_update"),
}


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
