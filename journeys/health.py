"""Level 3 health checks: the journeys check themselves. Each check costs one or two queries
whatever the model's size."""

from __future__ import annotations

from collections.abc import Iterator

from django.db.models import F

from canvas.models import Lifecycle
from opmodel.models import OperatingModel
from opmodel.registry import Finding, Severity
from teams.models import Interaction

from .models import Automation, Stage, Step

STEPS = "journeys.steps"


def step_without_squad(model: OperatingModel) -> Iterator[Finding]:
    for pk, title, stage in (
        Step.objects.filter(operating_model=model, squad__isnull=True)
        .select_related(None)
        .values_list("pk", "title", "stage__name")
    ):
        yield Finding(
            "step-no-squad",
            Severity.ERROR,
            f"No squad performs “{title}” ({stage}): who does it?",
            STEPS,
            pk,
        )


def stage_without_steps(model: OperatingModel) -> Iterator[Finding]:
    for pk, name, journey in (
        Stage.objects.filter(operating_model=model, steps__isnull=True)
        .select_related(None)
        .values_list("pk", "name", "journey__name")
    ):
        yield Finding(
            "stage-no-steps",
            Severity.WARNING,
            f"The stage {name} of {journey} has no steps yet.",
            "journeys.stages",
            pk,
        )


def step_on_hold_technology(model: OperatingModel) -> Iterator[Finding]:
    rows = (
        Step.technologies.through.objects.filter(
            step__operating_model=model, technology__lifecycle=Lifecycle.HOLD
        )
        .values_list("step_id", "step__title", "technology__name")
        .order_by("step__position", "step_id", "technology__name")
    )
    for pk, title, technology in rows:
        yield Finding(
            "step-hold-technology",
            Severity.WARNING,
            f"“{title}” uses {technology}, which is on hold: plan the move away from it.",
            STEPS,
            pk,
        )


def manual_step_with_pain(model: OperatingModel) -> Iterator[Finding]:
    for pk, title in (
        Step.objects.filter(operating_model=model, automation=Automation.MANUAL)
        .exclude(pain_points="")
        .select_related(None)
        .values_list("pk", "title")
    ):
        yield Finding(
            "automation-candidate",
            Severity.INFO,
            f"“{title}” is manual and hurts: a candidate for automation.",
            STEPS,
            pk,
        )


def handoff_without_interaction(model: OperatingModel) -> Iterator[Finding]:
    pairs = set()
    for a, b in Interaction.objects.filter(operating_model=model).values_list(
        "squad_id", "partner_id"
    ):
        pairs |= {(a, b), (b, a)}
    for pk, title, squad, target, squad_name, target_name in (
        Step.objects.filter(operating_model=model, squad__isnull=False, handoff_to__isnull=False)
        .exclude(squad=F("handoff_to"))
        .select_related(None)
        .values_list("pk", "title", "squad_id", "handoff_to_id", "squad__name", "handoff_to__name")
    ):
        if (squad, target) not in pairs:
            yield Finding(
                "handoff-no-interaction",
                Severity.WARNING,
                f"“{title}” hands off from {squad_name} to {target_name}, but Level 2 defines "
                "no interaction between them.",
                STEPS,
                pk,
            )
