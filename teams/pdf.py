"""Level 2's blocks of the PDF exports: squads by type and mode with the interactions in words
on the picture on a page; squads with their Team API, interactions, the map and the
shared accountability model (split across pages by columns) in the handbook.

Everything is drawn from the version's rows (``source.rows``, built from its document), so a
release's PDF shows the release, never today's draft; the map is the same SVG as the page's.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.template.defaultfilters import pluralize

from opmodel.registry import PdfBlock, registry

from .diagrams import interaction_layout, interaction_map_svg
from .models import AREA_HINTS, MODE_HINTS, Area, InteractionMode, Mode, Responsibility, TeamType

TYPE_ORDER = {t.value: i for i, t in enumerate(TeamType)}
# Squads per page of the accountability matrix: more would make the columns unreadable.
MATRIX_COLUMNS = 12


@dataclass
class SquadEntry:
    squad: Any
    people: list[Any] = field(default_factory=list)
    started: list[Any] = field(default_factory=list)
    joined: list[Any] = field(default_factory=list)
    accountable: list[Any] = field(default_factory=list)
    responsible: list[Any] = field(default_factory=list)

    @property
    def load(self) -> int:
        return len(self.accountable) + len(self.responsible)


@dataclass
class MatrixPart:
    squads: list[Any]
    areas: list[tuple[str, str, list[tuple[Any, list[str]]]]]  # (area, label, [(cap, letters)])
    first: int
    last: int


@dataclass
class Teams:
    squads: list[SquadEntry]
    interactions: list[Any]
    capabilities: list[Any]
    cells: dict[tuple[Any, Any], str]
    people: int

    def by_type(self) -> list[tuple[str, str, list[SquadEntry]]]:
        return [
            (t.value, t.label, [e for e in self.squads if e.squad.team_type == t.value])
            for t in TeamType
        ]

    def type_by_mode(self) -> list[tuple[str, str, list[int], int]]:
        """Counts of squads: team types (rows) by modes of operation (columns)."""
        rows = []
        for t in TeamType:
            counts = [
                sum(1 for e in self.squads if e.squad.team_type == t and e.squad.mode == m)
                for m in Mode
            ]
            rows.append((t.value, t.label, counts, sum(counts)))
        return rows

    def mode_totals(self) -> list[tuple[str, str, str, int]]:
        return [
            (m.value, m.label, MODE_HINTS[m], sum(1 for e in self.squads if e.squad.mode == m))
            for m in Mode
        ]

    def interactions_by_mode(self) -> list[tuple[str, str, int]]:
        return [
            (m.value, m.label, sum(1 for i in self.interactions if i.mode == m))
            for m in InteractionMode
        ]

    def accountable_count(self, capability: Any) -> int:
        return sum(
            1
            for e in self.squads
            if self.cells.get((capability.pk, e.squad.pk)) == Responsibility.ACCOUNTABLE
        )

    @property
    def broken(self) -> list[Any]:
        """Capabilities without exactly one accountable squad."""
        return [c for c in self.capabilities if self.accountable_count(c) != 1]

    def matrix_parts(self, columns: int = MATRIX_COLUMNS) -> list[MatrixPart]:
        parts = []
        squads = [e.squad for e in self.squads]
        for start in range(0, max(len(squads), 1), columns):
            chunk = squads[start : start + columns]
            areas = []
            for area in Area:
                rows = [
                    (c, [self._letter(c, s) for s in chunk])
                    for c in self.capabilities
                    if c.area == area
                ]
                if rows:
                    areas.append((area.value, f"{area.label} · {AREA_HINTS[area]}", rows))
            parts.append(MatrixPart(chunk, areas, start + 1, start + len(chunk)))
        return parts

    def roles_by_capability(self) -> list[tuple[str, str, list[tuple[Any, list[list[str]]]]]]:
        """Per area, each capability with the names of its accountable, responsible, consulted
        and informed squads (the handbook's form of the matrix for many squads)."""
        order: list[str] = [
            Responsibility.ACCOUNTABLE.value,
            Responsibility.RESPONSIBLE.value,
            Responsibility.CONSULTED.value,
            Responsibility.INFORMED.value,
        ]
        areas = []
        for area in Area:
            rows = []
            for c in self.capabilities:
                if c.area != area:
                    continue
                names: list[list[str]] = [[] for _ in order]
                for e in self.squads:
                    role = self.cells.get((c.pk, e.squad.pk))
                    if role in order:
                        names[order.index(role)].append(e.squad.name)
                rows.append((c, names))
            if rows:
                areas.append((area.value, f"{area.label} · {AREA_HINTS[area]}", rows))
        return areas

    def _letter(self, capability: Any, squad: Any) -> str:
        role = self.cells.get((capability.pk, squad.pk))
        return {"accountable": "A", "responsible": "R", "consulted": "C", "informed": "I"}.get(
            role or "", ""
        )


def teams_of(source: Any) -> Teams:
    """Level 2 of the version, from its rows (no query)."""
    cached = source.extra.get("teams")
    if cached is not None:
        return cached
    rows = source.rows
    squads = sorted(
        rows.get("teams.squads", []), key=lambda s: (TYPE_ORDER.get(s.team_type, 9), s.position)
    )
    entries = {s.pk: SquadEntry(s) for s in squads}
    for person in rows.get("teams.people", []):
        if person.squad_id in entries:
            entries[person.squad_id].people.append(person)
    interactions = list(rows.get("teams.interactions", []))
    for interaction in interactions:
        if interaction.squad_id in entries:
            entries[interaction.squad_id].started.append(interaction)
        if interaction.partner_id in entries:
            entries[interaction.partner_id].joined.append(interaction)
    capabilities = sorted(
        rows.get("teams.capabilities", []),
        key=lambda c: ([a.value for a in Area].index(c.area) if c.area in Area else 9, c.position),
    )
    names = {c.pk: c for c in capabilities}
    cells: dict[tuple[Any, Any], str] = {}
    for cell in rows.get("teams.accountabilities", []):
        cells[(cell.capability_id, cell.squad_id)] = cell.role
        entry = entries.get(cell.squad_id)
        capability = names.get(cell.capability_id)
        if entry is None or capability is None:
            continue
        if cell.role == Responsibility.ACCOUNTABLE:
            entry.accountable.append(capability)
        elif cell.role == Responsibility.RESPONSIBLE:
            entry.responsible.append(capability)
    teams = Teams(
        squads=list(entries.values()),
        interactions=interactions,
        capabilities=capabilities,
        cells=cells,
        people=len(rows.get("teams.people", [])),
    )
    source.extra["teams"] = teams
    return teams


def map_description(teams: Teams, organisation: str) -> str:
    """The map's text alternative (its SVG ``<title>``, the tagged PDF's /Alt): what it shows
    in words, and where the same in a table is."""
    squads, interactions = len(teams.squads), len(teams.interactions)
    modes = ", ".join(
        f"{n} {label if value == InteractionMode.X_AS_A_SERVICE else label.lower()}"
        for value, label, n in teams.interactions_by_mode()
        if n
    )
    return (
        f"Team interaction map of {organisation}: {squads} squad{pluralize(squads)} by team"
        f" type and {interactions} interaction{pluralize(interactions)}"
        + (f" ({modes})" if modes else "")
        + ". Each interaction is listed in the table Interactions of this chapter, and each"
        " squad's in its Team API."
    )


def _map(source: Any) -> str:
    cached = source.extra.get("teams_map")
    if cached is None:
        teams = teams_of(source)
        cached = source.extra["teams_map"] = interaction_map_svg(
            source.operating_model,
            title=map_description(teams, source.organisation),
            squads=[e.squad for e in teams.squads],
            interactions=teams.interactions,
            organisation=source.organisation,
        )
    return cached


def _picture(source: Any) -> dict[str, Any]:
    # No map in miniature: scaled to the side column its labels were 3 pt high. The picture
    # lists the interactions in words (by mode, then who works with whom); the map is in the
    # handbook.
    return {"teams": teams_of(source), "modes": list(Mode)}


# The handbook draws the map on a landscape A4 page (267 x 176 mm): its smallest labels (11
# units) stay at 7 pt or more while the map is at most this many units high.
MAP_MAX_HEIGHT = 780


def _map_fits(source: Any) -> bool:
    teams = teams_of(source)
    layout = interaction_layout(
        source.operating_model,
        squads=[e.squad for e in teams.squads],
        interactions=teams.interactions,
    )
    return layout.height + 60 <= MAP_MAX_HEIGHT


def _handbook(source: Any) -> dict[str, Any]:
    teams = teams_of(source)
    drawn = bool(teams.squads) and _map_fits(source)
    return {"teams": teams, "map_svg": _map(source) if drawn else "", "modes": list(Mode)}


def register() -> None:
    registry.register_pdf_block(
        PdfBlock(
            key="teams",
            kind="picture",
            title="Teams & interactions",
            level=2,
            template="teams/pdf.html#picture",
            context=_picture,
        )
    )
    registry.register_pdf_block(
        PdfBlock(
            key="teams",
            kind="handbook",
            title="Teams & interactions",
            level=2,
            template="teams/pdf.html#handbook",
            context=_handbook,
        )
    )
