"""Webhooks: a model's events sent to subscribed URLs, signed, retried, recorded.

Signature (JSON webhooks): ``X-Opmodel-Timestamp: <unix seconds>`` and
``X-Opmodel-Signature: v1=<hex HMAC-SHA256 of "<timestamp>.<raw body>" with the secret>``.
A receiver recomputes it, compares in constant time and refuses timestamps older than a few
minutes (replay). Slack and Microsoft Teams incoming-webhook URLs get a message formatted for
them instead (their URL is the secret).
"""

from __future__ import annotations

import hashlib
import hmac
import ipaddress
import json
import secrets
import socket
import time
from functools import partial
from typing import Any
from urllib.parse import urlsplit

import httpx
from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from opmodel.access import access_for
from opmodel.models import OperatingModel, Webhook, WebhookDelivery

KEEP_DELIVERIES = 50
DISABLE_AFTER = 5  # consecutive failed deliveries (each after its retries)


class DeliveryFailed(Exception):
    pass


def webhook_kind(url: str) -> str:
    host = (urlsplit(url).hostname or "").lower()
    if host == "hooks.slack.com":
        return Webhook.Kind.SLACK
    if host.endswith(".webhook.office.com") or host.endswith(".logic.azure.com"):
        return Webhook.Kind.TEAMS
    return Webhook.Kind.JSON


def url_allowed(url: str) -> None:
    """SSRF rules: http(s) only; in production never loopback, private, link-local or reserved
    addresses (every address the name resolves to). ``OPMODEL_WEBHOOK_ALLOW_PRIVATE`` lifts
    the address rule (tests, a private deployment)."""
    parts = urlsplit(url)
    if parts.scheme not in {"http", "https"} or not parts.hostname:
        raise ValidationError("A webhook URL is an http(s) address.")
    if settings.PRODUCTION and parts.scheme != "https":
        raise ValidationError("A webhook URL must use https.")
    if settings.OPMODEL_WEBHOOK_ALLOW_PRIVATE:
        return
    try:
        infos = socket.getaddrinfo(parts.hostname, parts.port or 443, proto=socket.IPPROTO_TCP)
    except OSError as exc:
        raise ValidationError(f"{parts.hostname} does not resolve.") from exc
    for info in infos:
        address = ipaddress.ip_address(info[4][0])
        if not address.is_global or address.is_multicast:
            raise ValidationError("A webhook may not point at a private or local address.")


def sign(secret: str, timestamp: int, body: bytes) -> str:
    digest = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256)
    return f"v1={digest.hexdigest()}"


def _text(event: str, data: dict[str, Any]) -> str:
    name = data.get("model", {}).get("name", "")
    if event == Webhook.Event.RELEASE_PUBLISHED:
        release = data.get("release", {})
        return f"{name}: release {release.get('label', '')} “{release.get('title', '')}” published"
    return f"{name}: {data.get('summary', 'the model changed')}"


def format_body(webhook: Webhook, event: str, data: dict[str, Any]) -> dict[str, Any]:
    """What is posted: the event as JSON, or a Slack Block Kit / Teams Adaptive Card message."""
    link = data.get("url", "")
    text = _text(event, data)
    if webhook.kind == Webhook.Kind.SLACK:
        return {
            "text": text,
            "blocks": [
                {"type": "section", "text": {"type": "mrkdwn", "text": f"*{text}*"}},
                {
                    "type": "actions",
                    "elements": [
                        {"type": "button", "text": {"type": "plain_text", "text": "Open"},
                         "url": link}
                    ],
                },
            ],
        }  # fmt: skip
    if webhook.kind == Webhook.Kind.TEAMS:
        return {
            "type": "message",
            "attachments": [
                {
                    "contentType": "application/vnd.microsoft.card.adaptive",
                    "content": {
                        "$schema": "http://adaptivecards.io/schemas/adaptive-card.json",
                        "type": "AdaptiveCard",
                        "version": "1.4",
                        "body": [{"type": "TextBlock", "text": text, "wrap": True,
                                  "weight": "Bolder"}],
                        "actions": [{"type": "Action.OpenUrl", "title": "Open", "url": link}],
                    },
                }
            ],
        }  # fmt: skip
    return {"event": event, "data": data}


