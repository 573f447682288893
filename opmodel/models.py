"""The core domain: operating models, roles and the versioned ``Part`` every row inherits."""

from __future__ import annotations

import uuid
from typing import Any

from django.conf import settings
from django.contrib.auth.models import Group
from django.core.exceptions import ValidationError
from django.db import models
from django.urls import reverse
from django.utils import timezone
from simple_history.models import HistoricalRecords

from opmodel.richtext import TEXT_MAX_LENGTH


class Role(models.TextChoices):
    """What a person may do in one operating model, from least to most."""

    VIEWER = "viewer", "Viewer"
    PARTICIPANT = "participant", "Participant"
    EDITOR = "editor", "Editor"
    FACILITATOR = "facilitator", "Facilitator"


# Object permissions each role holds on its OperatingModel (django-guardian, through a group).
ROLE_PERMISSIONS: dict[str, tuple[str, ...]] = {
    Role.VIEWER: ("view_operatingmodel",),
    Role.PARTICIPANT: ("view_operatingmodel", "participate_operatingmodel"),
    Role.EDITOR: ("view_operatingmodel", "participate_operatingmodel", "change_operatingmodel"),
    Role.FACILITATOR: (
        "view_operatingmodel",
        "participate_operatingmodel",
        "change_operatingmodel",
        "manage_operatingmodel",
        "delete_operatingmodel",
    ),
}
ROLE_ORDER = [Role.VIEWER, Role.PARTICIPANT, Role.EDITOR, Role.FACILITATOR]


class BoundedText:
    """Mixin for every model that holds text people type: each text field holds at most its
    own ``max_length`` or ``TEXT_MAX_LENGTH`` characters, checked by ``full_clean`` (so every
    service, importer and form refuses a longer one). Django checks a ``TextField``'s
    ``max_length`` only in forms; this checks it in the model, without a migration."""

    _meta: Any

    def clean_fields(self, exclude: Any = None) -> None:
        errors: dict[str, list[ValidationError]] = {}
        try:
            super().clean_fields(exclude=exclude)  # type: ignore[misc]
        except ValidationError as error:
            errors = error.update_error_dict(errors)
        for field in self._meta.concrete_fields:
            if not isinstance(field, models.TextField) or (exclude and field.name in exclude):
                continue
            limit = min(field.max_length or TEXT_MAX_LENGTH, TEXT_MAX_LENGTH)
            value = getattr(self, field.attname)
            if isinstance(value, str) and len(value) > limit and field.name not in errors:
                errors[field.name] = [
                    ValidationError(
                        "Ensure this value has at most %(limit)d characters (it has %(show)d).",
                        code="max_length",
                        params={"limit": limit, "show": len(value)},
                    )
                ]
        if errors:
            raise ValidationError(errors)


class OperatingModel(BoundedText, models.Model):
    """One organisation's operating model: the root every section's rows hang from."""

    name = models.CharField(max_length=120)
    slug = models.SlugField(max_length=80, unique=True)
    organisation = models.CharField(max_length=120)
    description = models.TextField(blank=True)
    # Set by a facilitator: members with a local password must have two-factor sign-in (TOTP).
    require_mfa = models.BooleanField(
        "require two-factor sign-in",
        default=False,
        help_text="Members who sign in with a password need an authenticator app.",
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["name"]
        permissions = [
            ("participate_operatingmodel", "Take part: notes, proposals, votes, comments"),
            ("manage_operatingmodel", "Facilitate: members, workshops, releases"),
        ]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("model-home", kwargs={"slug": self.slug})

    @property
    def channel(self) -> str:
        """The live-event channel of this model."""
        return f"{settings.OPMODEL_EVENTS_PREFIX}:model:{self.pk}"


class ModelGroup(models.Model):
    """The auth group that carries one role's object permissions on one operating model."""

    operating_model = models.ForeignKey(
        OperatingModel, on_delete=models.CASCADE, related_name="role_groups"
    )
    role = models.CharField(max_length=20, choices=Role.choices)
    group = models.OneToOneField(Group, on_delete=models.CASCADE, related_name="model_role")

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["operating_model", "role"], name="one_group_per_role")
        ]

    def __str__(self) -> str:
        return f"{self.operating_model} · {self.get_role_display()}"


