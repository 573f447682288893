"""A form round-trips, as a class: every edit form of every registered section, for every row of
the demo and of every starter, submitted exactly as a browser sends what it shows, changes
nothing and writes no history. The same for the inline field editors and for the room's
proposal form (an unchanged proposal is refused as "no change").

Engine tests (both passes): the edit forms and the inline field editors, which save every row
through the write path (an unchanged save must write no revision and no history) and read back
each value as the engine stores it (dates, decimals, many-to-many links). The proposal form and
the browser-form parser run once (SQLite): an unchanged proposal is refused before anything is
written, comparing the section form's values with the row's in Python, and the values it reads
are the ones the edit forms' test already reads back on PostgreSQL."""

from __future__ import annotations

from typing import Any

import pytest
from django.urls import reverse

from opmodel.registry import Section, registry
from opmodel.starters import starter_documents
from tests.browser_form import browser_form, sanitise
from tests.conftest import add_members, build_model
from tests.workshops.conftest import make_workshop
from workshops.models import Proposal
from workshops.services import attendee_add

pytestmark = [pytest.mark.django_db]

STARTERS = [s.key for s in starter_documents()]


def _state(section: Section, row: Any) -> tuple[dict[str, Any], int, int]:
    fresh = section.serialisable_rows(row.operating_model).get(pk=row.pk)
    return section.serialise(fresh), fresh.revision, fresh.history.count()


def _round_trip(client, section: Section, row: Any, field: str | None = None) -> None:
    url = reverse("part-edit", args=[row.operating_model.slug, section.slug, row.pk])
    if field:
        url += f"?field={field}"
    before = _state(section, row)
    page = client.get(url)
    assert page.status_code == 200, url
    form = browser_form(page.content.decode(), ".part-form")
    response = client.post(form.action, form.data())
    where = f"{section.key} #{row.pk} {field or ''}: {row}"
    assert response.status_code == 302, (where, response.content.decode()[-3000:])
    after = _state(section, row)
    assert after == before, where


def test_the_browser_form_drops_what_a_date_input_cannot_show():
    html = (
        '<form class="part-form" action="/x"><input type="date" name="a" value="01/09/2025">'
        '<input type="date" name="b" value="2025-09-01"><select name="c"><option value="1">1'
        '</option><option value="2" selected>2</select><textarea name="d">\nline</textarea>'
        '<input type="checkbox" name="e"><input type="submit" name="go" value="Save"></form>'
    )
    assert browser_form(html).fields == [("a", ""), ("b", "2025-09-01"), ("c", "2"), ("d", "line")]
    assert sanitise("number", "1,5") == ""


@pytest.mark.engine
@pytest.mark.parametrize("starter", STARTERS)
def test_every_edit_form_saved_unchanged_changes_nothing(starter, people, client_for):
    model = add_members(build_model(people["facilitator"], starter=starter), people)
    client = client_for(people["editor"])
    covered = set()
    for section in registry.sections():
        for row in section.rows(model):
            _round_trip(client, section, row)
            covered.add(section.key)
    # the demo fills every section: a section with no row would go untested
    if starter == "quokka":
        assert covered == {s.key for s in registry.sections()}


def _fullest(section: Section, rows: list[Any]) -> Any:
    def filled(row: Any) -> int:
        values = section.serialise(row)
        return sum(1 for n in section.fields if values[n] not in (None, "", [], False))

    return max(rows, key=filled)


@pytest.mark.engine
def test_every_inline_field_editor_saved_unchanged_changes_nothing(om, people, client_for):
    client = client_for(people["editor"])
    for section in registry.sections():
        row = _fullest(section, list(section.serialisable_rows(om)))
        for name in section.fields:
            _round_trip(client, section, row, field=name)


def test_every_proposal_form_sent_unchanged_proposes_no_change(om, people, client_for):
    workshop = make_workshop(
        om, people["facilitator"], sections=[s.key for s in registry.sections()]
    )
    attendee_add(workshop=workshop, actor=people["facilitator"], user=people["participant"])
    client = client_for(people["participant"])
    url = reverse("proposal-new", args=[om.slug, workshop.pk])
    for section in registry.sections():
        for row in section.rows(om):
            page = client.get(url, {"section": section.key, "item": row.pk, "kind": "change"})
            assert page.status_code == 200
            form = browser_form(page.content.decode(), url)
            response = client.post(url, form.data())
            where = f"{section.key} #{row.pk}: {row}"
            assert response.status_code == 422, where
            assert "Change at least one field." in response.content.decode(), where
    assert not Proposal.objects.filter(workshop=workshop).exists()
