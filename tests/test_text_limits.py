"""Class guard: every text field, in every model and every form the project defines, has a
size limit (at most ``TEXT_MAX_LENGTH`` characters, documented in docs/threat-model.md).

Forms used to take ~2.5 MB per field, and Level 2 imports wrote a 922,229-character purpose:
a few such texts tied up the Markdown renderer for everyone.
"""

from __future__ import annotations

import importlib

import pytest
from django import forms
from django.apps import apps
from django.core.exceptions import ValidationError
from django.db import models

from opmodel.registry import registry
from opmodel.richtext import TEXT_MAX_LENGTH

PROJECT_APPS = ("opmodel", "canvas", "teams", "journeys", "workshops")
# Written by the system, never typed by a person: the error a failed PDF render left.
NOT_TYPED = {("opmodel", "export", "error")}


def _text_fields() -> list[tuple[type[models.Model], models.Field]]:
    found = []
    for model in apps.get_models():
        if model._meta.app_label not in PROJECT_APPS or model.__name__.startswith("Historical"):
            continue
        for field in model._meta.concrete_fields:
            key = (model._meta.app_label, model._meta.model_name, field.name)
            if isinstance(field, models.CharField | models.TextField) and key not in NOT_TYPED:
                found.append((model, field))
    return found


TEXT_FIELDS = _text_fields()


@pytest.mark.parametrize(
    ("model", "field"), TEXT_FIELDS, ids=[f"{m.__name__}.{f.name}" for m, f in TEXT_FIELDS]
)
def test_every_model_text_field_refuses_a_text_past_the_limit(model, field):
    instance = model()
    setattr(instance, field.attname, "x" * (TEXT_MAX_LENGTH + 1))
    others = [f.name for f in model._meta.fields if f.name != field.name]
    with pytest.raises(ValidationError) as caught:
        instance.clean_fields(exclude=others)
    assert field.name in caught.value.message_dict


def _project_forms() -> list[type[forms.BaseForm]]:
    for app in PROJECT_APPS:
        importlib.import_module(f"{app}.forms")
    found, stack = [], [forms.Form, forms.ModelForm]
    while stack:
        cls = stack.pop()
        stack += cls.__subclasses__()
        if cls.__module__.split(".")[0] in PROJECT_APPS:
            found.append(cls)
    return sorted(set(found), key=lambda c: f"{c.__module__}.{c.__qualname__}")


def _unbounded(form: forms.BaseForm | type[forms.BaseForm], fields: dict) -> list[str]:
    return [
        name
        for name, field in fields.items()
        if isinstance(field, forms.CharField)
        and not isinstance(field.widget, forms.PasswordInput)  # hashed: never stored or shown
        and (not field.max_length or field.max_length > TEXT_MAX_LENGTH)
    ]


@pytest.mark.django_db
@pytest.mark.parametrize("form_class", _project_forms(), ids=lambda c: c.__qualname__)
def test_every_form_text_field_has_a_limit(form_class):
    try:  # a form may set limits when it is made (the login form's username)
        fields = form_class().fields
    except (TypeError, ValueError):  # needs arguments, or is an abstract base
        fields = form_class.base_fields
    assert _unbounded(form_class, fields) == []


@pytest.mark.django_db
def test_every_section_form_holds_text_to_the_limit(small_om):
    for section in registry.sections():
        form = section.form(operating_model=small_om)
        assert _unbounded(form, form.fields) == [], section.key
        texts = [n for n, f in form.fields.items() if isinstance(f, forms.CharField)]
        for name in texts:
            data = {**form.initial, name: "x" * (TEXT_MAX_LENGTH + 1)}
            bound = section.form(data=data, operating_model=small_om)
            assert not bound.is_valid() and name in bound.errors, (section.key, name)
