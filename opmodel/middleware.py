"""A friendly 503 when the database is unreachable, instead of a traceback."""

from __future__ import annotations

import logging
from collections.abc import Callable

from django.db import InterfaceError, OperationalError
from django.http import HttpRequest, HttpResponse
from django.template.loader import render_to_string

log = logging.getLogger(__name__)


class DatabaseUnavailableMiddleware:
    """Answer 503 (with Retry-After) when a request fails because the database is away.

    The page is rendered without touching the database (no user, no session), so it works
    precisely when the database does not. The request can simply be retried.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if not isinstance(exception, OperationalError | InterfaceError):
            return None
        log.error("database unavailable: %s", exception)
        response = HttpResponse(render_to_string("503.html"), status=503)
        response["Retry-After"] = "5"
        return response
