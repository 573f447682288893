"""The JSON API, ``/api/v1/`` (django-ninja): typed schemas and an OpenAPI document.

Every registered section's rows are reachable here without API code of their own: the routes
take the section's key and go through the same door (``get_model_for``), the same row rule
(``Section.allows``), the same form (validation) and the same services as the pages. Callers
authenticate with a personal access token (``Authorization: Bearer opm_...``; read or write
scope) or the browser session (with its CSRF token). Errors are RFC 9457 problem details.
"""

from __future__ import annotations

import copy
from importlib import import_module
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count, Window
from django.http import Http404, HttpRequest, HttpResponse
from ninja import NinjaAPI, Query, Schema, Status
from ninja.errors import AuthenticationError, HttpError
from ninja.errors import ValidationError as SchemaError
from ninja.pagination import PageNumberPagination, paginate
from ninja.security import HttpBearer, django_auth
from ninja.throttling import AuthRateThrottle

from opmodel import selectors, services
from opmodel.access import Access, get_model_for, row_in_model
from opmodel.api_exports import router as exports_router
from opmodel.api_shared import Problem, actor, require_write
from opmodel.api_versions import router as versions_router
from opmodel.models import OperatingModel, Part, PersonalAccessToken
from opmodel.registry import Section, registry
from opmodel.services.tokens import token_authenticate

PROBLEM = "application/problem+json"


class TokenAuth(HttpBearer):
    """``Authorization: Bearer opm_<prefix>_<secret>``: a personal access token."""

    def authenticate(self, request: HttpRequest, token: str) -> PersonalAccessToken | None:
        found = token_authenticate(token)
        if found is not None:
            request.user = found.user
        return found


api = NinjaAPI(
    title="opmodel API",
    version="1",
    description=(
        "Operating models and their sections' rows, versioned. Authenticate with a personal "
        "access token (account menu → API tokens) as `Authorization: Bearer opm_...`."
    ),
    urls_namespace="api-v1",
    auth=[TokenAuth(), django_auth],
    throttle=[AuthRateThrottle(settings.OPMODEL_API_RATE)],
    docs_url="/docs",
)


# ---------- problems (RFC 9457) ----------


def problem(request: HttpRequest, status: int, title: str, detail: str = "", **extra: Any):
    body = {"type": "about:blank", "title": title, "status": status}
    if detail:
        body["detail"] = detail
    body.update(extra)
    response = api.create_response(request, body, status=status)
    response["Content-Type"] = PROBLEM
    return response


@api.exception_handler(Http404)
def _not_found(request: HttpRequest, exc: Exception) -> HttpResponse:
    return problem(request, 404, "Not found", "No such resource, or it is not yours to see.")


@api.exception_handler(PermissionDenied)
def _forbidden(request: HttpRequest, exc: Exception) -> HttpResponse:
    return problem(request, 403, "Forbidden", str(exc) or "You may not do this.")


@api.exception_handler(AuthenticationError)
def _unauthorised(request: HttpRequest, exc: Exception) -> HttpResponse:
    response = problem(
        request, 401, "Unauthorized", "A valid personal access token or session is needed."
    )
    response["WWW-Authenticate"] = "Bearer"
    return response


@api.exception_handler(ValidationError)
def _invalid(request: HttpRequest, exc: ValidationError) -> HttpResponse:
    errors = exc.message_dict if hasattr(exc, "error_dict") else {"__all__": exc.messages}
    return problem(request, 422, "Invalid", "The data was not accepted.", errors=errors)


@api.exception_handler(SchemaError)
def _schema_invalid(request: HttpRequest, exc: SchemaError) -> HttpResponse:
    return problem(request, 422, "Invalid", "The request body or query is malformed.",
                   errors=exc.errors)  # fmt: skip


@api.exception_handler(HttpError)
def _http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
    title = "Too many requests" if exc.status_code == 429 else "Error"
    return problem(request, exc.status_code, title, str(exc))


