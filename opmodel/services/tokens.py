"""Personal access tokens for the API: made, named, scoped, expiring, revocable; kept hashed."""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import secrets
from typing import TYPE_CHECKING, Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from opmodel.models import PersonalAccessToken

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser, User

TOKEN_PREFIX = "opm"  # noqa: S105 - the public marker of a token, not a secret
MAX_DAYS = 366


def _hash(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


@transaction.atomic
def token_create(*, user: Any, name: str, scope: str, days: int) -> tuple[PersonalAccessToken, str]:
    """A new token for ``user``; returns it and the secret text, which is never stored."""
    if not 1 <= days <= MAX_DAYS:
        raise ValidationError(f"A token lasts between 1 and {MAX_DAYS} days.")
    prefix = secrets.token_hex(6)
    secret = secrets.token_urlsafe(32)
    token = PersonalAccessToken(
        user=user,
        name=name.strip(),
        scope=scope,
        prefix=prefix,
        secret_hash=_hash(secret),
        expires_at=timezone.now() + dt.timedelta(days=days),
    )
    token.full_clean()
    token.save()
    return token, f"{TOKEN_PREFIX}_{prefix}_{secret}"


@transaction.atomic
def token_revoke(*, token: PersonalAccessToken, actor: User | AnonymousUser) -> PersonalAccessToken:
    """Revoke a token at once (only its owner may)."""
    if token.user_id != actor.pk:
        raise PermissionDenied("Only the token's owner revokes it.")
    if token.revoked_at is None:
        token.revoked_at = timezone.now()
        token.save(update_fields=["revoked_at"])
    return token


def token_authenticate(text: str) -> PersonalAccessToken | None:
    """The active token this text is, or None (malformed, unknown, wrong, expired, revoked)."""
    parts = text.split("_", 2)
    if len(parts) != 3 or parts[0] != TOKEN_PREFIX:
        return None
    token = PersonalAccessToken.objects.select_related("user").filter(prefix=parts[1]).first()
    if token is None or not hmac.compare_digest(token.secret_hash, _hash(parts[2])):
        return None
    if not token.active or not token.user.is_active:
        return None
    now = timezone.now()
    if token.last_used_at is None or now - token.last_used_at > dt.timedelta(minutes=1):
        PersonalAccessToken.objects.filter(pk=token.pk).update(last_used_at=now)
    return token
