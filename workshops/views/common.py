from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import Model
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect

from opmodel.views.types import HtmxHttpRequest

from ..access import WorkshopAccess, get_workshop_for
from ..models import PHASE_ORDER, Proposal, Workshop
from ..services import allowed_transitions


def load(request: HtmxHttpRequest, slug: str, pk: int) -> tuple[Workshop, WorkshopAccess]:
    return get_workshop_for(request.user, slug, pk)


def base_url(request: HttpRequest) -> str:
    """The site's root as the browser reached it: links in emails point there."""
    return request.build_absolute_uri("/")


def error_text(error: ValidationError) -> str:
    return " ".join(error.messages)


def context(workshop: Workshop, wa: WorkshopAccess, **extra: Any) -> dict[str, Any]:
    return {
        "om": workshop.operating_model,
        "access": wa.access,
        "workshop": workshop,
        "wa": wa,
        "phases": PHASE_ORDER,
        "steps": allowed_transitions(workshop),
        **extra,
    }


def done(request: HttpRequest, to: str, text: str = "", *, error: bool = False) -> HttpResponse:
    """Post/redirect/get for a form posted without JavaScript."""
    if text:
        (messages.error if error else messages.success)(request, text)
    return redirect(to)


def of_workshop[M: Model](
    model: type[M], workshop: Workshop, pk: int, *, noun: str, related: tuple[str, ...] = ()
) -> M:
    """The ``model`` row ``pk`` of this workshop: 404 ("No such ``noun``") for another
    workshop's or none. The one lookup of a workshop's notes, proposals, share links, comments
    and invitations; ``related``: what to select with it (named: nothing when none is named)."""
    rows = model._default_manager.filter(workshop=workshop, pk=pk)
    row = (rows.select_related(*related) if related else rows).first()
    if row is None:
        raise Http404(f"No such {noun}")
    return row


def proposal_of(workshop: Workshop, proposal_id: int) -> Proposal:
    """A proposal of this workshop (404 for another workshop's)."""
    return of_workshop(
        Proposal, workshop, proposal_id, noun="proposal", related=("workshop__operating_model",)
    )
