"""The model's health score: one number for the page, the chip and the PDF."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

# What a finding costs out of 100, by severity.
SEVERITY_WEIGHTS = {"error": 12, "warning": 5, "info": 1}


@dataclass(frozen=True)
class HealthScore:
    """0-100: every finding costs points by severity (an error 12, a warning 5). ``None`` when
    the findings were not recorded (an old release)."""

    score: int | None
    count: int = 0

    @classmethod
    def of(cls, findings: Iterable[Any] | None) -> HealthScore:
        if findings is None:
            return cls(None)
        items = list(findings)
        lost = sum(SEVERITY_WEIGHTS.get(str(f.severity), 1) for f in items)
        return cls(max(0, 100 - lost), len(items))

    @property
    def label(self) -> str:
        if self.score is None:
            return "Not recorded"
        return (
            "Healthy" if self.score >= 85 else "Needs attention" if self.score >= 60 else "At risk"
        )

    @property
    def css_class(self) -> str:
        if self.score is None:
            return "none"
        return "good" if self.score >= 85 else "fair" if self.score >= 60 else "poor"
