from __future__ import annotations

from typing import Any, cast

from django import forms
from django.contrib.auth import get_user_model
from django.db.models import Q

from opmodel.models import OperatingModel, Role
from opmodel.partforms import DateInput as DateInput  # the form base lives in opmodel.partforms
from opmodel.partforms import DateTimeInput as DateTimeInput
from opmodel.partforms import PartForm as PartForm
from opmodel.richtext import TEXT_MAX_LENGTH
from opmodel.starters import starter_documents


class OperatingModelForm(forms.Form):
    name = forms.CharField(max_length=120, help_text="e.g. Data operating model 2027")
    organisation = forms.CharField(max_length=120)
    description = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 3}), required=False, max_length=TEXT_MAX_LENGTH
    )
    starter = forms.ChoiceField(
        label="Start from",
        widget=forms.RadioSelect,
        initial="",
        required=False,
    )

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.starters = {s.key: s for s in starter_documents()}
        choices = [("", "A blank canvas")] + [(s.key, s.title) for s in self.starters.values()]
        cast("forms.ChoiceField", self.fields["starter"]).choices = choices


class MemberAddForm(forms.Form):
    who = forms.CharField(label="Username or email", max_length=254)
    role = forms.ChoiceField(choices=Role.choices, initial=Role.PARTICIPANT)

    def __init__(self, *args, operating_model: OperatingModel, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.operating_model = operating_model

    def clean_who(self):
        who = self.cleaned_data["who"].strip()
        users = get_user_model().objects.filter(
            Q(username__iexact=who) | Q(email__iexact=who), is_active=True
        )
        found = list(users[:2])
        if not found:
            raise forms.ValidationError(
                f"No one with the username or email “{who}” has an account yet."
            )
        if len(found) > 1:
            raise forms.ValidationError("Several accounts share that email: use the username.")
        return found[0]


class RoleForm(forms.Form):
    role = forms.ChoiceField(choices=Role.choices)


class ReleaseForm(forms.Form):
    title = forms.CharField(max_length=120, help_text="e.g. After the March workshop")
    notes = forms.CharField(
        max_length=TEXT_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 4}),
        required=False,
        help_text="What changed and why, for the people who read it.",
    )


class TimelineFilterForm(forms.Form):
    """The timeline's filters (all optional), from the query string."""

    section = forms.ChoiceField(required=False, label="Section")
    person = forms.TypedChoiceField(required=False, coerce=int, empty_value=None, label="Person")
    since = forms.DateField(required=False, label="From", widget=DateInput)
    until = forms.DateField(required=False, label="To", widget=DateInput)

    def __init__(self, *args, sections: list[Any], people: list[Any], **kwargs) -> None:
        super().__init__(*args, **kwargs)
        cast("forms.ChoiceField", self.fields["section"]).choices = [("", "All sections")] + [
            (s.slug, s.title) for s in sections
        ]
        cast("forms.ChoiceField", self.fields["person"]).choices = [("", "Everyone")] + [
            (p.pk, p.get_full_name() or p.get_username()) for p in people
        ]


class AsOfForm(forms.Form):
    at = forms.DateTimeField(
        label="Date and time",
        widget=DateTimeInput,
        input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M", "%Y-%m-%d"],
    )


class ImportForm(forms.Form):
    file = forms.FileField(
        label="Model file (YAML or JSON)",
        help_text="A file exported from opmodel, or written by hand in the same format.",
    )

    def clean_file(self):
        from opmodel.versions.documents import import_max_bytes

        upload = self.cleaned_data["file"]
        limit = import_max_bytes()
        if upload.size > limit:
            raise forms.ValidationError(
                f"The file is {upload.size / 1024 / 1024:.1f} MB; the limit is "
                f"{limit / 1024 / 1024:.0f} MB."
            )
        return upload
