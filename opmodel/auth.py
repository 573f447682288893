"""Login throttling: a finite cool-off after repeated failures, per account and per address."""

from __future__ import annotations

import hashlib
import logging
from typing import Any

from django.conf import settings
from django.contrib.auth.forms import AuthenticationForm
from django.core.cache import caches
from django.core.exceptions import ValidationError
from django.http import HttpRequest

log = logging.getLogger(__name__)


def _counter(method: str, *args: Any, **kwargs: Any) -> Any:
    """A cache operation on the shared counters (Redis in production).

    If Redis is away, logging in must keep working and keep being throttled: the counters fall
    back to this process's memory (a weaker limit, per process, until Redis is back).
    """
    try:
        return getattr(caches["default"], method)(*args, **kwargs)
    except ValueError:  # incr of a missing key: the caller handles it
        raise
    except Exception:  # noqa: BLE001 - the shared cache is unreachable
        log.warning("login throttling: shared cache unavailable, counting in process")
        return getattr(caches["local"], method)(*args, **kwargs)


def client_address(request: HttpRequest | None) -> str:
    if request is None:
        return "unknown"
    # Behind a proxy, the proxy is trusted to set REMOTE_ADDR (e.g. uvicorn --proxy-headers).
    return request.META.get("REMOTE_ADDR", "unknown")


def _keys(username: str, address: str) -> list[tuple[str, int]]:
    account = hashlib.sha256(username.strip().lower().encode()).hexdigest()[:32]
    return [
        (f"login-fail:user:{account}", settings.LOGIN_FAILURES_PER_ACCOUNT),
        (f"login-fail:addr:{address}", settings.LOGIN_FAILURES_PER_ADDRESS),
    ]


def login_locked(username: str, address: str) -> bool:
    return any((_counter("get", key) or 0) >= limit for key, limit in _keys(username, address))


def login_failed(username: str, address: str) -> None:
    for key, _limit in _keys(username, address):
        _counter("add", key, 0, timeout=settings.LOGIN_LOCKOUT_SECONDS)
        try:
            _counter("incr", key)
        except ValueError:  # expired between add and incr
            _counter("set", key, 1, timeout=settings.LOGIN_LOCKOUT_SECONDS)


def login_succeeded(username: str, address: str) -> None:
    key, _limit = _keys(username, address)[0]
    _counter("delete", key)


class ThrottledAuthenticationForm(AuthenticationForm):
    """Django's login form, refusing further tries for a while after repeated failures."""

    def clean(self) -> dict[str, Any]:
        username = self.cleaned_data.get("username") or ""
        address = client_address(self.request)
        if login_locked(username, address):
            minutes = max(1, settings.LOGIN_LOCKOUT_SECONDS // 60)
            raise ValidationError(
                f"Too many failed attempts. For your safety, logging in is paused for "
                f"{minutes} minutes; you can also reset your password.",
                code="throttled",
            )
        try:
            cleaned = super().clean()
        except ValidationError:
            login_failed(username, address)
            raise
        login_succeeded(username, address)
        return cleaned