@api.exception_handler(Problem)
def _problem(request: HttpRequest, exc: Problem) -> HttpResponse:
    return problem(request, exc.status, exc.title, exc.detail, **exc.extra)


@api.exception_handler(services.StaleRevision)
def _stale(request: HttpRequest, exc: services.StaleRevision) -> HttpResponse:
    section = getattr(exc, "api_section", None)
    current = _row(section, exc.current) if section is not None and exc.current else None
    return problem(
        request,
        409,
        "Conflict",
        str(exc),
        conflicts=exc.conflicts,
        current=current,
        yours=_plain(exc.merged),
    )


# ---------- schemas ----------


class ModelOut(Schema):
    slug: str
    name: str
    organisation: str
    description: str
    role: str | None


class SectionOut(Schema):
    key: str
    title: str
    level: int
    singleton: bool
    fields: list[str]


class ModelDetailOut(ModelOut):
    sections: list[SectionOut]


class RowOut(Schema):
    id: int
    revision: int
    fields: dict[str, Any]


class RowIn(Schema):
    fields: dict[str, Any]


class RowUpdate(Schema):
    revision: int
    fields: dict[str, Any]


class OrderIn(Schema):
    ids: list[int]


class ReleaseOut(Schema):
    number: int
    title: str
    published_at: Any


# ---------- helpers ----------


def _plain(data: dict[str, Any]) -> dict[str, Any]:
    """Form values as JSON: rows as their ids."""
    return {
        k: (v.pk if isinstance(v, Part) else [x.pk for x in v] if hasattr(v, "__iter__") and
            not isinstance(v, str | dict) else v)
        for k, v in data.items()
    }  # fmt: skip


def _row(section: Section, row: Part) -> dict[str, Any]:
    data = section.serialise(row)
    return {"id": data.pop("id"), "revision": row.revision, "fields": data}


def _section(key: str) -> Section:
    section = registry.find(key)
    if section is None:
        raise Http404("No such section")
    return section


def _require(access: Access, section: Section, part: Part | None, action: str) -> None:
    if not section.allows(access, part, action):
        raise PermissionDenied("You can read this section but not change it.")


def _clean(
    section: Section,
    operating_model: OperatingModel,
    access: Access,
    fields: dict[str, Any],
    item: Part | None,
) -> tuple[dict[str, Any], Part]:
    """The section's own form validates the data (a partial update keeps the other fields):
    the cleaned values, and the form's copy of the row with them (its references loaded once,
    by the form's fields; the service uses them instead of looking them up again)."""
    unknown = sorted(set(fields) - set(section.fields))
    if unknown:
        raise ValidationError({name: ["No such field."] for name in unknown})
    values = section.serialise(item) if item is not None else {}
    values.pop("id", None)
    values.update(fields)
    data = {k: ("" if v is None else v) for k, v in values.items()}
    form = section.form(
        data=data,
        instance=copy.copy(item) if item is not None else None,
        operating_model=operating_model,
        access=access,
    )
    if not form.is_valid():
        raise ValidationError(form.errors.get_json_data() and {
            name: [e["message"] for e in errs] for name, errs in form.errors.get_json_data().items()
        })  # fmt: skip
    return {name: form.cleaned_data[name] for name in section.fields}, form.instance


def _as_saved(section: Section, om: OperatingModel, data: dict[str, Any], item: Part | None):
    row = copy.copy(item) if item is not None else section.model(operating_model=om)
    for name, value in data.items():
        if not section.model._meta.get_field(name).many_to_many:
            setattr(row, name, value)
    return row


# ---------- routes ----------


@api.get("/models", response=list[ModelOut], tags=["models"], url_name="models")
@paginate(PageNumberPagination, page_size=50)
def models_list(request: HttpRequest):
    """The models you can see, with your role in each."""
    return [
        {
            "slug": card.operating_model.slug,
            "name": card.operating_model.name,
            "organisation": card.operating_model.organisation,
            "description": card.operating_model.description,
            "role": card.role.value if card.role else None,
        }
        for card in selectors.models_for_user(request.user)  # type: ignore[arg-type]
    ]


