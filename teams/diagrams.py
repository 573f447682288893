"""The team interaction map as SVG, in Team Topologies notation.

Plain SVG elements with presentation attributes (no ``style=``, no scripts): the same markup
works inline in a page under a strict CSP and in a PDF rendered by WeasyPrint. Layout: the
stream-aligned squads as wide bands on top, complicated-subsystem squads as their own shape
below them, platform squads as a wide row at the bottom, enabling squads as tall boxes at the
side. Interactions are drawn as Team Topologies draws them: collaboration as a hatched band,
X-as-a-service as a line with a bracket at the provider, facilitating as a dotted line.
"""

from __future__ import annotations

import itertools
import threading
from collections import OrderedDict
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

from django.conf import settings
from django.template.defaultfilters import floatformat
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.html import escape
from django.utils.safestring import SafeString
from django.utils.translation import get_language

from opmodel.models import OperatingModel
from opmodel.rows import display, safe, text

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
# At most this many enabling squads stand at the side as tall columns; more go in rows under
# the platform (sixty squads' fifteen enabling columns left the bands a negative width).
SIDE_COLUMNS = 3
# A box in a row (complicated-subsystem, platform, enabling beyond the side) is at least this
# wide: a full row wraps onto the next.
ROW_BOX_MIN = 230
ROW_GAP = 12
NAME_SIZE, NOTE_SIZE = 13, 11  # the squad's name (bold) and its mode or type
# A band's name takes at most this share of the band (the rest is the mode at its right end
# and, between them, room for the lines that cross the band); a row box's labels at most this
# share of the box, the right side left to the lines that pass.
BAND_NAME_SHARE, ROW_LABEL_SHARE = 0.42, 0.8
# Inter's ascent and descent (hhea), in em: a label's box from its baseline.
ASCENT, DESCENT = 0.97, 0.25
# How far a line's centre keeps from a label's box: half the line's width (a collaboration's
# hatched band is 16 units wide, an X-as-a-service line has a 6-unit halo, a facilitating
# line 10-unit dots) and two units more.
# How many straight lines between the edges of two boxes that share no row or column are
# tried (the shortest) before lines with elbows.
DIAGONALS = 40
CLEARANCE = {"collaboration": 10, "x_as_a_service": 5, "facilitating": 7}


@lru_cache(maxsize=2)
def _advances(bold: bool) -> tuple[dict[int, float], float]:
    """Inter's advance widths (in em) by code point, and the widest as the fallback for a
    character the Latin subset lacks (the map's labels are measured, not guessed)."""
    from fontTools.ttLib import TTFont

    path = Path(settings.BASE_DIR) / "static/fonts/pdf" / f"inter-latin-{700 if bold else 400}.ttf"
    font = TTFont(str(path), lazy=True)
    per_em = font["head"].unitsPerEm
    metrics = font["hmtx"].metrics
    widths = {code: metrics[glyph][0] / per_em for code, glyph in font.getBestCmap().items()}
    return widths, max(widths.values())


def text_width(text: str, size: float, bold: bool = False) -> float:
    widths, widest = _advances(bold)
    return sum(widths.get(ord(ch), widest) for ch in text) * size


# Names are fitted into a little less than their room: a browser without Inter draws them in
# a wider fallback.
FIT_SHARE = 0.95


def fit_text(text: str, room: float, size: float, bold: bool = False) -> str:
    """``text``, or as much of it as fits ``room`` followed by "…"."""
    room *= FIT_SHARE
    if text_width(text, size, bold) <= room:
        return text
    widths, widest = _advances(bold)
    budget = room - widths.get(ord("…"), widest) * size
    used, cut = 0.0, 0
    while cut < len(text) and used + widths.get(ord(text[cut]), widest) * size <= budget:
        used += widths.get(ord(text[cut]), widest) * size
        cut += 1
    return text[:cut].rstrip() + "…"


