"""What a page is told after an htmx request: the one way to raise a toast."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django_htmx.http import trigger_client_event

if TYPE_CHECKING:
    from django.http import HttpResponse


def notify(response: HttpResponse, text: str | None, *, error: bool = False) -> HttpResponse:
    """Tell the page what happened (a toast: ``opmodel:notice``, or ``opmodel:error``); the
    swap itself shows the result. No text, no toast."""
    if text:
        trigger_client_event(
            response, "opmodel:error" if error else "opmodel:notice", {"text": text}
        )
    return response
