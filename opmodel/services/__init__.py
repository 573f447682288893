"""Every write in the core goes through these services."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from .documents import (
    document_fingerprint,
    document_import,
    document_import_preview,
    document_load,
    operating_model_create_from_document,
    operating_model_update,
)
from .exports import (
    ExportQueueUnavailable,
    export_fail,
    export_render,
    export_request,
    export_retry,
)
from .invitations import (
    InvitationRefused,
    model_invitation_accept,
    model_invitation_accept_as_new_person,
    model_invitation_check,
    model_invitation_create,
)
from .models import (
    member_add,
    member_remove,
    member_set_role,
)
from .models import (
    operating_model_create as operating_model_create_blank,
)
from .parts import (
    StaleRevision,
    part_create,
    part_delete,
    part_move,
    part_recorded,
    part_reorder,
    part_restore,
    part_revert,
    part_set_fields,
    part_update,
    positions_save,
)
from .releases import release_publish
from .security import operating_model_require_mfa

if TYPE_CHECKING:
    from django.contrib.auth.models import User

    from opmodel.models import OperatingModel


def operating_model_create(
    *,
    actor: User | None,
    name: str,
    organisation: str,
    description: str = "",
    slug: str | None = None,
    starter: dict[str, Any] | None = None,
) -> OperatingModel:
    """Create a model with its role groups; the creator becomes its facilitator. Every
    singleton section gets its one row; ``starter`` (a document in the export format) fills the
    sections through the import's loader (``operating_model_create_from_document``)."""
    if starter is None:
        return operating_model_create_blank(
            actor=actor, name=name, organisation=organisation, description=description, slug=slug
        )
    return operating_model_create_from_document(
        actor=actor,
        name=name,
        organisation=organisation,
        description=description,
        slug=slug,
        document=starter,
    )


__all__ = [
    "InvitationRefused",
    "model_invitation_accept",
    "model_invitation_accept_as_new_person",
    "model_invitation_check",
    "model_invitation_create",
    "operating_model_require_mfa",
    "ExportQueueUnavailable",
    "StaleRevision",
    "export_fail",
    "export_render",
    "export_request",
    "export_retry",
    "document_fingerprint",
    "document_import",
    "document_import_preview",
    "document_load",
    "operating_model_update",
    "release_publish",
    "part_restore",
    "member_add",
    "member_remove",
    "member_set_role",
    "operating_model_create",
    "operating_model_create_from_document",
    "part_create",
    "part_delete",
    "part_move",
    "part_recorded",
    "part_reorder",
    "part_revert",
    "part_set_fields",
    "part_update",
    "positions_save",
]
