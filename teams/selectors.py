"""Reads for the Level 2 pages: each costs a fixed number of queries whatever the model's size."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.db.models import Count, Q

from opmodel.access import Access
from opmodel.models import OperatingModel

from .models import (
    AREA_HINTS,
    MODE_HINTS,
    RESPONSIBILITY_LETTERS,
    Accountability,
    Area,
    Capability,
    Interaction,
    Mode,
    Person,
    Responsibility,
    Squad,
    SquadUserObjectPermission,
    TeamType,
)
from .rules import LEAD_PERM, led_squads

LOAD_ROLES = (Responsibility.ACCOUNTABLE, Responsibility.RESPONSIBLE)
TYPE_ORDER = {t.value: i for i, t in enumerate(TeamType)}


def squads_in_order(operating_model: OperatingModel) -> list[Squad]:
    """Squads in Team Topologies order: stream-aligned, platform, enabling, subsystem."""
    squads = Squad.objects.filter(operating_model=operating_model)
    return sorted(squads, key=lambda s: (TYPE_ORDER[s.team_type], s.position, s.pk))


# ---------- squads overview ----------


@dataclass
class SquadCard:
    squad: Squad
    people: int = 0
    leads: list[str] = field(default_factory=list)
    accountable: int = 0
    responsible: int = 0


@dataclass
class TypeRow:
    value: str
    label: str
    cells: list[tuple[str, str, list[SquadCard]]]  # (mode, label, cards)

    @property
    def count(self) -> int:
        return sum(len(cards) for _, _, cards in self.cells)


def squads_overview(operating_model: OperatingModel) -> list[TypeRow]:
    """Squads in a grid of team type (rows) by mode of operation (columns). Three queries."""
    squads = list(Squad.objects.filter(operating_model=operating_model))
    cards = {s.pk: SquadCard(s) for s in squads}
    for squad_id, name, is_lead in Person.objects.filter(
        operating_model=operating_model
    ).values_list("squad_id", "name", "is_lead"):
        cards[squad_id].people += 1
        if is_lead:
            cards[squad_id].leads.append(name)
    for squad_id, role in Accountability.objects.filter(
        operating_model=operating_model, role__in=LOAD_ROLES
    ).values_list("squad_id", "role"):
        if role == Responsibility.ACCOUNTABLE:
            cards[squad_id].accountable += 1
        else:
            cards[squad_id].responsible += 1
    return [
        TypeRow(
            value=team_type.value,
            label=team_type.label,
            cells=[
                (
                    mode.value,
                    mode.label,
                    [
                        cards[s.pk]
                        for s in squads
                        if s.team_type == team_type.value and s.mode == mode.value
                    ],
                )
                for mode in Mode
            ],
        )
        for team_type in TeamType
    ]


def modes() -> list[tuple[str, str, str]]:
    return [(m.value, m.label, MODE_HINTS[m]) for m in Mode]


# ---------- one squad ----------


@dataclass
class SquadPage:
    squad: Squad
    people: list[Person]
    started: list[Interaction]
    joined: list[Interaction]
    accountabilities: list[Accountability]
    leads: list[Any]  # users holding change_squad

    def by_role(self) -> list[tuple[str, str, list[Accountability]]]:
        return [
            (r.value, r.label, [a for a in self.accountabilities if a.role == r.value])
            for r in Responsibility
        ]


def squad_page(operating_model: OperatingModel, squad: Squad) -> SquadPage:
    """Everything the squad page shows: five queries."""
    grants = (
        SquadUserObjectPermission.objects.filter(
            content_object=squad, permission__codename=LEAD_PERM.split(".")[1]
        )
        .select_related("user")
        .order_by("user__username")
    )
    interactions = list(
        Interaction.objects.filter(operating_model=operating_model).filter(
            Q(squad=squad) | Q(partner=squad)
        )
    )
    return SquadPage(
        squad=squad,
        people=list(Person.objects.filter(squad=squad).order_by("position", "pk")),
        started=[i for i in interactions if i.squad_id == squad.pk],
        joined=[i for i in interactions if i.partner_id == squad.pk],
        accountabilities=list(
            Accountability.objects.filter(squad=squad).order_by(
                "capability__area", "capability__position", "capability__pk"
            )
        ),
        leads=[g.user for g in grants],
    )


# ---------- the accountability matrix ----------


@dataclass
class Cell:
    capability_id: int
    squad_id: int
    row: Accountability | None
    editable: bool

    @property
    def role(self) -> str:
        return self.row.role if self.row else ""

    @property
    def revision(self) -> int:
        return self.row.revision if self.row else 0

    @property
    def letter(self) -> str:
        return self.row.letter if self.row else ""

    @property
    def path(self) -> str:
        """The cell's URL below the matrix page's (no reverse() per cell: 18,000 of them)."""
        return f"{self.capability_id}/{self.squad_id}/"


@dataclass(frozen=True, slots=True)
class CellRole:
    """A cell's role as the matrix draws it: the role and its letter, from a plain row (not a
    model instance per cell: the large model's matrix holds 1,800 roles)."""

    role: str
    pk: int  # the accountability's (a summon in the room marks its cell)

    @property
    def letter(self) -> str:
        return RESPONSIBILITY_LETTERS[Responsibility(self.role)]


