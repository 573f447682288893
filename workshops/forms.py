from __future__ import annotations

import re
from typing import Any, cast

from django import forms
from django.core.validators import validate_email

from opmodel.forms import DateTimeInput
from opmodel.registry import registry
from opmodel.richtext import TEXT_MAX_LENGTH

from .models import INVITABLE_ROLES, NoteKind, Phase, ProposalKind, Rsvp, Workshop

PASSWORD_MAX = 1024  # hashing a longer one is work an attacker chooses


class WorkshopForm(forms.Form):
    title = forms.CharField(max_length=120)
    goal = forms.CharField(
        max_length=TEXT_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 2}),
        required=False,
        help_text="What should the workshop decide or produce?",
    )
    sections = forms.MultipleChoiceField(
        widget=forms.CheckboxSelectMultiple, help_text="The parts of the model to work on."
    )
    starts_at = forms.DateTimeField(label="Starts", widget=DateTimeInput)
    duration_minutes = forms.IntegerField(label="Duration (minutes)", min_value=15, initial=90)
    agenda = forms.CharField(
        max_length=TEXT_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 5}),
        required=False,
        help_text="One timeboxed block per line, minutes first: “10 Why we are here”.",
    )
    vote_budget = forms.IntegerField(label="Dots per person", min_value=1, max_value=20, initial=5)
    allow_anonymous_notes = forms.BooleanField(required=False, label="Allow anonymous notes")

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = cast("forms.MultipleChoiceField", self.fields["sections"])
        field.choices = [(s.key, f"Level {s.level} · {s.title}") for s in registry.sections()]

    def clean_agenda(self) -> list[tuple[str, int]]:
        blocks = []
        for n, line in enumerate(self.cleaned_data["agenda"].splitlines(), start=1):
            line = line.strip()
            if not line:
                continue
            match = re.match(r"^(\d{1,3})\s*(?:min\w*)?\s+(.+)$", line)
            if not match:
                raise forms.ValidationError(f"Line {n}: start with the minutes, e.g. “15 {line}”.")
            blocks.append((match.group(2).strip(), int(match.group(1))))
        return blocks

    @staticmethod
    def initial_for(workshop: Workshop) -> dict[str, Any]:
        from django.utils import timezone

        return {
            "title": workshop.title,
            "goal": workshop.goal,
            "sections": workshop.sections,
            "starts_at": timezone.localtime(workshop.starts_at).strftime("%Y-%m-%dT%H:%M"),
            "duration_minutes": workshop.duration_minutes,
            "agenda": "\n".join(f"{b.minutes} {b.title}" for b in workshop.agenda.all()),
            "vote_budget": workshop.vote_budget,
            "allow_anonymous_notes": workshop.allow_anonymous_notes,
        }


class PhaseForm(forms.Form):
    to_phase = forms.ChoiceField(choices=Phase.choices)
    reason = forms.CharField(required=False, max_length=500)


class InvitationForm(forms.Form):
    emails = forms.CharField(
        max_length=TEXT_MAX_LENGTH,
        label="Email addresses",
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="One or more, separated by commas or new lines.",
    )
    role = forms.ChoiceField(choices=[(r.value, r.label) for r in INVITABLE_ROLES])

    def clean_emails(self) -> list[str]:
        emails = [e.strip() for e in re.split(r"[\s,;]+", self.cleaned_data["emails"]) if e.strip()]
        if not emails:
            raise forms.ValidationError("Give at least one email address.")
        if len(emails) > 100:
            raise forms.ValidationError("Invite at most 100 people at a time.")
        for email in emails:
            validate_email(email)
        return list(dict.fromkeys(emails))


class RsvpForm(forms.Form):
    answer = forms.ChoiceField(choices=Rsvp.choices)


class NoteForm(forms.Form):
    kind = forms.ChoiceField(
        choices=NoteKind.choices, initial=NoteKind.IDEA, widget=forms.RadioSelect
    )
    text = forms.CharField(
        max_length=2000, widget=forms.Textarea(attrs={"rows": 2, "placeholder": "Your note"})
    )
    section = forms.ChoiceField(required=False, label="On")
    part_id = forms.IntegerField(required=False, widget=forms.HiddenInput)
    anonymous = forms.BooleanField(required=False, label="Post anonymously")

    def __init__(self, *args: Any, workshop: Workshop, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        titles = {s.key: s.title for s in registry.sections()}
        cast("forms.ChoiceField", self.fields["section"]).choices = [("", "The whole workshop")] + [
            (key, titles.get(key, key)) for key in workshop.sections
        ]
        if not workshop.allow_anonymous_notes:
            del self.fields["anonymous"]


class ProposalForm(forms.Form):
    kind = forms.ChoiceField(choices=ProposalKind.choices, widget=forms.HiddenInput)
    rationale = forms.CharField(
        required=False,
        label="Why (or the change in words)",
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=4000,
    )


class TimerForm(forms.Form):
    action = forms.ChoiceField(
        choices=[("start", "start"), ("stop", "stop"), ("extend", "extend"), ("next", "next")]
    )
    block = forms.IntegerField(required=False)
    minutes = forms.IntegerField(required=False, min_value=1, max_value=240)


class FocusForm(forms.Form):
    # "section" or "section:item id" (one select lists the sections and their items)
    section = forms.CharField(required=False, max_length=100)

    def clean(self) -> dict:
        data = super().clean() or {}
        key, _, item = data.get("section", "").partition(":")
        data["section"], data["item"] = key, int(item) if item.isdigit() else None
        return data


class WritingForm(forms.Form):
    action = forms.ChoiceField(choices=[("start", "start"), ("reveal", "reveal")])
    show_authors = forms.BooleanField(required=False)


class BreakoutForm(forms.Form):
    action = forms.ChoiceField(choices=[("split", "split"), ("end", "end"), ("assign", "assign")])
    groups = forms.IntegerField(required=False, min_value=2, max_value=12)
    mode = forms.ChoiceField(choices=[("random", "random"), ("hand", "hand")], required=False)
    user = forms.IntegerField(required=False)
    group = forms.IntegerField(required=False)


class BreakoutTimerForm(forms.Form):
    minutes = forms.IntegerField(min_value=1, max_value=240)


class RevealForm(forms.Form):
    revealed = forms.BooleanField(required=False)


class UserChoiceForm(forms.Form):
    user = forms.IntegerField()


class DecisionForm(forms.Form):
    decision = forms.ChoiceField(
        choices=[("accept", "accept"), ("reject", "reject"), ("park", "park"), ("reopen", "reopen")]
    )
    note = forms.CharField(required=False, max_length=1000)
    on_current = forms.BooleanField(required=False)


class VoteForm(forms.Form):
    note = forms.IntegerField(required=False)
    proposal = forms.IntegerField(required=False)
    action = forms.ChoiceField(choices=[("add", "add"), ("remove", "remove")], required=False)


class CommentForm(forms.Form):
    text = forms.CharField(
        max_length=4000, widget=forms.Textarea(attrs={"rows": 2, "placeholder": "Your comment"})
    )
    section = forms.CharField(required=False, max_length=80, widget=forms.HiddenInput)
    part_id = forms.IntegerField(required=False, widget=forms.HiddenInput)
    author_name = forms.CharField(required=False, max_length=80, label="Your name")
