"""Generic views for the rows of any registered section: display, add, edit (with conflicts),
delete, reorder, history and revert. They speak HTTP only; the services do the writing."""

from __future__ import annotations

import copy
from typing import Any, cast

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.forms import modelform_factory
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import urlencode
from django.views.decorators.http import require_http_methods, require_POST
from django_htmx.http import reswap, retarget

from opmodel import services
from opmodel.access import Access, get_model_for, id_from, row_in_model
from opmodel.forms import PartForm
from opmodel.models import OperatingModel, Part
from opmodel.registry import Section, registry
from opmodel.versions.timeline import reference_names
from opmodel.views.feedback import notify
from opmodel.views.types import HtmxHttpRequest


def _section(key: str) -> Section:
    section = registry.find(key)
    if section is None:
        raise Http404("No such section")
    return section


def _part(section: Section, operating_model: OperatingModel, pk: int) -> Part:
    return row_in_model(section.model, operating_model, pk)


def can_change(
    access: Access, section: Section, part: Part | None = None, action: str = "edit"
) -> bool:
    return section.allows(access, part, action)


def _require_change(
    access: Access, section: Section, part: Part | None = None, action: str = "edit"
) -> None:
    # Members who may read get a 403; outsiders never got this far (404).
    if not can_change(access, section, part, action):
        raise PermissionDenied("You can read this section but not change it.")


def _as_saved(
    section: Section, operating_model: OperatingModel, data: dict[str, Any], item: Part | None
) -> Part:
    """The row as it would be after the write (unsaved), for the permission check."""
    row = copy.copy(item) if item is not None else section.model(operating_model=operating_model)
    for name, value in data.items():
        if not section.model._meta.get_field(name).many_to_many:
            setattr(row, name, value)
    return row


def _scope(request: HtmxHttpRequest, section: Section) -> int | None:
    """The parent row a scoped list shows (``?scope=<pk>``), for sections listed per parent."""
    if not section.scope_field or not request.GET.get("scope"):
        return None
    return id_from(request.GET["scope"])


def _load(request: HtmxHttpRequest, slug: str, key: str) -> tuple[OperatingModel, Access, Section]:
    operating_model, access = get_model_for(request.user, slug)
    return operating_model, access, _section(key)


def page_url(section: Section, operating_model: OperatingModel) -> str:
    url = (
        reverse(section.page, kwargs={"slug": operating_model.slug})
        if section.page
        else (operating_model.get_absolute_url())
    )
    return f"{url}#section-{section.slug}"


def _context(
    operating_model: OperatingModel, access: Access, section: Section, **extra: Any
) -> dict[str, Any]:
    return {
        "om": operating_model,
        "access": access,
        "section": section,
        "can_edit": can_change(access, section, None, "create"),
        **extra,
    }


def _form_class(section: Section, field: str | None) -> type[PartForm]:
    if field is None:
        return section.form
    if field not in section.fields:
        raise Http404("No such field")
    return cast(
        "type[PartForm]", modelform_factory(section.model, form=section.form, fields=[field])
    )


def _field(request: HtmxHttpRequest) -> str | None:
    return request.GET.get("field") or None


def _partial_data(
    request: HtmxHttpRequest, ctx: dict[str, Any], scope: Any = None, item: Any = None
) -> dict[str, Any]:
    """The section's partial data (``Section.partial_context``) for a list or one row."""
    section: Section = ctx["section"]
    return section.partial_context(
        operating_model=ctx["om"], access=ctx["access"], request=request, scope=scope, item=item
    )


def _render_list(
    request: HtmxHttpRequest, ctx: dict[str, Any], status: int = 200, notice: str | None = None
) -> HttpResponse:
    section: Section = ctx["section"]
    scope = ctx.setdefault("scope", _scope(request, section))
    ctx["rows"] = list(section.rows(ctx["om"], scope))  # a tag never forces a query
    ctx.update(_partial_data(request, ctx, scope=scope))
    response = render(request, f"{section.template}#{section.list_partial}", ctx, status=status)
    return notify(reswap(retarget(response, f"#{section.list_id(scope)}"), "outerHTML"), notice)


