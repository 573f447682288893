"""Middleware: health checks and a friendly 503 for a service that is partly away; compressed
pages."""

from __future__ import annotations

import logging
import sys
from collections.abc import Callable
from typing import Any

from django.db import InterfaceError, OperationalError, connection
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.middleware.gzip import GZipMiddleware
from django.template.loader import render_to_string

log = logging.getLogger(__name__)


class RowIdMiddleware:
    """A URL's ids (``<int:pk>``) that no database row can have are a 404 before any view
    runs: ``/…/99999999999999999999/`` used to be an ``OverflowError`` 500 in every view."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_view(
        self, request: HttpRequest, view: Callable, args: tuple, kwargs: dict
    ) -> HttpResponse | None:
        from opmodel.access import MAX_ID

        if any(isinstance(v, int) and not 0 <= v <= MAX_ID for v in (*args, *kwargs.values())):
            raise Http404("No such row")
        return None


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
        return database_unavailable()


def database_unavailable() -> HttpResponse:
    """The 503 page; rendered without the database (no user, no session)."""
    response = HttpResponse(render_to_string("503.html"), status=503)
    response["Retry-After"] = "5"
    return response


def server_error(request: HttpRequest) -> HttpResponse:
    """``handler500``: the 503 page for a database error raised outside a view.

    ``process_exception`` sees only what views raise; a middleware that reaches the database
    (the session saved after a login, say) raises past it, into this handler.
    """
    exception = sys.exc_info()[1]
    if isinstance(exception, OperationalError | InterfaceError):
        log.error("database unavailable: %s", exception)
        return database_unavailable()
    return HttpResponse(render_to_string("500.html"), status=500)


class SecondFactorSessionMiddleware:
    """Marks the signed-in user with whether this session was signed in with a second factor
    (``opmodel.access.has_second_factor`` reads it). Lazy like ``request.user``: a request that
    never looks at its user pays nothing."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        from django.contrib.auth.middleware import get_user
        from django.utils.functional import SimpleLazyObject

        from opmodel.access import SESSION_MARK, session_has_second_factor

        def marked() -> Any:
            user = get_user(request)  # the user AuthenticationMiddleware loads, loaded once
            if user.is_authenticated:
                setattr(user, SESSION_MARK, session_has_second_factor(request, user))
            return user

        request.user = SimpleLazyObject(marked)  # type: ignore[assignment]
        return self.get_response(request)


class TwoFactorRequiredMiddleware:
    """A model that requires two-factor sign-in sends a member whose session was not signed in
    with one to enter a code (they have an authenticator app) or to set one up (they have none),
    and back to the page afterwards."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        from django.contrib import messages
        from django.shortcuts import redirect
        from django.urls import reverse
        from django.utils.http import url_has_allowed_host_and_scheme, urlencode
        from django_htmx.http import HttpResponseClientRedirect

        from opmodel.access import TwoFactorRequired

        if not isinstance(exception, TwoFactorRequired):
            return None
        name = exception.operating_model.name
        if exception.has_device:
            messages.warning(
                request,
                f"{name} asks its members for two-factor sign-in: enter a code from your "
                "authenticator app to open it.",
            )
            htmx = getattr(request, "htmx", None)
            back = (htmx.current_url_abs_path if htmx else None) or request.get_full_path()
            if not url_has_allowed_host_and_scheme(back, allowed_hosts=None):
                back = "/"
            target = f"{reverse('mfa_reauthenticate')}?{urlencode({'next': back})}"
        else:
            messages.warning(
                request,
                f"{name} asks its members for two-factor sign-in: add an authenticator app "
                "to open it.",
            )
            target = reverse("mfa_index")
        if getattr(request, "htmx", False):
            return HttpResponseClientRedirect(target)
        return redirect(target)


class HealthCheckMiddleware:
    """``GET /healthz/`` for container health checks and load balancers.

    It sits first in the middleware, before host validation and the HTTPS redirect: a check
    from inside the container asks ``http://127.0.0.1:8000/healthz/``, a host that is not in
    ALLOWED_HOSTS, over plain HTTP. It answers 200 when the database answers, 503 otherwise.
    """

    path = "/healthz/"

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.path != self.path:
            return self.get_response(request)
        try:
            with connection.cursor() as cursor:
                cursor.execute("SELECT 1")
        except (OperationalError, InterfaceError) as exc:
            log.error("health check: database unavailable: %s", exc)
            return HttpResponse("database unavailable\n", status=503, content_type="text/plain")
        finally:
            connection.close()
        return HttpResponse("ok\n", content_type="text/plain")


class CompressPagesMiddleware(GZipMiddleware):
    """Pages and partials gzipped for browsers that accept it (the large model's accountability
    matrix is 3.4 MB of repetitive HTML). Not the event streams, which must reach the browser
    event by event, and not file downloads (PDFs are compressed already). Django's GZip adds
    random padding against BREACH, and CSRF tokens are masked per response."""

    def process_response(
        self, request: HttpRequest, response: HttpResponseBase
    ) -> HttpResponseBase:
        kind = response.get("Content-Type") or ""
        if kind.startswith("text/event-stream") or isinstance(response, FileResponse):
            return response
        return super().process_response(request, response)
