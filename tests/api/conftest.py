from __future__ import annotations

import pytest
from django.core.cache import cache

from opmodel.services.tokens import token_create
from tests.exports.conftest import fake_render, media  # noqa: F401 (the exports' fixtures)


@pytest.fixture(autouse=True)
def _fresh_rate_limits():
    cache.clear()  # the API's per-token budgets live in the cache
    yield
    cache.clear()


@pytest.fixture
def bearer():
    """``bearer(user, scope)``: the Authorization header of a new token of that user."""

    def make(user, scope: str = "write", days: int = 30) -> dict[str, str]:
        _token, text = token_create(user=user, name="test", scope=scope, days=days)
        return {"Authorization": f"Bearer {text}"}

    return make
