from __future__ import annotations

from django.contrib.auth.models import User
from django.http import HttpRequest
from django_htmx.middleware import HtmxDetails


class HtmxHttpRequest(HttpRequest):
    """A request after django-htmx's middleware, on a view that requires a login."""

    htmx: HtmxDetails
    user: User  # type: ignore[assignment]