@api.get("/models/{slug}", response=ModelDetailOut, tags=["models"], url_name="model")
def model_detail(request: HttpRequest, slug: str):
    """One model and its sections (every section the registry knows)."""
    operating_model, access = get_model_for(request.user, slug)
    return {
        "slug": operating_model.slug,
        "name": operating_model.name,
        "organisation": operating_model.organisation,
        "description": operating_model.description,
        "role": access.role.value if access.role else None,
        "sections": [
            {
                "key": s.key,
                "title": s.title,
                "level": s.level,
                "singleton": s.singleton,
                "fields": s.fields,
            }
            for s in registry.sections()
        ],
    }


class RowPage(Schema):
    items: list[RowOut]
    count: int


@api.get("/models/{slug}/sections/{key}/rows", response=RowPage, tags=["rows"], url_name="rows")
def rows_list(
    request: HttpRequest,
    slug: str,
    key: str,
    page: int = Query(1, ge=1),
    page_size: int = Query(100, ge=1, le=500),
):
    """A section's rows in their order, a page at a time (only that page is read)."""
    operating_model, _access = get_model_for(request.user, slug)
    section = _section(key)
    items, count = _rows_page(section, operating_model, (page - 1) * page_size, page_size)
    # Built as ``serialise`` builds a row (tests compare them): no schema pass over every row.
    return api.create_response(request, {"items": items, "count": count}, status=200)


def _rows_page(
    section: Section, operating_model: OperatingModel, start: int, size: int
) -> tuple[list[dict[str, Any]], int]:
    """A page of rows as ``_row`` gives them, from plain values: one query for the page and the
    section's count (a window over the section), one per many-reference field for the page's
    rows only; no model instance, no form. The same number of queries whatever the size."""
    many = section.many_fields
    columns = {n: section.model_field(n).attname for n in section.fields if n not in many}
    rows = list(
        section.rows(operating_model)
        .annotate(api_total=Window(Count("pk")))
        .values("pk", "revision", "api_total", *columns.values())[start : start + size]
    )
    count = rows[0]["api_total"] if rows else section.rows(operating_model).count()
    links: dict[str, dict[int, list[int]]] = {}
    for name in many:
        field = section.model._meta.get_field(name)
        through = field.remote_field.through  # type: ignore[union-attr]
        source, target = field.m2m_field_name(), field.m2m_reverse_field_name()  # type: ignore[union-attr]
        by_row: dict[int, list[int]] = {}
        pairs = through._default_manager.filter(**{f"{source}__in": [r["pk"] for r in rows]})
        for row_pk, other in pairs.values_list(source, target):
            by_row.setdefault(row_pk, []).append(other)
        links[name] = by_row
    items = [
        {
            "id": row["pk"],
            "revision": row["revision"],
            "fields": {
                name: sorted(links[name].get(row["pk"], [])) if name in many else row[columns[name]]
                for name in section.fields
            },
        }
        for row in rows
    ]
    return items, count


@api.post(
    "/models/{slug}/sections/{key}/rows",
    response={201: RowOut},
    tags=["rows"],
    url_name="rows",
)
def row_create(request: HttpRequest, slug: str, key: str, payload: RowIn):
    """Add a row at the end of the section."""
    require_write(request)
    operating_model, access = get_model_for(request.user, slug)
    section = _section(key)
    _require(access, section, None, "create")
    data, _instance = _clean(section, operating_model, access, payload.fields, None)
    _require(access, section, _as_saved(section, operating_model, data, None), "create")
    row = services.part_create(
        section=section, operating_model=operating_model, actor=actor(request), data=data
    )
    return Status(201, _row(section, row))