def _render_item(
    request: HtmxHttpRequest, ctx: dict[str, Any], status: int = 200, notice: str | None = None
) -> HttpResponse:
    section: Section = ctx["section"]
    ctx.update(_partial_data(request, ctx, item=ctx["item"]))
    response = render(request, f"{section.template}#{section.item_partial}", ctx, status=status)
    target = f"#part-{section.slug}-{ctx['item'].pk}"
    return notify(reswap(retarget(response, target), "outerHTML"), notice)


def _render_form(request: HtmxHttpRequest, ctx: dict[str, Any], status: int = 200) -> HttpResponse:
    template = "opmodel/_part_form.html" if request.htmx else "opmodel/part_form_page.html"
    return render(request, template, ctx, status=status)


@login_required
@require_http_methods(["GET"])
def section_list(request: HtmxHttpRequest, slug: str, key: str) -> HttpResponse:
    operating_model, access, section = _load(request, slug, key)
    if not request.htmx:
        return redirect(page_url(section, operating_model))
    scope = _scope(request, section)
    ctx = _context(operating_model, access, section, scope=scope)
    ctx["rows"] = list(section.rows(operating_model, scope))
    ctx.update(_partial_data(request, ctx, scope=scope))
    return render(request, f"{section.template}#{section.list_partial}", ctx)


@login_required
@require_http_methods(["GET"])
def part_detail(request: HtmxHttpRequest, slug: str, key: str, pk: int) -> HttpResponse:
    operating_model, access, section = _load(request, slug, key)
    item = _part(section, operating_model, pk)
    if not request.htmx:
        return redirect(page_url(section, operating_model))
    ctx = _context(operating_model, access, section, item=item)
    ctx.update(_partial_data(request, ctx, item=item))
    return render(request, f"{section.template}#{section.item_partial}", ctx)


@login_required
@require_http_methods(["GET", "POST"])
def part_new(request: HtmxHttpRequest, slug: str, key: str) -> HttpResponse:
    operating_model, access, section = _load(request, slug, key)
    _require_change(access, section, None, "create")
    if section.singleton:
        raise Http404("This section has exactly one item")
    scope = _scope(request, section)
    ctx = _context(
        operating_model,
        access,
        section,
        mode="new",
        scope=scope,
        action=request.get_full_path(),
        cancel_url=page_url(section, operating_model),
    )
    if request.method == "POST":
        form = section.form(request.POST, operating_model=operating_model, access=access)
        if form.is_valid():
            _require_change(
                access,
                section,
                _as_saved(section, operating_model, form.cleaned_data, None),
                "create",
            )
            try:
                services.part_create(
                    section=section,
                    operating_model=operating_model,
                    actor=request.user,
                    data=form.cleaned_data,
                )
            except ValidationError as error:
                _attach(form, error)
            else:
                if request.htmx:
                    return _render_list(request, ctx, notice=f"Added the {section.item_noun}.")
                messages.success(request, f"Added the {section.item_noun}.")
                return redirect(page_url(section, operating_model))
        ctx["form"] = form
        return _render_form(request, ctx, status=422)
    initial: dict[str, Any] = {}
    if section.group_field and request.GET.get("group"):
        initial[section.group_field] = request.GET["group"]
    if scope is not None and section.scope_field:
        initial[section.scope_field] = scope
    ctx["form"] = section.form(initial=initial, operating_model=operating_model, access=access)
    ctx["form_id"] = f"new-{section.slug}-{request.GET.get('group', 'all')}"
    return _render_form(request, ctx)


