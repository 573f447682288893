"""The team interaction map as SVG, in Team Topologies notation.

Plain SVG elements with presentation attributes (no ``style=``, no scripts): the same markup
works inline in a page under a strict CSP and in a PDF rendered by WeasyPrint. Layout: the
stream-aligned squads as wide bands on top, complicated-subsystem squads as their own shape
below them, platform squads as a wide row at the bottom, enabling squads as tall boxes at the
side. Interactions are drawn as Team Topologies draws them: collaboration as a hatched band,
X-as-a-service as a line with a bracket at the provider, facilitating as a dotted line.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.safestring import SafeString

from opmodel.models import OperatingModel

from .models import Interaction, InteractionMode, Squad, TeamType

# Team Topologies' colours (the same as the stylesheet's --tt-* tokens) and darker outlines: an
# outline stands out from the white page by at least 3:1 (WCAG 1.4.11), the fills are TT's own.
COLOURS = {
    TeamType.STREAM_ALIGNED: ("#ffd966", "#8a6d00"),
    TeamType.PLATFORM: ("#8fbde8", "#4f86bd"),
    TeamType.ENABLING: ("#d5b3e5", "#9a6fb3"),
    TeamType.COMPLICATED_SUBSYSTEM: ("#f4b183", "#c9773f"),
}
WIDTH = 1100
MARGIN = 16
SIDE = 130  # width of one enabling squad's column
BAND_H, BAND_GAP = 40, 12
CS_H, PLATFORM_H = 54, 58


@dataclass
class Box:
    squad: Squad
    x: float
    y: float
    w: float
    h: float
    url: str = ""
    fill: str = ""
    stroke: str = ""
    shape: str = "rect"  # rect | octagon

    @property
    def cx(self) -> float:
        return self.x + self.w / 2

    @property
    def cy(self) -> float:
        return self.y + self.h / 2

    @property
    def points(self) -> str:
        """An octagon (complicated-subsystem) inside the box."""
        c = min(14.0, self.h / 3)
        x, y, w, h = self.x, self.y, self.w, self.h
        pts = [
            (x + c, y),
            (x + w - c, y),
            (x + w, y + c),
            (x + w, y + h - c),
            (x + w - c, y + h),
            (x + c, y + h),
            (x, y + h - c),
            (x, y + c),
        ]
        return " ".join(f"{px:.0f},{py:.0f}" for px, py in pts)

    @property
    def label_chars(self) -> int:
        """How many characters of the squad's name fit its box (13-unit bold type is about 8
        units a character; a band also holds the mode at its right end): longer names end in
        "…" rather than run into the mode or out of the box."""
        room = self.w - 16 if self.vertical else self.w - 100
        return max(6, min(18 if self.vertical else 40, int(room / 8.2)))

    @property
    def vertical(self) -> bool:
        return self.h > self.w

    @property
    def rx(self) -> int:
        """Corner radius: each team type has a shape of its own, not only a colour (WCAG 1.4.1):
        stream-aligned a rounded band, platform square corners, enabling a tall rounded box,
        complicated-subsystem an octagon."""
        if self.squad.team_type == TeamType.PLATFORM:
            return 0
        return 12 if self.vertical else 8


@dataclass
class Link:
    interaction: Interaction
    x1: float
    y1: float
    x2: float
    y2: float

    @property
    def mode(self) -> str:
        return self.interaction.mode


@dataclass
class MapLayout:
    width: int
    height: int
    boxes: list[Box] = field(default_factory=list)
    links: list[Link] = field(default_factory=list)
    empty: bool = True


def _row(squads: list[Squad], y: float, h: float, x0: float, x1: float) -> list[tuple]:
    if not squads:
        return []
    gap = 12
    w = (x1 - x0 - gap * (len(squads) - 1)) / len(squads)
    return [(s, x0 + i * (w + gap), y, w, h) for i, s in enumerate(squads)]


def _connect(a: Box, b: Box, slot: int) -> tuple[float, float, float, float]:
    """An axis-aligned connector where the boxes overlap on one axis, else a straight line."""
    lo, hi = max(a.x, b.x), min(a.x + a.w, b.x + b.w)
    if hi - lo > 24:
        # lanes fan out from the middle of the overlap, clear of the names at the left
        offset = (slot + 1) // 2 * 30 * (1 if slot % 2 else -1)
        x = max(lo + 14, min(hi - 14, (lo + hi) / 2 + offset))
        top, bottom = (a, b) if a.cy < b.cy else (b, a)
        y1, y2 = top.y + top.h, bottom.y
        return (x, y1, x, y2) if top is a else (x, y2, x, y1)
    lo, hi = max(a.y, b.y), min(a.y + a.h, b.y + b.h)
    if hi - lo > 10:
        y = min(hi - 8, lo + 12 + slot * 12)
        left, right = (a, b) if a.cx < b.cx else (b, a)
        x1, x2 = left.x + left.w, right.x
        return (x1, y, x2, y) if left is a else (x2, y, x1, y)
    return (a.cx, a.cy, b.cx, b.cy)


def interaction_layout(
    operating_model: OperatingModel,
    *,
    squads: list[Squad] | None = None,
    interactions: list[Interaction] | None = None,
) -> MapLayout:
    """Where every squad and interaction goes. Two queries, or none when the rows are given
    (a release's rows, built from its snapshot, for its PDFs)."""
    if squads is None:
        squads = list(Squad.objects.filter(operating_model=operating_model))
    if interactions is None:
        interactions = list(Interaction.objects.filter(operating_model=operating_model))
    by_type: dict[str, list[Squad]] = {t.value: [] for t in TeamType}
    for squad in squads:
        by_type[squad.team_type].append(squad)
    enabling = by_type[TeamType.ENABLING]
    right = WIDTH - MARGIN - (len(enabling) * (SIDE + 12) if enabling else 0)
    placed: list[tuple] = []
    y = MARGIN + 20
    for squad in by_type[TeamType.STREAM_ALIGNED]:
        placed.append((squad, MARGIN, y, right - MARGIN, BAND_H))
        y += BAND_H + BAND_GAP
    if by_type[TeamType.COMPLICATED_SUBSYSTEM]:
        cs = by_type[TeamType.COMPLICATED_SUBSYSTEM]
        cs_right = MARGIN + min(right - MARGIN, len(cs) * 260)
        placed += _row(cs, y + 6, CS_H, MARGIN, cs_right)
        y += CS_H + 6 + BAND_GAP * 2
    else:
        y += BAND_GAP
    if by_type[TeamType.PLATFORM]:
        placed += _row(by_type[TeamType.PLATFORM], y, PLATFORM_H, MARGIN, right)
        y += PLATFORM_H + BAND_GAP
    bottom = max(y, MARGIN + 20 + 200)
    for i, squad in enumerate(enabling):
        x = right + 12 + i * (SIDE + 12)
        placed.append((squad, x, MARGIN + 20, SIDE, bottom - MARGIN - 20 - BAND_GAP))
    slug = operating_model.slug
    boxes: dict[int, Box] = {}
    for squad, bx, by, bw, bh in placed:
        fill, stroke = COLOURS[TeamType(squad.team_type)]
        boxes[squad.pk] = Box(
            squad,
            bx,
            by,
            bw,
            bh,
            url=reverse("teams-squad", args=[slug, squad.pk]),
            fill=fill,
            stroke=stroke,
            shape="octagon" if squad.team_type == TeamType.COMPLICATED_SUBSYSTEM else "rect",
        )
    slots: dict[tuple[int, int], int] = {}
    links = []
    for interaction in interactions:
        a, b = boxes.get(interaction.squad_id), boxes.get(interaction.partner_id)
        if a is None or b is None:
            continue
        key = (min(a.squad.pk, b.squad.pk), max(a.squad.pk, b.squad.pk))
        # spread connectors landing on the same box
        slot = slots.get((b.squad.pk, 0), 0) + slots.get(key, 0)
        slots[(b.squad.pk, 0)] = slots.get((b.squad.pk, 0), 0) + 1
        slots[key] = slots.get(key, 0) + 1
        links.append(Link(interaction, *_connect(a, b, slot)))
    return MapLayout(
        width=WIDTH,
        height=int(bottom + 40),
        boxes=list(boxes.values()),
        links=links,
        empty=not squads,
    )


def interaction_map_svg(
    operating_model: OperatingModel,
    *,
    title: str = "",
    squads: list[Squad] | None = None,
    interactions: list[Interaction] | None = None,
    organisation: str = "",
) -> SafeString:
    """The map as SVG markup, for a page or a PDF (of the draft's rows, or the given ones)."""
    layout = interaction_layout(operating_model, squads=squads, interactions=interactions)
    return render_to_string(
        "teams/interaction_map.svg",
        {
            "layout": layout,
            "title": title
            or f"Team interaction map of {organisation or operating_model.organisation}",
            "modes": InteractionMode,
        },
    )
