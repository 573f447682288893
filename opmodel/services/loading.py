"""The batched half of the document loader: a section's rows checked in memory, written at once.

Row by row, a document of a few thousand rows costs about ten queries a row: a fresh form (a
query per reference, then another when the model checks it), ``MAX(position)``, a second
``full_clean``, an INSERT, a history INSERT and one live event. Here every row still goes
through its section's own form, in document order, so values are cleaned exactly as a person's
input would be; but the form is built once per section, the rows a reference may name are
looked up in memory (one query per reference field and section), positions are counted in
memory, and the new rows, their many-to-many links and their history are written with one
``bulk_create`` each. The section announces itself once.

What a form does not check, the database does: uniqueness and constraints (one role per
capability and squad). When the batch breaks one, the loader starts again row by row, which
names the row and the rule exactly as it always has (``opmodel.services.documents``).
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from django import forms
from django.conf import settings
from django.db import connection, models
from django.db.models.base import ModelState
from django.db.models.signals import post_init, pre_init
from django.forms.models import model_to_dict
from django.utils import timezone

from opmodel import events

if TYPE_CHECKING:
    from django.contrib.auth.models import User

    from opmodel.models import OperatingModel, Part
    from opmodel.partforms import PartForm
    from opmodel.registry import Section


class Fallback(Exception):
    """The batch cannot tell the first error the way the row-by-row loader does."""


def batchable(section: Section) -> bool:
    """Can this section's rows be loaded in one batch with exactly the row-by-row result?

    Not a singleton (one row), and no row may point at a row of its own section (it would have
    to exist first).
    """
    if section.singleton:
        return False
    return not any(
        getattr(section.model_field(name), "related_model", None) is section.model
        for name in section.fields
    )


def checks_uniqueness(section: Section) -> bool:
    """Does the section's form check uniqueness or constraints (which the batch leaves to the
    database, so a row's error could come later than row by row)?"""
    meta = section.model._meta
    return bool(
        meta.total_unique_constraints
        or meta.constraints
        or meta.unique_together
        or any(f.unique and not f.primary_key for f in meta.fields)
    )


def _remembered(lookup: Callable[[], dict[int, Any]]) -> Callable[[], dict[int, Any]]:
    found: dict[int, Any] | None = None

    def rows() -> dict[int, Any]:
        nonlocal found
        if found is None:
            found = lookup()
        return found

    return rows


def _one_from_memory(field: forms.ModelChoiceField) -> None:
    """``to_python`` answers a key of a row it holds from memory; anything else (an empty value,
    text, an unknown key) goes the usual way, with the usual error."""
    usual = field.to_python
    queryset = field.queryset
    rows = _remembered(lambda: {obj.pk: obj for obj in (() if queryset is None else queryset)})

    def to_python(value: Any) -> Any:
        if type(value) is int and value in rows():
            return rows()[value]
        return usual(value)

    field.to_python = to_python  # type: ignore[method-assign]


def _many_from_memory(field: forms.ModelMultipleChoiceField) -> None:
    usual = field.clean
    queryset = field.queryset
    rows = _remembered(lambda: {obj.pk: obj for obj in (() if queryset is None else queryset)})

    def clean(value: Any) -> Any:
        if isinstance(value, list | tuple) and all(type(v) is int for v in value):
            if not value and not field.required:
                return []  # (the usual answer, an empty queryset, costs a query to compare)
            if value and all(v in rows() for v in value):
                return [rows()[v] for v in dict.fromkeys(value)]
        return usual(value)

    field.clean = clean  # type: ignore[method-assign]


_FORMS: dict[type, type] = {}


