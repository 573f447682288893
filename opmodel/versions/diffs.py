"""Diffs between two documents (releases, the draft, a moment in history, an import preview).

Rows are matched by their stable ``id``, so a rename is a change, never a removal and an
addition. Values are shown in the users' words: choices by their label, references by the name
of the row they point at (in the document they belong to), booleans as Yes/No.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.db import models

from opmodel.registry import Section, display, registry, related_model

from .snapshots import MODEL_FIELDS, document_index, document_rows, sections_referred


@dataclass(frozen=True)
class FieldChange:
    name: str
    label: str
    old: str
    new: str


@dataclass
class RowChange:
    """One row that differs: ``kind`` is added, removed, changed or moved (between groups)."""

    id: Any
    name: str
    kind: str
    fields: list[FieldChange] = field(default_factory=list)
    group_old: str = ""
    group_new: str = ""
    who: list[str] = field(default_factory=list)


@dataclass
class SectionDiff:
    section: Section
    added: list[RowChange] = field(default_factory=list)
    removed: list[RowChange] = field(default_factory=list)
    changed: list[RowChange] = field(default_factory=list)
    moved: list[RowChange] = field(default_factory=list)
    reordered: bool = False

    @property
    def rows(self) -> list[RowChange]:
        return self.changed + self.moved + self.added + self.removed

    @property
    def empty(self) -> bool:
        return not self.rows and not self.reordered

    @property
    def summary(self) -> str:
        """One line in words, e.g. "3 metrics changed, 1 added"."""
        if self.empty:
            return "No changes"
        noun = self.section.item_noun
        parts = []
        for count, verb in (
            (len(self.changed), "changed"),
            (len(self.moved), "moved"),
            (len(self.added), "added"),
            (len(self.removed), "removed"),
        ):
            if count:
                parts.append(f"{count} {verb}")
        if parts:
            first = parts[0].split(" ", 1)
            total_noun = noun if first[0] == "1" else _plural(noun)
            parts[0] = f"{first[0]} {total_noun} {first[1]}"
        if self.reordered:
            parts.append("order changed" if parts else f"{_plural(noun).capitalize()} reordered")
        return ", ".join(parts)


@dataclass
class ModelDiff:
    model_fields: list[FieldChange]
    sections: list[SectionDiff]

    @property
    def changed_sections(self) -> list[SectionDiff]:
        return [s for s in self.sections if not s.empty]

    @property
    def empty(self) -> bool:
        return not self.model_fields and not self.changed_sections

    @property
    def change_count(self) -> int:
        return len(self.model_fields) + sum(
            len(s.rows) + (1 if s.reordered else 0) for s in self.sections
        )


def _plural(noun: str) -> str:
    if noun.endswith("y") and not noun.endswith(("ay", "ey", "oy")):
        return noun[:-1] + "ies"
    if noun.endswith(("s", "sh", "ch", "x")):
        return noun + "es"
    return noun + "s"


class Reader:
    """Shows the values of one document in words (choices by label, references by name).

    The row objects that give the names are built when a name is first asked for, for the
    sections it needs (``sections_referred``): a diff names the few rows that changed, and
    building every row of both documents took most of a large model's compare page."""

    def __init__(self, document: dict[str, Any], every_section: bool = False) -> None:
        self.document = document
        self.built: set[str] = set()
        self.by_model_id: dict[tuple[type, Any], Any] = {}
        self.others: dict[type[models.Model], dict[Any, str]] = {}
        if every_section:
            self._build({s.key for s in registry.sections()})

    def _build(self, keys: set[str]) -> None:
        # Built together, so that references between them point at each other.
        self.built = self.built | keys
        self.by_model_id = {
            (registry.get(key).model, obj.pk): obj
            for key, objs in document_rows(self.document, only=self.built).items()
            for obj in objs
        }

    def name(self, section: Section, row_id: Any) -> str:
        if section.key not in self.built:
            self._build(sections_referred(section.key))
        obj = self.by_model_id.get((section.model, row_id))
        if obj is None:
            return f"#{row_id}"
        try:
            return str(section.describe(obj))
        except Exception:
            return f"{section.item_noun} #{row_id}"

    def refer(self, model: type[models.Model], row_id: Any) -> str:
        """The name of a referenced row: a section's row from this document, an account (no
        section holds it) as it is now, fetched once for every account the document names."""
        target = registry.for_model(model)
        if target is not None:
            return self.name(target, row_id)
        if model not in self.others:
            self.others[model] = {
                row.pk: str(row)
                for row in model._default_manager.filter(pk__in=self._ids_of(model))
            }
        return self.others[model].get(row_id, f"#{row_id}")

    def _ids_of(self, model: type[models.Model]) -> set[Any]:
        """Every id the document's references to ``model`` hold."""
        ids: set[Any] = set()
        sections = self.document.get("sections") or {}
        for section in registry.sections():
            names = [
                n
                for n in section.fields
                if section.model_field(n).is_relation
                and related_model(section.model_field(n)) is model
            ]
            for row in _rows(sections.get(section.key), section.singleton) if names else []:
                for n in names:
                    value = row.get(n)
                    ids.update(value if isinstance(value, list) else [value])
        return ids - {None, ""}

    def value(self, section: Section, name: str, value: Any) -> str:
        return section.display(name, value, self.refer)


