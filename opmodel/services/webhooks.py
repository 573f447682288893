"""Webhooks: a model's events sent to subscribed URLs, signed, retried, recorded.

Signature (JSON webhooks): ``X-Opmodel-Timestamp: <unix seconds>`` and
``X-Opmodel-Signature: v1=<hex HMAC-SHA256 of "<timestamp>.<raw body>" with the secret>``.
A receiver recomputes it, compares in constant time and refuses timestamps older than a few
minutes (replay). Slack and Microsoft Teams incoming-webhook URLs get a message formatted for
them instead (their URL is the secret).

Events (``Webhook.Event``) are emitted by the services that make them happen, once their
transaction commits: ``release.published`` (releases), ``workshop.phase_changed`` and
``proposal.decided`` (workshops), and, from the rows' services through ``change_note``, the
batched ``model.changed`` and the per-finding ``health.finding_appeared`` / ``resolved``: the
changes of a window (``OPMODEL_WEBHOOK_BATCH_SECONDS``) go out together in one delivery, and
the model's health is compared with what each webhook last heard once per batch.
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
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

import httpx
from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from opmodel.access import access_for
from opmodel.models import OperatingModel, Webhook, WebhookChange, WebhookDelivery

if TYPE_CHECKING:
    from django.contrib.auth.models import User

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
    """The one line a chat message leads with: every sender puts a ``summary`` in its data."""
    name = data.get("model", {}).get("name", "")
    return f"{name}: {data.get('summary') or Webhook.Event(event).label}"


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
    *, operating_model: OperatingModel, actor: User, url: str, events: list[str]
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
        # what it hears of later is what changes from here
        findings_seen=findings_now(operating_model) if HEALTH_EVENTS & set(events) else [],
    )
    webhook.full_clean()
    webhook.save()
    return webhook


def model_data(operating_model: OperatingModel) -> dict[str, str]:
    """How every event names its model."""
    return {"slug": operating_model.slug, "name": operating_model.name}


def public_url(path: str) -> str:
    """A link back, as people reach the site (``OPMODEL_PUBLIC_URL``)."""
    return settings.OPMODEL_PUBLIC_URL + path


def _deliver(webhook: Webhook, event: str, data: dict[str, Any]) -> WebhookDelivery:
    delivery = WebhookDelivery.objects.create(
        webhook=webhook, event=event, payload=format_body(webhook, event, data)
    )
    transaction.on_commit(partial(_send_later, delivery.pk))
    return delivery


def _send_later(delivery_id: int) -> None:
    from opmodel.tasks import webhook_deliver_task

    webhook_deliver_task.apply_async((delivery_id,), queue=settings.OPMODEL_WEBHOOK_QUEUE)


def webhook_dispatch(*, operating_model: OperatingModel, event: str, data: dict[str, Any]) -> None:
    """Once the current transaction commits (at once outside one), record a delivery for every
    active webhook of the model subscribed to ``event`` and send them from Celery. Nothing is
    sent for a change that is rolled back, and the caller's transaction runs no extra query."""
    Webhook.Event(event)  # an unknown event is a programming error, found at once
    transaction.on_commit(
        partial(_dispatch_now, operating_model_id=operating_model.pk, event=event, data=data)
    )


@transaction.atomic
def _dispatch_now(*, operating_model_id: int, event: str, data: dict[str, Any]) -> None:
    for webhook in Webhook.objects.filter(operating_model_id=operating_model_id, active=True):
        if event in webhook.events:
            _deliver(webhook, event, data)


# ---------- model changed (batched) and health findings ----------

CHANGE_EVENTS = frozenset(
    {Webhook.Event.MODEL_CHANGED, Webhook.Event.FINDING_APPEARED, Webhook.Event.FINDING_RESOLVED}
)
HEALTH_EVENTS = frozenset({Webhook.Event.FINDING_APPEARED, Webhook.Event.FINDING_RESOLVED})
LISTED_CHANGES = 100  # a batch lists this many changes at most (and counts them all)


def _batch_marker(operating_model_id: int) -> str:
    return f"webhook-batch:{operating_model_id}"


def change_note(
    *, operating_model_id: int, section: str, part_id: int | None, action: str, actor: str
) -> None:
    """A row of the model changed: once the transaction commits, remember it for the next
    "model changed" batch and, if none is on its way, schedule the batch to go out in
    ``OPMODEL_WEBHOOK_BATCH_SECONDS``. Called by every writer of rows (``events.part_event``);
    does nothing (one query) while no webhook of the model listens to changes or findings."""
    transaction.on_commit(
        partial(
            _change_record,
            operating_model_id=operating_model_id,
            section=section,
            part_id=part_id,
            action=action,
            actor=actor,
        )
    )


def _change_record(
    *, operating_model_id: int, section: str, part_id: int | None, action: str, actor: str
) -> None:
    from opmodel.tasks import webhook_changes_task

    listening = Webhook.objects.filter(operating_model_id=operating_model_id, active=True)
    if not any(
        CHANGE_EVENTS & set(events) for events in listening.values_list("events", flat=True)
    ):
        return
    WebhookChange.objects.create(
        operating_model_id=operating_model_id,
        section=section,
        part_id=part_id,
        action=action,
        actor=actor,
    )
    window = settings.OPMODEL_WEBHOOK_BATCH_SECONDS
    # One batch on its way per model: the first change of a window schedules it. The marker
    # outlives the window, so a batch that never ran (a lost worker) is scheduled again later.
    if cache.add(_batch_marker(operating_model_id), 1, timeout=window + 300):
        webhook_changes_task.apply_async(
            (operating_model_id,), countdown=window, queue=settings.OPMODEL_WEBHOOK_QUEUE
        )


