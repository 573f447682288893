"""The live room: what everyone sees, notes, votes, proposals and the facilitator's controls.

Every POST works without JavaScript (post/redirect/get back to the room); with htmx it answers
with the room partial it changed. Other browsers hear of it through the room's live events.
"""

from __future__ import annotations

import copy
from collections.abc import Collection
from dataclasses import dataclass
from typing import Any

from django import forms
from django.contrib.auth import get_user_model
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_http_methods, require_POST
from django_htmx.http import HttpResponseClientRedirect, reswap, retarget, trigger_client_event

from opmodel.access import row_in_model
from opmodel.registry import Section, registry
from opmodel.views.feedback import notify
from opmodel.views.types import HtmxHttpRequest

from .. import selectors, services
from ..access import WorkshopAccess
from ..forms import (
    BreakoutForm,
    BreakoutTimerForm,
    DecisionForm,
    FocusForm,
    NoteForm,
    ProposalForm,
    RevealForm,
    TimerForm,
    UserChoiceForm,
    VoteForm,
    WritingForm,
)
from ..models import AgendaBlock, Breakout, Note, ProposalKind, Workshop
from ..services.proposals import section_form
from ..services.room import OPEN_PHASES, item_label
from .common import context, done, error_text, load, of_workshop, proposal_of

TEMPLATE = "workshops/room.html"


def room_context(
    request: HtmxHttpRequest,
    workshop: Workshop,
    wa: WorkshopAccess,
    parts: tuple[str, ...],
    draw: Collection[str] | None = None,
) -> dict[str, Any]:
    """What the room's partials need; only the named parts are loaded (fixed queries each).
    The sections' lists are loaded for the sections named in ``draw`` only (every one if it
    is None); the others are lazy: the room fetches each when it is opened (``room_section``)."""
    user = request.user
    ctx = context(
        workshop,
        wa,
        titles=selectors.section_titles(),
        room_open=workshop.phase in OPEN_PHASES,
        server_now=timezone.now(),
    )
    breakout = services.breakout_of(workshop, user) if workshop.breakouts_open else None
    ctx["breakout"] = breakout
    if "bar" in parts:
        ctx["next_block"] = services.next_block(workshop)
        ctx["focus_item"] = _focus_item(workshop)
    if "controls" in parts and wa.is_facilitator:
        ctx["agenda"] = list(workshop.agenda.all())
        ctx["handover_to"] = selectors.handover_candidates(workshop)
        ctx["summon_views"] = selectors.section_views(workshop)
        ctx["breakout_groups"] = selectors.breakout_groups(workshop)
        ctx["private_others"] = selectors.private_notes_of_others(workshop, user)
    if "ballot" in parts and wa.is_facilitator:
        ctx["ballots"] = selectors.ballots(workshop)
    if "presence" in parts:
        ctx["people"] = selectors.presence(workshop)
        ctx["present_count"] = sum(1 for p in ctx["people"] if p.present)
    if "notes" in parts or "proposals" in parts:
        ctx["dots_used"] = selectors.dots_used(workshop, user)
        ctx["dots_left"] = max(0, workshop.vote_budget - ctx["dots_used"])
    if "notes" in parts:
        notes = selectors.notes_for(workshop, user, room=True, breakout=breakout)
        if workshop.private_writing:
            ctx["private_others"] = selectors.private_notes_of_others(workshop, user)
        ctx["notes"] = notes
        ctx["groups"] = _grouped(notes)
    if "proposals" in parts:
        ctx["proposals"] = selectors.proposals_for(workshop, user, room=True, breakout=breakout)
    if "sections" in parts:
        views = selectors.room_views(workshop, draw=draw)
        ctx["section_views"] = selectors.with_partial_data(views, wa.access, request)
        ctx["can_edit"] = wa.access.can_edit
    return ctx


