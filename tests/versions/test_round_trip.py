"""Round trip, property-based: for generated models, export -> import into a new model -> export
gives the same document (ids aside). The documents are generated from the registry, so every
section a level registers is covered without touching this test."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.db import models
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from opmodel.registry import Section, registry
from opmodel.services import document_import
from opmodel.versions import document_dump, document_export, document_parse
from tests.versions.conftest import normalise_ids

pytestmark = [pytest.mark.engine, pytest.mark.django_db]

# Printable text, as people type it: letters of any script, digits, punctuation, spaces.
CHARACTERS = st.characters(
    codec="utf-8", categories=("L", "N", "P", "S", "Zs"), exclude_characters="\u2028\u2029\x85"
)


def _text(max_size: int, lines: bool) -> st.SearchStrategy[str]:
    line = st.text(CHARACTERS, max_size=min(max_size, 40)).map(str.strip)
    if not lines:
        return line
    return st.lists(line, max_size=3).map("\n".join).map(str.strip).map(lambda t: t[:max_size])


def _value(field: models.Field, required: bool) -> st.SearchStrategy[Any]:
    if field.choices:
        return st.sampled_from([value for value, _label in field.flatchoices])
    if isinstance(field, models.BooleanField):
        return st.booleans()
    if isinstance(field, models.IntegerField):
        return st.integers(min_value=0, max_value=10_000)
    text = _text(field.max_length or 400, isinstance(field, models.TextField))
    return text.filter(bool) if required else text


def _row(section: Section) -> st.SearchStrategy[dict[str, Any]]:
    fields = {}
    for name in section.fields:
        field = section.model._meta.get_field(name)
        if field.is_relation or isinstance(field, models.DateField):
            continue  # references and dates are drawn below, with their constraints
        required = not field.blank and not field.has_default()
        fields[name] = _value(field, required or not field.blank)
    return st.fixed_dictionaries(fields)


DATES = st.dates(min_value=dt.date(2020, 1, 1), max_value=dt.date(2030, 12, 31))


def _references(draw, section: Section, row: dict[str, Any], ids: dict[type, list[str]]) -> bool:
    """Fill the row's references with ids of rows drawn before (distinct ones where a row points
    twice at the same kind of row: a squad does not interact with itself). False when a
    required reference has nothing to point at."""
    by_target: dict[type, list[models.Field]] = {}
    for name in section.fields:
        field = section.model._meta.get_field(name)
        if field.is_relation and not field.many_to_many:
            by_target.setdefault(field.related_model, []).append(field)
    for target, fields in by_target.items():
        available = ids.get(target, [])
        if len(available) < len(fields):
            if any(not f.null and not f.blank for f in fields):
                return False
            continue
        chosen = draw(
            st.lists(
                st.sampled_from(available), min_size=len(fields), max_size=len(fields), unique=True
            )
        )
        for field, value in zip(fields, chosen, strict=True):
            row[field.name] = value
    return True


def _dates(draw, section: Section, row: dict[str, Any]) -> None:
    """Dates in field order never go backwards (a start comes before its end)."""
    names = [
        n for n in section.fields if isinstance(section.model._meta.get_field(n), models.DateField)
    ]
    values = sorted(draw(st.lists(DATES, min_size=len(names), max_size=len(names))))
    for name, value in zip(names, values, strict=True):
        field = section.model._meta.get_field(name)
        row[name] = None if field.null and draw(st.booleans()) else value


def _unique(section: Section, rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Drop rows that would break one of the model's unique constraints."""
    constraints = [
        c.fields
        for c in section.model._meta.constraints
        if isinstance(c, models.UniqueConstraint)
        and c.fields
        and "operating_model" not in c.fields
        and c.condition is None
    ]
    seen: set[tuple] = set()
    kept = []
    for row in rows:
        keys = [(c, tuple(row.get(f) for f in c)) for c in constraints]
        if any(k in seen for k in keys):
            continue
        seen.update(keys)
        kept.append(row)
    return kept


@st.composite
def documents(draw) -> dict[str, Any]:
    sections: dict[str, Any] = {}
    ids: dict[type, list[str]] = {}
    for section in registry.sections():
        if section.singleton:
            sections[section.key] = draw(_row(section))
            continue
        rows = []
        for index, row in enumerate(draw(st.lists(_row(section), max_size=6))):
            if not _references(draw, section, row, ids):
                break
            _dates(draw, section, row)
            row["id"] = f"{section.slug}-{index}"
            rows.append(row)
        rows = _unique(section, rows)
        ids[section.model] = [row["id"] for row in rows]
        sections[section.key] = rows
    name = draw(_text(60, False).filter(bool))
    return {
        "schema_version": 1,
        "model": {"name": name, "organisation": "Gen"},
        "sections": sections,
    }


@settings(
    max_examples=10,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(document=documents(), fmt=st.sampled_from(["yaml", "json"]))
def test_export_import_export_gives_the_same_document(document, fmt, people):
    model = document_import(document=document, actor=people["editor"])
    first = document_export(model)
    text = document_dump(first, fmt)
    copy_of = document_import(document=document_parse(text), actor=people["editor"])
    assert normalise_ids(document_export(copy_of)) == normalise_ids(first)
    # and the text itself is stable: the same model always gives the same file
    assert document_dump(document_export(copy_of), fmt).count("\n") == text.count("\n")