def _finding_key(finding: dict[str, Any]) -> str:
    # A finding about a row is the same finding while its wording changes (a count in it, say).
    wording = "" if finding["row_id"] is not None else finding["message"]
    return f"{finding['check']}|{finding['section']}|{finding['row_id']}|{wording}"


def findings_now(operating_model: OperatingModel) -> list[dict[str, Any]]:
    from opmodel.selectors import model_health_data

    return model_health_data(operating_model)


def _changes_data(operating_model: OperatingModel, changes: list[WebhookChange]) -> dict[str, Any]:
    from opmodel.registry import registry

    def title(key: str) -> str:
        try:
            return registry.get(key).title
        except KeyError:
            return key

    sections = sorted({c.section for c in changes})
    people = sorted({c.actor for c in changes})
    count = len(changes)
    return {
        "model": model_data(operating_model),
        "summary": f"{count} change{'s' if count != 1 else ''} by {', '.join(people)} "
        f"in {', '.join(title(k) for k in sections)}",
        "count": count,
        "sections": [{"key": k, "title": title(k)} for k in sections],
        "people": people,
        "since": changes[0].at.isoformat(),
        "until": changes[-1].at.isoformat(),
        "changes": [
            {
                "section": c.section,
                "row_id": c.part_id,
                "action": c.action,
                "by": c.actor,
                "at": c.at.isoformat(),
            }
            for c in changes[:LISTED_CHANGES]
        ],
        "url": public_url(reverse("timeline", args=[operating_model.slug])),
    }


def _finding_data(operating_model: OperatingModel, finding: dict[str, Any], verb: str) -> dict:
    return {
        "model": model_data(operating_model),
        "summary": f"health finding {verb}: {finding['message']}",
        "finding": {k: finding[k] for k in ("check", "severity", "message", "section", "row_id")},
        "url": public_url(reverse("model-health", args=[operating_model.slug])),
    }


@transaction.atomic
def changes_flush(*, operating_model_id: int) -> int:
    """Send the waiting changes of a model as one "model changed" delivery per listening
    webhook, and each health finding that appeared or was resolved since the webhook last
    heard. Returns how many changes went out (0: another batch took them)."""
    cache.delete(_batch_marker(operating_model_id))  # changes from now on schedule a new batch
    changes = list(
        WebhookChange.objects.select_for_update().filter(operating_model_id=operating_model_id)
    )
    if not changes:
        return 0
    WebhookChange.objects.filter(pk__in=[c.pk for c in changes]).delete()
    operating_model = OperatingModel.objects.get(pk=operating_model_id)
    hooks = list(
        Webhook.objects.select_for_update().filter(operating_model=operating_model, active=True)
    )
    changed = _changes_data(operating_model, changes)
    findings = (
        findings_now(operating_model) if any(HEALTH_EVENTS & set(h.events) for h in hooks) else []
    )
    for webhook in hooks:
        if Webhook.Event.MODEL_CHANGED in webhook.events:
            _deliver(webhook, Webhook.Event.MODEL_CHANGED, changed)
        if HEALTH_EVENTS & set(webhook.events):
            _findings_send(webhook, operating_model, findings)
    return len(changes)


def _findings_send(
    webhook: Webhook, operating_model: OperatingModel, findings: list[dict[str, Any]]
) -> None:
    seen = {_finding_key(f): f for f in webhook.findings_seen}
    now = {_finding_key(f): f for f in findings}
    if Webhook.Event.FINDING_APPEARED in webhook.events:
        for key in now.keys() - seen.keys():
            data = _finding_data(operating_model, now[key], "appeared")
            _deliver(webhook, Webhook.Event.FINDING_APPEARED, data)
    if Webhook.Event.FINDING_RESOLVED in webhook.events:
        for key in seen.keys() - now.keys():
            data = _finding_data(operating_model, seen[key], "resolved")
            _deliver(webhook, Webhook.Event.FINDING_RESOLVED, data)
    webhook.findings_seen = findings
    webhook.save(update_fields=["findings_seen"])


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
    with transaction.atomic():  # the result and the webhook's failure count are seen together
        delivery.save()
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
def delivery_resend(*, delivery: WebhookDelivery, actor: User) -> WebhookDelivery:
    """ "Send again": a new delivery of the same payload (re-enables a disabled webhook)."""
    webhook = delivery.webhook
    if not access_for(actor, webhook.operating_model).can_manage:
        raise PermissionDenied("Only facilitators manage webhooks.")
    if not webhook.active:
        webhook.active, webhook.failures, webhook.disabled_reason = True, 0, ""
        webhook.save(update_fields=["active", "failures", "disabled_reason"])
    again = WebhookDelivery.objects.create(
        webhook=webhook, event=delivery.event, payload=delivery.payload
    )
    transaction.on_commit(partial(_send_later, again.pk))
    return again
