"""The API's versions: diffs between any two versions of a model, and the model as code
(import a YAML/JSON document: preview, then apply). The same services as the compare and import
pages (``versions_compare``, ``document_import_preview``, ``document_import``) and the same safe
reader of untrusted text (``document_parse``, through ``opmodel.parsing``)."""

from __future__ import annotations

import json
from typing import Any

from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest
from ninja import Query, Router, Schema, Status

from opmodel import services
from opmodel.access import get_model_for
from opmodel.api_shared import DOCUMENT_BODY, Problem, actor, body_text, require_write
from opmodel.models import OperatingModel
from opmodel.versions import (
    DRAFT,
    ModelDiff,
    document_check,
    document_export,
    document_parse,
    snapshot_build,
)
from opmodel.versions.diffs import FieldChange
from opmodel.versions.timeline import versions_compare

router = Router(tags=["versions"])


class FieldChangeOut(Schema):
    name: str
    label: str
    old: str
    new: str


class RowChangeOut(Schema):
    id: Any
    name: str
    kind: str
    fields: list[FieldChangeOut]
    group_old: str
    group_new: str
    who: list[str]


class SectionDiffOut(Schema):
    key: str
    title: str
    summary: str
    reordered: bool
    rows: list[RowChangeOut]


class DiffOut(Schema):
    changes: int
    model: list[FieldChangeOut]
    sections: list[SectionDiffOut]


class VersionOut(Schema):
    ref: str
    label: str
    at: Any


class CompareOut(Schema):
    old: VersionOut
    new: VersionOut
    diff: DiffOut


class PreviewOut(Schema):
    fingerprint: str
    model: dict[str, Any]
    diff: DiffOut


class ImportedOut(Schema):
    slug: str
    name: str


def _field(change: FieldChange) -> dict[str, str]:
    return {"name": change.name, "label": change.label, "old": change.old, "new": change.new}


def diff_json(diff: ModelDiff) -> dict[str, Any]:
    """A diff as JSON: only the sections that changed, each row in the page's words."""
    return {
        "changes": diff.change_count,
        "model": [_field(c) for c in diff.model_fields],
        "sections": [
            {
                "key": s.section.key,
                "title": s.section.title,
                "summary": s.summary,
                "reordered": s.reordered,
                "rows": [
                    {
                        "id": r.id,
                        "name": r.name,
                        "kind": r.kind,
                        "fields": [_field(c) for c in r.fields],
                        "group_old": r.group_old,
                        "group_new": r.group_new,
                        "who": r.who,
                    }
                    for r in s.rows
                ],
            }
            for s in diff.changed_sections
        ],
    }


def _default_from(operating_model: OperatingModel) -> str:
    """As the compare page: from the latest release (the draft if there is none)."""
    latest = operating_model.releases.order_by("-number").values_list("number", flat=True)
    number = latest.first()
    return f"v{number}" if number is not None else DRAFT


@router.get("/models/{slug}/diff", response=CompareOut, url_name="diff")
def diff(
    request: HttpRequest,
    slug: str,
    ref_from: str = Query("", alias="from"),
    ref_to: str = Query(DRAFT, alias="to"),
):
    """What changed between two versions: ``draft``, a release ``v3``, or a moment
    (``2027-03-01T09:30``, the model as it was then). ``from`` defaults to the latest release,
    ``to`` to the draft. A name that is no version is a 422."""
    operating_model, _access = get_model_for(request.user, slug)
    comparison = versions_compare(
        operating_model, ref_from or _default_from(operating_model), ref_to or DRAFT
    )
    return {
        "old": {"ref": comparison.old.ref, "label": comparison.old.label, "at": comparison.old.at},
        "new": {"ref": comparison.new.ref, "label": comparison.new.label, "at": comparison.new.at},
        "diff": diff_json(comparison.diff),
    }


@router.get("/models/{slug}/document", url_name="document")
def document(request: HttpRequest, slug: str, release: int | None = None) -> dict[str, Any]:
    """The model as a document (the export format), of the draft or of release ``release``."""
    operating_model, _access = get_model_for(request.user, slug)
    chosen = None
    if release is not None:
        chosen = operating_model.releases.filter(number=release).first()
        if chosen is None:
            raise Http404("No such release")
    return json.loads(json.dumps(document_export(operating_model, release=chosen), default=str))


def _document(request: HttpRequest) -> dict[str, Any]:
    document = document_parse(body_text(request))
    document_check(document)
    return document


def _preview(
    request: HttpRequest, document: dict[str, Any], operating_model: OperatingModel | None
) -> dict[str, Any]:
    preview = services.document_import_preview(
        document=document, actor=actor(request), operating_model=operating_model
    )
    return {
        "fingerprint": preview.fingerprint,
        "model": preview.after.get("model", {}),
        "diff": diff_json(preview.diff),
    }


def _managed(request: HttpRequest, slug: str) -> OperatingModel:
    require_write(request)
    operating_model, access = get_model_for(request.user, slug)
    if not access.can_manage:
        raise PermissionDenied("Only facilitators import into a model.")
    return operating_model


@router.post(
    "/models/{slug}/document/preview",
    response=PreviewOut,
    url_name="document-preview",
    openapi_extra=DOCUMENT_BODY,
)
def document_preview(request: HttpRequest, slug: str):
    """What importing this document (YAML or JSON body) into the model would change, with
    nothing written. Apply it with ``PUT .../document?fingerprint=`` and the fingerprint."""
    operating_model = _managed(request, slug)
    return _preview(request, _document(request), operating_model)


@router.put(
    "/models/{slug}/document",
    response=ImportedOut,
    url_name="document",
    openapi_extra=DOCUMENT_BODY,
)
def document_apply(request: HttpRequest, slug: str, fingerprint: str):
    """Make the model what the document says (rows matched by id updated, new ones added, the
    rest deleted), if the model is still what the preview with ``fingerprint`` was made of: a
    model changed since is a 409 with the preview of the document against it now."""
    operating_model = _managed(request, slug)
    document = _document(request)
    if fingerprint != services.document_fingerprint(snapshot_build(operating_model)):
        raise Problem(
            409,
            "Conflict",
            "The model has changed since that preview: check this one and apply it instead.",
            preview=_preview(request, document, operating_model),
        )
    imported = services.document_import(
        document=document, actor=actor(request), operating_model=operating_model
    )
    return {"slug": imported.slug, "name": imported.name}


@router.post(
    "/imports/preview", response=PreviewOut, url_name="import-preview", openapi_extra=DOCUMENT_BODY
)
def import_preview(request: HttpRequest):
    """What a new model made from this document would hold, with nothing written."""
    require_write(request)
    return _preview(request, _document(request), None)


@router.post(
    "/imports", response={201: ImportedOut}, url_name="imports", openapi_extra=DOCUMENT_BODY
)
def import_new(request: HttpRequest):
    """Create a new model from the document; you become its facilitator."""
    require_write(request)
    imported = services.document_import(document=_document(request), actor=actor(request))
    return Status(201, {"slug": imported.slug, "name": imported.name})