def _attach(form: forms.BaseForm, error: ValidationError) -> None:
    if hasattr(error, "error_dict"):
        for name, errors in error.error_dict.items():
            form.add_error(name if name in form.fields else None, errors)
    else:
        form.add_error(None, error)


def _revision(request: HtmxHttpRequest) -> int:
    try:
        return int(request.POST.get("revision", ""))
    except ValueError as exc:
        raise ValidationError("The form is missing its revision: reload the page.") from exc


def _row_links(
    request: HtmxHttpRequest,
    operating_model: OperatingModel,
    access: Access,
    section: Section,
    item: Part,
) -> dict[str, str]:
    """The row's History and Delete, offered in its edit form rather than on every row of a
    list (``opmodel.rows.Rows.controls``); Delete keeps the list's scope, which the row's Edit
    link carries (``?scope=``), and shows only to those who may delete."""
    kwargs = {"slug": operating_model.slug, "key": section.slug, "pk": item.pk}
    links = {"history_url": reverse("part-history", kwargs=kwargs)}
    if not section.singleton and can_change(access, section, item, "delete"):
        scope = _scope(request, section)
        query = f"?{urlencode({'scope': scope})}" if scope is not None else ""
        links["delete_url"] = reverse("part-delete", kwargs=kwargs) + query
    return links


@login_required
@require_http_methods(["GET", "POST"])
def part_edit(request: HtmxHttpRequest, slug: str, key: str, pk: int) -> HttpResponse:
    operating_model, access, section = _load(request, slug, key)
    item = _part(section, operating_model, pk)
    _require_change(access, section, item, "edit")
    field = _field(request)
    form_class = _form_class(section, field)
    ctx = _context(
        operating_model,
        access,
        section,
        item=item,
        mode="edit",
        field=field,
        action=request.get_full_path(),
        cancel_url=page_url(section, operating_model),
        form_id=f"field-{section.slug}-{item.pk}-{field}"
        if field
        else f"part-{section.slug}-{item.pk}",
        **({} if field else _row_links(request, operating_model, access, section, item)),
    )
    if request.method == "POST":
        form = form_class(
            request.POST,
            # a copy: the form validates (e.g. unique constraints) against this very row,
            # without changing ``item``, which the conflict view still needs
            instance=copy.copy(item),
            operating_model=operating_model,
            access=access,
        )
        ctx["form"] = form
        try:
            revision = _revision(request)
        except ValidationError as error:
            form.is_valid()
            _attach(form, error)
            return _render_form(request, ctx, status=422)
        if form.is_valid():
            data = {name: form.cleaned_data[name] for name in form_class._meta.fields or []}
            _require_change(
                access, section, _as_saved(section, operating_model, data, item), "edit"
            )
            try:
                saved = services.part_update(
                    section=section, part=item, revision=revision, actor=request.user, data=data
                )
            except services.StaleRevision as conflict:
                return _conflict(request, ctx, conflict, form_class, data)
            except ValidationError as error:
                _attach(form, error)
            else:
                if request.htmx:
                    ctx["item"] = saved
                    ctx["saved"] = True
                    return _render_item(request, ctx, notice=f"Saved the {section.item_noun}.")
                messages.success(request, f"Saved the {section.item_noun}.")
                return redirect(page_url(section, operating_model))
        ctx["revision"] = revision
        return _render_form(request, ctx, status=422)
    ctx["form"] = form_class(instance=item, operating_model=operating_model, access=access)
    ctx["revision"] = item.revision
    return _render_form(request, ctx)


