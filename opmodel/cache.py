"""The shared cache (Redis) that keeps working while Redis is away.

Login throttling (ours and django-allauth's rate limits) counts in the default cache. A cache
that raised while Redis is down would turn every sign-in into a 500 during an outage, so each
operation falls back to this process's memory (the ``local`` cache) until Redis answers again:
counts are then per process for a while, which is the same trade the event stream makes."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from django.core.cache import caches
from django.core.cache.backends.redis import RedisCache
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError

log = logging.getLogger(__name__)

_OPERATIONS = (
    "add",
    "get",
    "set",
    "touch",
    "delete",
    "get_many",
    "has_key",
    "incr",
    "set_many",
    "delete_many",
    "clear",
)


def _with_fallback(name: str) -> Callable[..., Any]:
    shared = getattr(RedisCache, name)

    def operation(self: RedisCache, *args: Any, **kwargs: Any) -> Any:
        try:
            return shared(self, *args, **kwargs)
        except (RedisConnectionError, RedisTimeoutError):
            log.warning("cache: Redis unavailable, %s in this process's memory", name)
            return getattr(caches["local"], name)(*args, **kwargs)

    operation.__name__ = name
    operation.__doc__ = shared.__doc__
    return operation


class FallbackRedisCache(RedisCache):
    """Django's Redis cache whose operations fall back to the ``local`` cache on a connection
    error or timeout."""


for _name in _OPERATIONS:
    setattr(FallbackRedisCache, _name, _with_fallback(_name))
