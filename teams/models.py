"""Level 2, teams and interactions: squads, their people, how they interact, and the shared
accountability model (who is accountable when a capability goes wrong)."""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from guardian.models import GroupObjectPermissionBase, UserObjectPermissionBase

from opmodel.models import Part


class TeamType(models.TextChoices):
    """Team Topologies' four team types."""

    STREAM_ALIGNED = "stream_aligned", "Stream-aligned"
    PLATFORM = "platform", "Platform"
    ENABLING = "enabling", "Enabling"
    COMPLICATED_SUBSYSTEM = "complicated_subsystem", "Complicated-subsystem"


class Mode(models.TextChoices):
    """Modes of operation: who builds and who runs."""

    GROWTH = "growth", "Growth"
    OPTIMISE = "optimise", "Optimise"
    SUSTAIN = "sustain", "Sustain"
    CONSUMPTION = "consumption", "Consumption"


MODE_HINTS = {
    Mode.GROWTH: "Cradle-to-grave product teams",
    Mode.OPTIMISE: "Decentralised build, centralised operations",
    Mode.SUSTAIN: "Centralised build and operations",
    Mode.CONSUMPTION: "Consuming SaaS",
}


class Squad(Part):
    """A long-lived team, with its Team API: what it does, offers, and how to reach it."""

    name = models.CharField(max_length=80)
    team_type = models.CharField(
        "team type", max_length=24, choices=TeamType.choices, default=TeamType.STREAM_ALIGNED
    )
    mode = models.CharField(
        "mode of operation", max_length=12, choices=Mode.choices, default=Mode.GROWTH
    )
    purpose = models.TextField(blank=True, help_text="Why this squad exists.")
    domain = models.CharField(max_length=80, blank=True, help_text="e.g. Customer, Payments")
    focus = models.TextField(blank=True, help_text="What the squad concentrates on right now.")
    services = models.TextField(
        "services it provides", blank=True, help_text="What other squads can consume from it."
    )
    ways_of_working = models.TextField("ways of working", blank=True)
    contact = models.CharField(
        "how to reach it", max_length=200, blank=True, help_text="e.g. #data-platform on Slack"
    )
    # the Backstage entity ref or Team API id the row was imported from: a re-import after a
    # rename renames instead of adding a second row (see docs/team-api-import.md)
    source_ref = models.CharField(max_length=300, blank=True, default="", editable=False)

    class Meta(Part.Meta):
        ordering = ["team_type", "position", "pk"]

    def __str__(self) -> str:
        return self.name


class SquadUserObjectPermission(UserObjectPermissionBase):
    """A user's object permission on one squad (a team lead's ``change_squad``).

    A direct foreign key (django-guardian's recommended form): it goes with the squad when the
    squad is deleted, and bulk checks join instead of comparing text primary keys.
    """

    content_object = models.ForeignKey(Squad, on_delete=models.CASCADE)


class SquadGroupObjectPermission(GroupObjectPermissionBase):
    content_object = models.ForeignKey(Squad, on_delete=models.CASCADE)


class WithSquadManager(models.Manager):
    """Rows that name their squad(s) in ``__str__``: fetch them in the same query."""

    def __init__(self, *related: str) -> None:
        super().__init__()
        self.related = related

    def get_queryset(self) -> models.QuerySet:
        return super().get_queryset().select_related(*self.related)


class Person(Part):
    """Someone in a squad: a name and a role, with an account only if they have one."""

    squad = models.ForeignKey(Squad, on_delete=models.CASCADE, related_name="people")
    name = models.CharField(max_length=120)
    role = models.CharField(max_length=80, blank=True, help_text="e.g. Data engineer")
    is_lead = models.BooleanField("team lead", default=False)
    # the Backstage entity ref or Team API id the row was imported from: a re-import after a
    # rename renames instead of adding a second row (see docs/team-api-import.md)
    source_ref = models.CharField(max_length=300, blank=True, default="", editable=False)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name="account",
        help_text="Optional: the person's opmodel account.",
    )

    objects = WithSquadManager("squad", "user")

    class Meta(Part.Meta):
        verbose_name_plural = "people"

    def __str__(self) -> str:
        return self.name


class InteractionMode(models.TextChoices):
    COLLABORATION = "collaboration", "Collaboration"
    X_AS_A_SERVICE = "x_as_a_service", "X-as-a-service"
    FACILITATING = "facilitating", "Facilitating"


