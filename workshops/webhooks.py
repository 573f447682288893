"""What a workshop tells the model's webhooks: a phase changed, a proposal was decided. Called by
the workshop services; sent once their transaction commits (``webhook_dispatch``)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.urls import reverse

from opmodel.models import Webhook
from opmodel.registry import user_label
from opmodel.services.webhooks import model_data, public_url, webhook_dispatch

from .models import Phase, Proposal, Workshop

if TYPE_CHECKING:
    from django.contrib.auth.models import User


def _workshop(workshop: Workshop) -> dict[str, Any]:
    return {"id": workshop.pk, "title": workshop.title}


def _url(workshop: Workshop) -> str:
    return public_url(reverse("workshop-detail", args=[workshop.operating_model.slug, workshop.pk]))


def phase_changed(
    *, workshop: Workshop, from_phase: str, to_phase: str, actor: User | None, reason: str
) -> None:
    """``workshop.phase_changed``: the workshop moved forward, or back (with the reason)."""
    to_label = Phase(to_phase).label
    webhook_dispatch(
        operating_model=workshop.operating_model,
        event=Webhook.Event.WORKSHOP_PHASE_CHANGED,
        data={
            "model": model_data(workshop.operating_model),
            "summary": f"workshop “{workshop.title}” moved to {to_label}",
            "workshop": _workshop(workshop),
            "from_phase": str(from_phase),
            "to_phase": str(to_phase),
            "reason": reason,
            "by": user_label(actor),
            "url": _url(workshop),
        },
    )


def proposal_decided(*, proposal: Proposal, actor: User | None) -> None:
    """``proposal.decided``: accepted (and applied, if concrete), rejected or parked."""
    workshop = proposal.workshop
    title = proposal.part_label or proposal.section
    webhook_dispatch(
        operating_model=workshop.operating_model,
        event=Webhook.Event.PROPOSAL_DECIDED,
        data={
            "model": model_data(workshop.operating_model),
            "summary": f"proposal #{proposal.number} on {title} {proposal.status}",
            "workshop": _workshop(workshop),
            "proposal": {
                "number": proposal.number,
                "section": proposal.section,
                "row_id": proposal.part_id,
                "row": proposal.part_label,
                "kind": proposal.kind,
                "rationale": proposal.rationale,
            },
            "decision": str(proposal.status),
            "note": proposal.decision_note,
            "by": user_label(actor),
            "url": _url(workshop),
        },
    )
