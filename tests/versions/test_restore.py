"""Restore, as a class: one row of every registered section is deleted and restored through the
page's own endpoint, and comes back with the same values and the same links."""

from __future__ import annotations

from typing import Any

import pytest
from django.urls import reverse

from opmodel.registry import Section, registry
from opmodel.services import part_delete

pytestmark = [pytest.mark.engine, pytest.mark.django_db]

DELETABLE = [s for s in registry.sections() if not s.singleton]


def _filled(section: Section, row: Any) -> int:
    """How much of a row is filled in: the restore of the fullest row tests the most."""
    values = section.serialise(row)
    return sum(1 for name in section.fields if values[name] not in (None, "", [], False))


def _content(section: Section, row: Any) -> dict[str, Any]:
    values = section.serialise(row)
    values.pop("id")
    return values


def test_every_section_can_be_deleted_and_restored():
    assert {s.key for s in DELETABLE} >= {
        "teams.people",
        "teams.interactions",
        "teams.accountabilities",
        "journeys.steps",
        "journeys.stages",
    }


@pytest.mark.parametrize("section", DELETABLE, ids=lambda s: s.key)
def test_a_deleted_row_is_restored_with_its_values_and_links(section, om, people, client_for):
    rows = list(section.serialisable_rows(om))
    assert rows, f"the demo has no {section.key} row to restore"
    row = max(
        rows,
        key=lambda r: (
            all(section.serialise(r)[n] for n in section.many_fields),
            _filled(section, r),
        ),
    )
    before = _content(section, row)
    assert all(before[name] for name in section.many_fields), "pick a row with links"
    part_delete(section=section, part=row, revision=row.revision, actor=people["editor"])
    deletion = section.model.history.filter(id=row.pk, history_type="-").get()

    client = client_for(people["facilitator"])
    response = client.post(
        reverse("part-restore", args=[om.slug, section.slug, deletion.history_id])
    )

    assert response.status_code == 302
    restored = section.serialisable_rows(om).exclude(pk__in=[r.pk for r in rows])  # the new row
    assert len(restored) == 1
    assert _content(section, restored[0]) == before
    assert restored[0].history.get().history_type == "+"