class Interaction(Part):
    """How two squads work together. ``squad`` starts it: the consumer of a service, the
    facilitating squad, or the squad that asks to collaborate; ``partner`` is the other side."""

    squad = models.ForeignKey(
        Squad,
        on_delete=models.CASCADE,
        related_name="interactions_started",
        help_text="The squad that starts it: consumer, facilitator or the one asking.",
    )
    partner = models.ForeignKey(
        Squad,
        on_delete=models.CASCADE,
        related_name="interactions_joined",
        verbose_name="with",
        help_text="The provider of the service, the squad helped, or the collaborator.",
    )
    mode = models.CharField(
        max_length=16, choices=InteractionMode.choices, default=InteractionMode.X_AS_A_SERVICE
    )
    purpose = models.CharField(max_length=200, blank=True)
    starts_on = models.DateField("start date", null=True, blank=True)
    expected_end = models.DateField(
        null=True, blank=True, help_text="Collaboration is meant to be temporary: when does it end?"
    )

    objects = WithSquadManager("squad", "partner")

    def clean(self) -> None:
        if self.squad_id and self.squad_id == self.partner_id:
            raise ValidationError({"partner": "A squad cannot interact with itself."})
        if self.starts_on and self.expected_end and self.expected_end < self.starts_on:
            raise ValidationError({"expected_end": "The end comes before the start."})

    def __str__(self) -> str:
        squad = getattr(self, "squad", None)
        partner = getattr(self, "partner", None)
        return f"{squad} → {partner} ({self.get_mode_display()})"


class Area(models.TextChoices):
    """Accountability areas of the shared accountability model."""

    ENGINEERING = "engineering", "Engineering"
    GOVERNANCE = "governance", "Governance"
    FACILITATION = "facilitation", "Facilitation"
    STEERING = "steering", "Steering"


AREA_HINTS = {
    Area.ENGINEERING: "Delivering value",
    Area.GOVERNANCE: "Enabling value",
    Area.FACILITATION: "Building capability",
    Area.STEERING: "Setting direction",
}


class Capability(Part):
    """Something the organisation must be able to do, and someone must answer for."""

    area = models.CharField(max_length=14, choices=Area.choices, default=Area.ENGINEERING)
    name = models.CharField(max_length=120)
    description = models.TextField(blank=True)
    # the Backstage entity ref or Team API id the row was imported from: a re-import after a
    # rename renames instead of adding a second row (see docs/team-api-import.md)
    source_ref = models.CharField(max_length=300, blank=True, default="", editable=False)

    class Meta(Part.Meta):
        verbose_name_plural = "capabilities"

    def __str__(self) -> str:
        return self.name


class Responsibility(models.TextChoices):
    ACCOUNTABLE = "accountable", "Accountable"
    RESPONSIBLE = "responsible", "Responsible"
    CONSULTED = "consulted", "Consulted"
    INFORMED = "informed", "Informed"


RESPONSIBILITY_LETTERS = {
    Responsibility.ACCOUNTABLE: "A",
    Responsibility.RESPONSIBLE: "R",
    Responsibility.CONSULTED: "C",
    Responsibility.INFORMED: "I",
}


class Accountability(Part):
    """One cell of the shared accountability model: a squad's role for a capability.

    Exactly one accountable squad per capability is the rule, but it is checked, not enforced:
    a workshop passes through states that break it, and the page shows where.
    """

    capability = models.ForeignKey(
        Capability, on_delete=models.CASCADE, related_name="accountabilities"
    )
    squad = models.ForeignKey(Squad, on_delete=models.CASCADE, related_name="accountabilities")
    role = models.CharField(max_length=12, choices=Responsibility.choices)

    objects = WithSquadManager("squad", "capability")

    class Meta(Part.Meta):
        verbose_name_plural = "accountabilities"
        constraints = [
            models.UniqueConstraint(
                fields=["capability", "squad"], name="one_role_per_capability_and_squad"
            )
        ]

    @property
    def letter(self) -> str:
        return RESPONSIBILITY_LETTERS[Responsibility(self.role)]

    def __str__(self) -> str:
        capability = getattr(self, "capability", None)
        squad = getattr(self, "squad", None)
        return f"{squad} · {capability}: {self.get_role_display()}"
