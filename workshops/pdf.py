"""A workshop's summary as a PDF: registered with the core as an export subject, so the core's
exports (the ``Export`` records, the task, the download) never import this app."""

from __future__ import annotations

from typing import Any

from opmodel.registry import ExportSubject, registry


def _workshop(operating_model: Any, subject_id: int) -> Any:
    from .models import Workshop

    workshop = (
        Workshop.objects.select_related("operating_model", "facilitator")
        .filter(operating_model=operating_model, pk=subject_id)
        .first()
    )
    if workshop is None:
        raise LookupError(f"no workshop {subject_id} in {operating_model}")
    return workshop


def _context(operating_model: Any, subject_id: int) -> dict[str, Any]:
    from .selectors import workshop_summary

    workshop = _workshop(operating_model, subject_id)
    return {"workshop": workshop, "summary": workshop_summary(workshop)}


def _allowed(access: Any, subject_id: int) -> bool:
    # Participants and up get every PDF of the model; viewers (executives) only the picture
    # on a page of a release (README, "PDFs").
    return bool(access.can_participate)


def _name(operating_model: Any, subject_id: int) -> str:
    return str(_workshop(operating_model, subject_id).title)


def register() -> None:
    registry.register_export_subject(
        ExportSubject(
            kind="workshop",
            title="Workshop summary",
            template="workshops/pdf.html",
            context=_context,
            allowed=_allowed,
            name=_name,
            url_name="workshop-summary",
        )
    )
