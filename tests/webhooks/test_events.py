"""Every webhook event, made by the real services, reaches a real HTTP server on loopback: signed
JSON, and the same event as a Slack (Block Kit) and a Microsoft Teams (Adaptive Card) message,
each with a link back. A class guard: every ``Webhook.Event`` has a sender, a trigger here, and a
line in the docs."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings as django_settings

from opmodel.models import Webhook, WebhookChange
from opmodel.registry import registry
from opmodel.services import part_set_fields, part_update, release_publish
from opmodel.services.webhooks import webhook_create
from tests.webhooks.conftest import signature_ok
from workshops import services as workshop_services
from workshops.models import Phase, ProposalKind, ProposalStatus

pytestmark = pytest.mark.django_db(transaction=True)

ROOT = Path(django_settings.BASE_DIR)
Trigger = Callable[[Any, dict[str, Any]], None]


def _stage(om, name: str):
    return registry.get("canvas.stages").model.objects.get(operating_model=om, name=name)


def _workshop(om, people, phase: Phase = Phase.WORKSHOP):
    from tests.workshops.conftest import make_workshop

    return make_workshop(om, people["facilitator"], phase=phase)


def publish(om, people) -> None:
    release_publish(operating_model=om, actor=people["facilitator"], title="Spring")


def move_phase(om, people) -> None:
    workshop = _workshop(om, people, Phase.INVITE)
    workshop_services.workshop_transition(
        workshop=workshop, actor=people["facilitator"], to_phase=Phase.WORKSHOP
    )


def _proposal(om, people):
    workshop = _workshop(om, people)
    row = _stage(om, "Build")
    return workshop_services.proposal_create(
        workshop=workshop,
        actor=people["facilitator"],
        section="canvas.stages",
        kind=ProposalKind.CHANGE,
        part=row,
        data={"name": "Build well", "description": row.description, "outcome": row.outcome},
        rationale="Clearer",
    )


def decide(status: ProposalStatus) -> Trigger:
    def trigger(om, people) -> None:
        proposal = _proposal(om, people)
        if status == ProposalStatus.ACCEPTED:
            workshop_services.proposal_accept(proposal=proposal, actor=people["facilitator"])
        else:
            workshop_services.proposal_decide(
                proposal=proposal, actor=people["facilitator"], status=status, note="Later"
            )

    return trigger


def edit(om, people) -> None:
    row = _stage(om, "Idea")
    part_update(
        section=registry.get("canvas.stages"),
        part=row,
        revision=row.revision,
        actor=people["editor"],
        data={"name": "Ideas", "description": row.description, "outcome": row.outcome},
    )


def _north_star(om, people, on: bool) -> None:
    section = registry.get("canvas.metrics")
    metric = section.model.objects.get(operating_model=om, name="Lead time")
    part_set_fields(
        section=section, part=metric, actor=people["editor"], data={"is_north_star": on}, reason=""
    )


def resolve_finding(om, people) -> None:
    _north_star(om, people, True)  # the small model had none: "no north-star" is resolved


def make_finding(om, people) -> None:
    _north_star(om, people, True)
    _north_star(om, people, False)  # and back: it appears again


# event -> (what makes it happen through the services, what its payload must say)
TRIGGERS: dict[str, list[tuple[str, Trigger, Callable[[dict[str, Any]], bool]]]] = {
    Webhook.Event.RELEASE_PUBLISHED: [
        ("release", publish, lambda d: d["release"]["label"] == "v1"),
    ],
    Webhook.Event.WORKSHOP_PHASE_CHANGED: [
        ("phase", move_phase, lambda d: (d["from_phase"], d["to_phase"]) == ("invite", "workshop")),
    ],
    Webhook.Event.PROPOSAL_DECIDED: [
        (status.value, decide(status), lambda d, s=status: d["decision"] == s.value)
        for status in (ProposalStatus.ACCEPTED, ProposalStatus.REJECTED, ProposalStatus.PARKED)
    ],
    Webhook.Event.FINDING_APPEARED: [
        ("appeared", make_finding, lambda d: d["finding"]["check"] == "no-north-star"),
    ],
    Webhook.Event.FINDING_RESOLVED: [
        ("resolved", resolve_finding, lambda d: d["finding"]["check"] == "no-north-star"),
    ],
    Webhook.Event.MODEL_CHANGED: [
        (
            "edit",
            edit,
            lambda d: (
                d["count"] >= 1
                and "canvas.stages" in [s["key"] for s in d["sections"]]
                and d["changes"][0]["by"] == "editor"
            ),
        ),
    ],
}
CASES = [
    pytest.param(event, trigger, check, id=f"{event}-{name}")
    for event, triggers in TRIGGERS.items()
    for name, trigger, check in triggers
]


def _subscribe(om, people, receiver, event: str, kind: str) -> tuple[Webhook, Any]:
    server = receiver()
    webhook = webhook_create(
        operating_model=om, actor=people["facilitator"], url=server.url, events=[event]
    )
    # The URL's host decides the kind (hooks.slack.com, *.webhook.office.com); on loopback the
    # test says it.
    Webhook.objects.filter(pk=webhook.pk).update(kind=kind)
    return webhook, server


@pytest.mark.parametrize(("event", "trigger", "check"), CASES)
def test_every_event_reaches_a_real_server_signed_and_as_chat_messages(
    event, trigger, check, small_om, people, receiver
):
    hooks = {
        kind: _subscribe(small_om, people, receiver, event, kind) for kind in Webhook.Kind.values
    }
    trigger(small_om, people)

    webhook, server = hooks[Webhook.Kind.JSON]
    assert server.events() and set(server.events()) == {event}
    headers, body = server.received[-1]
    assert headers["X-Opmodel-Event"] == event
    assert signature_ok(webhook.secret, headers, body)
    data = json.loads(body)["data"]
    assert check(data), data
    assert data["model"]["slug"] == small_om.slug and data["summary"]
    link = data["url"]
    assert link.startswith(django_settings.OPMODEL_PUBLIC_URL + f"/m/{small_om.slug}/")

    _slack, slack = hooks[Webhook.Kind.SLACK]
    message = json.loads(slack.received[-1][1])
    assert data["summary"] in message["text"]
    assert message["blocks"][1]["elements"][0]["url"] == link
    assert "X-Opmodel-Signature" not in slack.received[-1][0]  # their URL is the secret

    _teams, teams = hooks[Webhook.Kind.TEAMS]
    card = json.loads(teams.received[-1][1])["attachments"][0]
    assert card["contentType"] == "application/vnd.microsoft.card.adaptive"
    assert data["summary"] in card["content"]["body"][0]["text"]
    assert card["content"]["actions"][0]["url"] == link


def test_nothing_is_sent_for_an_event_nobody_subscribed_to(small_om, people, receiver):
    server = receiver()
    webhook_create(
        operating_model=small_om,
        actor=people["facilitator"],
        url=server.url,
        events=[Webhook.Event.RELEASE_PUBLISHED],
    )
    edit(small_om, people)
    move_phase(small_om, people)
    assert server.received == []
    assert not WebhookChange.objects.exists()  # changes are only kept while someone listens


def test_reopening_a_proposal_is_not_a_decision(small_om, people, receiver):
    _webhook, server = _subscribe(
        small_om, people, receiver, Webhook.Event.PROPOSAL_DECIDED, Webhook.Kind.JSON
    )
    proposal = _proposal(small_om, people)
    for status in (ProposalStatus.PARKED, ProposalStatus.OPEN):
        workshop_services.proposal_decide(
            proposal=proposal, actor=people["facilitator"], status=status
        )
    assert [d["decision"] for d in server.payloads(Webhook.Event.PROPOSAL_DECIDED)] == ["parked"]


def _app_sources() -> str:
    apps = ["opmodel", "canvas", "teams", "journeys", "workshops"]
    return "\n".join(
        path.read_text()
        for app in apps
        for path in (ROOT / app).rglob("*.py")
        if "migrations" not in path.parts and path.name != "models.py"
    )


def test_every_event_has_a_sender_a_delivery_test_and_its_docs():
    """Class guard: a new ``Webhook.Event`` fails here until something sends it, a trigger above
    makes a real server receive it, and the docs list it."""
    sources = _app_sources()
    docs = (ROOT / "docs" / "webhooks.md").read_text()
    assert set(TRIGGERS) == set(Webhook.Event.values)
    for event in Webhook.Event:
        assert re.search(rf"Event\.{event.name}\b", sources), f"nothing sends {event.value}"
        assert f"`{event.value}`" in docs, f"docs/webhooks.md does not describe {event.value}"
