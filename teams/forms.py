from __future__ import annotations

from typing import Any, cast

from django import forms
from django.contrib.auth import get_user_model

from opmodel.forms import DateInput, PartForm

from .models import Accountability, Capability, Interaction, Person, Responsibility, Squad
from .rules import led_squads


def _area(rows: int = 2) -> forms.Textarea:
    return forms.Textarea(attrs={"rows": rows})


class OwnSquadForm(PartForm):
    """A row that belongs to one squad (``squad``): a team lead, who changes only their own
    squads' rows, is offered only those squads. (The rules refuse any other squad as well.)"""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields.get("squad")
        if field is not None and self.access is not None and not self.access.can_edit:
            field = cast("forms.ModelChoiceField", field)
            field.queryset = Squad.objects.filter(
                operating_model=self.operating_model, pk__in=led_squads(self.access)
            )
            field.empty_label = None
            field.required = True


class SquadForm(PartForm):
    class Meta:
        model = Squad
        fields = [
            "name",
            "team_type",
            "mode",
            "domain",
            "purpose",
            "focus",
            "services",
            "ways_of_working",
            "contact",
        ]
        widgets = {
            "purpose": _area(2),
            "focus": _area(2),
            "services": _area(2),
            "ways_of_working": _area(2),
        }


class PersonForm(OwnSquadForm):
    user = forms.ModelChoiceField(
        queryset=get_user_model().objects.none(),
        required=False,
        label="Account",
        help_text="Optional: link the person to a member's opmodel account.",
    )

    class Meta:
        model = Person
        fields = ["squad", "name", "role", "is_lead", "user"]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # Only the model's members can be linked: a crafted id of anyone else is refused.
        model = self.operating_model
        users = get_user_model().objects.none()
        if model is not None:
            users = (
                get_user_model()
                .objects.filter(groups__model_role__operating_model=model)
                .order_by("username")
            )
        cast("forms.ModelChoiceField", self.fields["user"]).queryset = users


class InteractionForm(OwnSquadForm):
    class Meta:
        model = Interaction
        fields = ["squad", "partner", "mode", "purpose", "starts_on", "expected_end"]
        widgets = {
            "starts_on": DateInput,
            "expected_end": DateInput,
        }


class CapabilityForm(PartForm):
    class Meta:
        model = Capability
        fields = ["area", "name", "description"]
        widgets = {"description": _area(2)}


class AccountabilityForm(OwnSquadForm):
    class Meta:
        model = Accountability
        fields = ["capability", "squad", "role"]


class CellForm(forms.Form):
    """One click in the accountability matrix: a role, or nothing (clear)."""

    role = forms.ChoiceField(choices=[("", "None"), *Responsibility.choices], required=False)
    revision = forms.IntegerField(required=False, min_value=0)


class LeadForm(forms.Form):
    user = forms.ModelChoiceField(queryset=get_user_model().objects.none(), label="Member")

    def __init__(self, *args: Any, members: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        cast("forms.ModelChoiceField", self.fields["user"]).queryset = members


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """Several files in one input (Django's documented recipe): a list of uploads."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("widget", MultipleFileInput())
        super().__init__(*args, **kwargs)

    def clean(self, data: Any, initial: Any = None) -> Any:
        one = super().clean
        if isinstance(data, list | tuple):
            return [one(d, initial) for d in data]
        return [one(data, initial)]


class ImportFilesForm(forms.Form):
    source = forms.ChoiceField(
        label="What the files are",
        choices=[
            ("backstage", "Backstage catalog (catalog-info YAML)"),
            ("team_api", "Team API files (YAML or JSON)"),
        ],
        widget=forms.RadioSelect,
        initial="backstage",
    )
    documents = MultipleFileField(
        label="Files",
        help_text="One or more files; several YAML documents per file are fine.",
    )

    def clean_documents(self) -> list[Any]:
        from opmodel.versions.documents import import_max_bytes

        uploads = self.cleaned_data["documents"]
        total, limit = sum(u.size for u in uploads), import_max_bytes()
        if total > limit:
            raise forms.ValidationError(
                f"The files hold {total / 1024 / 1024:.1f} MB; the limit is "
                f"{limit / 1024 / 1024:.0f} MB."
            )
        return uploads
