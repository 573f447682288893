"""The model-wide timeline: every recorded change of every registered section, newest first.

Reads only. One page costs a fixed number of queries whatever the model's size: a count and a
page of the union of the sections' history tables, then per section on the page its records
(with the previous version of each), the rows as they are now, and the names of referenced
rows.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from functools import cache
from typing import TYPE_CHECKING, Any

from django.core.paginator import Page, Paginator
from django.db.models import CharField, OuterRef, QuerySet, Subquery, Value
from django.utils import timezone

from opmodel.registry import (
    Section,
    describe,
    proposer_in,
    registry,
    related_model,
    user_label,
)

from .diffs import FieldChange, ModelDiff, diff_documents
from .refs import Version, version_get

if TYPE_CHECKING:
    from opmodel.models import OperatingModel

PER_PAGE = 50
ACTIONS = {"+": "Added", "-": "Deleted", "~": "Changed"}


@dataclass
class TimelineEntry:
    section: Section
    record: Any
    name: str
    action: str
    changes: list[FieldChange] = field(default_factory=list)
    exists: bool = False
    current_revision: int | None = None

    @property
    def who(self) -> str:
        user = self.record.history_user
        return user_label(user) if user is not None else "System"

    @property
    def can_revert(self) -> bool:
        """A version of a row that still exists and has changed since."""
        return (
            self.exists
            and self.record.history_type != "-"
            and self.record.revision != self.current_revision
        )

    @property
    def can_restore(self) -> bool:
        return not self.exists and self.record.history_type == "-"


@dataclass(frozen=True)
class TimelineFilter:
    section: Section | None = None
    user_id: int | None = None
    since: dt.date | None = None
    until: dt.date | None = None


def _day_start(day: dt.date) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time.min))


def _history(section: Section) -> Any:
    """The section's history manager. simple-history's ``Model.history`` builds a new manager
    class at each access (``HistoryManager.from_queryset``): a timeline page asked for it ~16
    times (issue 18), so the manager (which holds no state but its model) is made once."""
    return _history_manager(section.model)


@cache
def _history_manager(model: type[Any]) -> Any:
    return model.history  # type: ignore[attr-defined]


def _filtered(section: Section, operating_model: OperatingModel, when: TimelineFilter):
    records = _history(section).filter(operating_model_id=operating_model.pk)
    if when.user_id is not None:
        records = records.filter(history_user_id=when.user_id)
    if when.since is not None:
        records = records.filter(history_date__gte=_day_start(when.since))
    if when.until is not None:
        records = records.filter(history_date__lt=_day_start(when.until + dt.timedelta(days=1)))
    return records


def timeline_queryset(operating_model: OperatingModel, when: TimelineFilter) -> QuerySet:
    """(section key, history id, date) of every matching change, newest first."""
    sections = [when.section] if when.section else registry.sections()
    parts = [
        _filtered(section, operating_model, when)
        .annotate(section_key=Value(section.key, output_field=CharField()))
        .values("section_key", "history_id", "history_date")
        .order_by()
        for section in sections
    ]
    union = parts[0].union(*parts[1:], all=True) if len(parts) > 1 else parts[0]
    return union.order_by("-history_date", "-history_id")


def reference_names(
    section: Section, records: list[Any], rows: dict[tuple[str, Any], Any] | None = None
) -> dict[tuple[str, Any], str]:
    """Names of the rows the records' reference fields point at, as those rows are now (and,
    in ``rows``, the rows themselves, so describing a record costs no query per record)."""
    names: dict[tuple[str, Any], str] = {}
    for name in section.fields:
        model_field = section.model_field(name)
        if not model_field.is_relation or model_field.many_to_many:
            continue
        ids = {getattr(r, model_field.attname) for r in records} - {None}
        if not ids:
            continue
        target = registry.for_model(related_model(model_field))
        rows_of = related_model(model_field)._default_manager.filter(pk__in=ids)
        if target is not None and target.describe_with:
            rows_of = rows_of.select_related(*target.describe_with)
        for row in rows_of:
            names[(name, row.pk)] = describe(row)
            if rows is not None:
                rows[(name, row.pk)] = row
    return names


def _value(section: Section, name: str, record: Any, refs: dict) -> str:
    return section.display(
        name, section.value(record, name), lambda _model, pk: refs.get((name, pk), f"#{pk}")
    )


def _entries(section: Section, history_ids: list[int]) -> dict[int, TimelineEntry]:
    history = _history(section)
    previous = (
        history.filter(id=OuterRef("id"), history_id__lt=OuterRef("history_id"))
        .order_by("-history_id")
        .values("history_id")[:1]
    )
    records = list(
        history.filter(history_id__in=history_ids)
        .select_related("history_user")
        .annotate(previous_id=Subquery(previous))
    )
    previous_ids = [r.previous_id for r in records if r.previous_id]
    before = {p.history_id: p for p in history.filter(history_id__in=previous_ids)}
    current = dict(
        section.model._default_manager.filter(pk__in={r.id for r in records}).values_list(
            "pk", "revision"
        )
    )
    related: dict[tuple[str, Any], Any] = {}
    refs = reference_names(section, records + list(before.values()), related)
    links = [
        section.model_field(n)
        for n in section.fields
        if section.model_field(n).is_relation and not section.model_field(n).many_to_many
    ]
    names = [n for n in section.fields if not section.model._meta.get_field(n).many_to_many]
    entries = {}
    for record in records:
        prior = before.get(record.previous_id)
        if record.history_type == "~" and prior is not None:
            changes = [
                FieldChange(
                    n,
                    section.field_label(n),
                    _value(section, n, prior, refs),
                    _value(section, n, record, refs),
                )
                for n in names
                if _value(section, n, prior, refs) != _value(section, n, record, refs)
            ]
            action = "Changed" if changes else "Moved"
        else:
            changes = [
                FieldChange(n, section.field_label(n), "", _value(section, n, record, refs))
                for n in names
                if record.history_type == "+"
                and getattr(record, section.model_field(n).attname) not in ("", None)
            ]
            action = ACTIONS[record.history_type]
        instance = record.instance
        for link in links:  # the rows a name is made of, fetched once above
            target = related.get((link.name, getattr(record, link.attname)))
            if target is not None:
                link.set_cached_value(instance, target)  # type: ignore[attr-defined]
        try:
            name = str(section.describe(instance))
        except Exception:
            name = f"{section.item_noun} #{record.id}"
        entries[record.history_id] = TimelineEntry(
            section=section,
            record=record,
            name=name,
            action=action,
            changes=changes,
            exists=record.id in current,
            current_revision=current.get(record.id),
        )
    return entries


def timeline_page(
    operating_model: OperatingModel,
    when: TimelineFilter | None = None,
    page_number: int | str = 1,
    per_page: int = PER_PAGE,
) -> tuple[Page, list[TimelineEntry]]:
    """One page of the timeline, with each entry's field diff against the version before."""
    when = when or TimelineFilter()
    paginator = Paginator(timeline_queryset(operating_model, when), per_page)
    page = paginator.get_page(page_number)
    keyed = [(item["section_key"], item["history_id"]) for item in page.object_list]
    by_section: dict[str, list[int]] = {}
    for key, history_id in keyed:
        by_section.setdefault(key, []).append(history_id)
    found: dict[tuple[str, int], TimelineEntry] = {}
    for key, ids in by_section.items():
        for history_id, entry in _entries(registry.get(key), ids).items():
            found[(key, history_id)] = entry
    return page, [found[k] for k in keyed if k in found]