def _focus_item(workshop: Workshop) -> str:
    """The name of the item everyone is brought to ("" for none, or if it is gone)."""
    if not workshop.focus_section or not workshop.focus_part_id:
        return ""
    try:
        return item_label(workshop, workshop.focus_section, workshop.focus_part_id)
    except ValidationError:
        return ""


def _grouped(notes: list[Note]) -> list[tuple[str, list[Note]]]:
    groups: dict[str, list[Note]] = {}
    for note in notes:
        groups.setdefault(note.group.title if note.group else "", []).append(note)
    return sorted(groups.items(), key=lambda kv: (kv[0] == "", kv[0].lower()))


ALL_PARTS = ("bar", "controls", "ballot", "presence", "notes", "proposals", "sections")


@login_required
@require_http_methods(["GET"])
def workshop_room(request: HtmxHttpRequest, slug: str, pk: int) -> HttpResponse:
    workshop, wa = load(request, slug, pk)
    return _room_page(request, workshop, wa, NoteForm(workshop=workshop))


def _room_page(
    request: HtmxHttpRequest,
    workshop: Workshop,
    wa: WorkshopAccess,
    note_form: NoteForm,
    status=200,
) -> HttpResponse:
    # Drawn at once: the section everyone is brought to and one opened without JavaScript
    # (the placeholders' links); the others load when they come into view (room_section).
    draw = {workshop.focus_section, *request.GET.getlist("open")} - {""}
    ctx = room_context(request, workshop, wa, ALL_PARTS, draw=draw)
    ctx["note_form"] = note_form
    ctx["live"] = True
    ctx["live_url"] = reverse("workshop-events", args=[workshop.operating_model.slug, workshop.pk])
    return render(request, TEMPLATE, ctx, status=status)


@login_required
@require_http_methods(["GET"])
def room_part(request: HtmxHttpRequest, slug: str, pk: int, part: str) -> HttpResponse:
    """One partial of the room, re-fetched after a live event (``part`` is fixed per URL)."""
    workshop, wa = load(request, slug, pk)
    if part in ("controls", "ballot"):
        wa.require_facilitator()
    ctx = room_context(request, workshop, wa, (part,))
    return render(request, f"{TEMPLATE}#room-{part}", ctx)


@login_required
@require_http_methods(["GET"])
def room_section(request: HtmxHttpRequest, slug: str, pk: int, section: str) -> HttpResponse:
    """One section of the room, drawn when a browser opens it or scrolls it into view (the
    room page sends a placeholder for every section but the focus): what the placeholder is
    replaced with. The same list, data and permissions as the room page would draw."""
    workshop, wa = load(request, slug, pk)
    found = registry.find(section)
    if found is None or found.key not in workshop.sections:
        raise Http404("No such section in this workshop")
    ctx = room_context(request, workshop, wa, ())
    views = selectors.room_views(workshop, draw={found.key})
    ctx["sv"] = next(v for v in views if v.section.key == found.key)
    selectors.with_partial_data([ctx["sv"]], wa.access, request)
    ctx["can_edit"] = wa.access.can_edit
    return render(request, f"{TEMPLATE}#room-section-body", ctx)


@login_required
@require_http_methods(["GET"])
def room_note(request: HtmxHttpRequest, slug: str, pk: int, note_id: int) -> HttpResponse:
    """One note as the room shows it to this person: what a browser appends when a note is
    added, instead of re-fetching every note (a busy room adds several a second). Nothing
    (204) for a note this person may not see, or one that is gone."""
    workshop, wa = load(request, slug, pk)
    breakout = services.breakout_of(workshop, request.user) if workshop.breakouts_open else None
    notes = selectors.notes_for(
        workshop, request.user, room=True, breakout=breakout, only=[note_id]
    )
    if not notes:
        return HttpResponse(status=204)
    ctx = room_context(request, workshop, wa, ())
    ctx["dots_left"] = max(0, workshop.vote_budget - selectors.dots_used(workshop, request.user))
    ctx["note"] = notes[0]
    return render(request, f"{TEMPLATE}#room-note", ctx)


