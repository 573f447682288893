"""Level 1, the operating canvas: guiding structure and alignment."""

from __future__ import annotations

from django.db import models

from opmodel.models import Part


class Purpose(Part):
    """Mission (why we exist), vision (what we aim to achieve) and the overview: one per model."""

    mission = models.TextField(blank=True, help_text="Why we exist.")
    vision = models.TextField(blank=True, help_text="What we aim to achieve.")
    overview = models.TextField(blank=True, help_text="The operating model in a few sentences.")
    journey_name = models.CharField(
        "value journey name",
        max_length=80,
        blank=True,
        default="Value journey",
        help_text="What the macro value journey is called, e.g. 'Data product journey'.",
    )

    class Meta(Part.Meta):
        constraints = [
            models.UniqueConstraint(fields=["operating_model"], name="one_purpose_per_model")
        ]

    def __str__(self) -> str:
        return "Mission & vision"


class Stage(Part):
    """One stage of the macro value journey, in order."""

    name = models.CharField(max_length=80)
    description = models.TextField(blank=True)
    outcome = models.CharField(max_length=200, blank=True, help_text="What this stage delivers.")

    def __str__(self) -> str:
        return self.name


class MetricCategory(models.TextChoices):
    SUSTAINABILITY = "sustainability", "Sustainability"
    STABILITY = "stability", "Stability"
    TRUST = "trust", "Trust"
    EFFICIENCY = "efficiency", "Efficiency"
    KAIZEN = "kaizen", "Kaizen"
    TEAM_HEALTH = "team_health", "Team health"
    PEOPLE_FIRST = "people_first", "People first"


class Metric(Part):
    """A performance metric; exactly one may be the north star."""

    name = models.CharField(max_length=120)
    category = models.CharField(max_length=20, choices=MetricCategory.choices)
    description = models.TextField(blank=True)
    target = models.CharField(max_length=40, blank=True)
    current = models.CharField("current value", max_length=40, blank=True)
    unit = models.CharField(max_length=30, blank=True, help_text="e.g. %, days, per week")
    is_north_star = models.BooleanField(
        "north star",
        default=False,
        help_text="The one metric that best captures the value delivered. Only one per model.",
    )

    class Meta(Part.Meta):
        constraints = [
            models.UniqueConstraint(
                fields=["operating_model"],
                condition=models.Q(is_north_star=True),
                name="one_north_star_per_model",
            )
        ]

    def __str__(self) -> str:
        return self.name


class PrincipleGroup(models.TextChoices):
    WAYS_OF_WORKING = "ways_of_working", "Ways of working"
    DESIGN_DEVELOPMENT = "design_development", "Design & development"
    DELIVERY = "delivery", "Delivery"
    OPERATIONS_MANAGEMENT = "operations_management", "Operations & management"


class Principle(Part):
    """An operating principle, in one of the four groups."""

    group = models.CharField(max_length=30, choices=PrincipleGroup.choices)
    name = models.CharField(max_length=80)
    statement = models.CharField(max_length=240, blank=True, help_text="The principle in a line.")
    implications = models.TextField(blank=True, help_text="What it implies for how we work.")

    def __str__(self) -> str:
        return self.name


class Lifecycle(models.TextChoices):
    ADOPT = "adopt", "Adopt"
    TRIAL = "trial", "Trial"
    ASSESS = "assess", "Assess"
    HOLD = "hold", "Hold"


class Technology(Part):
    """A core technology and where it stands in its lifecycle."""

    name = models.CharField(max_length=80)
    category = models.CharField(max_length=60, blank=True, help_text="e.g. Streaming, Warehouse")
    purpose = models.TextField(blank=True)
    lifecycle = models.CharField(max_length=10, choices=Lifecycle.choices, default=Lifecycle.ADOPT)

    class Meta(Part.Meta):
        verbose_name_plural = "technologies"

    def __str__(self) -> str:
        return self.name


class SkillLevel(models.TextChoices):
    FOUNDATION = "foundation", "Foundation"
    PRACTITIONER = "practitioner", "Practitioner"
    EXPERT = "expert", "Expert"
    LEADER = "leader", "Thought leader"


class SkillSet(Part):
    """A skill set the organisation needs, with the level it aims for."""

    name = models.CharField(max_length=80)
    description = models.TextField(blank=True)
    target_level = models.CharField(
        max_length=20, choices=SkillLevel.choices, default=SkillLevel.PRACTITIONER
    )

    def __str__(self) -> str:
        return self.name
