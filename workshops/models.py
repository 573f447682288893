"""The workshop loop: invite -> workshop -> refine -> socialise -> done, and repeat.

A workshop belongs to one operating model and focuses on some of its sections (registry keys).
Notes, proposals, votes and comments name a section by its registry key and, optionally, a row
by its id: workshops know sections only through the registry, so they work for any level.
"""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils import timezone

from opmodel.models import BoundedText, InvitationBase, OperatingModel, Role


class Phase(models.TextChoices):
    INVITE = "invite", "Invite"
    WORKSHOP = "workshop", "Workshop"
    REFINE = "refine", "Refine"
    SOCIALISE = "socialise", "Socialise"
    DONE = "done", "Done"


PHASE_ORDER = [Phase.INVITE, Phase.WORKSHOP, Phase.REFINE, Phase.SOCIALISE, Phase.DONE]

# The roles an invitation may carry (the facilitator role is never handed out by email).
INVITABLE_ROLES = [Role.PARTICIPANT, Role.EDITOR, Role.VIEWER]


class Workshop(BoundedText, models.Model):
    operating_model = models.ForeignKey(
        OperatingModel, on_delete=models.CASCADE, related_name="workshops"
    )
    title = models.CharField(max_length=120)
    goal = models.TextField(blank=True, help_text="What the workshop should decide or produce.")
    sections = models.JSONField(default=list, help_text="Registry keys of the focused sections.")
    starts_at = models.DateTimeField()
    duration_minutes = models.PositiveIntegerField(default=90)
    phase = models.CharField(max_length=12, choices=Phase.choices, default=Phase.INVITE)
    facilitator = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="facilitated_workshops"
    )
    allow_anonymous_notes = models.BooleanField(default=False)
    vote_budget = models.PositiveSmallIntegerField(default=5, help_text="Dots per person.")
    votes_revealed = models.BooleanField(default=False)
    focus_section = models.CharField(max_length=80, blank=True)
    # "Bring everyone here": one item of the focused section (None: the section as a whole).
    focus_part_id = models.PositiveBigIntegerField(null=True, blank=True)
    # Private writing: new notes are seen by their authors only, until the facilitator reveals.
    private_writing = models.BooleanField(default=False)
    # Breakout groups: while open, each group sees its own notes and proposals only.
    breakouts_open = models.BooleanField(default=False)
    current_block = models.ForeignKey(
        "AgendaBlock", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    timer_ends_at = models.DateTimeField(null=True, blank=True)
    started_at = models.DateTimeField(null=True, blank=True)
    summary_sent_at = models.DateTimeField(null=True, blank=True)
    previous = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="follow_ups"
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-starts_at", "-pk"]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("workshop-detail", kwargs={"slug": self.operating_model.slug, "pk": self.pk})

    @property
    def channel(self) -> str:
        """The room's live channel; it matches the model channels' Redis pattern."""
        return f"{self.operating_model.channel}:workshop:{self.pk}"

    @property
    def ends_at(self):
        return self.starts_at + timedelta(minutes=self.duration_minutes)

    @property
    def phase_index(self) -> int:
        return PHASE_ORDER.index(Phase(self.phase))


class AgendaBlock(models.Model):
    """A timeboxed block of the workshop's agenda."""

    workshop = models.ForeignKey(Workshop, on_delete=models.CASCADE, related_name="agenda")
    position = models.PositiveIntegerField(default=0)
    title = models.CharField(max_length=120)
    minutes = models.PositiveIntegerField(default=15)

    class Meta:
        ordering = ["position", "pk"]

    def __str__(self) -> str:
        return f"{self.title} ({self.minutes} min)"


class PhaseChange(BoundedText, models.Model):
    """Every move of a workshop between phases, forward or back, and why."""

    workshop = models.ForeignKey(Workshop, on_delete=models.CASCADE, related_name="phase_changes")
    from_phase = models.CharField(max_length=12, choices=Phase.choices)
    to_phase = models.CharField(max_length=12, choices=Phase.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    reason = models.TextField(blank=True)
    at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["at", "pk"]

    def __str__(self) -> str:
        return f"{self.from_phase} -> {self.to_phase}"


class Breakout(models.Model):
    """A group the facilitator splits the room into: its own notes, proposals and timer on the
    same model, brought back into the main room when the facilitator ends the breakout."""

    workshop = models.ForeignKey(Workshop, on_delete=models.CASCADE, related_name="breakouts")
    number = models.PositiveSmallIntegerField()
    timer_ends_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["number", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["workshop", "number"], name="one_breakout_number")
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def title(self) -> str:
        return f"Group {self.number}"


class Rsvp(models.TextChoices):
    YES = "yes", "Yes"
    MAYBE = "maybe", "Maybe"
    NO = "no", "No"


class Attendee(models.Model):
    """Someone who belongs to this workshop (invited and accepted, or added by the facilitator).

    Also holds presence: the number of open room streams and when one was last seen.
    """

    workshop = models.ForeignKey(Workshop, on_delete=models.CASCADE, related_name="attendees")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="workshop_attendances"
    )
    rsvp = models.CharField(max_length=8, choices=Rsvp.choices, blank=True)
    connections = models.IntegerField(default=0)
    breakout = models.ForeignKey(
        Breakout, null=True, blank=True, on_delete=models.SET_NULL, related_name="members"
    )
    last_seen = models.DateTimeField(null=True, blank=True)
    joined_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["joined_at", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["workshop", "user"], name="one_attendee_per_user")
        ]

    def __str__(self) -> str:
        return f"{self.user} in {self.workshop}"


