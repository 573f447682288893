"""Who may change what in Level 2: facilitators and editors everything; a team lead (object
permission ``teams.change_squad`` on a squad) their own squad's profile, people, the
interactions it starts and its column of the accountability matrix; nobody else anything."""

from __future__ import annotations

from typing import Any

from opmodel.access import Access

from .models import Squad

LEAD_PERM = "teams.change_squad"


def led_squads(access: Access) -> frozenset[int]:
    """Ids of the squads this user leads in this model (one query per request)."""
    return access.ids_with_perm(LEAD_PERM, Squad)


def may_change_squad(access: Access, squad_id: int | None) -> bool:
    """Whether the user may change what belongs to this squad (its people, cells, ...)."""
    return access.can_edit or (squad_id is not None and squad_id in led_squads(access))


def squad_rule(*, access: Access, section: Any, part: Any, action: str) -> bool:
    """A lead edits (and reverts) their squad's profile; adding, deleting and ordering squads
    is for facilitators and editors."""
    if access.can_edit:
        return True
    if action not in ("edit", "revert") or part is None:
        return False
    return part.pk in led_squads(access)


def owned_by_squad_rule(*, access: Access, section: Any, part: Any, action: str) -> bool:
    """Rows that belong to one squad through ``squad`` (people, interactions it starts, its
    accountability cells). With no row yet, a lead may open the form; the row as it would be
    saved is checked again before anything is written."""
    if access.can_edit:
        return True
    led = led_squads(access)
    if part is None:
        return bool(led) and action == "create"
    return part.squad_id in led