@dataclass
class MatrixRow:
    capability: Capability
    roles: dict[int, CellRole]  # by squad id: the cells that hold a role
    accountable: int

    @property
    def broken(self) -> bool:
        return self.accountable != 1


@dataclass
class Column:
    squad: Squad
    load: int
    editable: bool
    limit: int

    @property
    def heat(self) -> int:
        """0-5: the squad's load (accountable + responsible) against the cognitive-load limit."""
        if not self.load:
            return 0
        return min(5, 1 + (self.load * 4) // max(1, self.limit))

    @property
    def overloaded(self) -> bool:
        return self.load > self.limit


ALL_AREAS = "all"


@dataclass
class AreaTab:
    value: str
    label: str
    count: int
    current: bool


@dataclass
class Matrix:
    columns: list[Column]
    areas: list[tuple[str, str, str, list[MatrixRow]]]  # the areas shown, each with its rows
    limit: int
    area: str = ALL_AREAS  # the area shown, or ALL_AREAS
    tabs: list[AreaTab] = field(default_factory=list)  # "All areas" first
    total: int = 0  # capabilities in every area
    condensed: bool = False  # too big to show whole: one area shown unless asked for all

    @property
    def rows(self) -> list[MatrixRow]:
        return [row for *_, rows in self.areas for row in rows]

    @property
    def broken(self) -> int:
        return sum(1 for row in self.rows if row.broken)

    @property
    def editable(self) -> bool:
        """Some column's cells may be changed by this user (the table is then a grid)."""
        return any(c.editable for c in self.columns)


def _area_shown(
    asked: str | None, counts: dict[str, int], condensed: bool, fallback: str | None
) -> str:
    """The area to show: the one asked for; else the whole matrix while it is small enough to
    read (and to send) at once; else the ``fallback`` area (where a row was just added), or the
    first area with capabilities."""
    if asked == ALL_AREAS or asked in Area.values:
        return asked
    if not condensed:
        return ALL_AREAS
    if fallback in Area.values:
        return fallback
    return next((a for a in Area.values if counts.get(a)), ALL_AREAS)


def matrix(
    operating_model: OperatingModel,
    access: Access,
    area: str | None = None,
    fallback: str | None = None,
) -> Matrix:
    """Capabilities (rows, by area) x squads (columns), one area or all (see ``_area_shown``):
    five queries whatever the size. A row holds only the cells with a role (the large model's
    18,000 cells are 1,800 roles); the template tag ``matrix_cells`` fills in the rest as it
    writes the row. The load row counts every area."""
    squads = squads_in_order(operating_model)
    counts = dict(
        Capability.objects.filter(operating_model=operating_model)
        .values_list("area")
        .annotate(n=Count("pk"))
        .order_by()
    )
    total = sum(counts.values())
    condensed = total * max(len(squads), 1) > settings.TEAMS_MATRIX_WHOLE_CELLS
    shown = _area_shown(area, counts, condensed, fallback)
    capabilities = Capability.objects.filter(operating_model=operating_model)
    cells = Accountability.objects.filter(operating_model=operating_model)
    if shown != ALL_AREAS:
        capabilities = capabilities.filter(area=shown)
        cells = cells.filter(capability__area=shown)
    roles: dict[int, dict[int, CellRole]] = defaultdict(dict)
    for pk, capability_id, squad_id, role in cells.values_list(
        "pk", "capability_id", "squad_id", "role"
    ):
        roles[capability_id][squad_id] = CellRole(role, pk)
    load = dict(
        Accountability.objects.filter(operating_model=operating_model, role__in=LOAD_ROLES)
        .values_list("squad_id")
        .annotate(n=Count("pk"))
        .order_by()
    )
    editable = {s.pk for s in squads} if access.can_edit else set(led_squads(access))
    limit = settings.TEAMS_COGNITIVE_LOAD_LIMIT
    columns = [Column(s, load.get(s.pk, 0), s.pk in editable, limit) for s in squads]
    by_area: dict[str, list[MatrixRow]] = defaultdict(list)
    for capability in capabilities.order_by("position", "pk"):
        row = roles.get(capability.pk, {})
        accountable = sum(1 for a in row.values() if a.role == Responsibility.ACCOUNTABLE)
        by_area[capability.area].append(MatrixRow(capability, row, accountable))
    return Matrix(
        columns=columns,
        areas=[
            (a.value, a.label, AREA_HINTS[a], by_area[a.value])
            for a in Area
            if shown in (ALL_AREAS, a.value)
        ],
        limit=limit,
        area=shown,
        tabs=[AreaTab(ALL_AREAS, "All areas", total, shown == ALL_AREAS)]
        + [AreaTab(a.value, a.label, counts.get(a.value, 0), a.value == shown) for a in Area],
        total=total,
        condensed=condensed,
    )


def matrix_cell(
    operating_model: OperatingModel, access: Access, capability: Capability, squad: Squad
) -> Cell:
    row = Accountability.objects.filter(capability=capability, squad=squad).first()
    editable = access.can_edit or squad.pk in led_squads(access)
    return Cell(capability.pk, squad.pk, row, editable)


def capability_cells(
    operating_model: OperatingModel, access: Access, capability: Capability
) -> list[tuple[Squad, Cell]]:
    """One capability's row of the matrix, squad by squad (the page a capability's name links
    to: the matrix without JavaScript). Three queries."""
    rows = {a.squad_id: a for a in Accountability.objects.filter(capability=capability)}
    led = frozenset() if access.can_edit else led_squads(access)
    return [
        (s, Cell(capability.pk, s.pk, rows.get(s.pk), access.can_edit or s.pk in led))
        for s in squads_in_order(operating_model)
    ]


@dataclass
class Answer:
    capability: Capability
    accountable: list[Squad]
    responsible: list[Squad]


def who_answers(operating_model: OperatingModel, text: str, limit: int = 8) -> list[Answer]:
    """ "Who is accountable when <capability> goes wrong?": capabilities matching ``text``
    with their accountable and responsible squads. Two queries."""
    text = text.strip()
    if not text:
        return []
    capabilities = list(
        Capability.objects.filter(operating_model=operating_model)
        .filter(Q(name__icontains=text) | Q(description__icontains=text))
        .order_by("name")[:limit]
    )
    answers = {c.pk: Answer(c, [], []) for c in capabilities}
    for a in Accountability.objects.filter(
        capability__in=capabilities, role__in=LOAD_ROLES
    ).order_by("squad__name"):
        target = answers[a.capability_id]
        (target.accountable if a.role == Responsibility.ACCOUNTABLE else target.responsible).append(
            a.squad
        )
    return list(answers.values())
