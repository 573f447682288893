"""The section registry: how the core learns about the levels without importing them.

Each level app registers its sections in ``AppConfig.ready()``. Everything that works across the
whole model (the generic edit views, history, live events, health checks, the demo loader and,
later, snapshots, diffs, import/export and PDFs) iterates this registry.
"""

from __future__ import annotations

import datetime as dt
import decimal
import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from enum import StrEnum
from typing import TYPE_CHECKING, Any, Protocol, cast

from django.db import models

if TYPE_CHECKING:
    from django.contrib.auth.models import AbstractBaseUser, AnonymousUser, User

    from .access import Access
    from .models import OperatingModel, Part
    from .partforms import PartForm


class Severity(StrEnum):
    ERROR = "error"
    WARNING = "warning"
    INFO = "info"


@dataclass(frozen=True)
class Finding:
    """One result of a health check, with a link target inside the model."""

    check: str
    severity: Severity
    message: str
    section: str
    part_id: int | None = None
    # added to the section page's address, where the page shows part of the section at a time
    # (the accountability matrix: one area of a large one)
    query: str = ""


# How a value reads when there is none, in every place that shows a field's value.
EMPTY = "(empty)"

# Names a referenced row from its model and id, for values that hold ids (a document, a history
# record): each caller knows where the names are (the document's rows, the rows as they are now).
Refer = Callable[[type[models.Model], Any], str]


# Values that are their own comparable shape (``comparable`` returns them as they are).
PLAIN_TYPES = frozenset({str, int, bool, float, type(None)})


def comparable(value: Any) -> Any:
    """A field value in the one shape every consumer compares and stores: a row is its id, many
    rows are their sorted ids, dates and times are ISO text, decimals and UUIDs are text. It is
    what a document holds and what the section's form accepts back unchanged."""
    if type(value) in PLAIN_TYPES:
        return value
    if isinstance(value, models.Model):
        return value.pk
    if isinstance(value, models.QuerySet | list | tuple | set):
        return sorted(comparable(v) for v in value)
    if isinstance(value, dt.datetime | dt.date | dt.time):
        return value.isoformat()
    if isinstance(value, decimal.Decimal | uuid.UUID):
        return str(value)
    return value


def display(value: Any, choices: dict[Any, Any] | None = None) -> str:
    """A plain value as people read it (``Section.display`` for a section's field): booleans as
    Yes/No, a choice by its label, nothing as ``EMPTY``."""
    if isinstance(value, bool):
        return "Yes" if value else "No"
    value = comparable(value)
    if choices and not isinstance(value, list) and value in choices:
        return str(choices[value])
    if value in (None, "", []):
        return EMPTY
    return str(value)


HealthCheck = Callable[["OperatingModel"], Iterable[Finding]]


class BeforeSave(Protocol):
    """A hook run inside the write transaction before a row is saved; it may change other rows
    (e.g. moving the north star) through the core's services."""

    def __call__(
        self, *, section: Section, part: Any, actor: User | None, creating: bool
    ) -> None: ...


class RowRule(Protocol):
    """A section's extra permission rule for a row (``Section.can_change``)."""

    def __call__(self, *, access: Access, section: Any, part: Any, action: str) -> bool: ...


# Builds the data a section's partials show beyond ``rows`` and ``item`` (a matrix, a swim-lane
# map, a step's number). Called by every view that renders a partial of the section, with
# ``section``, ``operating_model``, ``access``, ``request``, ``scope``, ``item`` (None for a
# list) and ``findings`` (the page's, or None); returns names for the partial's context.
PartialData = Callable[..., dict[str, Any]]