@dataclass
class Label:
    """A text drawn on the map: where (``y`` is the baseline), how large, anchored how."""

    text: str
    x: float
    y: float
    size: int
    bold: bool = False
    anchor: str = "start"  # start | middle | end (SVG's text-anchor)

    @property
    def box(self) -> tuple[float, float, float, float]:
        width = text_width(self.text, self.size, self.bold)
        x0 = {"start": self.x, "middle": self.x - width / 2, "end": self.x - width}[self.anchor]
        return (x0, self.y - ASCENT * self.size, x0 + width, self.y + DESCENT * self.size)


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
    band: bool = False  # a stream-aligned band: name at the left, mode at the right end
    labels: list[Label] = field(default_factory=list)

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

    def place_labels(self) -> None:
        """The name and the mode (or type) inside the box, each cut to its room with "…"."""
        name, note = self.squad.name, self.squad.get_mode_display()
        if self.vertical:  # an enabling column: name and type centred at its top
            room = self.w - 10
            self.labels = [
                Label(
                    fit_text(name, room, NAME_SIZE, True),
                    self.cx,
                    self.y + 24,
                    NAME_SIZE,
                    True,
                    "middle",
                ),
                Label(
                    fit_text(self.squad.get_team_type_display(), room, NOTE_SIZE),
                    self.cx,
                    self.y + 42,
                    NOTE_SIZE,
                    anchor="middle",
                ),
            ]
        elif self.band:  # name at the left, mode at the right end, the middle left to lines
            mode = Label(note, self.x + self.w - 10, self.cy + 4, NOTE_SIZE, anchor="end")
            room = min(self.w * BAND_NAME_SHARE, self.w - 40 - text_width(note, NOTE_SIZE))
            self.labels = [
                Label(
                    fit_text(name, room, NAME_SIZE, True), self.x + 12, self.cy + 5, NAME_SIZE, True
                ),
                mode,
            ]
        else:  # a box in a row: name over mode at the left
            room = self.w * ROW_LABEL_SHARE - 12
            self.labels = [
                Label(
                    fit_text(name, room, NAME_SIZE, True), self.x + 12, self.cy - 2, NAME_SIZE, True
                ),
                Label(fit_text(note, room, NOTE_SIZE), self.x + 12, self.cy + 14, NOTE_SIZE),
            ]


Point = tuple[float, float]


@dataclass
class Link:
    """An interaction's line: straight, or with elbows where no straight line clears the
    labels (``points`` from the squad that starts it to its partner)."""

    interaction: Interaction
    points: list[Point]

    @property
    def mode(self) -> str:
        return self.interaction.mode

    @property
    def path(self) -> str:
        return " ".join(f"{x:.0f},{y:.0f}" for x, y in self.points)

    def segments(self) -> list[tuple[float, float, float, float]]:
        return [(*p, *q) for p, q in zip(self.points, self.points[1:], strict=False)]


@dataclass
class MapLayout:
    width: int
    height: int
    boxes: list[Box] = field(default_factory=list)
    links: list[Link] = field(default_factory=list)
    empty: bool = True

    def label_boxes(self) -> list[tuple[float, float, float, float]]:
        return [label.box for box in self.boxes for label in box.labels]


