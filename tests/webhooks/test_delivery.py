"""Webhooks delivered to real HTTP servers on loopback: signed JSON, Slack and Teams formats,
retries with backoff (a server that fails twice then answers), a slow server, the delivery log,
disabling after repeated failures, "send again", and the SSRF rules."""

from __future__ import annotations

import hashlib
import hmac
import json
import time

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from opmodel.models import Webhook, WebhookDelivery
from opmodel.services import release_publish
from opmodel.services.webhooks import (
    DISABLE_AFTER,
    delivery_resend,
    format_body,
    url_allowed,
    webhook_create,
)

pytestmark = pytest.mark.django_db(transaction=True)


def _subscribe(om, people, url):
    return webhook_create(
        operating_model=om, actor=people["facilitator"], url=url, events=["release.published"]
    )


def test_a_release_is_delivered_signed(small_om, people, receiver):
    server = receiver()
    webhook = _subscribe(small_om, people, server.url)
    release_publish(operating_model=small_om, actor=people["facilitator"], title="First")
    assert len(server.received) == 1
    headers, body = server.received[0]
    payload = json.loads(body)
    assert payload["event"] == "release.published"
    assert payload["data"]["release"]["label"] == "v1"
    timestamp = headers["X-Opmodel-Timestamp"]
    expected = hmac.new(
        webhook.secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256
    ).hexdigest()
    assert headers["X-Opmodel-Signature"] == f"v1={expected}"
    assert abs(int(timestamp) - time.time()) < 60
    delivery = WebhookDelivery.objects.get(webhook=webhook)
    assert delivery.delivered and delivery.status_code == 200 and delivery.attempts == 1


def test_a_server_that_fails_twice_then_answers_gets_it_on_the_third_try(
    small_om, people, receiver
):
    server = receiver(answers=[500, 503, 200])
    webhook = _subscribe(small_om, people, server.url)
    release_publish(operating_model=small_om, actor=people["facilitator"], title="First")
    assert len(server.received) == 3
    delivery = WebhookDelivery.objects.get(webhook=webhook)
    assert delivery.delivered and delivery.attempts == 3
    webhook.refresh_from_db()
    assert webhook.failures == 0 and webhook.active


def test_a_slow_server_times_out_and_the_failure_is_recorded(small_om, people, receiver, settings):
    settings.OPMODEL_WEBHOOK_TIMEOUT = 0.2
    server = receiver(delay=0.6)
    webhook = _subscribe(small_om, people, server.url)
    release_publish(operating_model=small_om, actor=people["facilitator"], title="First")
    delivery = WebhookDelivery.objects.get(webhook=webhook)
    assert not delivery.delivered and "Timeout" in delivery.error
    assert delivery.attempts == settings.OPMODEL_WEBHOOK_RETRIES + 1
    webhook.refresh_from_db()
    assert webhook.failures == 1


def test_repeated_failures_disable_the_webhook_and_send_again_restores_it(
    small_om, people, receiver, settings
):
    settings.OPMODEL_WEBHOOK_RETRIES = 0
    server = receiver(answers=[500] * DISABLE_AFTER)
    webhook = _subscribe(small_om, people, server.url)
    for n in range(DISABLE_AFTER + 1):
        release_publish(operating_model=small_om, actor=people["facilitator"], title=f"R{n}")
    webhook.refresh_from_db()
    assert not webhook.active and "Disabled after" in webhook.disabled_reason
    assert len(server.received) == DISABLE_AFTER  # nothing sent once disabled
    last = webhook.deliveries.first()
    with pytest.raises(PermissionDenied):
        delivery_resend(delivery=last, actor=people["editor"])
    again = delivery_resend(delivery=last, actor=people["facilitator"])
    again.refresh_from_db()
    webhook.refresh_from_db()
    assert again.delivered and webhook.active and webhook.failures == 0


@pytest.mark.parametrize(
    ("url", "kind"),
    [
        ("https://hooks.slack.com/services/T0/B0/x", Webhook.Kind.SLACK),
        ("https://acme.webhook.office.com/webhookb2/x", Webhook.Kind.TEAMS),
        ("https://example.org/hook", Webhook.Kind.JSON),
    ],
)
def test_chat_urls_get_messages_formatted_for_them_with_a_link_back(url, kind, small_om, people):
    webhook = Webhook(operating_model=small_om, url=url, secret="s", kind=kind)
    data = {
        "model": {"name": "Quokka"},
        "summary": "release v3 “Spring” published",
        "release": {"label": "v3", "title": "Spring"},
        "url": "https://opmodel.example/m/quokka/releases/v3/",
    }
    body = format_body(webhook, "release.published", data)
    text = json.dumps(body)
    assert "https://opmodel.example/m/quokka/releases/v3/" in text
    if kind == Webhook.Kind.SLACK:
        assert body["blocks"][0]["type"] == "section" and "v3" in body["text"]
    elif kind == Webhook.Kind.TEAMS:
        card = body["attachments"][0]
        assert card["contentType"] == "application/vnd.microsoft.card.adaptive"
        assert card["content"]["type"] == "AdaptiveCard"
    else:
        assert body == {"event": "release.published", "data": data}


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1:8000/hook",
        "http://localhost/hook",
        "http://10.0.0.5/hook",
        "http://192.168.1.1/hook",
        "http://169.254.169.254/latest/meta-data",
        "http://[::1]/hook",
        "ftp://example.org/hook",
    ],
)
def test_loopback_and_private_addresses_are_refused_outside_tests(url, settings):
    settings.OPMODEL_WEBHOOK_ALLOW_PRIVATE = False
    with pytest.raises(ValidationError):
        url_allowed(url)


def test_only_facilitators_subscribe(small_om, people, receiver):
    with pytest.raises(PermissionDenied):
        webhook_create(
            operating_model=small_om,
            actor=people["editor"],
            url=receiver().url,
            events=["release.published"],
        )


def test_the_webhooks_page_subscribes_shows_the_log_and_sends_again(
    small_om, people, receiver, client_for
):
    from django.urls import reverse

    server = receiver()
    client = client_for(people["facilitator"])
    url = reverse("webhooks", args=[small_om.slug])
    form = client.get(url).content.decode()
    for event in Webhook.Event:  # every event can be subscribed to
        assert f'value="{event.value}"' in form and str(event.label) in form
    page = client.post(url, {"url": server.url, "events": ["release.published"]})
    assert page.status_code == 200 and page["Cache-Control"] == "no-store"
    webhook = Webhook.objects.get(operating_model=small_om)
    assert webhook.secret in page.content.decode()
    assert webhook.secret not in client.get(url).content.decode()  # shown once
    release_publish(operating_model=small_om, actor=people["facilitator"], title="First")
    log = client.get(url).content.decode()
    assert "200 delivered" in log and "release.published" in log
    delivery = webhook.deliveries.get()
    # a delivery between its tries says why it is being tried again
    WebhookDelivery.objects.filter(pk=delivery.pk).update(
        delivered=False, finished_at=None, error="HTTP 503"
    )
    assert "trying again (last: HTTP 503)" in client.get(url).content.decode()
    again = client.post(reverse("webhook-delivery-again", args=[small_om.slug, delivery.pk]))
    assert again.status_code == 302 and len(server.received) == 2
