"""Who may change what in Level 3: facilitators and editors every journey, stage and step; a
team lead (``teams.change_squad`` on a squad) the steps that squad performs: they edit, move,
revert and delete them, and add steps for their squad. Nothing else."""

from __future__ import annotations

from typing import Any

from opmodel.access import Access
from teams.rules import led_squads


def step_rule(*, access: Access, section: Any, part: Any, action: str) -> bool:
    """A lead changes the steps their squad performs. The generic views ask again with the
    step as it would be saved, so handing a step to another squad's lane is refused."""
    if access.can_edit:
        return True
    led = led_squads(access)
    if part is None:
        return bool(led) and action == "create"
    return part.squad_id is not None and part.squad_id in led