def _rows(
    squads: list[Squad], y: float, h: float, x0: float, x1: float
) -> tuple[list[tuple], float]:
    """Boxes side by side, at least ``ROW_BOX_MIN`` wide: a full row wraps onto the next.
    Returns the boxes and the y under the last row."""
    if not squads:
        return [], y
    per_row = max(1, min(len(squads), int((x1 - x0 + ROW_GAP) // (ROW_BOX_MIN + ROW_GAP))))
    placed = []
    for start in range(0, len(squads), per_row):
        row = squads[start : start + per_row]
        w = (x1 - x0 - ROW_GAP * (per_row - 1)) / per_row
        placed += [(s, x0 + i * (w + ROW_GAP), y, w, h) for i, s in enumerate(row)]
        y += h + ROW_GAP
    return placed, y - ROW_GAP


def _crosses(segment: tuple[float, float, float, float], box: tuple, clearance: float) -> bool:
    """Whether the segment passes through the box grown by ``clearance``: Liang-Barsky
    clipping."""
    x1, y1, x2, y2 = segment
    bx0, by0, bx1, by1 = (
        box[0] - clearance,
        box[1] - clearance,
        box[2] + clearance,
        box[3] + clearance,
    )
    dx, dy = x2 - x1, y2 - y1
    lo, hi = 0.0, 1.0
    for p, q in ((-dx, x1 - bx0), (dx, bx1 - x1), (-dy, y1 - by0), (dy, by1 - y1)):
        if p == 0:
            if q < 0:
                return False
            continue
        t = q / p
        if p < 0:
            if t > lo:  # max(lo, t)
                lo = t
        elif t < hi:  # min(hi, t)
            hi = t
        if lo > hi:
            return False
    return True


def crossings(layout: MapLayout) -> list[tuple[Link, tuple]]:
    """Every (line, label box) pair where an interaction's line passes through a label."""
    labels = layout.label_boxes()
    return [
        (link, box)
        for link in layout.links
        for box in labels
        if any(_crosses(seg, box, CLEARANCE.get(link.mode, 10)) for seg in link.segments())
    ]


def _spread(preferred: float, lo: float, hi: float, step: float) -> list[float]:
    """``preferred`` first, then ever further either side of it, within ``lo``..``hi``."""
    out = [max(lo, min(hi, preferred))]
    k = 1
    while preferred - k * step >= lo or preferred + k * step <= hi:
        out += [v for v in (preferred + k * step, preferred - k * step) if lo <= v <= hi]
        k += 1
    return out


def _candidates(a: Box, b: Box, slot: int) -> Iterator[list[Point]]:
    """Where a connector from ``a`` to ``b`` may go, the preferred first: axis-aligned where
    the boxes overlap on one axis (at the preferred lane, then lanes either side), else
    straight between points of their edges. Made as they are tried (most routes take one of
    the first few: a layout made every route's hundreds of candidates, issue 18)."""
    lo, hi = max(a.x, b.x), min(a.x + a.w, b.x + b.w)
    if hi - lo > 24:
        # lanes fan out from the middle of the overlap
        offset = (slot + 1) // 2 * 30 * (1 if slot % 2 else -1)
        top, bottom = (a, b) if a.cy < b.cy else (b, a)
        y1, y2 = top.y + top.h, bottom.y
        for x in _spread((lo + hi) / 2 + offset, lo + 14, hi - 14, 6):
            yield [(x, y1), (x, y2)] if top is a else [(x, y2), (x, y1)]
        yield from _elbows(a, b)
        return
    lo, hi = max(a.y, b.y), min(a.y + a.h, b.y + b.h)
    if hi - lo > 10:
        left, right = (a, b) if a.cx < b.cx else (b, a)
        x1, x2 = left.x + left.w, right.x
        for y in _spread(min(hi - 8, lo + 12 + slot * 12), lo + 8, hi - 8, 4):
            yield [(x1, y), (x2, y)] if left is a else [(x2, y), (x1, y)]
        yield from _elbows(a, b)
        return

    def edges(box: Box) -> list[tuple[float, float]]:
        """Points along the box's edges (the corners of an octagon are cut: not those)."""
        along = [i / 10 for i in range(1, 10)]
        return (
            [(box.x + f * box.w, box.y) for f in along]
            + [(box.x + f * box.w, box.y + box.h) for f in along]
            + [(box.x, box.y + f * box.h) for f in (0.25, 0.5, 0.75)]
            + [(box.x + box.w, box.y + f * box.h) for f in (0.25, 0.5, 0.75)]
        )

    # the shortest straight lines first (a long one rarely clears the rows between), then elbows
    # (a stable sort of the lengths: ties in the order the pairs come)
    pairs = [(p, q) for p in edges(a) for q in edges(b)]
    lengths = [(p[0] - q[0]) ** 2 + (p[1] - q[1]) ** 2 for p, q in pairs]
    shortest = sorted(range(len(pairs)), key=lengths.__getitem__)[:DIAGONALS]
    pairs = [pairs[i] for i in shortest]
    for p, q in pairs:
        yield [p, q]
    yield from _elbows(a, b)


def _elbows(a: Box, b: Box) -> list[list[Point]]:
    """Three-part lines, for boxes no straight line joins clear of the labels: out of ``a``
    upright into the gap beside its row or beside ``b``'s, along the gap, and upright into
    ``b`` (the gaps between rows hold no label; upright lines pass the labels of the rows
    between where a box's labels leave room: a band's middle, a row box's right side)."""
    down = b.cy > a.cy
    y1, y2 = (a.y + a.h, b.y) if down else (a.y, b.y + b.h)
    gaps = [y1 + (6 if down else -6), y2 - (6 if down else -6)]
    along = [0.5, 0.7, 0.8, 0.9, 0.3, 0.6, 0.4, 0.2, 0.1]
    out = [
        [(a.x + fa * a.w, y1), (a.x + fa * a.w, gap), (b.x + fb * b.w, gap), (b.x + fb * b.w, y2)]
        for gap in gaps
        for fa in along
        for fb in along
    ]
    out.sort(key=lambda pts: abs(pts[0][0] - pts[-1][0]))
    return out


class _Labels:
    """The label boxes in horizontal strips, so a segment is only tested against the labels
    near it (sixty squads' routes tested against every label took seconds)."""

    STRIP = 40

    def __init__(self, boxes: list[tuple]) -> None:
        self.strips: dict[int, list[tuple]] = {}
        for box in boxes:
            for k in range(int(box[1] // self.STRIP), int(box[3] // self.STRIP) + 1):
                self.strips.setdefault(k, []).append(box)

    def through(self, points: list[Point], clearance: float, enough: int) -> int:
        """How many labels the line through ``points`` passes (counting stops at ``enough``)."""
        hit: set[tuple] = set()
        for (x1, y1), (x2, y2) in zip(points, points[1:], strict=False):
            # min() and max() of two, without the calls (the same values)
            top = (y2 if y2 < y1 else y1) - clearance
            bottom = (y2 if y2 > y1 else y1) + clearance
            left = (x2 if x2 < x1 else x1) - clearance
            right = (x2 if x2 > x1 else x1) + clearance
            for k in range(int(top // self.STRIP), int(bottom // self.STRIP) + 1):
                for box in self.strips.get(k, ()):
                    if box in hit or box[2] < left or box[0] > right:
                        continue
                    if (
                        box[3] >= top
                        and box[1] <= bottom
                        and _crosses((x1, y1, x2, y2), box, clearance)
                    ):
                        hit.add(box)
                        if len(hit) >= enough:
                            return len(hit)
        return len(hit)


def _route(a: Box, b: Box, slot: int, labels: _Labels, clearance: float) -> list[Point]:
    """The first candidate that passes through no label; else the one through fewest."""
    candidates = _candidates(a, b, slot)
    best = next(candidates)
    fewest = 1_000_000
    for candidate in itertools.chain([best], candidates):
        through = labels.through(candidate, clearance, fewest)
        if through == 0:
            return candidate
        if through < fewest:
            best, fewest = candidate, through
    return best


def interaction_layout(
    operating_model: OperatingModel,
    *,
    squads: list[Squad] | None = None,
    interactions: list[Interaction] | None = None,
) -> MapLayout:
    """Where every squad, label and interaction goes. Two queries, or none when the rows are
    given (a release's rows, built from its snapshot, for its PDFs). Lines are routed clear of
    every label (tests/teams: no line passes through a label)."""
    if squads is None:
        squads = list(Squad.objects.filter(operating_model=operating_model))
    if interactions is None:
        interactions = list(Interaction.objects.filter(operating_model=operating_model))
    by_type: dict[str, list[Squad]] = {t.value: [] for t in TeamType}
    for squad in squads:
        by_type[squad.team_type].append(squad)
    enabling = by_type[TeamType.ENABLING]
    side = enabling if len(enabling) <= SIDE_COLUMNS else []
    right = WIDTH - MARGIN - (len(side) * (SIDE + 12) if side else 0)
    placed: list[tuple] = []
    y: float = MARGIN + 20
    for squad in by_type[TeamType.STREAM_ALIGNED]:
        placed.append((squad, MARGIN, y, right - MARGIN, BAND_H))
        y += BAND_H + BAND_GAP
    if by_type[TeamType.COMPLICATED_SUBSYSTEM]:
        cs = by_type[TeamType.COMPLICATED_SUBSYSTEM]
        cs_right = MARGIN + min(right - MARGIN, len(cs) * 260)
        row, y = _rows(cs, y + 6, CS_H, MARGIN, cs_right)
        placed += row
        y += BAND_GAP * 2
    else:
        y += BAND_GAP
    for kind, height in ((TeamType.PLATFORM, PLATFORM_H), (TeamType.ENABLING, PLATFORM_H)):
        if by_type[kind] and not (kind == TeamType.ENABLING and side):
            row, y = _rows(by_type[kind], y, height, MARGIN, right)
            placed += row
            y += BAND_GAP
    bottom = max(y, MARGIN + 20 + 200)
    for i, squad in enumerate(side):
        x = right + 12 + i * (SIDE + 12)
        placed.append((squad, x, MARGIN + 20, SIDE, bottom - MARGIN - 20 - BAND_GAP))
    slug = operating_model.slug
    boxes: dict[int, Box] = {}
    for squad, bx, by, bw, bh in placed:
        fill, stroke = COLOURS[TeamType(squad.team_type)]
        box = boxes[squad.pk] = Box(
            squad,
            bx,
            by,
            bw,
            bh,
            url=reverse("teams-squad", args=[slug, squad.pk]),
            fill=fill,
            stroke=stroke,
            shape="octagon" if squad.team_type == TeamType.COMPLICATED_SUBSYSTEM else "rect",
            band=squad.team_type == TeamType.STREAM_ALIGNED,
        )
        box.place_labels()
    labels = _Labels([label.box for box in boxes.values() for label in box.labels])
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
        clearance = CLEARANCE.get(interaction.mode, 10)
        links.append(Link(interaction, _route(a, b, slot, labels, clearance)))
    return MapLayout(
        width=WIDTH,
        height=int(bottom + 40),
        boxes=list(boxes.values()),
        links=links,
        empty=not squads,
    )


def _floatformat0() -> Callable[[float], str]:
    """``|floatformat:0`` (Django's own filter), remembered per value for one drawing."""
    seen: dict[float, str] = {}

    def f0(value: float) -> str:
        if value not in seen:
            seen[value] = str(floatformat(value, 0))
        return seen[value]

    return f0


def _box_svg(box: Box, f0: Callable[[float], str]) -> str:
    """One squad's box, byte for byte as the ``box`` partial of
    ``teams/interaction_map_parts.svg`` draws it (sixty squads through the template engine
    took longer than their layout, issue 18)."""
    squad = box.squad
    desc = f"{text(squad.name)}: {display(squad, 'team_type')}, {display(squad, 'mode')}"
    if box.shape == "octagon":
        shape = (
            f'<polygon points="{escape(box.points)}" fill="{escape(box.fill)}" '
            f'stroke="{escape(box.stroke)}" stroke-width="2"/>'
        )
    else:
        shape = (
            f'<rect x="{f0(box.x)}" y="{f0(box.y)}" width="{f0(box.w)}" height="{f0(box.h)}" '
            f'rx="{int(box.rx)}" fill="{escape(box.fill)}" stroke="{escape(box.stroke)}" '
            'stroke-width="2"/>'
        )
    labels = "".join(
        f'<text x="{f0(label.x)}" y="{f0(label.y)}"'
        + (f' text-anchor="{escape(label.anchor)}"' if label.anchor != "start" else "")
        + f' font-size="{int(label.size)}"'
        + (' font-weight="700" fill="#1b2430"' if label.bold else ' fill="#3a4454"')
        + f">{text(label.text)}</text>\n      "
        for label in box.labels
    )
    return (
        f'\n    \n    <a href="{escape(box.url)}">\n      <desc>{desc}</desc>\n      '
        f"\n      {shape}\n      \n      {labels}\n    </a>\n  "
    )


LINK_LINES = {
    "collaboration": (
        '<polyline points="{path}" fill="none" stroke="#7b4fa0" stroke-width="16" '
        'stroke-linecap="butt" stroke-linejoin="round"/>\n      '
        '<polyline points="{path}" fill="none" stroke="url(#tt-hatch)" stroke-width="13" '
        'stroke-linecap="butt"/>'
    ),
    "x_as_a_service": (
        '<polyline points="{path}" fill="none" stroke="#ffffff" stroke-width="6"/>\n      '
        '<polyline points="{path}" fill="none" stroke="#1f3a5f" stroke-width="2.5" '
        'marker-end="url(#tt-xaas)"/>'
    ),
    "": (
        '<polyline points="{path}" fill="none" stroke="#9a6fb3" stroke-width="4" '
        'stroke-dasharray="0.1 8" stroke-linecap="round" marker-start="url(#tt-facil)" '
        'marker-end="url(#tt-facil)"/>'
    ),
}


def _link_svg(link: Link) -> str:
    """One interaction's line, byte for byte as the ``link`` partial of
    ``teams/interaction_map_parts.svg`` draws it."""
    interaction = link.interaction
    purpose = f" ({text(interaction.purpose)})" if interaction.purpose else ""
    title = (
        f"{text(interaction.squad.name)} → {text(interaction.partner.name)}: "
        f"{display(interaction, 'mode')}{purpose}"
    )
    lines = LINK_LINES.get(link.mode, LINK_LINES[""]).format(path=escape(link.path))
    return f"\n    <g>\n      <title>{title}</title>\n      \n      {lines}\n      \n    </g>\n  "


# Maps drawn lately, by everything a drawing depends on (``_drawing_key``): routing the lines
# is most of the map page's time (110 ms on the large model, issue 18), and a map is read far
# more often than its squads and interactions change. The key holds the values themselves, so
# an edit to any of them draws anew and nothing needs to be forgotten on a write. In this
# process's memory: no pickling or network, and a new release of the code starts empty.
DRAWN_MAPS = 16
_drawn: OrderedDict[tuple[Any, ...], SafeString] = OrderedDict()
_drawn_lock = threading.Lock()


def _drawing_key(
    operating_model: OperatingModel,
    title: str,
    squads: list[Squad],
    interactions: list[Interaction],
) -> tuple[Any, ...]:
    """What ``_draw`` reads: the language of the labels, a squad's address (the model's slug
    and the URL prefix), the title, and each squad's and interaction's drawn values in order
    (an interaction with a squad not on the map is not drawn: its squads' ids say so)."""
    on_map = {s.pk for s in squads}
    return (
        get_language(),
        reverse("teams-squad", args=[operating_model.slug, 0]),
        title,
        tuple((s.pk, s.name, s.team_type, s.mode) for s in squads),
        tuple(
            (i.squad_id, i.partner_id, i.mode, i.purpose, i.squad.name, i.partner.name)
            if i.squad_id in on_map and i.partner_id in on_map
            else (i.squad_id, i.partner_id)
            for i in interactions
        ),
    )


def _draw(
    operating_model: OperatingModel,
    title: str,
    squads: list[Squad],
    interactions: list[Interaction],
) -> SafeString:
    layout = interaction_layout(operating_model, squads=squads, interactions=interactions)
    f0 = _floatformat0()
    return render_to_string(
        "teams/interaction_map.svg",
        {
            "layout": layout,
            "boxes": safe("".join(_box_svg(box, f0) for box in layout.boxes)),
            "links": safe("".join(_link_svg(link) for link in layout.links)),
            "title": title,
            "modes": InteractionMode,
        },
    )


def interaction_map_svg(
    operating_model: OperatingModel,
    *,
    title: str = "",
    squads: list[Squad] | None = None,
    interactions: list[Interaction] | None = None,
    organisation: str = "",
) -> SafeString:
    """The map as SVG markup, for a page or a PDF (of the draft's rows, or the given ones).
    A map drawn lately from the same values is not drawn again (``DRAWN_MAPS``)."""
    if squads is None:
        squads = list(Squad.objects.filter(operating_model=operating_model))
    if interactions is None:
        interactions = list(Interaction.objects.filter(operating_model=operating_model))
    title = title or f"Team interaction map of {organisation or operating_model.organisation}"
    key = _drawing_key(operating_model, title, squads, interactions)
    with _drawn_lock:
        svg = _drawn.get(key)
        if svg is not None:
            _drawn.move_to_end(key)
            return svg
    svg = _draw(operating_model, title, squads, interactions)
    with _drawn_lock:
        _drawn[key] = svg
        while len(_drawn) > DRAWN_MAPS:
            _drawn.popitem(last=False)
    return svg
