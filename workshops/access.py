"""Who may do what in one workshop: the model role (``Access``) plus being in the workshop."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.core.exceptions import PermissionDenied
from django.http import Http404

from opmodel.access import Access, get_model_for

from .models import Attendee, Workshop

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser, User


@dataclass(frozen=True)
class WorkshopAccess:
    """Every model member sees a workshop of the model (change is done in the open); taking
    part needs the model's participate right AND being an attendee of this workshop; only the
    workshop's own facilitator runs it (a model facilitator cannot take the controls)."""

    workshop: Workshop
    access: Access
    attendee: Attendee | None

    @property
    def can_view(self) -> bool:
        return self.access.can_view

    @property
    def is_facilitator(self) -> bool:
        return (
            self.access.can_participate
            and getattr(self.access.user, "pk", None) == self.workshop.facilitator_id
        )

    @property
    def can_take_part(self) -> bool:
        return self.is_facilitator or (self.access.can_participate and self.attendee is not None)

    def require_take_part(self) -> None:
        if not self.can_take_part:
            raise PermissionDenied("Only the people invited to this workshop take part in it.")

    def require_facilitator(self) -> None:
        if not self.is_facilitator:
            raise PermissionDenied("Only the workshop's facilitator does this.")


def workshop_access_for(
    user: User | AnonymousUser, workshop: Workshop, access: Access
) -> WorkshopAccess:
    attendee = None
    if user.is_authenticated:
        attendee = Attendee.objects.filter(workshop=workshop, user=user).first()
    return WorkshopAccess(workshop, access, attendee)


def get_workshop_for(
    user: User | AnonymousUser, slug: str, pk: int
) -> tuple[Workshop, WorkshopAccess]:
    """The workshop if the user may see its model; 404 for outsiders and unknown workshops."""
    operating_model, access = get_model_for(user, slug)
    workshop = (
        Workshop.objects.select_related("operating_model", "facilitator", "current_block")
        .filter(operating_model=operating_model, pk=pk)
        .first()
    )
    if workshop is None:
        raise Http404("No such workshop")
    return workshop, workshop_access_for(user, workshop, access)
