"""Every write in the core goes through these services."""

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
    part_revert,
    part_set_fields,
    part_update,
)

__all__ = [
    "StaleRevision",
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
