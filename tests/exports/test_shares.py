"""Shares shown on the PDFs (how automated the steps are) add up to exactly 100."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from opmodel.exports.sources import shares


@pytest.mark.parametrize(
    ("counts", "expected"),
    [
        ([10, 11, 5], [39, 42, 19]),  # 38.5 + 42.3 + 19.2: the spare point to the largest fraction
        ([9, 10, 5], [37, 42, 21]),  # 37.5 + 41.7 + 20.8: plain rounding said 38 + 42 + 21 = 101
        ([1, 1, 1], [34, 33, 33]),
        ([0, 0, 0], [0, 0, 0]),
        ([0, 7, 0], [0, 100, 0]),
    ],
)
def test_shares_of_known_counts(counts, expected):
    assert shares(counts) == expected


# A cheap property: no deadline and no "slow generation" check on a busy machine.
@settings(deadline=None, suppress_health_check=[HealthCheck.too_slow], max_examples=200)
@given(st.lists(st.integers(min_value=0, max_value=10_000), min_size=1, max_size=8))
def test_shares_add_up_to_100_and_stay_within_a_point_of_the_exact_share(counts):
    result = shares(counts)
    total = sum(counts)
    if total == 0:
        assert result == [0] * len(counts)
        return
    assert sum(result) == 100
    for n, share in zip(counts, result, strict=True):
        assert abs(share - 100 * n / total) < 1