@dataclass(frozen=True, kw_only=True)
class Section:
    """A kind of row in the operating model, as the core sees it.

    ``template`` is the page template that holds this section's partials: ``list_partial``
    renders all rows (context: ``rows``), ``item_partial`` one row (context: ``item``).
    ``group_field`` names the field within whose value rows are ordered (principles by group).
    """

    key: str
    title: str
    level: int
    model: type[Part]
    form: type[PartForm]
    template: str
    item_partial: str
    list_partial: str
    page: str = ""  # URL name of the page that shows this section (takes the model's slug)
    singleton: bool = False
    group_field: str | None = None
    item_noun: str = "item"
    checks: tuple[HealthCheck, ...] = ()
    before_save: BeforeSave | None = None
    # Extra permission rule for a row (e.g. team leads on their own squad). Called with
    # ``access``, ``section``, ``part`` and ``action`` ("create", "edit", "delete", "move",
    # "revert"); returns True when the user may do it. ``part`` is None when the question is
    # "may this user open the form at all"; the generic views ask again with the row as it
    # would be saved (a new row, or an edited one with the submitted values), so a crafted
    # request cannot move a row out of what the user may change.
    can_change: RowRule | None = None
    # A section listed per parent row (e.g. a squad's people): the foreign key that scopes its
    # lists. The generic list views take ``?scope=<pk>`` and render that parent's rows only,
    # in an element with the id ``section-<slug>-<pk>``.
    scope_field: str | None = None
    # Rows keep the order they were added in (no move or drag controls).
    orderable: bool = True
    # Where a whole-model view shows this section better than its own list does (the workshop
    # room): the key of the section whose list partial holds its rows too (the accountabilities
    # are the cells of the capabilities' matrix).
    shown_in: str | None = None
    describe: Callable[[Any], str] = str
    # The section's partial data (see PartialData and ``partial_context``).
    partial_data: PartialData | None = None
    # The relations ``describe`` names when they are loaded (a stage names its journey): the
    # field codec loads them, so a referenced row reads the same wherever it is shown.
    describe_with: tuple[str, ...] = ()
    # Draws one row as ``item_partial`` does, in Python (``opmodel.rows``): called with the
    # list's ``Rows`` and the row by ``{% draw_rows %}``, so a list of hundreds of rows costs no
    # template work per row. The item partial stays and must give the same bytes (a test
    # compares them for every section that has one).
    row: Callable[[Any, Any], str] | None = None

    def partial_context(
        self,
        *,
        operating_model: OperatingModel,
        access: Any,
        request: Any = None,
        scope: Any = None,
        item: Any = None,
        findings: list[Finding] | None = None,
    ) -> dict[str, Any]:
        """What this section's list partial (``item`` None) or item partial shows besides its
        rows: the views call it, so templates and template tags only format (no query in a
        tag, a page's cost visible in its view). Empty for sections that need nothing."""
        if self.partial_data is None:
            return {}
        return self.partial_data(
            section=self,
            operating_model=operating_model,
            access=access,
            request=request,
            scope=scope,
            item=item,
            findings=findings,
        )

    def allows(self, access: Any, part: Any = None, action: str = "edit") -> bool:
        """May the user behind ``access`` do ``action`` on ``part`` (None: on this section)?"""
        if self.can_change is not None:
            return self.can_change(access=access, section=self, part=part, action=action)
        return bool(access.can_edit)

    @property
    def slug(self) -> str:
        """The key as it appears in URLs and DOM ids."""
        return self.key.replace(".", "-")

    def model_field(self, name: str) -> models.Field[Any, Any]:
        """The model field behind a form field (every edited field is a concrete one)."""
        return cast("models.Field[Any, Any]", self.model._meta.get_field(name))

    @property
    def fields(self) -> list[str]:
        return list(self.form._meta.fields or [])

    def rows(self, operating_model: OperatingModel, scope: Any = None) -> models.QuerySet[Any]:
        rows = self.model._default_manager.filter(operating_model=operating_model)
        if self.scope_field and scope is not None:
            rows = rows.filter(**{self.scope_field: scope})
        return rows.order_by(*([self.group_field] if self.group_field else []), "position", "pk")

    def scope_of(self, row: Any) -> Any:
        """The parent key a row is listed under (None for sections not listed per parent)."""
        if not self.scope_field:
            return None
        return getattr(row, self.model_field(self.scope_field).attname)

    def list_id(self, scope: Any = None) -> str:
        """The DOM id of a list of this section's rows (of one parent, if scoped)."""
        return f"section-{self.slug}" if scope is None else f"section-{self.slug}-{scope}"

    @property
    def many_fields(self) -> list[str]:
        """The edited fields that hold many references (many-to-many)."""
        return [n for n in self.fields if self.model._meta.get_field(n).many_to_many]

    def serialisable_rows(self, operating_model: OperatingModel) -> models.QuerySet[Any]:
        """``rows`` with many references prefetched: ``serialise`` then costs no query per row."""
        return self.rows(operating_model).prefetch_related(*self.many_fields)

    def serialise(self, row: Part) -> dict[str, Any]:
        """The row as plain data: its stable ``id`` and the fields users edit, in form order.

        A reference to another section's row is that row's id; many references are a sorted
        list of ids. The same shape is what a starter document holds.
        """
        # .all() uses the prefetched rows (serialisable_rows) instead of a query per row.
        return {"id": row.pk, **{name: self.value(row, name) for name in self.fields}}

    # The field codec: one way to read, compare and show a field's value, whatever shape it comes
    # in (a row, a history record, a document, a form's cleaned data). Views, diffs, the
    # timeline, proposals, the parts service and snapshots all use it.

    def read(self, row: Any, name: str) -> Any:
        """Field ``name`` of ``row`` as a form's cleaned data holds it (a referenced row, a list
        of rows for many references)."""
        if self.model_field(name).many_to_many:
            return list(getattr(row, name).all())
        return getattr(row, name)

    def value(self, row: Any, name: str) -> Any:
        """The ``comparable`` value of field ``name`` of ``row`` (a row or a history record;
        history records hold no many references)."""
        model_field = self.model_field(name)
        if model_field.many_to_many:
            return comparable(list(getattr(row, name).all()))
        return comparable(getattr(row, model_field.attname))

    def comparable(self, name: str, value: Any) -> Any:
        """``value`` of field ``name`` in the shape that compares equal whatever it came from."""
        del name  # every field compares by its shape today; the name keeps the door open
        return comparable(value)

    def display(self, name: str, value: Any, refer: Refer | None = None) -> str:
        """``value`` of field ``name`` as people read it: a choice by its label, a referenced
        row by its section's ``describe`` (an account by its name), booleans as Yes/No, nothing
        as ``EMPTY``. A value that holds ids names its rows through ``refer`` ("#id" without)."""
        try:
            model_field = self.model_field(name)
        except Exception:
            model_field = None
        if model_field is not None and model_field.is_relation:
            many = isinstance(value, models.QuerySet | list | tuple | set)
            items = sorted(value if many else [value], key=comparable)
            target = related_model(model_field)
            names = [_reference(target, v, refer) for v in items if v not in (None, "")]
            return ", ".join(names) if names else EMPTY
        return display(value, dict(getattr(model_field, "flatchoices", None) or []))

    def field_label(self, name: str) -> str:
        try:
            model_field = cast("models.Field[Any, Any]", self.model._meta.get_field(name))
            return str(model_field.verbose_name).capitalize()
        except Exception:
            return name.replace("_", " ").capitalize()


