from __future__ import annotations

from typing import Any, cast

from django import forms
from django.contrib.auth import get_user_model
from django.core.validators import MaxLengthValidator
from django.db.models import Q

from opmodel.access import Access
from opmodel.models import OperatingModel, Part, Role
from opmodel.richtext import TEXT_MAX_LENGTH
from opmodel.starters import starter_documents


class DateInput(forms.DateInput):
    """``<input type=date>``: a browser shows and sends only ``YYYY-MM-DD``; a value in the
    locale's format (``01/09/2025``) would show empty and come back empty."""

    input_type = "date"

    def __init__(self, attrs: dict[str, Any] | None = None) -> None:
        super().__init__(attrs, format="%Y-%m-%d")


class DateTimeInput(forms.DateTimeInput):
    """``<input type=datetime-local>``, in the one format a browser shows and sends."""

    input_type = "datetime-local"

    def __init__(self, attrs: dict[str, Any] | None = None) -> None:
        super().__init__(attrs, format="%Y-%m-%dT%H:%M")


def _bound(field: forms.CharField) -> None:
    """Hold a free-text field (a model ``TextField``) to ``TEXT_MAX_LENGTH``, in the browser
    too (``maxlength``)."""
    field.max_length = TEXT_MAX_LENGTH
    field.validators.append(MaxLengthValidator(TEXT_MAX_LENGTH))
    field.widget.attrs["maxlength"] = str(TEXT_MAX_LENGTH)


class PartForm(forms.ModelForm):
    """Base of every section's form: choices of other rows are limited to the same model.

    Every ``ModelChoiceField`` whose model is a section row (a ``Part``) offers only the rows of
    ``operating_model``, so a crafted request cannot point at another model's data. Every free
    text field holds at most ``TEXT_MAX_LENGTH`` characters.
    """

    def __init__(
        self,
        *args: Any,
        operating_model: OperatingModel | None = None,
        access: Access | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.operating_model = operating_model
        self.access = access  # who fills it in: a section may offer a team lead fewer choices
        for field in self.fields.values():
            if isinstance(field, forms.CharField) and not field.max_length:
                _bound(field)
            if not isinstance(field, forms.ModelChoiceField):
                continue
            queryset = field.queryset
            if queryset is not None and issubclass(queryset.model, Part):
                if operating_model is None:
                    field.queryset = queryset.none()
                else:
                    field.queryset = queryset.filter(operating_model=operating_model)


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