class Invitation(InvitationBase):
    """An emailed, signed, single-use, expiring invitation to one workshop with a role."""

    workshop = models.ForeignKey(Workshop, on_delete=models.CASCADE, related_name="invitations")
    role = models.CharField(
        max_length=20,
        choices=[(r.value, r.label) for r in INVITABLE_ROLES],
        default=Role.PARTICIPANT,
    )
    rsvp = models.CharField(max_length=8, choices=Rsvp.choices, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    accepted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="accepted_invitations",
    )
    revoked_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"{self.email} to {self.workshop}"

    @property
    def status(self) -> str:
        if self.revoked_at:
            return "revoked"
        if self.accepted_at:
            return "accepted"
        if self.expires_at <= timezone.now():
            return "expired"
        return "pending"


class NoteKind(models.TextChoices):
    IDEA = "idea", "Idea"
    QUESTION = "question", "Question"
    CONCERN = "concern", "Concern"


class NoteGroup(models.Model):
    """A cluster the facilitator gathers notes into."""

    workshop = models.ForeignKey(Workshop, on_delete=models.CASCADE, related_name="note_groups")
    title = models.CharField(max_length=80)

    class Meta:
        ordering = ["title", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["workshop", "title"], name="one_group_title")
        ]

    def __str__(self) -> str:
        return self.title


