"""Level 3, the detailed day to day: team journeys, their ordered stages and the steps squads
perform in each stage, with the technologies they use, hand-offs and pain points."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import models

from opmodel.models import Part
from teams.models import Squad, WithSquadManager


class Journey(Part):
    """A journey a team goes through again and again, e.g. the industrialised data product
    journey: what starts it, what it should end with, and the squad that owns it."""

    name = models.CharField(max_length=120)
    owner = models.ForeignKey(
        Squad,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="journeys_owned",
        verbose_name="owner squad",
        help_text="The squad that answers for the journey as a whole.",
    )
    purpose = models.TextField(blank=True, help_text="Why this journey exists.")
    trigger = models.CharField(
        max_length=200, blank=True, help_text="What starts it, e.g. a consumer asks for data."
    )
    outcome = models.CharField(
        max_length=200, blank=True, help_text="What it delivers when it goes well."
    )

    objects = WithSquadManager("owner")

    def __str__(self) -> str:
        return self.name


class Stage(Part):
    """One stage of a journey, in order (a column of the swim-lane map)."""

    journey = models.ForeignKey(Journey, on_delete=models.CASCADE, related_name="stages")
    name = models.CharField(max_length=80)
    description = models.TextField(blank=True)

    objects = WithSquadManager("journey")

    def __str__(self) -> str:
        # Names its journey only when it is already loaded: a label must never cost a query.
        if Stage.journey.is_cached(self):  # type: ignore[attr-defined]
            return f"{self.journey} · {self.name}"
        return self.name


class Automation(models.TextChoices):
    MANUAL = "manual", "Manual"
    PARTLY = "partly", "Partly automated"
    FULLY = "fully", "Fully automated"


class Step(Part):
    """Something one squad does in a stage: a card in that squad's lane of the map."""

    stage = models.ForeignKey(Stage, on_delete=models.CASCADE, related_name="steps")
    title = models.CharField(max_length=120)
    description = models.TextField(blank=True)
    squad = models.ForeignKey(
        Squad,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="steps_performed",
        verbose_name="performed by",
        help_text="The squad that does this step.",
    )
    technologies = models.ManyToManyField(
        "canvas.Technology",
        blank=True,
        related_name="steps",
        verbose_name="core technologies",
        help_text="From the canvas's core technologies.",
    )
    inputs = models.TextField(blank=True, help_text="What the step needs to start.")
    outputs = models.TextField(blank=True, help_text="What it produces.")
    handoff_to = models.ForeignKey(
        Squad,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="handoffs_received",
        verbose_name="hands off to",
        help_text="The squad that takes over when this step is done, if another one does.",
    )
    pain_points = models.TextField(
        "pain points", blank=True, help_text="What hurts today: waiting, rework, manual toil."
    )
    automation = models.CharField(
        max_length=8, choices=Automation.choices, default=Automation.MANUAL
    )

    objects = WithSquadManager("squad", "handoff_to")
    # history records the links too (django-simple-history), so a deleted step is restored
    # with its technologies
    _history_m2m_fields = ["technologies"]

    def clean(self) -> None:
        if self.handoff_to_id and self.handoff_to_id == self.squad_id:
            raise ValidationError(
                {"handoff_to": "A squad does not hand off to itself: leave it empty."}
            )

    def __str__(self) -> str:
        return self.title
