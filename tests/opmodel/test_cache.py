"""The default cache keeps answering while Redis is away (sign-in and its rate limits use it)."""

from __future__ import annotations

import pytest
from django.core.cache import caches

from opmodel.cache import FallbackRedisCache


@pytest.fixture
def unreachable() -> FallbackRedisCache:
    caches["local"].clear()
    # nothing listens on port 1: every connection is refused at once
    return FallbackRedisCache("redis://127.0.0.1:1/0", {"OPTIONS": {"socket_connect_timeout": 1}})


def test_every_operation_falls_back_to_this_process_memory_while_redis_is_away(unreachable):
    cache = unreachable
    assert cache.add("lock", True, timeout=5) is True
    assert cache.add("lock", True, timeout=5) is False  # allauth's lock still excludes
    cache.set("count", 1)
    assert cache.incr("count") == 2
    assert cache.get("count") == 2 and cache.has_key("count")
    cache.set_many({"a": 1, "b": 2})
    assert cache.get_many(["a", "b"]) == {"a": 1, "b": 2}
    assert cache.touch("a", 10) is True
    cache.delete("lock")
    cache.delete_many(["a", "b"])
    assert cache.get("lock") is None and cache.get("a") is None
    cache.clear()
    assert cache.get("count") is None


def test_a_missing_key_is_still_an_error_and_not_hidden_by_the_fallback(unreachable):
    with pytest.raises(ValueError, match="not found"):
        unreachable.incr("never-set")
