"""The form base every section's form builds on (``Section.form``), and the date inputs.

Apart from ``opmodel.forms`` (which re-exports these) so that the registry can name the form
base without importing the page forms, which import starters and documents.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.core.validators import MaxLengthValidator

from opmodel.access import Access
from opmodel.models import OperatingModel, Part
from opmodel.richtext import TEXT_MAX_LENGTH


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
