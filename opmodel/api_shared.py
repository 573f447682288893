"""What the API's routers share: the write-scope rule, the problem they raise, and reading a
document from a request body. ``opmodel.api`` turns ``Problem`` into RFC 9457 problem details."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, cast

from django.core.exceptions import PermissionDenied, RequestDataTooBig, ValidationError
from django.http import HttpRequest

from opmodel.models import PersonalAccessToken

if TYPE_CHECKING:
    from django.contrib.auth.models import User

# The request body of an import: a YAML or JSON document, as text.
DOCUMENT_BODY = {
    "requestBody": {
        "required": True,
        "content": {
            "application/yaml": {"schema": {"type": "string"}},
            "application/json": {"schema": {"type": "object"}},
        },
    }
}


class Problem(Exception):
    """An answer other than success, with the members a problem detail carries."""

    def __init__(self, status: int, title: str, detail: str = "", **extra: Any) -> None:
        super().__init__(detail or title)
        self.status = status
        self.title = title
        self.detail = detail
        self.extra = extra


def require_write(request: HttpRequest) -> None:
    """A token with read scope is refused on every write (the session may write)."""
    token = getattr(request, "auth", None)
    if isinstance(token, PersonalAccessToken) and not token.can_write:
        raise PermissionDenied("This token can only read: make one with write scope.")


def body_text(request: HttpRequest) -> bytes:
    """The raw body; one past the upload limit is a 413 (the import limit comes after)."""
    try:
        body = request.body
    except RequestDataTooBig as exc:
        raise Problem(413, "Content too large", str(exc)) from exc
    if not body.strip():
        raise ValidationError("Send the document (YAML or JSON) as the request body.")
    return body


def actor(request: HttpRequest) -> User:
    """The person calling: every route is authenticated (token or session) before it runs."""
    return cast("User", request.user)
