"""Every write in the core goes through these services."""

from .documents import (
    document_import,
    document_import_preview,
    document_load,
    operating_model_update,
)
from .exports import (
    ExportQueueUnavailable,
    export_fail,
    export_render,
    export_request,
    export_retry,
)
from .models import (
    member_add,
    member_remove,
    member_set_role,
    operating_model_create,
)
from .parts import (
    StaleRevision,
    part_create,
    part_delete,
    part_move,
    part_reorder,
    part_restore,
    part_revert,
    part_set_fields,
    part_update,
)
from .releases import release_publish
from .security import operating_model_require_mfa

__all__ = [
    "operating_model_require_mfa",
    "ExportQueueUnavailable",
    "StaleRevision",
    "export_fail",
    "export_render",
    "export_request",
    "export_retry",
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
    "part_create",
    "part_delete",
    "part_move",
    "part_reorder",
    "part_revert",
    "part_set_fields",
    "part_update",
]
