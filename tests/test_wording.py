"""Counts agree with their nouns everywhere ("1 person", never "1 people"): every template and
every message in the code that puts a number before a plural noun goes through ``pluralize`` or
``ngettext``."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
NOUNS = (
    "people|squads|steps|stages|interactions|capabilities|minutes|days|hours|attendees|notes|"
    "comments|dots|changes|rows|items|proposals|findings|members|votes|files|pages|journeys|"
    "workshops|releases|sections|decisions|invitations|exports"
)
IN_TEMPLATE = re.compile(r"\{\{\s*([^}]+?)\s*\}\}(?:\s|</strong>|</span>)*(" + NOUNS + r")\b")
IN_CODE = re.compile(r"\{([^{}]+)\}\s(" + NOUNS + r")\b")
# A count that is never 1 where it is said (health findings about two or more squads, a load
# over the limit), or not a count at all.
NEVER_ONE = {
    "teams/health.py": {"len(squads)", "count"},
    "opmodel/services/tokens.py": {"MAX_DAYS"},
}


def test_no_template_puts_a_count_before_a_plural_noun_without_pluralize():
    found = []
    for path in sorted((ROOT / "templates").rglob("*.*")):
        for n, line in enumerate(path.read_text().splitlines(), 1):
            for match in IN_TEMPLATE.finditer(line):
                expr = match.group(1)
                if "label" in expr or "|date" in expr:  # a name, not a count
                    continue
                found.append(f"{path.relative_to(ROOT)}:{n}: {match.group(0)}")
    assert found == []


def test_no_message_in_the_code_puts_a_count_before_a_plural_noun_without_ngettext():
    found = []
    for app in ("opmodel", "canvas", "teams", "journeys", "workshops"):
        for path in sorted((ROOT / app).rglob("*.py")):
            name = str(path.relative_to(ROOT))
            if "/migrations/" in name:
                continue
            for n, line in enumerate(path.read_text().splitlines(), 1):
                for match in IN_CODE.finditer(line):
                    if match.group(1) in NEVER_ONE.get(name, set()):
                        continue
                    found.append(f"{name}:{n}: {match.group(0)}")
    assert found == []
