"""The floor every page is compared with: the least an authenticated page can cost here."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.views.decorators.http import require_http_methods

from opmodel.models import OperatingModel


@login_required
@require_http_methods(["GET"])
def floor(request: HttpRequest, slug: str) -> HttpResponse:
    """Same middleware, session and user lookups as every page, then exactly one query."""
    name = OperatingModel.objects.filter(slug=slug).values_list("name", flat=True).first()
    return HttpResponse(name or "", content_type="text/plain")
