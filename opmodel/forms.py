from __future__ import annotations

from typing import Any, cast

from django import forms
from django.contrib.auth import get_user_model, password_validation

from opmodel.models import Role
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


class MemberInviteForm(forms.Form):
    """Invite a person by email: the same answer whether or not they have an account."""

    email = forms.EmailField(label="Email", max_length=254)
    role = forms.ChoiceField(choices=Role.choices, initial=Role.PARTICIPANT)


PASSWORD_MAX = 1024  # hashing a longer one is work an attacker chooses


class InvitationSignupForm(forms.Form):
    """A person invited (to a model or a workshop) without an account yet sets their name and
    password."""

    name = forms.CharField(max_length=150, label="Your name")
    password1 = forms.CharField(
        label="Password", widget=forms.PasswordInput, strip=False, max_length=PASSWORD_MAX
    )
    password2 = forms.CharField(
        label="Password again", widget=forms.PasswordInput, strip=False, max_length=PASSWORD_MAX
    )

    def __init__(self, *args: Any, email: str, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.email = email

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        one, two = data.get("password1"), data.get("password2")
        if one and two and one != two:
            self.add_error("password2", "The two passwords differ.")
        elif one:
            try:
                password_validation.validate_password(
                    one, get_user_model()(username=self.email, email=self.email)
                )
            except forms.ValidationError as error:
                self.add_error("password1", error)
        return data


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
