"""Login throttling: a finite cool-off after repeated failures, per account and per address."""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Callable
from typing import Any

from allauth.account.forms import LoginForm
from django.conf import settings
from django.contrib.admin.forms import AdminAuthenticationForm
from django.core.cache import caches
from django.core.exceptions import ValidationError
from django.core.validators import MaxLengthValidator
from django.http import HttpRequest
from django.utils.translation import ngettext

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
    except Exception:
        log.warning("login throttling: shared cache unavailable, counting in process")
        return getattr(caches["local"], method)(*args, **kwargs)


def client_address(request: HttpRequest | None) -> str:
    if request is None:
        return "unknown"
    # Behind a proxy, the proxy is trusted to set REMOTE_ADDR (e.g. uvicorn --proxy-headers).
    return request.META.get("REMOTE_ADDR", "unknown")


def _account(login: str) -> str:
    """One counter per account, whichever name it was typed as (username or email address)."""
    from django.contrib.auth import get_user_model
    from django.db.models import Q

    typed = login.strip().lower()
    if typed:
        user_model = get_user_model()
        pk = (
            user_model._default_manager.filter(Q(username__iexact=typed) | Q(email__iexact=typed))
            .order_by("pk")
            .values_list("pk", flat=True)
            .first()
        )
        if pk is not None:
            return f"id:{pk}"
    return hashlib.sha256(typed.encode()).hexdigest()[:32]


def _keys(login: str, address: str) -> list[tuple[str, int]]:
    return [
        (f"login-fail:user:{_account(login)}", settings.LOGIN_FAILURES_PER_ACCOUNT),
        (f"login-fail:addr:{address}", settings.LOGIN_FAILURES_PER_ADDRESS),
    ]


def login_locked(login: str, address: str) -> bool:
    return any((_counter("get", key) or 0) >= limit for key, limit in _keys(login, address))


def login_failed(login: str, address: str) -> None:
    for key, _limit in _keys(login, address):
        _counter("add", key, 0, timeout=settings.LOGIN_LOCKOUT_SECONDS)
        try:
            _counter("incr", key)
        except ValueError:  # expired between add and incr
            _counter("set", key, 1, timeout=settings.LOGIN_LOCKOUT_SECONDS)


def login_succeeded(login: str, address: str) -> None:
    key, _limit = _keys(login, address)[0]
    _counter("delete", key)


def _locked_error() -> ValidationError:
    minutes = max(1, settings.LOGIN_LOCKOUT_SECONDS // 60)
    return ValidationError(
        f"Too many failed attempts. For your safety, logging in is paused for "
        f"{minutes} {ngettext('minute', 'minutes', minutes)}; you can also reset your password.",
        code="throttled",
    )


def throttled_clean(form: Any, login: str, clean: Callable[[], dict[str, Any]]) -> dict[str, Any]:
    """Run a login form's ``clean`` under the throttle: refused while locked, failures counted.

    Every form that takes a password goes through here (the sign-in page, the admin's), so
    there is one rule whatever the door.
    """
    address = client_address(form.request)
    if login_locked(login, address):
        raise _locked_error()
    try:
        cleaned = clean()
    except ValidationError:
        login_failed(login, address)
        raise
    if form._errors:  # a field was missing: nothing was tried
        return cleaned
    login_succeeded(login, address)
    return cleaned


class ThrottledLoginForm(LoginForm):
    """allauth's sign-in form (username or email address), under the login throttle."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["login"].label = "Username or email"
        # Every text field has a limit (docs/threat-model.md): an email address at most.
        self.fields["login"].max_length = 320
        self.fields["login"].validators.append(MaxLengthValidator(320))
        self.fields["login"].widget.attrs.pop("placeholder", None)
        self.fields["password"].help_text = ""  # the page links "Forgot your password?" itself
        self.fields["password"].widget.attrs.pop("placeholder", None)

    def clean(self) -> dict[str, Any]:
        login = (self.cleaned_data.get("login") or "") if hasattr(self, "cleaned_data") else ""
        return throttled_clean(self, login, super().clean)


class ThrottledAdminAuthenticationForm(AdminAuthenticationForm):
    """The admin's login form, under the same throttle."""

    def clean(self) -> dict[str, Any]:
        return throttled_clean(self, self.cleaned_data.get("username") or "", super().clean)
