"""PDF exports: ask for one, watch its progress, download it, retry a failed one. HTTP only:
the writes are in ``opmodel.services.exports``, rendering in ``opmodel.exports`` (in a worker).
Files are served only here, after the permission check: never from a public media URL."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import FileResponse, Http404, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.text import slugify
from django.views.decorators.http import require_http_methods

from opmodel import services
from opmodel.access import Access, get_model_for, release_in_model
from opmodel.exports.rules import export_allowed, may_download
from opmodel.models import Export, OperatingModel
from opmodel.registry import registry
from opmodel.services.exports import ExportQueueUnavailable, export_is_stuck
from opmodel.views.feedback import notify
from opmodel.views.types import HtmxHttpRequest

RECENT = 30


def _row_context(export: Export, access: Access) -> dict[str, Any]:
    return {
        "e": export,
        "om": access.operating_model,
        "stuck": export_is_stuck(export),
        "may_retry": export_allowed(
            access, export.kind, release=export.release_id, subject_id=export.subject_id
        ),
    }


def _subject_name(operating_model: OperatingModel, export: Export) -> str:
    subject = registry.export_subject(export.kind)
    if subject is None or not export.subject_id:
        return ""
    try:
        name = subject.name(operating_model, export.subject_id)
    except LookupError:
        return ""
    if subject.url_name:
        export.subject_url = reverse(  # type: ignore[attr-defined]
            subject.url_name, args=[operating_model.slug, export.subject_id]
        )
    return name


@login_required
@require_http_methods(["GET"])
def exports(request: HtmxHttpRequest, slug: str) -> HttpResponse:
    """The model's PDFs: ask for one, and the recent ones with their progress."""
    operating_model, access = get_model_for(request.user, slug)
    recent = list(
        Export.objects.filter(operating_model=operating_model)
        .select_related("release", "requested_by")
        .order_by("-created_at", "-pk")[:RECENT]
    )
    visible = [e for e in recent if may_download(access, e)]
    for export in visible:
        export.subject_name = _subject_name(operating_model, export)  # type: ignore[attr-defined]
    releases = list(operating_model.releases.values_list("number", "title"))
    return render(
        request,
        "opmodel/exports.html",
        {
            "om": operating_model,
            "access": access,
            "rows": [_row_context(e, access) for e in visible],
            "releases": releases,
            "can_draft": export_allowed(access, "handbook"),
            "live": True,
        },
    )


def _release_of(operating_model: OperatingModel, value: str) -> Any:
    if not value or value == "draft":
        return None
    return release_in_model(operating_model, value.lstrip("v"))


def _back(request: HtmxHttpRequest, operating_model: OperatingModel) -> HttpResponse:
    target = request.POST.get("next", "")
    if not url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        target = ""
    return redirect(target or reverse("exports", args=[operating_model.slug]))


@login_required
@require_http_methods(["POST"])
def export_new(request: HtmxHttpRequest, slug: str) -> HttpResponse:
    """Ask for a PDF (kind, release number or the draft, subject): it renders in the
    background; the exports page shows its progress."""
    operating_model, access = get_model_for(request.user, slug)
    kind = request.POST.get("kind", "")
    release = _release_of(operating_model, request.POST.get("release", ""))
    try:
        subject_id = int(request.POST.get("subject") or 0)
    except ValueError as exc:
        raise Http404("No such subject") from exc
    if not export_allowed(access, kind, release=release, subject_id=subject_id):
        raise PermissionDenied("Your role does not let you make this PDF.")
    try:
        export = services.export_request(
            operating_model=operating_model,
            actor=request.user,
            kind=kind,
            release=release,
            subject_id=subject_id,
        )
    except ValidationError as error:
        return HttpResponse(" ".join(error.messages), status=400)
    except ExportQueueUnavailable as error:
        if request.htmx:
            response = HttpResponse(str(error), status=503)
            return notify(response, str(error), error=True)
        messages.error(request, str(error))
        return redirect("exports", slug=operating_model.slug)
    if request.htmx:
        export.subject_name = _subject_name(operating_model, export)  # type: ignore[attr-defined]
        return render(request, "opmodel/exports.html#export-row", _row_context(export, access))
    if export.status == Export.Status.DONE:
        messages.success(request, "That PDF is ready: it was made once for this release.")
    else:
        messages.success(request, "Your PDF is being made: it appears below when it is ready.")
    return redirect("exports", slug=operating_model.slug)


def _export(request: HtmxHttpRequest, slug: str, pk: int) -> tuple[Export, Access]:
    operating_model, access = get_model_for(request.user, slug)
    export = (
        Export.objects.select_related("release", "requested_by")
        .filter(operating_model=operating_model, pk=pk)
        .first()
    )
    # Someone who may not download an export may not learn that it exists either.
    if export is None or not may_download(access, export):
        raise Http404("No such export")
    return export, access


@login_required
@require_http_methods(["GET"])
def export_status(request: HtmxHttpRequest, slug: str, pk: int) -> HttpResponse:
    """One export's row: its progress, then its download button (htmx polls and live events
    re-fetch it)."""
    export, access = _export(request, slug, pk)
    export.subject_name = _subject_name(access.operating_model, export)  # type: ignore[attr-defined]
    return render(request, "opmodel/exports.html#export-row", _row_context(export, access))


def export_file_name(export: Export) -> str:
    """Named after what it holds: ``quokka-v3-picture.pdf``, ``quokka-workshop-summary-data-mesh-
    kick-off.pdf`` (a subject's PDF is named after its subject, not the draft)."""
    slug = export.operating_model.slug
    subject = registry.export_subject(export.kind)
    if subject is not None and export.subject_id:
        name = _subject_name(export.operating_model, export)
        return f"{slug}-{slugify(subject.title)}-{slugify(name) or export.subject_id}.pdf"
    return f"{slug}-{export.version_label}-{export.kind}.pdf"


def export_file_response(export: Export) -> FileResponse:
    """The finished PDF as a download (404 until it is done, or once its file is gone): the
    page's download and the API's answer alike."""
    if export.status != Export.Status.DONE or not export.file:
        raise Http404("This PDF is not ready")
    try:
        handle = export.file.open("rb")
    except FileNotFoundError as exc:
        raise Http404("This PDF is gone: ask for it again") from exc
    response = FileResponse(handle, as_attachment=True, filename=export_file_name(export))
    response["Content-Type"] = "application/pdf"
    response["Cache-Control"] = "private, no-store"
    return response


@login_required
@require_http_methods(["GET"])
def export_download(request: HtmxHttpRequest, slug: str, pk: int) -> HttpResponseBase:
    export, _access = _export(request, slug, pk)
    return export_file_response(export)


@login_required
@require_http_methods(["POST"])
def export_retry(request: HtmxHttpRequest, slug: str, pk: int) -> HttpResponse:
    export, access = _export(request, slug, pk)
    try:
        export = services.export_retry(export=export, actor=request.user)
    except ValidationError as error:
        return HttpResponse(" ".join(error.messages), status=409)
    except ExportQueueUnavailable as error:
        if request.htmx:
            response = HttpResponse(str(error), status=503)
            return notify(response, str(error), error=True)
        messages.error(request, str(error))
        return redirect("exports", slug=slug)
    if request.htmx:
        export.subject_name = _subject_name(access.operating_model, export)  # type: ignore[attr-defined]
        return render(request, "opmodel/exports.html#export-row", _row_context(export, access))
    messages.success(request, "Trying again: the PDF is being made.")
    return redirect("exports", slug=slug)
