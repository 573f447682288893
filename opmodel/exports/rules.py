"""Who may ask for and download which PDF.

Viewers (executives) get the picture on a page of any release of a model they can see;
participants and up get every PDF of the model, the draft's included. A subject's PDF (a
workshop's summary) follows the rule its app registered.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from opmodel.registry import registry

if TYPE_CHECKING:
    from opmodel.access import Access
    from opmodel.models import Export


def export_allowed(access: Access, kind: str, *, release: Any = None, subject_id: int = 0) -> bool:
    if not access.can_view:
        return False
    if kind == "picture" and release:
        return True
    if kind in {"picture", "handbook"}:
        return access.can_participate
    subject = registry.export_subject(kind)
    return subject is not None and subject.allowed(access, subject_id)


def may_download(access: Access, export: Export) -> bool:
    return export.operating_model_id == access.operating_model.pk and export_allowed(
        access,
        export.kind,
        release=export.release_id,
        subject_id=export.subject_id,
    )
