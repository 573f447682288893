from __future__ import annotations

from django import forms

from opmodel.forms import PartForm

from .models import Metric, Principle, Purpose, SkillSet, Stage, Technology


def _area(rows: int = 2) -> forms.Textarea:
    return forms.Textarea(attrs={"rows": rows})


class PurposeForm(PartForm):
    class Meta:
        model = Purpose
        fields = ["mission", "vision", "overview", "journey_name"]
        widgets = {"mission": _area(2), "vision": _area(2), "overview": _area(3)}


class StageForm(PartForm):
    class Meta:
        model = Stage
        fields = ["name", "description", "outcome"]
        widgets = {"description": _area(2)}


class MetricForm(PartForm):
    class Meta:
        model = Metric
        fields = ["name", "category", "description", "target", "current", "unit", "is_north_star"]
        widgets = {"description": _area(2)}


class PrincipleForm(PartForm):
    class Meta:
        model = Principle
        fields = ["group", "name", "statement", "implications"]
        widgets = {"implications": _area(2)}


class TechnologyForm(PartForm):
    class Meta:
        model = Technology
        fields = ["name", "category", "lifecycle", "purpose"]
        widgets = {"purpose": _area(2)}


class SkillSetForm(PartForm):
    class Meta:
        model = SkillSet
        fields = ["name", "target_level", "description"]
        widgets = {"description": _area(2)}