@dataclass(frozen=True)
class Page:
    """A page of a model in the navigation: ``url_name`` takes the model's slug."""

    level: int
    title: str
    url_name: str
    order: int = 0
    # URL name of the same page drawn from a release (takes the slug and the release number),
    # when the level can render it from a snapshot; empty if it cannot.
    release_url_name: str = ""


@dataclass(frozen=True, kw_only=True)
class PdfBlock:
    """A level's part of a PDF export (``opmodel.exports``), registered like its sections.

    ``kind`` is "picture" (the one-page poster) or "handbook" (the whole model). ``template`` is
    rendered with ``source`` (an ``opmodel.exports.PdfSource``: the release's or the draft's
    document, its rows and its health) plus whatever ``context(source)`` returns. On the
    picture, level 1 blocks fill the main area and the others stack in the side column; they
    must condense themselves to ``source.limit`` items per list ("+12 more") and never assume
    more room. In the handbook every block is a chapter, in level then ``order``; its
    ``title`` goes in the table of contents and ``anchor`` is the id its heading must carry.
    """

    key: str
    kind: str
    title: str
    level: int
    template: str
    context: Callable[[Any], dict[str, Any]] | None = None
    order: int = 0
    # Where a picture block goes: "main" (beside the canvas) or "side" (the right-hand column);
    # empty: level 1 in the main area, the other levels in the side column.
    area: str = ""

    @property
    def in_main_area(self) -> bool:
        return self.area == "main" if self.area else self.level == 1

    @property
    def anchor(self) -> str:
        return "ch-" + self.key.replace(".", "-")


@dataclass(frozen=True, kw_only=True)
class ExportSubject:
    """A PDF about one thing inside a model rather than the model itself (e.g. a workshop's
    summary), contributed by an app. ``context(operating_model, subject_id)`` returns the
    template's context (raising ``LookupError`` for an unknown subject), ``allowed(access,
    subject_id)`` says who may ask for and download it, ``name(operating_model, subject_id)``
    is the human title (e.g. the workshop's) and ``url_name`` the page it comes from (takes
    the slug and the subject id)."""

    kind: str
    title: str
    template: str
    context: Callable[..., dict[str, Any]]
    allowed: Callable[..., bool]
    name: Callable[..., str]
    url_name: str = ""