def _batch_form(form: type[PartForm]) -> type[PartForm]:
    """The section's form, leaving uniqueness and constraints to the database and not asking
    the database again whether a row its reference fields found in memory exists."""
    if form not in _FORMS:

        class BatchForm(form):  # type: ignore[valid-type,misc]
            def validate_unique(self) -> None:
                pass

            def validate_constraints(self) -> None:
                pass

            def _get_validation_exclusions(self) -> set[str]:
                exclude = super()._get_validation_exclusions()
                for name, value in self.cleaned_data.items():
                    if isinstance(value, models.Model) and not value._state.adding:
                        exclude.add(name)
                return exclude

        BatchForm.__name__ = BatchForm.__qualname__ = f"Batch{form.__name__}"
        _FORMS[form] = BatchForm
    return _FORMS[form]


def _blank(model: type[Part]) -> Part | None:
    """A new row of ``model`` to copy (``fresh``) instead of making each one anew, or None when
    a copy could differ from ``model()``: a default computed per row, or a listener on a row's
    making. Making a row sets every field to its default (~15 µs); a copy, ~2 µs."""
    if pre_init.has_listeners(model) or post_init.has_listeners(model):
        return None
    if any(f.has_default() and callable(f.default) for f in model._meta.concrete_fields):
        return None
    return model()


def fresh(blank: Part) -> Part:
    """A new unsaved row with the values of ``blank`` (from ``_blank``), as ``model()`` makes
    it: the same field values and a state of its own."""
    row = blank.__class__.__new__(blank.__class__)
    row.__dict__.update(blank.__dict__)
    row._state = ModelState()
    return row


class RowForm:
    """One section's form, built once and filled with each row in turn."""

    def __init__(self, section: Section, operating_model: OperatingModel) -> None:
        self.section = section
        self.blank = _blank(section.model)
        self.form = _batch_form(section.form)(data={}, operating_model=operating_model)
        for field in self.form.fields.values():
            if isinstance(field, forms.ModelMultipleChoiceField):
                _many_from_memory(field)
            elif isinstance(field, forms.ModelChoiceField):
                _one_from_memory(field)

    def made(self, **values: Any) -> Part:
        """``section.model(**values)`` (model fields by name): the blank row copied, given
        ``values`` as the constructor gives them (a reference through its descriptor)."""
        if self.blank is None:
            return self.section.model(**values)
        row = fresh(self.blank)
        for name, value in values.items():
            setattr(row, name, value)
        return row

    def initial(self, instance: Part) -> dict[str, Any]:
        """What the form shows for ``instance`` (its many references prefetched)."""
        return model_to_dict(instance, fields=self.section.fields)

    def check(self, data: dict[str, Any], instance: Part | None) -> forms.ModelForm:
        """The form, validated on ``data`` (for ``instance``, a copy, or a new row)."""
        form = self.form
        form.data = data
        form.is_bound = True
        form._errors = None  # type: ignore[attr-defined]
        if instance is not None:
            form.instance = copy.copy(instance)
        else:
            form.instance = fresh(self.blank) if self.blank is not None else self.section.model()
        form.is_valid()
        return form


class Positions:
    """The next free position per group, counted in memory as the row-by-row loader would
    find it with ``MAX(position)`` (a row edited into another group counts in its new one)."""

    def __init__(self, section: Section, rows: list[Part]) -> None:
        self.group_field = section.group_field
        self.groups: dict[Any, dict[Any, int]] = {}
        self.top: dict[Any, int] = {}
        self.where: dict[Any, Any] = {}
        for row in rows:
            self.seen(row, row.pk)

    def seen(self, row: Part, key: Any) -> None:
        """``row`` (known by ``key``) now sits in its group at its position."""
        group = getattr(row, self.group_field) if self.group_field else None
        if key in self.where:
            old = self.where[key]
            gone = self.groups[old].pop(key)
            if gone == self.top[old]:
                self.top[old] = max(self.groups[old].values(), default=-1)
        self.where[key] = group
        self.groups.setdefault(group, {})[key] = row.position
        self.top[group] = max(self.top.get(group, -1), row.position)

    def take(self, row: Part, key: Any) -> None:
        """Put a new row at the end of its group."""
        group = getattr(row, self.group_field) if self.group_field else None
        row.position = self.top.get(group, -1) + 1
        self.seen(row, key)