def _rows(content: Any, singleton: bool) -> list[dict[str, Any]]:
    if singleton:
        return [content] if isinstance(content, dict) and content else []
    return [r for r in content or [] if isinstance(r, dict)]


def _order(rows: list[dict[str, Any]], common: set, group_field: str | None) -> dict:
    order: dict[Any, list] = {}
    for row in rows:
        if row.get("id") in common:
            order.setdefault(row.get(group_field) if group_field else None, []).append(row["id"])
    return order


def _section_diff(
    section: Section, old: list[dict], new: list[dict], old_reader: Reader, new_reader: Reader
) -> SectionDiff:
    result = SectionDiff(section=section)
    if old == new:  # the same rows in the same order (most sections): nothing to show
        return result
    old_by_id = {r.get("id"): r for r in old}
    new_by_id = {r.get("id"): r for r in new}
    if section.singleton and old and new:
        # The one row of a singleton is the same row, whatever its id in either document.
        old_by_id = {"singleton": old[0]}
        new_by_id = {"singleton": new[0]}
    group = section.group_field
    for row_id, row in new_by_id.items():
        if row_id not in old_by_id:
            result.added.append(
                RowChange(
                    id=row.get("id"),
                    name=new_reader.name(section, row.get("id")),
                    kind="added",
                    fields=[
                        FieldChange(
                            n,
                            section.field_label(n),
                            "",
                            new_reader.value(section, n, row.get(n)),
                        )
                        for n in section.fields
                        if row.get(n) not in (None, "", [], False)
                    ],
                )
            )
            continue
        before = old_by_id[row_id]
        if before == row:  # the same values (the most rows of a large model): nothing to show
            continue
        changes = [
            FieldChange(
                name,
                section.field_label(name),
                old_reader.value(section, name, before.get(name)),
                new_reader.value(section, name, row.get(name)),
            )
            for name in section.fields
            if name in row and name in before and before.get(name) != row.get(name)
        ]
        # A reference whose target was renamed reads differently but did not change: only the
        # values decide. A changed reference always shows (ids differ).
        if group and before.get(group) != row.get(group):
            result.moved.append(
                RowChange(
                    id=row.get("id"),
                    name=new_reader.name(section, row.get("id")),
                    kind="moved",
                    fields=[c for c in changes if c.name != group],
                    group_old=old_reader.value(section, group, before.get(group)),
                    group_new=new_reader.value(section, group, row.get(group)),
                )
            )
        elif changes:
            result.changed.append(
                RowChange(
                    id=row.get("id"),
                    name=new_reader.name(section, row.get("id")),
                    kind="changed",
                    fields=changes,
                )
            )
    for row_id, row in old_by_id.items():
        if row_id not in new_by_id:
            result.removed.append(
                RowChange(
                    id=row.get("id"),
                    name=old_reader.name(section, row.get("id")),
                    kind="removed",
                )
            )
    if not section.singleton:
        moved = {r.id for r in result.moved}
        common = (set(old_by_id) & set(new_by_id)) - moved
        result.reordered = _order(old, common, group) != _order(new, common, group)
    return result


