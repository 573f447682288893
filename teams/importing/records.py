"""What an import reads from a file, before it is compared with a model: squads, people,
interactions and capabilities by name, each with where it came from, and the problems found."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class Source:
    """One uploaded or named file: its name and its text."""

    name: str
    text: str


@dataclass(frozen=True)
class Problem:
    """Something wrong with one entity of one file. Any problem stops the whole import.
    ``entity`` is the entity's ref or label, ``field`` the field at fault, ``line`` its line
    in the file (or the document's first line) and ``document`` its number in the file."""

    file: str
    entity: str
    message: str
    field: str = ""
    line: int | None = None
    document: int | None = None

    def __str__(self) -> str:
        where = f"{self.file}:{self.line}" if self.line else self.file
        if self.document:
            where += f" (document {self.document})"
        if self.entity:
            where += f": {self.entity}"
        if self.field:
            where += f": {self.field}"
        return f"{where}: {self.message}"


@dataclass(frozen=True)
class Origin:
    """Where a row came from: file, document number, line, entity ref, and field lines."""

    file: str
    entity: str
    document: int | None = None
    line: int | None = None
    lines: tuple[tuple[str, int], ...] = ()

    def __str__(self) -> str:
        return f"{self.file}: {self.entity}"

    def problem(self, message: str, field: str = "") -> Problem:
        line = dict(self.lines).get(field, self.line) if field else self.line
        return Problem(self.file, self.entity, message, field, line, self.document)


@dataclass
class SquadIn:
    """A squad as a file describes it. ``fields`` holds only what the file says (an absent
    field never clears what the model holds)."""

    name: str
    origin: Any  # an Origin, or "file: entity" text
    fields: dict[str, Any] = field(default_factory=dict)
    ref: str = ""  # the entity ref or Team API id it came from (stable identity)


@dataclass
class PersonIn:
    squad: str
    name: str
    origin: Any
    role: str | None = None
    is_lead: bool | None = None
    ref: str = ""


@dataclass
class InteractionIn:
    """``squad`` starts it (consumer, facilitator, or asker), ``partner`` is the other side."""

    squad: str
    partner: str
    mode: str
    origin: Any
    purpose: str | None = None
    expected_end: Any = None


@dataclass
class CapabilityIn:
    name: str
    accountable: str | None  # None: imported unowned (a health finding says so)
    origin: Any
    area: str | None = None  # None: engineering for a new capability, unchanged otherwise
    description: str | None = None
    ref: str = ""
    owner_ref: str = ""  # the owner's entity ref, to find a squad imported earlier


@dataclass
class Bundle:
    """Everything read from a set of files, and what was wrong or skipped in them."""

    kind: str  # "backstage" or "team_api"
    squads: list[SquadIn] = field(default_factory=list)
    people: list[PersonIn] = field(default_factory=list)
    interactions: list[InteractionIn] = field(default_factory=list)
    capabilities: list[CapabilityIn] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)
    # what is read but not imported, by reason ("not a catalog entity", "Template", ...)
    skipped_by: dict[str, int] = field(default_factory=dict)
    # what is imported with a caveat (an owner not found, a user-owned entity, a URL target):
    # problems under --strict, notes otherwise
    warnings: list[Problem] = field(default_factory=list)
    strict: bool = False
    files: list[str] = field(default_factory=list)  # every file read, Location targets too

    def skip(self, reason: str, note: str) -> None:
        self.skipped_by[reason] = self.skipped_by.get(reason, 0) + 1
        self.skipped.append(note)

    def warn(self, problem: Problem) -> None:
        (self.problems if self.strict else self.warnings).append(problem)

    def summary(self) -> str:
        """What was skipped, in one line ("skipped 24 files that are not catalog entities; ...")."""
        return "; ".join(f"{count} {reason}" for reason, count in self.skipped_by.items())
