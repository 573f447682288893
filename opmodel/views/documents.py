"""The operating model as code: download a model (draft or release) as YAML or JSON, and
upload a file to create a model or update one, after a preview of what it would change."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from opmodel import services
from opmodel.access import get_model_for, release_in_model
from opmodel.forms import ImportForm
from opmodel.models import OperatingModel
from opmodel.versions import document_check, document_dump, document_export, document_parse
from opmodel.versions.documents import FORMATS, import_max_bytes
from opmodel.versions.snapshots import snapshot_build
from opmodel.views.types import HtmxHttpRequest

CONTENT_TYPES = {"yaml": "application/yaml; charset=utf-8", "json": "application/json"}
SESSION_KEY = "opmodel-import"


@login_required
@require_http_methods(["GET"])
def model_export(request: HtmxHttpRequest, slug: str) -> HttpResponse:
    """Download the draft (or ``?release=N``) as ``?format=yaml`` (default) or ``json``."""
    operating_model, access = get_model_for(request.user, slug)
    fmt = request.GET.get("format", "yaml")
    if fmt not in FORMATS:
        raise Http404("No such format")
    release = None
    if request.GET.get("release"):
        release = release_in_model(operating_model, request.GET["release"])
    text = document_dump(document_export(operating_model, release=release), fmt)
    name = f"{operating_model.slug}-{release.label if release else 'draft'}.{fmt}"
    response = HttpResponse(text, content_type=CONTENT_TYPES[fmt])
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


IMPORT_TEMPLATE = "opmodel/import.html"


def _read_upload(form: ImportForm) -> dict[str, Any] | None:
    """The uploaded file as a checked document, or None with the problems on the form."""
    if not form.is_valid():
        return None
    upload = form.cleaned_data["file"]
    try:
        document = document_parse(upload.read(import_max_bytes() + 1))
        document_check(document)
    except ValidationError as error:
        form.add_error("file", error)
        return None
    return document


def _import(request: HtmxHttpRequest, operating_model: OperatingModel | None, ctx: dict):
    """Upload -> preview (dry run, nothing written) -> apply, for a new or an existing model:
    the upload read here (:func:`_read_upload`), previewed (:func:`_preview`), applied
    (:func:`_import_apply`).

    The previewed document waits in the session with a fingerprint of the model it was
    previewed against: if the model changes before "Apply", the preview is shown again.
    """
    uploading = request.method == "POST" and request.POST.get("action") != "apply"
    form = ImportForm(request.POST, request.FILES) if uploading else ImportForm()
    ctx["form"] = form
    ctx["max_mb"] = import_max_bytes() / 1024 / 1024
    if request.method == "GET":
        request.session.pop(SESSION_KEY, None)
        return render(request, IMPORT_TEMPLATE, ctx)
    target = operating_model.slug if operating_model else ""
    if request.POST.get("action") == "apply":
        return _import_apply(request, operating_model, ctx, target)
    document = _read_upload(form)
    if document is None:
        return render(request, IMPORT_TEMPLATE, ctx, status=422)
    return _preview(request, operating_model, ctx, document, target)


def _import_apply(
    request: HtmxHttpRequest,
    operating_model: OperatingModel | None,
    ctx: dict[str, Any],
    target: str,
) -> HttpResponse:
    """The last step: the previewed document imported, unless the preview expired (upload
    again) or the model changed since (preview again)."""
    pending = request.session.get(SESSION_KEY) or {}
    if pending.get("target") != target:
        messages.error(request, "Upload the file again: the preview has expired.")
        return redirect(request.path)
    document = pending["document"]
    if operating_model is not None and pending["base"] != services.document_fingerprint(
        snapshot_build(operating_model)
    ):
        ctx["stale"] = True
        return _preview(request, operating_model, ctx, document, target, status=409)
    try:
        imported = services.document_import(
            document=document, actor=request.user, operating_model=operating_model
        )
    except ValidationError as error:
        ctx["errors"] = error.messages
        return render(request, IMPORT_TEMPLATE, ctx, status=422)
    request.session.pop(SESSION_KEY, None)
    messages.success(request, f"Imported “{imported.name}”.")
    return redirect(imported.get_absolute_url())


def _preview(request, operating_model, ctx, document, target, status=200) -> HttpResponse:
    try:
        preview = services.document_import_preview(
            document=document, actor=request.user, operating_model=operating_model
        )
    except ValidationError as error:
        ctx["errors"] = error.messages
        return render(request, IMPORT_TEMPLATE, ctx, status=422)
    request.session[SESSION_KEY] = {
        "target": target,
        "document": document,
        "base": preview.fingerprint,
    }
    ctx.update(preview=preview, diff=preview.diff, meta=preview.after.get("model", {}))
    return render(request, IMPORT_TEMPLATE, ctx, status=status)


@login_required
@require_http_methods(["GET", "POST"])
def model_import(request: HtmxHttpRequest, slug: str) -> HttpResponse:
    """Replace this model's content by a file's (facilitators), after a preview."""
    operating_model, access = get_model_for(request.user, slug)
    if not access.can_manage:
        raise PermissionDenied("Only facilitators import into a model.")
    ctx = {"om": operating_model, "access": access, "tab": "code"}
    return _import(request, operating_model, ctx)


@login_required
@require_http_methods(["GET", "POST"])
def model_import_new(request: HtmxHttpRequest) -> HttpResponse:
    """Create a new model from a file; the person importing becomes its facilitator."""
    return _import(request, None, {})
