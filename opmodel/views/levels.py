"""What every page of a level (teams: 2, journeys: 3) starts its context with."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from opmodel.registry import Section, registry
from opmodel.selectors import model_health

if TYPE_CHECKING:
    from opmodel.access import Access
    from opmodel.models import OperatingModel


def level_sections(level: int) -> dict[str, Section]:
    """The level's sections by their short key ("squads" for "teams.squads")."""
    return {s.key.split(".", 1)[1]: s for s in registry.sections(level=level)}


def level_page_context(
    operating_model: OperatingModel, access: Access, *, level: int, **extra: Any
) -> dict[str, Any]:
    """The model, the reader's access, the level's sections and health findings; live."""
    return {
        "om": operating_model,
        "access": access,
        "can_edit": access.can_edit,
        "sections": level_sections(level),
        "findings": model_health(operating_model, level=level),
        "live": True,
        **extra,
    }