_HISTORY_OWN = ("history_id", "history_date", "history_change_reason", "history_type")
_MARKS = ("_history_user", "_history_date", "_change_reason")


def _history_create(
    model: type[Part], rows: list[Part], *, actor: User | None, reason: str
) -> None:
    """The "+" history records of ``rows``, as simple-history's ``bulk_history_create`` makes
    them (each at its own moment, by ``actor``, for ``reason``), but each record made from its
    values in field order instead of by keyword (a third of the time: keywords go through every
    field's descriptor). Whatever that function would decide otherwise (no actor, a row that
    names its own user, date or reason, history switched off, a history model of another shape)
    is left to it."""
    manager = model.history  # type: ignore[attr-defined]
    history = manager.model
    tracked = [f.attname for f in history.tracked_fields]
    names = [f.attname for f in history._meta.concrete_fields]
    if (
        actor is None
        or not getattr(settings, "SIMPLE_HISTORY_ENABLED", True)
        or hasattr(history, "history_relation")
        or sorted(names) != sorted([*tracked, *_HISTORY_OWN, "history_user_id"])
        or any(hasattr(row, mark) for row in rows for mark in _MARKS)
    ):
        manager.bulk_history_create(rows, default_user=actor, default_change_reason=reason)
        return
    own: dict[str, Any] = {
        "history_id": None,
        "history_change_reason": reason,
        "history_type": "+",
        "history_user_id": actor.pk,
    }
    plan = [(name, name in own or name == "history_date") for name in names]
    records = []
    for row in rows:
        own["history_date"] = timezone.now()
        records.append(history(*[own[n] if mine else getattr(row, n) for n, mine in plan]))
    history._default_manager.bulk_create(records)


class _Touched(Exception):
    pass


def _untouched(execute: Any, sql: Any, params: Any, many: Any, context: Any) -> Any:
    raise _Touched


class Batch:
    """A section's new rows, waiting to be written together.

    Whatever would see the database differently while rows wait is run after writing them:
    an update of an existing row, and a ``before_save`` hook that asks the database anything
    (the north star looks for the old one). A hook that decides from the row alone (most
    rows: not the north star) runs without writing; one that queries is stopped at its first
    query, the waiting rows are written, and it runs again, as it would row by row.
    """

    def __init__(
        self, section: Section, operating_model: OperatingModel, *, actor: User | None, reason: str
    ) -> None:
        self.section = section
        self.operating_model = operating_model
        self.actor = actor
        self.reason = reason
        self.rows: list[tuple[Part, dict[str, Any]]] = []

    def add(self, row: Part, many: dict[str, Any]) -> None:
        hook = self.section.before_save
        if hook is not None:

            def run() -> None:
                hook(section=self.section, part=row, actor=self.actor, creating=True)

            if not self.rows:
                run()
            else:
                try:
                    with connection.execute_wrapper(_untouched):
                        run()
                except _Touched:
                    self.flush()
                    run()
        self.rows.append((row, many))

    def flush(self) -> None:
        """Write the waiting rows, their links and history; announce them once."""
        rows, self.rows = self.rows, []
        if not rows:
            return
        section, model = self.section, self.section.model
        model._default_manager.bulk_create([row for row, _many in rows])
        for name in section.many_fields:
            model_field = section.model_field(name)
            through = getattr(model, name).through
            source = f"{model_field.m2m_field_name()}_id"  # type: ignore[attr-defined]
            target = f"{model_field.m2m_reverse_field_name()}_id"  # type: ignore[attr-defined]
            through._default_manager.bulk_create(
                [
                    through(**{source: row.pk, target: other.pk})
                    for row, many in rows
                    for other in many.get(name) or ()
                ]
            )
        _history_create(model, [row for row, _many in rows], actor=self.actor, reason=self.reason)
        events.part_event(
            channel=self.operating_model.channel,
            section=section.key,
            part_id=None,
            revision=None,
            action="created",
            actor=self.actor,
        )