@api.get("/models/{slug}/sections/{key}/rows/{pk}", response=RowOut, tags=["rows"], url_name="row")
def row_detail(request: HttpRequest, slug: str, key: str, pk: int):
    operating_model, _access = get_model_for(request.user, slug)
    section = _section(key)
    return _row(section, row_in_model(section.model, operating_model, pk))


@api.patch(
    "/models/{slug}/sections/{key}/rows/{pk}", response=RowOut, tags=["rows"], url_name="row"
)
def row_update(request: HttpRequest, slug: str, key: str, pk: int, payload: RowUpdate):
    """Change some fields of a row you read at ``revision``; 409 (with both versions) if it has
    changed since in the same fields."""
    require_write(request)
    operating_model, access = get_model_for(request.user, slug)
    section = _section(key)
    item = row_in_model(section.model, operating_model, pk)
    _require(access, section, item, "edit")
    data, checked = _clean(section, operating_model, access, payload.fields, item)
    data = {k: v for k, v in data.items() if k in payload.fields}
    _require(access, section, _as_saved(section, operating_model, data, item), "edit")
    try:
        saved = services.part_update(
            section=section,
            part=checked,
            revision=payload.revision,
            actor=actor(request),
            data=data,
        )
    except services.StaleRevision as conflict:
        conflict.api_section = section  # type: ignore[attr-defined]
        raise
    # The saved row as written (its fields went through the form and full_clean): no re-read.
    return _row(section, saved)


@api.delete(
    "/models/{slug}/sections/{key}/rows/{pk}",
    response={204: None},
    tags=["rows"],
    url_name="row",
)
def row_delete(request: HttpRequest, slug: str, key: str, pk: int, revision: int):
    """Delete a row you read at ``revision`` (409 if it changed since)."""
    require_write(request)
    operating_model, access = get_model_for(request.user, slug)
    section = _section(key)
    item = row_in_model(section.model, operating_model, pk)
    _require(access, section, item, "delete")
    try:
        services.part_delete(section=section, part=item, revision=revision, actor=actor(request))
    except services.StaleRevision as conflict:
        conflict.api_section = section  # type: ignore[attr-defined]
        raise
    return Status(204, None)


@api.put(
    "/models/{slug}/sections/{key}/order",
    response=list[RowOut],
    tags=["rows"],
    url_name="order",
)
def rows_reorder(request: HttpRequest, slug: str, key: str, payload: OrderIn):
    """Put the section's rows in this order (rows left out keep theirs, after these)."""
    require_write(request)
    operating_model, access = get_model_for(request.user, slug)
    section = _section(key)
    _require(access, section, None, "move")
    services.part_reorder(
        section=section,
        operating_model=operating_model,
        ordered_ids=payload.ids,
        actor=actor(request),
    )
    return [_row(section, row) for row in section.serialisable_rows(operating_model)]


@api.get(
    "/models/{slug}/releases", response=list[ReleaseOut], tags=["versions"], url_name="releases"
)
@paginate(PageNumberPagination, page_size=50)
def releases_list(request: HttpRequest, slug: str):
    """The model's published releases, newest first."""
    operating_model, _access = get_model_for(request.user, slug)
    return list(
        operating_model.releases.order_by("-number").values("number", "title", "published_at")
    )


class FindingOut(Schema):
    check: str
    severity: str
    message: str
    section: str
    row_id: int | None


@api.get("/models/{slug}/health", response=list[FindingOut], tags=["health"], url_name="health")
def health(request: HttpRequest, slug: str):
    """The model's health findings now (every registered check)."""
    operating_model, _access = get_model_for(request.user, slug)
    return selectors.model_health_data(operating_model)


# The API's other families, each in its own module.
api.add_router("", versions_router)
api.add_router("", exports_router)
# ... and those the apps registered (workshops): the core never imports an app.
for _module in registry.api_modules():
    api.add_router("", import_module(_module).router)
