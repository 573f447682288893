from __future__ import annotations

from django import forms

from opmodel.forms import PartForm
from teams.forms import OwnSquadForm

from .models import Journey, Stage, Step


def _area(rows: int = 2) -> forms.Textarea:
    return forms.Textarea(attrs={"rows": rows})


class JourneyForm(PartForm):
    class Meta:
        model = Journey
        fields = ["name", "owner", "purpose", "trigger", "outcome"]
        widgets = {"purpose": _area(2)}


class StageForm(PartForm):
    class Meta:
        model = Stage
        fields = ["journey", "name", "description"]
        widgets = {"description": _area(2)}


class StepForm(OwnSquadForm):
    """A team lead adds and edits only the steps their own squads perform."""

    class Meta:
        model = Step
        fields = [
            "stage",
            "title",
            "squad",
            "description",
            "technologies",
            "inputs",
            "outputs",
            "handoff_to",
            "automation",
            "pain_points",
        ]
        widgets = {
            "description": _area(2),
            "inputs": _area(2),
            "outputs": _area(2),
            "pain_points": _area(2),
            "technologies": forms.CheckboxSelectMultiple,
        }
