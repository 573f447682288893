"""The benchmark's large-model generator keeps working as the model grows (not timed)."""

from __future__ import annotations

import pytest

from bench.largemodel import FACTORIES, build_large_model, expected_rows, history_count
from opmodel.registry import registry

pytestmark = [pytest.mark.engine, pytest.mark.django_db]


def test_the_generator_makes_the_expected_rows_and_history_at_a_small_scale(make_user):
    actor = make_user("bench-actor")
    large = build_large_model(actor=actor, scale=0.05, history_rows=400)
    om = large.operating_model
    expected = expected_rows(0.05)
    assert large.rows == expected
    for key, count in expected.items():
        assert registry.get(key).model.objects.filter(operating_model=om).count() == count
    assert large.history_rows == history_count(om) == 400
    # every generated row has its creation on record, and edits bumped the revision
    metrics = registry.get("canvas.metrics").model.objects.filter(operating_model=om)
    assert all(m.history.count() == m.revision for m in metrics)
    assert metrics.filter(is_north_star=True).count() == 1
    # Level 2: exactly one accountable squad per capability; Level 3: steps in every stage
    cells = registry.get("teams.accountabilities").model.objects.filter(operating_model=om)
    assert cells.filter(role="accountable").count() == expected["teams.capabilities"]
    stages = registry.get("journeys.stages").model.objects.filter(operating_model=om)
    assert not stages.filter(steps__isnull=True).exists()


def test_every_generator_factory_names_a_registered_section():
    assert set(FACTORIES) <= {s.key for s in registry.sections()}
