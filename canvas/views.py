from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_http_methods

from opmodel.access import get_model_for, release_in_model
from opmodel.health import HealthScore
from opmodel.selectors import model_health
from opmodel.views.types import HtmxHttpRequest

from .selectors import canvas_data


@login_required
@require_http_methods(["GET"])
def canvas(request: HtmxHttpRequest, slug: str) -> HttpResponse:
    """Level 1, editable in place by editors and facilitators."""
    operating_model, access = get_model_for(request.user, slug)
    data = canvas_data(operating_model)
    return render(
        request,
        "canvas/canvas.html",
        {
            "om": operating_model,
            "access": access,
            "can_edit": access.can_edit,
            "canvas": data,
            "findings": model_health(operating_model, level=1),
            "live": True,
        },
    )


@login_required
@require_http_methods(["GET"])
def picture(request: HtmxHttpRequest, slug: str) -> HttpResponse:
    """The picture on a page: the whole of Level 1 on one screen, read-only and printable."""
    operating_model, access = get_model_for(request.user, slug)
    return render(
        request,
        "canvas/picture.html",
        {
            "om": operating_model,
            "access": access,
            "canvas": canvas_data(operating_model),
            # the whole model's health, scored as its PDF scores it
            "health": HealthScore.of(model_health(operating_model)),
            # the draft's poster follows every change live (a release's never changes)
            "live": True,
        },
    )


@login_required
@require_http_methods(["GET"])
def picture_release(request: HtmxHttpRequest, slug: str, number: int) -> HttpResponse:
    """The picture on a page of a release, drawn from its snapshot: it never changes."""
    operating_model, access = get_model_for(request.user, slug)
    release = release_in_model(operating_model, number)
    return render(
        request,
        "canvas/picture.html",
        {
            "om": operating_model,
            "access": access,
            "canvas": canvas_data(operating_model, document=release.snapshot),
            "release": release,
            "meta": release.snapshot.get("model", {}),
        },
    )