class Part(BoundedText, models.Model):
    """Abstract base of every content row of every level.

    ``revision`` is the optimistic lock: a write names the revision it started from and is
    refused when the row has moved on. ``position`` orders rows within their section (or group).
    Every change is recorded by django-simple-history with the acting user and a reason.
    """

    operating_model = models.ForeignKey(
        OperatingModel, on_delete=models.CASCADE, related_name="%(app_label)s_%(class)s_set"
    )
    position = models.PositiveIntegerField(default=0)
    revision = models.PositiveIntegerField(default=1)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    history = HistoricalRecords(inherit=True)

    class Meta:
        abstract = True
        ordering = ["position", "pk"]

    def clean_fields(self, exclude: Any = None) -> None:
        """As Django's, without looking up again a reference that holds a row loaded from the
        database (a form's choice, the model the row belongs to): Django checks a foreign key
        with one query per field even then. The row exists, and the database's constraint
        catches one deleted since. A reference given as an id or an unsaved row is checked."""
        super().clean_fields(exclude={*(exclude or ()), *loaded_references(self)})


def loaded_references(row: models.Model) -> list[str]:
    """The names of ``row``'s foreign keys that hold a row loaded from the database."""
    names = []
    for ref in row._meta.concrete_fields:
        if ref.is_relation and ref.is_cached(row):  # type: ignore[attr-defined]
            target = ref.get_cached_value(row)  # type: ignore[attr-defined]
            if target is not None and not target._state.adding:
                names.append(ref.name)
    return names


class Release(BoundedText, models.Model):
    """A numbered, immutable snapshot of a whole model: what is socialised and printed.

    ``snapshot`` is the model as a document in the export format (``opmodel.versions``), built
    from the section registry when the release is published. Nothing ever changes it: the only
    write is ``release_publish``.
    """

    operating_model = models.ForeignKey(
        OperatingModel, on_delete=models.CASCADE, related_name="releases"
    )
    number = models.PositiveIntegerField()
    title = models.CharField(max_length=120)
    notes = models.TextField(blank=True, help_text="What changed and why, for the readers.")
    snapshot = models.JSONField()
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    published_at = models.DateTimeField()
    # The health findings of the model as published (check, severity, message, section): a
    # release's PDFs show its own health, not today's. None for releases published before
    # findings were recorded.
    health = models.JSONField(null=True, blank=True, editable=False)

    class Meta:
        ordering = ["-number"]
        constraints = [
            models.UniqueConstraint(
                fields=["operating_model", "number"], name="one_release_per_number"
            )
        ]

    def __str__(self) -> str:
        return f"{self.label} · {self.title}"

    def get_absolute_url(self) -> str:
        return reverse(
            "release-detail", kwargs={"slug": self.operating_model.slug, "number": self.number}
        )

    @property
    def label(self) -> str:
        return f"v{self.number}"


def export_path(export: Export, filename: str) -> str:
    # A random name: the file is never served by its path, but it must not be guessable either.
    return f"exports/{export.operating_model_id}/{uuid.uuid4().hex}.pdf"


class Export(models.Model):
    """One PDF asked for: of a release (cached: asking twice renders once) or of the live draft
    (always rendered fresh). Rendered by a Celery task (``opmodel.exports``); the file lives in
    Django's storage and is served only through the permission-checked download view.
    """

    class Kind(models.TextChoices):
        PICTURE = "picture", "Picture on a page"
        HANDBOOK = "handbook", "Handbook"
        WORKSHOP = "workshop", "Workshop summary"

    class Status(models.TextChoices):
        QUEUED = "queued", "Queued"
        RENDERING = "rendering", "Rendering"
        DONE = "done", "Done"
        FAILED = "failed", "Failed"

    operating_model = models.ForeignKey(
        OperatingModel, on_delete=models.CASCADE, related_name="exports"
    )
    release = models.ForeignKey(
        Release, null=True, blank=True, on_delete=models.CASCADE, related_name="exports"
    )
    kind = models.CharField(max_length=12, choices=Kind.choices)
    # What the PDF is about inside the model, for kinds that need it (a workshop's id); 0 when
    # it is the model itself (not NULL: the cache's unique constraint must see it).
    subject_id = models.PositiveIntegerField(default=0)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.QUEUED)
    progress = models.PositiveSmallIntegerField(default=0)  # percent
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    file = models.FileField(upload_to=export_path, blank=True)
    pages = models.PositiveIntegerField(default=0)
    error = models.TextField(blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)
    queued_at = models.DateTimeField(default=timezone.now)  # asked for, or asked again
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        constraints = [
            # A release's PDF is rendered once: one export per release, kind and subject.
            models.UniqueConstraint(
                fields=["release", "kind", "subject_id"],
                condition=models.Q(release__isnull=False),
                name="one_export_per_release_kind_subject",
            )
        ]
        indexes = [models.Index(fields=["operating_model", "-created_at"])]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} · {self.version_label} · {self.get_status_display()}"

    @property
    def version_label(self) -> str:
        return self.release.label if self.release_id and self.release else "draft"

    @property
    def finished(self) -> bool:
        return self.status in {self.Status.DONE, self.Status.FAILED}