class Note(BoundedText, models.Model):
    workshop = models.ForeignKey(Workshop, on_delete=models.CASCADE, related_name="notes")
    # None for an anonymous note: anonymity is real, not a display setting.
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    kind = models.CharField(max_length=10, choices=NoteKind.choices, default=NoteKind.IDEA)
    text = models.TextField(max_length=2000)
    section = models.CharField(max_length=80, blank=True)
    part_id = models.PositiveBigIntegerField(null=True, blank=True)
    part_label = models.CharField(max_length=200, blank=True)
    group = models.ForeignKey(
        NoteGroup, null=True, blank=True, on_delete=models.SET_NULL, related_name="notes"
    )
    # Written during private writing and not revealed yet: only its author sees it.
    private = models.BooleanField(default=False)
    # Revealed without names: the author is kept (their own rights) but never shown to others.
    author_hidden = models.BooleanField(default=False)
    breakout = models.ForeignKey(
        Breakout, null=True, blank=True, on_delete=models.SET_NULL, related_name="notes"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["created_at", "pk"]

    def __str__(self) -> str:
        return self.text[:60]


class ProposalKind(models.TextChoices):
    CHANGE = "change", "Change an item"
    ADD = "add", "Add an item"
    DELETE = "delete", "Delete an item"
    IDEA = "idea", "Change described in words"


class ProposalStatus(models.TextChoices):
    OPEN = "open", "Open"
    ACCEPTED = "accepted", "Accepted"
    REJECTED = "rejected", "Rejected"
    PARKED = "parked", "Parked"


class Proposal(BoundedText, models.Model):
    """A proposed change to the draft: concrete field values, a new row, a deletion, or words.

    ``changes`` holds field -> new value in form-data shape (references as ids), validated by
    the section's own form when proposed and again when applied; ``base_revision`` is the row's
    revision when proposed, so a row changed since is merged or reported, never overwritten.
    """

    workshop = models.ForeignKey(Workshop, on_delete=models.CASCADE, related_name="proposals")
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    section = models.CharField(max_length=80)
    part_id = models.PositiveBigIntegerField(null=True, blank=True)
    part_label = models.CharField(max_length=200, blank=True)
    kind = models.CharField(max_length=10, choices=ProposalKind.choices)
    changes = models.JSONField(default=dict, blank=True)
    display = models.JSONField(default=dict, blank=True)
    base_revision = models.PositiveIntegerField(null=True, blank=True)
    rationale = models.TextField(blank=True)
    status = models.CharField(
        max_length=10, choices=ProposalStatus.choices, default=ProposalStatus.OPEN
    )
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    decision_note = models.TextField(blank=True)
    number = models.PositiveIntegerField(default=0)
    applied_at = models.DateTimeField(null=True, blank=True)
    applied_part_id = models.PositiveBigIntegerField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="owned_proposals",
    )
    # The last apply attempt that met a conflicting change: fields and their current values.
    conflict = models.JSONField(default=dict, blank=True)
    carried_from = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    breakout = models.ForeignKey(
        Breakout, null=True, blank=True, on_delete=models.SET_NULL, related_name="proposals"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["number", "pk"]

    def __str__(self) -> str:
        return f"Proposal #{self.number}"

    @property
    def is_concrete(self) -> bool:
        return self.kind != ProposalKind.IDEA


class Vote(models.Model):
    """One dot on a note or a proposal; a person may put several dots on one thing."""

    workshop = models.ForeignKey(Workshop, on_delete=models.CASCADE, related_name="votes")
    voter = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    note = models.ForeignKey(
        Note, null=True, blank=True, on_delete=models.CASCADE, related_name="votes"
    )
    proposal = models.ForeignKey(
        Proposal, null=True, blank=True, on_delete=models.CASCADE, related_name="votes"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=models.Q(note__isnull=False, proposal__isnull=True)
                | models.Q(note__isnull=True, proposal__isnull=False),
                name="vote_on_one_thing",
            )
        ]

    def __str__(self) -> str:
        return f"Dot by {self.voter_id} on {'note' if self.note_id else 'proposal'}"


class ShareLink(models.Model):
    """A revocable read-and-comment link to the draft, for people without an account."""

    workshop = models.ForeignKey(Workshop, on_delete=models.CASCADE, related_name="share_links")
    nonce = models.CharField(max_length=64, unique=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return f"Share link to {self.workshop}"


class CommentStatus(models.TextChoices):
    OPEN = "open", "Open"
    RESOLVED = "resolved", "Resolved"


class Comment(BoundedText, models.Model):
    """A correction or remark on the shared draft; open ones seed the next workshop."""

    workshop = models.ForeignKey(Workshop, on_delete=models.CASCADE, related_name="comments")
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    author_name = models.CharField(max_length=80, blank=True)
    share_link = models.ForeignKey(
        ShareLink, null=True, blank=True, on_delete=models.SET_NULL, related_name="comments"
    )
    section = models.CharField(max_length=80, blank=True)
    part_id = models.PositiveBigIntegerField(null=True, blank=True)
    part_label = models.CharField(max_length=200, blank=True)
    text = models.TextField(max_length=4000)
    status = models.CharField(
        max_length=10, choices=CommentStatus.choices, default=CommentStatus.OPEN
    )
    carried_to = models.ForeignKey(
        Workshop, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["created_at", "pk"]

    def __str__(self) -> str:
        return self.text[:60]

    @property
    def is_guest(self) -> bool:
        """Written through a share link, not by a signed-in person: the name is what they typed."""
        return not self.author_id

    @property
    def who(self) -> str:
        """Who wrote it, as every page, email and PDF shows it: a guest's typed name is marked
        as a guest's, so "felix" through a share link never looks like member felix."""
        if self.author_id and self.author:
            return self.author.get_full_name() or self.author.get_username()
        if self.author_name:
            return f"{self.author_name} (guest)"
        return "A guest with the share link"
