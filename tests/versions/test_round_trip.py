"""Round trip, property-based: for generated models, export -> import into a new model -> export
gives the same document (ids aside). The documents are generated from the registry, so every
section a level registers is covered without touching this test."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import models
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from opmodel.registry import Section, registry
from opmodel.services import document_import
from opmodel.versions import document_dump, document_export, document_parse
from tests.versions.conftest import normalise_ids

pytestmark = pytest.mark.django_db

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
        if field.is_relation:
            continue  # references are generated as ids below, once rows exist
        required = not field.blank and not field.has_default()
        fields[name] = _value(field, required or not field.blank)
    return st.fixed_dictionaries(fields)


@st.composite
def documents(draw) -> dict[str, Any]:
    sections: dict[str, Any] = {}
    for section in registry.sections():
        if section.singleton:
            sections[section.key] = draw(_row(section))
        else:
            rows = draw(st.lists(_row(section), max_size=6))
            for index, row in enumerate(rows):
                row["id"] = f"{section.slug}-{index}"
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
