"""One way to show a field's value, as a class: for every field of every registered section, a
change (filled -> empty or another value, and back) reads the same in every place that shows it:
the proposal that asks for it, the diff between the documents before and after, the model's
timeline and the row's history page. The codec itself (``Section.value/comparable/display``)
gives the same text for the same value in each shape it arrives in (a row, a history record, a
document, a form's cleaned data)."""

from __future__ import annotations

from typing import Any

import pytest
from django.urls import reverse

from opmodel.registry import EMPTY, Section, registry
from opmodel.services import part_update
from opmodel.versions.diffs import Reader, diff_documents
from opmodel.versions.snapshots import snapshot_build
from opmodel.versions.timeline import TimelineFilter, timeline_page
from tests.conftest import logged_in
from tests.workshops.conftest import make_workshop
from workshops.models import Proposal, ProposalKind
from workshops.services import proposal_create

pytestmark = pytest.mark.django_db

Pair = tuple[str, str]


def _fullest(section: Section, om: Any) -> Any:
    rows = list(section.serialisable_rows(om))

    def filled(row: Any) -> int:
        values = section.serialise(row)
        return sum(1 for n in section.fields if values[n] not in (None, "", [], False))

    return max(rows, key=filled)


def _other(section: Section, row: Any, name: str) -> tuple[bool, Any]:
    """Another valid value for field ``name`` of ``row`` (as a form's cleaned data): empty where
    the field may be, else a different choice, the other boolean, changed text."""
    field = section.model_field(name)
    value = section.read(row, name)
    if field.many_to_many:
        if value:
            return True, []
        target = registry.for_model(field.related_model)
        return True, list(target.rows(row.operating_model)[:2]) if target else []
    if field.is_relation:
        return (True, None) if field.null and value is not None else (False, None)
    if isinstance(value, bool):
        return True, not value
    choices = [c for c, _label in field.flatchoices if c not in ("", None)]
    if choices:
        others = [c for c in choices if c != value]
        return bool(others), others[0] if others else None
    if field.blank and value not in (None, ""):
        return True, None if field.null else ""
    if isinstance(value, str):
        return True, value + " (changed)"
    return False, None


def _proposal_pairs(workshop: Any, actor: Any, section: Section, row: Any, data: dict) -> dict:
    proposal = proposal_create(
        workshop=workshop, actor=actor, section=section.key, kind=ProposalKind.CHANGE,
        part=row, data=data,
    )  # fmt: skip
    pairs = {n: (d["old"], d["new"]) for n, d in proposal.display.items()}
    Proposal.objects.filter(pk=proposal.pk).delete()
    return pairs


def _diff_pairs(section: Section, before: dict, after: dict, row: Any) -> dict[str, Pair]:
    sdiff = next(s for s in diff_documents(before, after).sections if s.section is section)
    pairs: dict[str, Pair] = {}
    for change in sdiff.changed + sdiff.moved:
        if change.id == row.pk or section.singleton:
            pairs.update({c.name: (c.old, c.new) for c in change.fields})
            if change.kind == "moved" and section.group_field:
                pairs[section.group_field] = (change.group_old, change.group_new)
    return pairs


def _timeline_pairs(om: Any, section: Section) -> dict[str, Pair]:
    _page, entries = timeline_page(om, TimelineFilter(section=section), per_page=1)
    return {c.name: (c.old, c.new) for c in entries[0].changes}


def _history_pairs(client: Any, om: Any, section: Section, row: Any) -> dict[str, Pair]:
    page = client.get(reverse("part-history", args=[om.slug, section.slug, row.pk]))
    assert page.status_code == 200
    latest = page.context["versions"][0]
    labels = {section.field_label(n): n for n in section.fields}
    return {labels[c["label"]]: (c["old"], c["new"]) for c in latest["changes"]}


def test_every_field_change_reads_the_same_in_proposals_diffs_timeline_and_history(om, people):
    facilitator = people["facilitator"]
    client = logged_in(facilitator, templates=True)  # the history page's context is read
    workshop = make_workshop(om, facilitator, sections=[s.key for s in registry.sections()])
    covered: set[tuple[str, str]] = set()
    for section in registry.sections():
        row = _fullest(section, om)
        original = {n: section.read(row, n) for n in section.fields}
        changed = {}
        for name in section.fields:
            ok, value = _other(section, row, name)
            if ok:
                changed[name] = value
        # there and back: filled -> empty (or another value), then empty -> filled
        for data in (changed, {n: original[n] for n in changed}):
            row = section.model._default_manager.get(pk=row.pk)
            proposed = _proposal_pairs(workshop, facilitator, section, row, data)
            before = snapshot_build(om)
            row = part_update(
                section=section, part=row, revision=row.revision, actor=facilitator, data=data
            )
            diffed = _diff_pairs(section, before, snapshot_build(om), row)
            timeline = _timeline_pairs(om, section)
            history = _history_pairs(client, om, section, row)
            for name in data:
                where = f"{section.key}.{name}"
                many = section.model_field(name).many_to_many
                assert proposed[name] == diffed[name], where
                if not many:  # history records no many-to-many links
                    assert proposed[name] == timeline[name], where
                    assert proposed[name] == history[name], where
                assert proposed[name][0] != proposed[name][1], where
                covered.add((section.key, name))
    # every kind of field took part: text, choice, boolean, date, reference, many references
    kinds = {
        type(registry.get(key).model_field(name)).__name__ for key, name in covered
    }  # fmt: skip
    assert {"CharField", "TextField", "BooleanField", "DateField", "ForeignKey"} <= kinds
    assert "ManyToManyField" in kinds


@pytest.mark.parametrize("section", registry.sections(), ids=lambda s: s.key)
def test_the_codec_shows_one_text_for_a_value_in_every_shape(section, om):
    """The row, its latest history record, the document and the form's cleaned data of every
    field show the same text; an empty value reads ``EMPTY`` and a boolean Yes/No."""
    row = _fullest(section, om)
    record = row.history.order_by("-history_id").first()
    document = snapshot_build(om)
    reader = Reader(document)
    content = document["sections"][section.key]
    in_document = content if section.singleton else next(r for r in content if r["id"] == row.pk)
    for name in section.fields:
        shown = section.display(name, section.read(row, name))
        assert reader.value(section, name, in_document[name]) == shown, name
        cleaned = section.comparable(name, section.read(row, name))
        assert section.display(name, cleaned, reader.refer) == shown, name
        if not section.model_field(name).many_to_many:
            assert section.display(name, section.value(record, name), reader.refer) == shown, name
        assert section.value(row, name) == in_document[name], name
        empty = [] if section.model_field(name).many_to_many else None
        assert section.display(name, empty) == EMPTY, name
        if isinstance(section.read(row, name), bool):
            assert shown == ("Yes" if section.read(row, name) else "No"), name