def _conflict(
    request: HtmxHttpRequest,
    ctx: dict[str, Any],
    conflict: services.StaleRevision,
    form_class: type[PartForm],
    data: dict[str, Any],
) -> HttpResponse:
    """409: show theirs beside yours; the form keeps what the user typed."""
    section: Section = ctx["section"]
    current = conflict.current
    rows = []
    if current is not None:
        for name in conflict.conflicts:
            bound = form_class(instance=current, operating_model=current.operating_model)
            rows.append(
                {
                    "label": section.field_label(name),
                    "theirs": section.display(name, section.read(current, name)),
                    "theirs_raw": bound[name].value() if name in bound.fields else "",
                    "yours": section.display(name, data.get(name)),
                    "name": name,
                }
            )
        # Unbound, from the merge: their non-overlapping changes are taken in, and the
        # conflicting fields hold what this user typed.
        ctx["form"] = form_class(
            instance=current,
            initial=conflict.merged,
            operating_model=current.operating_model,
            access=ctx["access"],
        )
        ctx["revision"] = current.revision
        last = current.history.order_by("-history_id").select_related("history_user").first()
        ctx["changed_by"] = getattr(last, "history_user", None)
    ctx.update(conflict=conflict, conflict_rows=rows, deleted=current is None)
    template = "opmodel/_conflict.html" if request.htmx else "opmodel/conflict_page.html"
    return render(request, template, ctx, status=409)


@login_required
@require_http_methods(["GET", "POST"])
def part_delete(request: HtmxHttpRequest, slug: str, key: str, pk: int) -> HttpResponse:
    operating_model, access, section = _load(request, slug, key)
    item = _part(section, operating_model, pk)
    _require_change(access, section, item, "delete")
    if section.singleton:
        raise Http404("This item cannot be deleted")
    ctx = _context(
        operating_model,
        access,
        section,
        item=item,
        scope=_scope(request, section),
        cancel_url=page_url(section, operating_model),
    )
    if request.method == "POST":
        try:
            services.part_delete(
                section=section, part=item, revision=_revision(request), actor=request.user
            )
        except services.StaleRevision as conflict:
            if conflict.current is None:  # already gone: what the user wanted
                return _render_list(request, ctx) if request.htmx else redirect(ctx["cancel_url"])
            ctx["item"] = conflict.current
            ctx["stale"] = True
            template = (
                "opmodel/_part_delete.html" if request.htmx else "opmodel/part_delete_page.html"
            )
            return render(request, template, ctx, status=409)
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
            return redirect(ctx["cancel_url"])
        if request.htmx:
            return _render_list(request, ctx, notice=f"Deleted the {section.item_noun}.")
        messages.success(request, f"Deleted the {section.item_noun} “{item}”.")
        return redirect(ctx["cancel_url"])
    template = "opmodel/_part_delete.html" if request.htmx else "opmodel/part_delete_page.html"
    return render(request, template, ctx)


@login_required
@require_POST
def part_move(request: HtmxHttpRequest, slug: str, key: str, pk: int) -> HttpResponse:
    try:
        offset = int(request.POST.get("offset", "0"))
    except ValueError:
        offset = 0
    return _move(request, slug, key, pk, offset)


@login_required
@require_POST
def row_move(request: HtmxHttpRequest, slug: str) -> HttpResponse:
    """The page's one move form (``base.html``, ``#row-move``): every row's move buttons submit
    it with only the row, ``up=<section>:<id>`` or ``down=<section>:<id>`` (``Rows.controls``),
    so a list of hundreds of rows carries no form, CSRF token or URL per row for moving."""
    direction = "up" if "up" in request.POST else "down"
    key, _, pk = request.POST.get(direction, "").partition(":")
    return _move(request, slug, key, id_from(pk), -1 if direction == "up" else 1)


def _move(request: HtmxHttpRequest, slug: str, key: str, pk: int, offset: int) -> HttpResponse:
    operating_model, access, section = _load(request, slug, key)
    item = _part(section, operating_model, pk)
    _require_change(access, section, item, "move")
    if offset:
        services.part_move(section=section, part=item, offset=offset, actor=request.user)
    ctx = _context(operating_model, access, section)
    if request.htmx:
        return _render_list(request, ctx)
    return redirect(page_url(section, operating_model))


