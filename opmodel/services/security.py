"""A model's sign-in rules, set by its facilitators."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction

from opmodel.access import access_for, has_second_factor
from opmodel.models import OperatingModel

if TYPE_CHECKING:
    from django.contrib.auth.models import User


@transaction.atomic
def operating_model_require_mfa(
    *, operating_model: OperatingModel, actor: User, required: bool
) -> OperatingModel:
    """Require (or stop requiring) two-factor sign-in of the model's members.

    Only a facilitator may, and only one who has it already: turning it on must not shut out
    the person who did.
    """
    if not access_for(actor, operating_model).can_manage:
        raise PermissionDenied("Only facilitators set the model's sign-in rules.")
    if required and not has_second_factor(actor):
        raise ValidationError("Add an authenticator app to your own account first.")
    operating_model.require_mfa = required
    operating_model.full_clean()
    operating_model._history_user = actor  # type: ignore[attr-defined]
    operating_model.save(update_fields=["require_mfa", "updated_at"])
    return operating_model
