"""Level 1 health checks: the canvas checks itself."""

from __future__ import annotations

from collections.abc import Iterator

from opmodel.models import OperatingModel
from opmodel.registry import Finding, Severity

from .models import Metric, Principle, PrincipleGroup, Purpose, Stage


def no_north_star(model: OperatingModel) -> Iterator[Finding]:
    if not Metric.objects.filter(operating_model=model, is_north_star=True).exists():
        yield Finding(
            "no-north-star",
            Severity.WARNING,
            "No north-star metric: pick the one metric that best captures the value delivered.",
            "canvas.metrics",
        )


def missing_purpose(model: OperatingModel) -> Iterator[Finding]:
    purpose = Purpose.objects.filter(operating_model=model).only("mission", "vision").first()
    if purpose is None:
        return
    for field, label in (
        ("mission", "mission (why we exist)"),
        ("vision", "vision (what we aim to achieve)"),
    ):
        if not getattr(purpose, field).strip():
            yield Finding(
                f"no-{field}",
                Severity.WARNING,
                f"The {label} is empty.",
                "canvas.purpose",
                purpose.pk,
            )


def empty_value_journey(model: OperatingModel) -> Iterator[Finding]:
    if not Stage.objects.filter(operating_model=model).exists():
        yield Finding(
            "no-value-journey",
            Severity.WARNING,
            "The macro value journey has no stages yet.",
            "canvas.stages",
        )


def empty_principle_groups(model: OperatingModel) -> Iterator[Finding]:
    used = set(
        Principle.objects.filter(operating_model=model).values_list("group", flat=True).distinct()
    )
    for group in PrincipleGroup:
        if group.value not in used:
            yield Finding(
                "empty-principle-group",
                Severity.INFO,
                f"No principles for {group.label.lower()} yet.",
                "canvas.principles",
            )
