"""An import reads a section's rows for its reorder only when the document's order would move
one (``_would_move``): the rows, positions and history are exactly those of reordering every
section, as the loader did before."""

from __future__ import annotations

from typing import Any

import pytest

from bench.largemodel import build_large_model
from opmodel.models import OperatingModel
from opmodel.services import document_import
from opmodel.services import documents as documents_service
from opmodel.versions import snapshot_build
from tests.versions.test_loading import written

pytestmark = [pytest.mark.engine, pytest.mark.django_db]


def _reorder_every_section(patch: pytest.MonkeyPatch) -> None:
    patch.setattr(documents_service, "_would_move", lambda *args: True)


def _reordered(model: OperatingModel) -> dict[str, Any]:
    """The model's document with rows in another order: reversed (a section without groups,
    one grouped by a choice, one grouped by a reference), a row moved to another group, a row
    added in the middle, one left out."""
    document = snapshot_build(model)
    sections = document["sections"]
    sections["canvas.metrics"].reverse()
    principles = sections["canvas.principles"]
    principles.reverse()
    principles[0]["group"] = (
        "delivery" if principles[0]["group"] != "delivery" else "ways_of_working"
    )
    principles.insert(2, {"name": "Inserted", "group": principles[1]["group"]})
    steps = sections["journeys.steps"]
    steps.reverse()
    steps[3]["stage"] = sections["journeys.stages"][-1]["id"]
    del sections["teams.people"][1]
    return document


def test_an_import_writes_what_reordering_every_section_writes(people, monkeypatch):
    actor = people["editor"]
    large = build_large_model(actor=actor, scale=0.05, history_rows=0, slug="order")
    document = snapshot_build(large.operating_model)

    fast = document_import(document=document, actor=actor)
    with monkeypatch.context() as patch:
        _reorder_every_section(patch)
        every = document_import(document=document, actor=actor)
    assert written(fast) == written(every)

    for change in (snapshot_build, _reordered):  # unchanged, then reordered
        first, second = change(fast), change(every)
        document_import(document=first, actor=actor, operating_model=fast)
        with monkeypatch.context() as patch:
            _reorder_every_section(patch)
            document_import(document=second, actor=actor, operating_model=every)
        assert written(fast) == written(every)
    history = written(fast)["journeys.steps"]["rows"]
    assert any(record[1] == "Reordered" for _values, records in history for record in records)