def _partial(
    request: HtmxHttpRequest,
    workshop: Workshop,
    wa: WorkshopAccess,
    part: str,
    notice: str = "",
    *,
    error: bool = False,
    status: int = 200,
    with_dots: bool = False,
    also: tuple[str, ...] = (),
) -> HttpResponse:
    """The partial ``part`` as the answer, with the parts ``also`` (and the dots) out of band."""
    ctx = room_context(request, workshop, wa, (part, *also))
    html = render_to_string(f"{TEMPLATE}#room-{part}", ctx, request=request)
    if with_dots:
        also = (*also, "dots")
    for extra in also:
        html += render_to_string(f"{TEMPLATE}#room-{extra}", {**ctx, "oob": True}, request=request)
    response = HttpResponse(html, status=status)
    return notify(reswap(retarget(response, f"#room-{part}"), "outerHTML"), notice, error=error)


def _room(slug: str, pk: int, anchor: str = "") -> str:
    return reverse("workshop-room", args=[slug, pk]) + (f"#{anchor}" if anchor else "")


@login_required
@require_POST
def note_add(request: HtmxHttpRequest, slug: str, pk: int) -> HttpResponse:
    workshop, wa = load(request, slug, pk)
    wa.require_take_part()
    form = NoteForm(request.POST, workshop=workshop)
    if form.is_valid():
        try:
            services.note_add(
                workshop=workshop,
                actor=request.user,
                kind=form.cleaned_data["kind"],
                text=form.cleaned_data["text"],
                section=form.cleaned_data["section"],
                part_id=form.cleaned_data["part_id"],
                anonymous=form.cleaned_data.get("anonymous", False),
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            if request.htmx:
                return _partial(request, workshop, wa, "notes", "Added your note.")
            return done(request, _room(slug, pk, "room-notes"), "Added your note.")
    if request.htmx:
        ctx = room_context(request, workshop, wa, ())
        ctx["note_form"] = form
        response = render(request, f"{TEMPLATE}#room-note-form", ctx, status=422)
        return reswap(retarget(response, "#room-note-form"), "outerHTML")
    # Without JavaScript: the room again, with the note as typed and its errors.
    return _room_page(request, workshop, wa, form, status=422)


def _note(workshop: Workshop, note_id: int) -> Note:
    return of_workshop(Note, workshop, note_id, noun="note", related=("workshop",))


@login_required
@require_POST
def note_delete(request: HtmxHttpRequest, slug: str, pk: int, note_id: int) -> HttpResponse:
    workshop, wa = load(request, slug, pk)
    wa.require_take_part()
    note = _note(workshop, note_id)
    if not wa.may("delete_note", note):
        raise PermissionDenied("Only its author or the facilitator removes a note.")
    try:
        services.note_delete(note=note, actor=request.user)
    except ValidationError as error:
        if request.htmx:
            return _partial(request, workshop, wa, "notes", error_text(error), error=True)
        return done(request, _room(slug, pk), error_text(error), error=True)
    if request.htmx:
        return _partial(request, workshop, wa, "notes", "Removed the note.", with_dots=True)
    return done(request, _room(slug, pk, "room-notes"), "Removed the note.")


@login_required
@require_POST
def note_group(request: HtmxHttpRequest, slug: str, pk: int, note_id: int) -> HttpResponse:
    workshop, wa = load(request, slug, pk)
    wa.require_facilitator()
    note = _note(workshop, note_id)
    services.note_group(note=note, actor=request.user, title=request.POST.get("title", ""))
    if request.htmx:
        return _partial(request, workshop, wa, "notes")
    return done(request, _room(slug, pk, "room-notes"))


@login_required
@require_POST
def vote(request: HtmxHttpRequest, slug: str, pk: int) -> HttpResponse:
    workshop, wa = load(request, slug, pk)
    wa.require_take_part()
    form = VoteForm(request.POST)
    if not form.is_valid() or bool(form.cleaned_data["note"]) == bool(
        form.cleaned_data["proposal"]
    ):
        raise Http404("Vote on one note or one proposal")
    note = _note(workshop, form.cleaned_data["note"]) if form.cleaned_data["note"] else None
    proposal = (
        proposal_of(workshop, form.cleaned_data["proposal"])
        if form.cleaned_data["proposal"]
        else None
    )
    part = "notes" if note else "proposals"
    message, failed = "", False
    try:
        if form.cleaned_data["action"] == "remove":
            services.vote_remove(
                workshop=workshop, actor=request.user, note=note, proposal=proposal
            )
        else:
            services.vote_add(workshop=workshop, actor=request.user, note=note, proposal=proposal)
    except ValidationError as error:
        message, failed = error_text(error), True
    if request.htmx:
        status = 409 if failed else 200
        return _partial(
            request, workshop, wa, part, message, error=failed, status=status, with_dots=True
        )
    return done(request, _room(slug, pk, f"room-{part}"), message, error=failed)


@dataclass(frozen=True)
class ProposalStep:
    """Where a proposal being written stands: its section, kind and item (each maybe not yet)."""

    section: Section | None
    kind: ProposalKind
    item: Any

    @property
    def needs_item(self) -> bool:
        """A change or a deletion is of an item not picked yet."""
        return self.kind in (ProposalKind.CHANGE, ProposalKind.DELETE) and self.item is None


def _proposal_step(params: Any, workshop: Workshop) -> ProposalStep:
    """The step named by ``params`` (404: a section not in the workshop, an unknown kind)."""
    key = params.get("section", "")
    section = registry.find(key) if key else None
    if key and (section is None or section.key not in workshop.sections):
        raise Http404("No such section in this workshop")
    try:
        kind = ProposalKind(params.get("kind") or ProposalKind.CHANGE)
    except ValueError as exc:
        raise Http404("No such kind of proposal") from exc
    item = None
    if section is not None and params.get("item"):
        item = row_in_model(section.model, workshop.operating_model, params.get("item"))
    return ProposalStep(section, kind, item)


@login_required
@require_http_methods(["GET", "POST"])
def proposal_new(request: HtmxHttpRequest, slug: str, pk: int) -> HttpResponse:
    """Propose a change: pick a section and an item, then edit its fields in the section's own
    form (or describe a new item, a deletion, or a change in words). One URL; a step each:
    :func:`_proposal_pick_section`, :func:`_proposal_pick_item`, :func:`_proposal_write`."""
    workshop, wa = load(request, slug, pk)
    wa.require_take_part()
    step = _proposal_step(request.POST if request.method == "POST" else request.GET, workshop)
    ctx = context(
        workshop,
        wa,
        section=step.section,
        kind=step.kind,
        item=step.item,
        kinds=ProposalKind,
        proposal_url=reverse("proposal-new", args=[slug, pk]),
    )
    # From the room the steps open in a dialog (htmx): only the body of the page is sent.
    template = "workshops/proposal_form.html" + ("#proposal-body" if request.htmx else "")
    if step.section is None:
        return _proposal_pick_section(request, workshop, template, ctx)
    if step.needs_item:
        return _proposal_pick_item(request, workshop, step.section, template, ctx)
    return _proposal_write(request, workshop, step.section, step, template, ctx)


def _proposal_pick_section(
    request: HtmxHttpRequest, workshop: Workshop, template: str, ctx: dict[str, Any]
) -> HttpResponse:
    """Step 1: the workshop's sections to pick from."""
    ctx["section_views"] = selectors.section_views(workshop)
    return render(request, template, ctx)


def _proposal_pick_item(
    request: HtmxHttpRequest,
    workshop: Workshop,
    section: Section,
    template: str,
    ctx: dict[str, Any],
) -> HttpResponse:
    """Step 2 (a change or a deletion): the section's items to pick from."""
    ctx["section_views"] = selectors.section_views(workshop, [section])
    return render(request, template, ctx)


def _proposal_field_form(
    request: HtmxHttpRequest, workshop: Workshop, section: Section, step: ProposalStep
) -> forms.BaseForm | None:
    """The section's own form for a change or a new item (None: a deletion or words only)."""
    data = request.POST if request.method == "POST" else None
    if step.kind == ProposalKind.CHANGE:
        return section.form(
            data,
            instance=copy.copy(step.item),  # validating writes into the instance: keep the row
            operating_model=workshop.operating_model,
            prefix="f",
        )
    if step.kind == ProposalKind.ADD:
        return section_form(section, section.fields)(
            data, operating_model=workshop.operating_model, prefix="f"
        )
    return None


def _proposal_write(
    request: HtmxHttpRequest,
    workshop: Workshop,
    section: Section,
    step: ProposalStep,
    template: str,
    ctx: dict[str, Any],
) -> HttpResponse:
    """Step 3: the proposal's fields and rationale; a valid POST proposes it."""
    field_form = _proposal_field_form(request, workshop, section, step)
    meta = ProposalForm(request.POST or None, initial={"kind": step.kind})
    if request.method == "POST":
        saved = _proposal_save(request, workshop, section, step, meta, field_form)
        if saved is not None:
            return saved
    ctx.update(meta=meta, field_form=field_form, revision=step.item.revision if step.item else "")
    if request.method == "POST" and "revision" in request.POST:
        ctx["revision"] = request.POST["revision"]
    status = 422 if request.method == "POST" else 200
    return render(request, template, ctx, status=status)


def _proposal_save(
    request: HtmxHttpRequest,
    workshop: Workshop,
    section: Section,
    step: ProposalStep,
    meta: ProposalForm,
    field_form: forms.BaseForm | None,
) -> HttpResponse | None:
    """Propose it if the forms are valid and the service agrees (None: show the forms again)."""
    if not meta.is_valid() or (field_form is not None and not field_form.is_valid()):
        return None
    try:
        services.proposal_create(
            workshop=workshop,
            actor=request.user,
            section=section.key,
            kind=step.kind,
            part=step.item,
            data=field_form.cleaned_data if field_form is not None else None,
            rationale=meta.cleaned_data["rationale"],
            base_revision=int(request.POST.get("revision") or 0) or None,
        )
    except ValidationError as error:
        meta.add_error(None, error)
        return None
    if request.htmx:
        response = notify(HttpResponse(""), "Proposal added.")
        trigger_client_event(response, "opmodel:dialog-close")
        return response
    back = _room(workshop.operating_model.slug, workshop.pk, "room-proposals")
    return done(request, back, "Proposal added.")


@login_required
@require_POST
def proposal_decide(request: HtmxHttpRequest, slug: str, pk: int, proposal_id: int) -> HttpResponse:
    workshop, wa = load(request, slug, pk)
    wa.require_facilitator()
    proposal = proposal_of(workshop, proposal_id)
    form = DecisionForm(request.POST)
    if not form.is_valid():
        raise Http404("No such decision")
    decision = form.cleaned_data["decision"]
    status, message, failed = 200, "", False
    try:
        if decision == "accept":
            proposal = services.proposal_accept(
                proposal=proposal,
                actor=request.user,
                note=form.cleaned_data["note"],
                on_current=form.cleaned_data["on_current"],
            )
            if proposal.conflict:
                status, failed = 409, True
                message = (
                    f"Proposal #{proposal.number} was not applied: the item changed since it "
                    "was proposed. Compare and decide."
                )
            else:
                message = f"Accepted proposal #{proposal.number}."
        else:
            target = {"reject": "rejected", "park": "parked", "reopen": "open"}[decision]
            services.proposal_decide(
                proposal=proposal, actor=request.user, status=target, note=form.cleaned_data["note"]
            )
            message = f"Proposal #{proposal.number} is {target}."
    except ValidationError as error:
        status, message, failed = 422, error_text(error), True
    if request.htmx:
        return _partial(request, workshop, wa, "proposals", message, error=failed, status=status)
    back = request.POST.get("next") or ""
    to = back if back.startswith(f"/m/{slug}/workshops/") else _room(slug, pk, "room-proposals")
    return done(request, to, message, error=failed)


def _control(
    request: HtmxHttpRequest,
    workshop: Workshop,
    wa: WorkshopAccess,
    message: str = "",
    *,
    error: bool = False,
) -> HttpResponse:
    if request.htmx:
        also = ("controls",) if wa.is_facilitator else ()
        return _partial(request, workshop, wa, "bar", message, error=error, also=also)
    return done(request, _room(workshop.operating_model.slug, workshop.pk), message, error=error)


@login_required
@require_POST
def control_timer(request: HtmxHttpRequest, slug: str, pk: int) -> HttpResponse:
    workshop, wa = load(request, slug, pk)
    wa.require_facilitator()
    form = TimerForm(request.POST)
    if not form.is_valid():
        return _control(request, workshop, wa, "Give the minutes.", error=True)
    action = form.cleaned_data["action"]
    if action == "next":
        try:
            workshop = services.timer_next(workshop=workshop, actor=request.user)
        except ValidationError as error:
            return _control(request, workshop, wa, error_text(error), error=True)
    elif action == "stop":
        workshop = services.timer_stop(workshop=workshop, actor=request.user)
    elif action == "extend":
        workshop = services.timer_extend(
            workshop=workshop, actor=request.user, minutes=form.cleaned_data["minutes"] or 5
        )
    else:
        block = None
        if form.cleaned_data["block"]:
            block = AgendaBlock.objects.filter(
                workshop=workshop, pk=form.cleaned_data["block"]
            ).first()
            if block is None:
                raise Http404("No such agenda block")
        workshop = services.timer_start(
            workshop=workshop, actor=request.user, block=block, minutes=form.cleaned_data["minutes"]
        )
    return _control(request, workshop, wa)


@login_required
@require_POST
def control_focus(request: HtmxHttpRequest, slug: str, pk: int) -> HttpResponse:
    workshop, wa = load(request, slug, pk)
    wa.require_facilitator()
    form = FocusForm(request.POST)
    section = form.cleaned_data["section"] if form.is_valid() else ""
    item = form.cleaned_data["item"] if form.is_valid() else None
    try:
        if item:
            workshop = services.summon(
                workshop=workshop, actor=request.user, section=section, part_id=item
            )
        else:
            workshop = services.focus_set(workshop=workshop, actor=request.user, section=section)
    except ValidationError as error:
        return _control(request, workshop, wa, error_text(error), error=True)
    return _control(
        request,
        workshop,
        wa,
        "Everyone is looking at this section now." if workshop.focus_section else "",
    )


@login_required
@require_POST
def control_reveal(request: HtmxHttpRequest, slug: str, pk: int) -> HttpResponse:
    workshop, wa = load(request, slug, pk)
    wa.require_facilitator()
    form = RevealForm(request.POST)
    revealed = form.is_valid() and form.cleaned_data["revealed"]
    workshop = services.votes_reveal(workshop=workshop, actor=request.user, revealed=revealed)
    return _control(request, workshop, wa, "Votes revealed." if revealed else "Votes hidden.")


@login_required
@require_POST
def control_handover(request: HtmxHttpRequest, slug: str, pk: int) -> HttpResponse:
    workshop, wa = load(request, slug, pk)
    wa.require_facilitator()
    form = UserChoiceForm(request.POST)
    user = (
        get_user_model().objects.filter(pk=form.cleaned_data["user"]).first()
        if (form.is_valid())
        else None
    )
    if user is None:
        return _control(request, workshop, wa, "Choose someone in the workshop.", error=True)
    try:
        services.facilitation_handover(workshop=workshop, actor=request.user, to_user=user)
    except ValidationError as error:
        return _control(request, workshop, wa, error_text(error), error=True)
    # The controls are no longer this person's: reload the whole room.
    if request.htmx:
        return HttpResponseClientRedirect(_room(slug, pk))
    return done(request, _room(slug, pk), f"{user.get_username()} facilitates now.")


@login_required
@require_POST
def control_writing(request: HtmxHttpRequest, slug: str, pk: int) -> HttpResponse:
    """Private writing: start it, or reveal every note at once (with names, or without)."""
    workshop, wa = load(request, slug, pk)
    wa.require_facilitator()
    form = WritingForm(request.POST)
    if not form.is_valid():
        raise Http404("No such action")
    if form.cleaned_data["action"] == "start":
        workshop = services.private_writing_start(workshop=workshop, actor=request.user)
        message = "Private writing: each person's notes are theirs until you reveal them."
    else:
        n = services.private_writing_reveal(
            workshop=workshop, actor=request.user, show_authors=form.cleaned_data["show_authors"]
        )
        workshop.refresh_from_db()
        message = f"Revealed {n} note{'s' if n != 1 else ''}."
    return _control(request, workshop, wa, message)


@login_required
@require_POST
def control_nudge(request: HtmxHttpRequest, slug: str, pk: int) -> HttpResponse:
    workshop, wa = load(request, slug, pk)
    wa.require_facilitator()
    services.votes_nudge(workshop=workshop, actor=request.user)
    return _control(request, workshop, wa, "Reminded everyone with dots left.")


@login_required
@require_POST
def control_breakouts(request: HtmxHttpRequest, slug: str, pk: int) -> HttpResponse:
    """Split the room into groups (at random or to be moved by hand), move one person, or
    bring everyone back."""
    workshop, wa = load(request, slug, pk)
    wa.require_facilitator()
    form = BreakoutForm(request.POST)
    if not form.is_valid():
        return _control(request, workshop, wa, error_text(ValidationError(form.errors)), error=True)
    data = form.cleaned_data
    try:
        if data["action"] == "split":
            groups = services.breakouts_split(
                workshop=workshop,
                actor=request.user,
                groups=data["groups"] or 2,
                shuffle=data["mode"] != "hand",
            )
            message = f"Split into {len(groups)} groups."
        elif data["action"] == "end":
            services.breakouts_end(workshop=workshop, actor=request.user)
            message = "Everyone is back in the main room."
        else:
            person = get_user_model().objects.filter(pk=data["user"]).first()
            group = Breakout.objects.filter(workshop=workshop, number=data["group"]).first()
            if person is None:
                raise Http404("No such person")
            services.breakout_assign(
                workshop=workshop, actor=request.user, user=person, breakout=group
            )
            message = ""
    except ValidationError as error:
        return _control(request, workshop, wa, error_text(error), error=True)
    workshop.refresh_from_db()
    return _control(request, workshop, wa, message)


@login_required
@require_POST
def breakout_timer(request: HtmxHttpRequest, slug: str, pk: int) -> HttpResponse:
    """A group's own countdown (its members or the facilitator)."""
    workshop, wa = load(request, slug, pk)
    wa.require_take_part()
    breakout = services.breakout_of(workshop, request.user)
    if wa.is_facilitator:
        breakout = Breakout.objects.filter(
            workshop=workshop, number=request.POST.get("group") or 0
        ).first()
    if breakout is None:
        raise Http404("No group")
    form = BreakoutTimerForm(request.POST)
    if not form.is_valid():
        return _control(request, workshop, wa, "Give the minutes.", error=True)
    try:
        services.breakout_timer_start(
            breakout=breakout, actor=request.user, minutes=form.cleaned_data["minutes"]
        )
    except ValidationError as error:
        return _control(request, workshop, wa, error_text(error), error=True)
    return _control(request, workshop, wa)
