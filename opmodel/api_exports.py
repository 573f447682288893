"""The API's PDF exports: ask for one (the picture on a page, the handbook, a registered subject's
such as a workshop summary), follow its progress, download the file. Through the exports service
(``export_request``) and the pages' rule (``export_allowed``, ``may_download``): viewers get only
the picture on a page of a release, and an export someone may not download is a 404 to them."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest
from django.urls import reverse
from ninja import Router, Schema, Status

from opmodel import services
from opmodel.access import Access, get_model_for, release_in_model
from opmodel.api_shared import Problem, actor
from opmodel.exports.rules import export_allowed, may_download
from opmodel.models import Export, OperatingModel
from opmodel.services.exports import ExportQueueUnavailable, export_is_stuck
from opmodel.views.exports import export_file_response

router = Router(tags=["exports"])

PDF_RESPONSE = {
    "responses": {
        "200": {
            "description": "The PDF, as an attachment",
            "content": {"application/pdf": {"schema": {"type": "string", "format": "binary"}}},
        }
    }
}


class ExportIn(Schema):
    kind: str
    release: int | None = None  # a release's number; none: the live draft
    subject: int = 0  # the subject's id, for a subject's PDF (a workshop's summary)


class ExportOut(Schema):
    id: int
    kind: str
    release: int | None
    subject: int
    status: str
    progress: int
    stuck: bool
    pages: int
    error: str
    download: str | None


def _out(operating_model: OperatingModel, export: Export) -> dict[str, Any]:
    done = export.status == Export.Status.DONE and bool(export.file)
    return {
        "id": export.pk,
        "kind": export.kind,
        "release": export.release.number if export.release_id else None,  # type: ignore[union-attr]
        "subject": export.subject_id,
        "status": export.status,
        "progress": export.progress,
        "stuck": export_is_stuck(export),
        "pages": export.pages,
        "error": export.error,
        "download": reverse("api-v1:export-file", args=[operating_model.slug, export.pk])
        if done
        else None,
    }


def _export(request: HttpRequest, slug: str, pk: int) -> tuple[Export, Access]:
    operating_model, access = get_model_for(request.user, slug)
    export = (
        Export.objects.select_related("release", "operating_model")
        .filter(operating_model=operating_model, pk=pk)
        .first()
    )
    if export is None or not may_download(access, export):
        raise Http404("No such export")
    return export, access


@router.post("/models/{slug}/exports", response={202: ExportOut}, url_name="exports")
def export_new(request: HttpRequest, slug: str, payload: ExportIn):
    """Ask for a PDF; it renders in the background (202): follow ``GET .../exports/{id}``. A
    release's PDF is made once: asking again answers the one there is. Asking changes nothing
    in the model, so a token with read scope may ask (an executive's picture on a page)."""
    operating_model, access = get_model_for(request.user, slug)
    release = None
    if payload.release is not None:
        release = release_in_model(operating_model, payload.release)
    if not export_allowed(access, payload.kind, release=release, subject_id=payload.subject):
        raise PermissionDenied("Your role does not let you make this PDF.")
    try:
        export = services.export_request(
            operating_model=operating_model,
            actor=actor(request),
            kind=payload.kind,
            release=release,
            subject_id=payload.subject,
        )
    except ExportQueueUnavailable as error:
        raise Problem(503, "Service unavailable", str(error)) from error
    return Status(202, _out(operating_model, export))


@router.get("/models/{slug}/exports/{pk}", response=ExportOut, url_name="export")
def export_status(request: HttpRequest, slug: str, pk: int):
    """An export's status and progress (percent); ``download`` once it is done."""
    export, access = _export(request, slug, pk)
    return _out(access.operating_model, export)


@router.get("/models/{slug}/exports/{pk}/file", url_name="export-file", openapi_extra=PDF_RESPONSE)
def export_file(request: HttpRequest, slug: str, pk: int):
    """The PDF (404 until it is done)."""
    export, _access = _export(request, slug, pk)
    return export_file_response(export)
