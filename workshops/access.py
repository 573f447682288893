"""Who may do what in one workshop: the model role (``Access``) plus being in the workshop."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django.core.exceptions import PermissionDenied
from django.http import Http404

from opmodel.access import Access, access_for, get_model_for

from .models import Attendee, Workshop

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser, User


def may_run(access: Access, workshop: Workshop) -> bool:
    """Running a workshop (its controls, deciding proposals) is for its facilitator while their
    model role still lets them change the model: the workshop role never grants more than the
    model role allows *now* (a facilitator demoted to participant, or removed, runs nothing)."""
    return access.can_edit and getattr(access.user, "pk", None) == workshop.facilitator_id


def may_grant_roles(access: Access, workshop: Workshop) -> bool:
    """Invitations make people members with a role, and planning a workshop is a facilitator's
    job: both stay with the model's facilitators, even when an editor runs the workshop."""
    return may_run(access, workshop) and access.can_manage


def require_may(
    workshop: Workshop, actor: User | None, action: str, obj: Any = None, message: str = ""
) -> None:
    """For services: refuse (``PermissionDenied``, a 403) an actor whom ``WorkshopAccess.may``
    refuses ``action`` on ``obj`` now: a service asks the same rule as its view and template."""
    if actor is None or not workshop_access_for(
        actor, workshop, access_for(actor, workshop.operating_model)
    ).may(action, obj):
        raise PermissionDenied(message or "You may not do this in this workshop.")


def require_runs(workshop: Workshop, actor: User | None, message: str) -> None:
    """For services: refuse an actor who does not run ``workshop`` now (``may_run``)."""
    if actor is None or not may_run(access_for(actor, workshop.operating_model), workshop):
        raise PermissionDenied(message)


def require_grants_roles(workshop: Workshop, actor: User | None) -> None:
    """For services: refuse an actor who may not grant roles through ``workshop`` now."""
    if actor is None or not may_grant_roles(access_for(actor, workshop.operating_model), workshop):
        raise PermissionDenied("Only a facilitator of the model invites people or plans workshops.")


@dataclass(frozen=True)
class WorkshopAccess:
    """Every model member sees a workshop of the model (change is done in the open); taking
    part needs the model's participate right AND being an attendee of this workshop; only the
    workshop's own facilitator runs it (a model facilitator cannot take the controls), and only
    while their model role lets them edit; inviting (a role grant) and planning the next
    workshop need the model's facilitator role too."""

    workshop: Workshop
    access: Access
    attendee: Attendee | None

    @property
    def can_view(self) -> bool:
        return self.access.can_view

    @property
    def is_facilitator(self) -> bool:
        return may_run(self.access, self.workshop)

    @property
    def can_grant_roles(self) -> bool:
        return may_grant_roles(self.access, self.workshop)

    @property
    def can_take_part(self) -> bool:
        return self.is_facilitator or (self.access.can_participate and self.attendee is not None)

    def may(self, action: str, obj: Any = None) -> bool:
        """The one answer to "may this person do ``action`` (on ``obj``)?" for views (403),
        templates (``{% may wa "action" obj as allowed %}``) and services alike.

        ``view``, ``take_part``, ``run`` (the workshop's controls), ``grant_roles``;
        ``delete_note`` (its author or the facilitator), ``decide`` (the facilitator, on an open
        or parked proposal), ``finish`` (an accepted change: its owner while they take part, or
        the facilitator). Services ask it through ``require_may`` (``PermissionDenied``)."""
        user_pk = getattr(self.access.user, "pk", None)
        match action:
            case "view":
                return self.can_view
            case "take_part":
                return self.can_take_part
            case "run":
                return self.is_facilitator
            case "grant_roles":
                return self.can_grant_roles
            case "delete_note":
                return self.is_facilitator or bool(obj.author_id and obj.author_id == user_pk)
            case "decide":
                return self.is_facilitator and obj.status in ("open", "parked")
            case "finish":
                # the owner is an attendee; they finish while they still take part
                owner = user_pk is not None and user_pk == obj.owner_id
                return self.is_facilitator or (self.can_take_part and owner)
        raise ValueError(f"unknown workshop action: {action}")

    def require_take_part(self) -> None:
        if not self.can_take_part:
            raise PermissionDenied("Only the people invited to this workshop take part in it.")

    def require_facilitator(self) -> None:
        if not self.is_facilitator:
            raise PermissionDenied("Only the workshop's facilitator does this.")

    def require_grant_roles(self) -> None:
        if not self.can_grant_roles:
            raise PermissionDenied(
                "Only a facilitator of the model invites people or plans workshops."
            )


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
