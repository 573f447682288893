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
    """Something wrong with one entity of one file. Any problem stops the whole import."""

    file: str
    entity: str
    message: str

    def __str__(self) -> str:
        where = f"{self.file}: {self.entity}" if self.entity else self.file
        return f"{where}: {self.message}"


@dataclass
class SquadIn:
    """A squad as a file describes it. ``fields`` holds only what the file says (an absent
    field never clears what the model holds)."""

    name: str
    origin: str
    fields: dict[str, Any] = field(default_factory=dict)


@dataclass
class PersonIn:
    squad: str
    name: str
    origin: str
    role: str | None = None
    is_lead: bool | None = None


@dataclass
class InteractionIn:
    """``squad`` starts it (consumer, facilitator, or asker), ``partner`` is the other side."""

    squad: str
    partner: str
    mode: str
    origin: str
    purpose: str | None = None
    expected_end: Any = None


@dataclass
class CapabilityIn:
    name: str
    accountable: str
    origin: str
    area: str | None = None  # None: engineering for a new capability, unchanged otherwise
    description: str | None = None


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