@transaction.atomic
def webhook_create(
    *, operating_model: OperatingModel, actor: Any, url: str, events: list[str]
) -> Webhook:
    """Subscribe ``url`` to ``events`` of the model (facilitators only); a secret is made."""
    if not access_for(actor, operating_model).can_manage:
        raise PermissionDenied("Only facilitators manage webhooks.")
    unknown = set(events) - set(Webhook.Event.values)
    if unknown or not events:
        raise ValidationError("Choose at least one of the events.")
    url_allowed(url)
    webhook = Webhook(
        operating_model=operating_model,
        url=url,
        secret=secrets.token_urlsafe(32),
        kind=webhook_kind(url),
        events=sorted(events),
        created_by=actor,
    )
    webhook.full_clean()
    webhook.save()
    return webhook


def webhook_dispatch(*, operating_model: OperatingModel, event: str, data: dict[str, Any]) -> None:
    """Record a delivery for every active webhook of the model subscribed to ``event`` and send
    them from Celery once the transaction commits."""
    from opmodel.tasks import webhook_deliver_task

    for webhook in Webhook.objects.filter(operating_model=operating_model, active=True):
        if event not in webhook.events:
            continue
        delivery = WebhookDelivery.objects.create(
            webhook=webhook, event=event, payload=format_body(webhook, event, data)
        )
        transaction.on_commit(partial(webhook_deliver_task.delay, delivery.pk))


def _prune(webhook: Webhook) -> None:
    keep = webhook.deliveries.order_by("-created_at", "-pk").values_list("pk", flat=True)[
        :KEEP_DELIVERIES
    ]
    webhook.deliveries.exclude(pk__in=list(keep)).delete()


def delivery_send(*, delivery_id: int, final: bool) -> WebhookDelivery:
    """POST one delivery. Raises ``DeliveryFailed`` for a retry unless ``final``; on the final
    failure the webhook's failure count rises and, past ``DISABLE_AFTER``, it is disabled."""
    delivery = WebhookDelivery.objects.select_related("webhook").get(pk=delivery_id)
    webhook = delivery.webhook
    body = json.dumps(delivery.payload, separators=(",", ":")).encode()
    timestamp = int(time.time())
    headers = {"Content-Type": "application/json", "User-Agent": "opmodel-webhooks/1"}
    if webhook.kind == Webhook.Kind.JSON:
        headers |= {
            "X-Opmodel-Event": delivery.event,
            "X-Opmodel-Delivery": str(delivery.pk),
            "X-Opmodel-Timestamp": str(timestamp),
            "X-Opmodel-Signature": sign(webhook.secret, timestamp, body),
        }
    delivery.attempts += 1
    error, status = "", None
    try:
        url_allowed(webhook.url)  # again: a name may resolve elsewhere now
        response = httpx.post(
            webhook.url,
            content=body,
            headers=headers,
            timeout=settings.OPMODEL_WEBHOOK_TIMEOUT,
            follow_redirects=False,
        )
        status = response.status_code
        if not 200 <= status < 300:
            error = f"HTTP {status}"
    except ValidationError as exc:
        error = " ".join(exc.messages)
    except httpx.HTTPError as exc:
        error = f"{type(exc).__name__}: {exc}"[:300]
    delivery.status_code = status
    delivery.error = error
    delivery.delivered = not error
    if error and not final:
        delivery.save(update_fields=["attempts", "status_code", "error", "delivered"])
        raise DeliveryFailed(error)
    delivery.finished_at = timezone.now()
    delivery.save()
    with transaction.atomic():
        locked = Webhook.objects.select_for_update().get(pk=webhook.pk)
        locked.failures = 0 if delivery.delivered else locked.failures + 1
        if locked.failures >= DISABLE_AFTER:
            locked.active = False
            locked.disabled_reason = (
                f"Disabled after {locked.failures} failed deliveries in a row (last: {error})."
            )
        locked.save(update_fields=["failures", "active", "disabled_reason"])
    _prune(webhook)
    return delivery


@transaction.atomic
def delivery_resend(*, delivery: WebhookDelivery, actor: Any) -> WebhookDelivery:
    """ "Send again": a new delivery of the same payload (re-enables a disabled webhook)."""
    from opmodel.tasks import webhook_deliver_task

    webhook = delivery.webhook
    if not access_for(actor, webhook.operating_model).can_manage:
        raise PermissionDenied("Only facilitators manage webhooks.")
    if not webhook.active:
        webhook.active, webhook.failures, webhook.disabled_reason = True, 0, ""
        webhook.save(update_fields=["active", "failures", "disabled_reason"])
    again = WebhookDelivery.objects.create(
        webhook=webhook, event=delivery.event, payload=delivery.payload
    )
    transaction.on_commit(partial(webhook_deliver_task.delay, again.pk))
    return again