def diff_authors(
    operating_model: OperatingModel,
    diff: ModelDiff,
    since: dt.datetime | None,
    until: dt.datetime | None,
) -> None:
    """Fill each changed row's ``who`` with the people history records changing it between
    ``since`` and ``until`` (one query for the whole diff)."""
    parts = []
    for section_diff in diff.changed_sections:
        ids = [r.id for r in section_diff.rows if isinstance(r.id, int)]
        if not ids:
            continue
        records = _history(section_diff.section).filter(
            operating_model_id=operating_model.pk, id__in=ids, history_user__isnull=False
        )
        if since is not None:
            records = records.filter(history_date__gt=since)
        if until is not None:
            records = records.filter(history_date__lte=until)
        parts.append(
            records.annotate(section_key=Value(section_diff.section.key, output_field=CharField()))
            .values(
                "section_key",
                "id",
                "history_user__username",
                "history_user__first_name",
                "history_user__last_name",
                "history_change_reason",
            )
            .order_by()
            .distinct()
        )
    if not parts:
        return
    union = (parts[0].union(*parts[1:]) if len(parts) > 1 else parts[0]).order_by()
    people: dict[tuple[str, int], list[str]] = {}
    for row in union:
        full = f"{row['history_user__first_name']} {row['history_user__last_name']}".strip()
        who = people.setdefault((row["section_key"], row["id"]), [])
        label = full or row["history_user__username"]
        proposer = proposer_in(row["history_change_reason"])  # a workshop proposal's author
        for name in (label, proposer):
            if name and name not in who:
                who.append(name)
    for section_diff in diff.changed_sections:
        for change in section_diff.rows:
            change.who = sorted(people.get((section_diff.section.key, change.id), []))


@dataclass(frozen=True)
class Comparison:
    old: Version
    new: Version
    diff: ModelDiff


def versions_compare(operating_model: OperatingModel, ref_from: str, ref_to: str) -> Comparison:
    """What changed from version ``ref_from`` to ``ref_to`` (``draft``, ``v3``, a moment), per
    section, with who made each change: the compare page and the API both ask this.
    ``ValidationError`` if a ref names no version."""
    old = version_get(operating_model, ref_from)
    new = version_get(operating_model, ref_to)
    diff = diff_documents(old.document, new.document)
    since, until = old.at, new.at
    if since is not None and until is not None and since > until:
        since, until = until, since
    diff_authors(operating_model, diff, since, until)
    return Comparison(old, new, diff)