def diff_documents(old: dict[str, Any], new: dict[str, Any]) -> ModelDiff:
    """What changed from document ``old`` to document ``new``, per registered section.

    Pure: no database query (benchmarks time it). Who made each change comes from history
    separately (``opmodel.versions.timeline.diff_authors``).
    """
    old_reader, new_reader = Reader(old), Reader(new)
    old_meta, new_meta = old.get("model") or {}, new.get("model") or {}
    model_fields = [
        FieldChange(n, n.capitalize(), display(old_meta.get(n)), display(new_meta.get(n)))
        for n in MODEL_FIELDS
        if old_meta.get(n) != new_meta.get(n)
    ]
    old_sections, new_sections = old.get("sections") or {}, new.get("sections") or {}
    sections = [
        _section_diff(
            section,
            _rows(old_sections.get(section.key), section.singleton),
            _rows(new_sections.get(section.key), section.singleton),
            old_reader,
            new_reader,
        )
        for section in registry.sections()
    ]
    return ModelDiff(model_fields=model_fields, sections=sections)


def document_empty() -> dict[str, Any]:
    """The document of a model with nothing in it (what a new model is diffed against)."""
    return {"schema_version": 1, "model": {}, "sections": {}}


__all__ = [
    "FieldChange",
    "ModelDiff",
    "RowChange",
    "SectionDiff",
    "diff_documents",
    "document_empty",
    "document_index",
]


@dataclass
class RowView:
    id: Any
    name: str
    cells: list[tuple[str, str]]  # (label, value in words)


@dataclass
class GroupView:
    label: str
    rows: list[RowView]


@dataclass
class SectionView:
    """A section of a document, read-only, in words: what a release page shows."""

    section: Section
    columns: list[str]
    groups: list[GroupView]

    @property
    def count(self) -> int:
        return sum(len(g.rows) for g in self.groups)


def document_view(document: dict[str, Any]) -> list[SectionView]:
    """Every registered section of ``document`` as labelled rows, grouped like the live pages
    (rows of a grouped section under their group's label, every group listed). No query."""
    reader = Reader(document, every_section=True)
    sections = document.get("sections") or {}
    views = []
    for section in registry.sections():
        rows = _rows(sections.get(section.key), section.singleton)
        names = [n for n in section.fields if n != section.group_field]
        present = [n for n in names if any(n in row for row in rows)] or names
        row_views = [
            (
                row.get(section.group_field) if section.group_field else None,
                RowView(
                    id=row.get("id"),
                    name=reader.name(section, row.get("id")),
                    cells=[
                        (section.field_label(n), reader.value(section, n, row.get(n)))
                        for n in present
                    ],
                ),
            )
            for row in rows
        ]
        if section.group_field:
            model_field = section.model._meta.get_field(section.group_field)
            choices = list(getattr(model_field, "flatchoices", None) or [])
            seen = [g for g, _ in row_views]
            choices += [(g, display(g)) for g in dict.fromkeys(seen) if g not in dict(choices)]
            groups = [
                GroupView(str(label), [r for g, r in row_views if g == value])
                for value, label in choices
            ]
        else:
            groups = [GroupView("", [r for _, r in row_views])]
        views.append(SectionView(section, [section.field_label(n) for n in present], groups))
    return views