class PersonalAccessToken(models.Model):
    """A person's key to the API (``opmodel.api``), made and revoked on their account page.

    Only a SHA-256 of the secret is kept: the token is shown once, when it is made. ``prefix``
    (public, unique) finds the row; the hash is compared in constant time.
    """

    class Scope(models.TextChoices):
        READ = "read", "Read"
        WRITE = "write", "Read and write"

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="api_tokens"
    )
    name = models.CharField(max_length=80)
    scope = models.CharField(max_length=8, choices=Scope.choices, default=Scope.READ)
    prefix = models.CharField(max_length=16, unique=True)
    secret_hash = models.CharField(max_length=64)
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField()
    revoked_at = models.DateTimeField(null=True, blank=True)
    last_used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        # Also the API's rate-limit key: one budget per token.
        return f"token:{self.prefix}"

    @property
    def active(self) -> bool:
        return self.revoked_at is None and self.expires_at > timezone.now()

    @property
    def can_write(self) -> bool:
        return self.scope == self.Scope.WRITE


class Webhook(models.Model):
    """A subscription of a URL to a model's events (``opmodel.webhooks``): deliveries are signed
    JSON (or a Slack / Microsoft Teams message when the URL is one of their incoming webhooks)."""

    class Event(models.TextChoices):
        RELEASE_PUBLISHED = "release.published", "A release is published"
        WORKSHOP_PHASE_CHANGED = "workshop.phase_changed", "A workshop moves to another phase"
        PROPOSAL_DECIDED = "proposal.decided", "A proposal is accepted, rejected or parked"
        FINDING_APPEARED = "health.finding_appeared", "A health finding appears"
        FINDING_RESOLVED = "health.finding_resolved", "A health finding is resolved"
        MODEL_CHANGED = "model.changed", "The model changed (edits sent together, batched)"

    class Kind(models.TextChoices):
        JSON = "json", "JSON (signed)"
        SLACK = "slack", "Slack"
        TEAMS = "teams", "Microsoft Teams"

    operating_model = models.ForeignKey(
        OperatingModel, on_delete=models.CASCADE, related_name="webhooks"
    )
    url = models.URLField(max_length=500)
    secret = models.CharField(max_length=128)
    kind = models.CharField(max_length=8, choices=Kind.choices, default=Kind.JSON)
    events = models.JSONField(default=list)
    active = models.BooleanField(default=True)
    failures = models.PositiveIntegerField(default=0)  # consecutive failed deliveries
    disabled_reason = models.CharField(max_length=200, blank=True)
    # The health findings this webhook last heard of: the next batch of changes is compared with
    # them to send "appeared" and "resolved" per finding.
    findings_seen = models.JSONField(default=list, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["pk"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} → {self.url}"


class WebhookChange(models.Model):
    """One change of a model's rows waiting to go out in the next "model changed" batch (only
    recorded while a webhook of the model listens to changes or health findings)."""

    operating_model = models.ForeignKey(OperatingModel, on_delete=models.CASCADE, related_name="+")
    section = models.CharField(max_length=60)
    part_id = models.PositiveBigIntegerField(null=True, blank=True)
    action = models.CharField(max_length=20)
    actor = models.CharField(max_length=150)
    at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["pk"]

    def __str__(self) -> str:
        return f"{self.section} {self.action} by {self.actor}"


class WebhookDelivery(models.Model):
    """One event sent (or being sent) to one webhook; the last 50 per webhook are kept."""

    webhook = models.ForeignKey(Webhook, on_delete=models.CASCADE, related_name="deliveries")
    event = models.CharField(max_length=40)
    payload = models.JSONField()
    status_code = models.PositiveIntegerField(null=True, blank=True)
    error = models.CharField(max_length=300, blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    delivered = models.BooleanField(default=False)
    created_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.event} → {self.status_code or self.error or 'pending'}"


class InvitationBase(models.Model):
    """What a model's and a workshop's invitation share: an address, a secret nonce for the
    signed link, who sent it, when it expires and when it was used."""

    email = models.EmailField()
    nonce = models.CharField(max_length=64, unique=True)
    invited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField()
    accepted_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        abstract = True
        ordering = ["-created_at", "-pk"]


class ModelInvitation(InvitationBase):
    """An emailed, signed, single-use, expiring invitation to become a member of one model with
    a role. Nobody is a member before they accept it (issue 14: an invitation answers the same
    whether or not an account exists for the address, and puts nothing on anyone's dashboard)."""

    operating_model = models.ForeignKey(
        OperatingModel, on_delete=models.CASCADE, related_name="invitations"
    )
    role = models.CharField(max_length=20, choices=Role.choices, default=Role.PARTICIPANT)
    accepted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="accepted_model_invitations",
    )

    def __str__(self) -> str:
        return f"{self.email} to {self.operating_model}"