class Registry:
    def __init__(self) -> None:
        self._sections: dict[str, Section] = {}
        self._pdf_blocks: list[PdfBlock] = []
        self._export_subjects: dict[str, ExportSubject] = {}
        self._checks: list[tuple[str, HealthCheck]] = []
        self._pages: list[Page] = []
        self._url_modules: list[tuple[str, str]] = []
        self._api_modules: list[str] = []
        self._demo_steps: list[Callable[..., None]] = []

    def register_demo_step(self, step: Callable[..., None]) -> None:
        """A level app's part of the demo, run after the demo model is loaded, with
        ``operating_model``, ``users`` (username -> user) and ``actor``."""
        self._demo_steps.append(step)

    def demo_steps(self) -> list[Callable[..., None]]:
        return list(self._demo_steps)

    def register_pdf_block(self, block: PdfBlock) -> PdfBlock:
        """A level's block of the picture on a page or of the handbook."""
        if any(b.key == block.key and b.kind == block.kind for b in self._pdf_blocks):
            raise ValueError(f"PDF block {block.key!r} ({block.kind}) is registered twice")
        self._pdf_blocks.append(block)
        return block

    def pdf_blocks(self, kind: str) -> list[PdfBlock]:
        return sorted(
            (b for b in self._pdf_blocks if b.kind == kind), key=lambda b: (b.level, b.order)
        )

    def register_export_subject(self, subject: ExportSubject) -> ExportSubject:
        if subject.kind in self._export_subjects:
            raise ValueError(f"export subject {subject.kind!r} is registered twice")
        self._export_subjects[subject.kind] = subject
        return subject

    def export_subject(self, kind: str) -> ExportSubject | None:
        return self._export_subjects.get(kind)

    def register_page(self, page: Page) -> None:
        self._pages.append(page)

    def pages(self) -> list[Page]:
        return sorted(self._pages, key=lambda p: (p.level, p.order))

    def register_urls(self, prefix: str, module: str) -> None:
        """Mount a level app's URL module under ``m/<slug>/<prefix>``."""
        self._url_modules.append((prefix, module))

    def url_modules(self) -> list[tuple[str, str]]:
        return list(self._url_modules)

    def register_api(self, module: str) -> None:
        """Add an app's API routes: ``module`` has a django-ninja ``router`` that the core's API
        (``/api/v1/``) mounts, so the core never imports the app."""
        self._api_modules.append(module)

    def api_modules(self) -> list[str]:
        return list(self._api_modules)

    def register(self, section: Section) -> Section:
        if section.key in self._sections:
            raise ValueError(f"section {section.key!r} is registered twice")
        self._sections[section.key] = section
        return section

    def register_check(self, name: str, check: HealthCheck) -> None:
        """A model-wide health check that belongs to no single section."""
        self._checks.append((name, check))

    def get(self, key: str) -> Section:
        return self._sections[key]

    def find(self, slug_or_key: str) -> Section | None:
        key = slug_or_key.replace("-", ".", 1)
        return self._sections.get(key)

    def sections(self, level: int | None = None) -> list[Section]:
        return [s for s in self._sections.values() if level is None or s.level == level]

    def checks(self, level: int | None = None) -> list[HealthCheck]:
        """Every health check (of one level's sections, if given) and the model-wide ones."""
        section_checks = [c for s in self.sections(level) for c in s.checks]
        return section_checks + [c for _, c in self._checks]

    def for_model(self, model: type[models.Model]) -> Section | None:
        for section in self._sections.values():
            if section.model is model:
                return section
        return None


registry = Registry()


def user_label(user: AbstractBaseUser | AnonymousUser | None) -> str:
    if user is None or not getattr(user, "is_authenticated", False):
        return "someone"
    full = getattr(user, "get_full_name", lambda: "")()
    return full or str(getattr(user, "username", "someone"))


def describe(row: models.Model) -> str:
    """A row as its section names it (a row of no section, such as an account: ``str``)."""
    section = registry.for_model(type(row))
    if section is None:
        return str(row)
    try:
        for relation in section.describe_with:
            getattr(row, relation)
        return str(section.describe(row))
    except Exception:
        return f"{section.item_noun} #{row.pk}"


def _reference(target: type[models.Model], value: Any, refer: Refer | None) -> str:
    if isinstance(value, models.Model):
        return describe(value)
    return refer(target, value) if refer is not None else f"#{value}"


def related_model(field: Any) -> type[models.Model]:
    """The model a relation points at (typed: Django's stubs allow None)."""
    return cast("type[models.Model]", field.related_model)


# A change made on someone else's behalf (a workshop proposal accepted by the facilitator)
# names its proposer in the history reason: history records the one who applied it, the reason
# who proposed it, and a release's "who" lists both.
PROPOSED_BY = " · proposed by "


def reason_proposed_by(reason: str, proposer: Any) -> str:
    """``reason`` naming ``proposer`` too (nobody: unchanged)."""
    if proposer is None:
        return reason
    return f"{reason}{PROPOSED_BY}{user_label(proposer)}"


def proposer_in(reason: str | None) -> str:
    """The proposer a history reason names ("" if none)."""
    if not reason or PROPOSED_BY not in reason:
        return ""
    return reason.rsplit(PROPOSED_BY, 1)[1].strip()
