"""What a PDF is made of: one version of a model as a document (a release's snapshot, or the
live draft's), the rows built from it, its health, and how condensed the picture must be."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any

from django.utils import timezone

from opmodel.health import HealthScore
from opmodel.registry import registry
from opmodel.selectors import model_health
from opmodel.versions import diff_documents, document_rows, snapshot_build

if TYPE_CHECKING:
    from opmodel.models import OperatingModel, Release
    from opmodel.versions import ModelDiff


@dataclass(frozen=True)
class Density:
    """How tightly the picture on a page is set: the type scale and how many items a list
    shows before it says "+N more" (None: all of them)."""

    level: int
    limit: int | None
    small_limit: int | None
    words: int  # long texts (mission, vision, overview) are cut to this many words, with "…"
    chars: int | None = None  # names are cut to this many characters, with "…" (None: never)


# From the most generous to the tightest. The first three cut nothing (only the type gets
# smaller); from level 3 on, lists end in "+N more in the handbook". Type never goes below
# 7.8 pt (7 pt for the smallest labels, at .9em).
DENSITIES = (
    Density(0, None, None, 70),
    Density(1, None, None, 60),
    Density(2, None, None, 48),
    Density(3, 14, 9, 40),
    Density(4, 12, 8, 36),
    Density(5, 10, 7, 32),
    Density(6, 8, 5, 28),
    Density(7, 6, 4, 20, 60),
    Density(8, 4, 3, 14, 44),
    Density(9, 2, 2, 10, 32),
)


@dataclass(frozen=True)
class HealthItem:
    check: str
    severity: str
    message: str
    section: str

    @property
    def section_title(self) -> str:
        found = registry.find(self.section)
        return found.title if found else self.section


def shares(counts: list[int]) -> list[int]:
    """Whole percentages of ``counts`` that add up to exactly 100 (largest remainder: the
    parts rounded down, the points left over to the largest fractions); all zeros for none.
    Plain rounding shows 38 % + 42 % + 21 % = 101 %."""
    total = sum(counts)
    if total <= 0:
        return [0 for _ in counts]
    exact = [100 * n / total for n in counts]
    floors = [int(x) for x in exact]
    left = 100 - sum(floors)
    by_fraction = sorted(range(len(counts)), key=lambda i: (floors[i] - exact[i], i))
    for i in by_fraction[:left]:
        floors[i] += 1
    return floors


@dataclass
class PdfSource:
    """One version of a model, ready to be drawn: by the core's PDF templates and by the
    levels' registered PDF blocks (``source.rows["teams.squads"]`` and so on)."""

    operating_model: OperatingModel
    release: Release | None
    document: dict[str, Any]
    rows: dict[str, list[Any]]
    findings: list[HealthItem] | None  # None: not recorded (an old release)
    date: dt.datetime
    density: Density = DENSITIES[0]
    previous: Release | None = None
    diff: ModelDiff | None = None
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def meta(self) -> dict[str, Any]:
        return self.document.get("model", {})

    @property
    def name(self) -> str:
        return str(self.meta.get("name") or self.operating_model.name)

    @property
    def organisation(self) -> str:
        return str(self.meta.get("organisation") or self.operating_model.organisation)

    @property
    def version_label(self) -> str:
        return f"Release {self.release.label}" if self.release else "Live draft"

    @property
    def limit(self) -> int | None:
        return self.density.limit

    @property
    def small_limit(self) -> int | None:
        return self.density.small_limit

    @property
    def health(self) -> HealthScore:
        """The same score as the pages show (``opmodel.health``)."""
        return HealthScore.of(self.findings)

    @property
    def score(self) -> int | None:
        return self.health.score

    @property
    def score_label(self) -> str:
        return self.health.label

    @property
    def score_class(self) -> str:
        return self.health.css_class

    def count(self, severity: str) -> int:
        return sum(1 for f in self.findings or [] if f.severity == severity)

    @property
    def errors(self) -> int:
        return self.count("error")

    @property
    def warnings(self) -> int:
        return self.count("warning")

    @property
    def infos(self) -> int:
        return self.count("info")

    def at(self, density: Density) -> PdfSource:
        return replace(self, density=density)


def _items(raw: list[dict[str, Any]]) -> list[HealthItem]:
    return [
        HealthItem(
            str(f.get("check", "")),
            str(f.get("severity", "info")),
            str(f.get("message", "")),
            str(f.get("section", "")),
        )
        for f in raw
    ]


def pdf_source(
    operating_model: OperatingModel, release: Release | None = None, *, with_diff: bool = False
) -> PdfSource:
    """The release's snapshot (exactly what was published, health as published) or the live
    draft (its document and today's health). ``with_diff``: also the previous release and what
    changed since it (the handbook's release notes)."""
    if release is not None:
        document = release.snapshot
        findings = _items(release.health) if release.health is not None else None
        date = release.published_at
    else:
        document = snapshot_build(operating_model)
        findings = _items(
            [
                {
                    "check": f.check,
                    "severity": f.severity,
                    "message": f.message,
                    "section": f.section,
                }
                for f in model_health(operating_model)
            ]
        )
        date = timezone.now()
    source = PdfSource(
        operating_model=operating_model,
        release=release,
        document=document,
        rows=document_rows(document),
        findings=findings,
        date=date,
    )
    if with_diff:
        previous = operating_model.releases.all()
        if release is not None:
            previous = previous.filter(number__lt=release.number)
        source.previous = previous.order_by("-number").first()
        source.diff = diff_documents(source.previous.snapshot if source.previous else {}, document)
    return source