@login_required
@require_POST
def part_reorder(request: HtmxHttpRequest, slug: str, key: str) -> HttpResponse:
    operating_model, access, section = _load(request, slug, key)
    _require_change(access, section, None, "move")
    try:
        ids = [int(v) for v in request.POST.getlist("order")]
    except ValueError:
        return HttpResponse("The order must list item ids.", status=400)
    group = request.POST.get("group") if section.group_field else None
    services.part_reorder(
        section=section,
        operating_model=operating_model,
        ordered_ids=ids,
        actor=request.user,
        group=group,
    )
    ctx = _context(operating_model, access, section)
    if request.htmx:
        return _render_list(request, ctx)
    return redirect(page_url(section, operating_model))


@login_required
@require_http_methods(["GET"])
def part_history(request: HtmxHttpRequest, slug: str, key: str, pk: int) -> HttpResponse:
    operating_model, access, section = _load(request, slug, key)
    item = _part(section, operating_model, pk)
    records = list(
        item.history.select_related("history_user").order_by("history_date", "history_id")
    )
    versions: list[dict[str, Any]] = []
    previous = None
    # History records no many-to-many links: the versions compare the columns only.
    columns = [name for name in section.fields if name not in section.many_fields]
    refs = reference_names(section, records)

    def shown(record: Any, name: str) -> str:
        return section.display(
            name, section.value(record, name), lambda _model, pk: refs.get((name, pk), f"#{pk}")
        )

    for record in records:
        changes: list[dict[str, Any]]
        if previous is not None:
            changes = [
                {
                    "label": section.field_label(name),
                    "old": shown(previous, name),
                    "new": shown(record, name),
                }
                for name in columns
                if section.value(previous, name) != section.value(record, name)
            ]
        else:
            changes = [
                {"label": section.field_label(name), "old": None, "new": shown(record, name)}
                for name in columns
                if section.value(record, name) not in ("", None, False)
            ]
        versions.append(
            {
                "record": record,
                "changes": changes,
                "content_changed": bool(changes) and previous is not None,
            }
        )
        previous = record
    current = {name: section.value(item, name) for name in columns}
    for version in versions:
        record = version["record"]
        version["same_as_now"] = all(
            section.value(record, name) == value for name, value in current.items()
        )
        # A move alone changes no content: shown compactly, nothing to revert to.
        version["minor"] = not version["changes"]
    versions.reverse()
    ctx = _context(
        operating_model,
        access,
        section,
        item=item,
        versions=versions,
        can_revert=can_change(access, section, item, "revert"),
        back_url=page_url(section, operating_model),
    )
    return render(request, "opmodel/part_history.html", ctx)


@login_required
@require_POST
def part_revert(
    request: HtmxHttpRequest, slug: str, key: str, pk: int, history_id: int
) -> HttpResponse:
    operating_model, access, section = _load(request, slug, key)
    item = _part(section, operating_model, pk)
    _require_change(access, section, item, "revert")
    historical = item.history.filter(history_id=history_id).first()
    if historical is None:
        raise Http404("No such version")
    # The version brought back must be one this user may change too (e.g. not another squad's).
    old = {n: getattr(historical, n) for n in section.fields if n not in section.many_fields}
    _require_change(access, section, _as_saved(section, operating_model, old, item), "revert")
    history_url = reverse("part-history", kwargs={"slug": slug, "key": key, "pk": pk})
    try:
        services.part_revert(
            section=section,
            part=item,
            history_id=history_id,
            revision=_revision(request),
            actor=request.user,
        )
    except services.StaleRevision:
        messages.error(
            request,
            "The item changed while you were looking: check the latest "
            "version and revert again if you still want to.",
        )
    except ValidationError as error:
        messages.error(request, "That version cannot be restored: " + " ".join(error.messages))
    else:
        messages.success(
            request,
            f"Reverted the {section.item_noun}. The revert is a new version: nothing was lost.",
        )
    return redirect(history_url)
