"""Writes to operating models and their membership."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, cast

from django.contrib.auth.models import Group
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.text import slugify
from guardian.shortcuts import assign_perm
from guardian.utils import get_user_obj_perms_model

from opmodel.models import ROLE_PERMISSIONS, ModelGroup, OperatingModel, Role
from opmodel.registry import registry

from .parts import part_create

if TYPE_CHECKING:
    from django.contrib.auth.models import User


def _unique_slug(base: str) -> str:
    root = slugify(base)[:70] or "model"
    slug, n = root, 2
    while OperatingModel.objects.filter(slug=slug).exists():
        slug = f"{root}-{n}"
        n += 1
    return slug


@transaction.atomic
def operating_model_create(
    *,
    actor: User | None,
    name: str,
    organisation: str,
    description: str = "",
    slug: str | None = None,
) -> OperatingModel:
    """Create a model with its role groups; the creator becomes its facilitator.

    Every singleton section gets its one row. A model filled from a document (a starter):
    ``operating_model_create_from_document`` in the documents service, which calls this.
    """
    operating_model = OperatingModel(
        name=name,
        organisation=organisation,
        description=description,
        slug=slug or _unique_slug(name),
        created_by=actor,
    )
    operating_model.full_clean()
    operating_model._history_user = actor  # type: ignore[attr-defined]
    operating_model.save()
    for role in Role:
        group = Group.objects.create(name=f"opmodel:{operating_model.pk}:{role.value}")
        ModelGroup.objects.create(operating_model=operating_model, role=role, group=group)
        for perm in ROLE_PERMISSIONS[role]:
            assign_perm(f"opmodel.{perm}", group, operating_model)
    if actor is not None:
        member_add(operating_model=operating_model, actor=None, user=actor, role=Role.FACILITATOR)
    for section in registry.sections():
        if section.singleton:
            part_create(
                section=section,
                operating_model=operating_model,
                actor=actor,
                data={},
                reason="Model created",
            )
    return operating_model


def _lock(operating_model: OperatingModel) -> None:
    # Serialise membership changes per model (PostgreSQL row lock; SQLite locks on write).
    OperatingModel.objects.select_for_update().filter(pk=operating_model.pk).first()


def _facilitator_count(operating_model: OperatingModel) -> int:
    return (
        ModelGroup.objects.get(operating_model=operating_model, role=Role.FACILITATOR)
        .group.user_set.filter(is_active=True)
        .count()
    )


@transaction.atomic
def member_add(
    *,
    operating_model: OperatingModel,
    actor: User | None,
    user: User,
    role: Role | str,
) -> None:
    """Give ``user`` a role in the model (replacing any role they had)."""
    role = Role(role)
    _lock(operating_model)
    groups = {
        g.role: g.group
        for g in ModelGroup.objects.filter(operating_model=operating_model).select_related("group")
    }
    current = [r for r, g in groups.items() if g.user_set.filter(pk=user.pk).exists()]
    if current == [role]:
        return
    if (
        Role.FACILITATOR in current
        and role != Role.FACILITATOR
        and (_facilitator_count(operating_model) <= 1)
    ):
        raise ValidationError("A model needs at least one facilitator: name another one first.")
    for r in current:
        groups[r].user_set.remove(user)
    groups[role].user_set.add(user)


def member_set_role(
    *,
    operating_model: OperatingModel,
    actor: User | None,
    user: User,
    role: Role | str,
) -> None:
    """Change a member's role; never leaves the model without a facilitator."""
    if not ModelGroup.objects.filter(operating_model=operating_model, group__user=user).exists():
        raise ValidationError(f"{user} is not a member of this model.")
    member_add(operating_model=operating_model, actor=actor, user=user, role=role)


@transaction.atomic
def member_remove(*, operating_model: OperatingModel, actor: User | None, user: User) -> None:
    """Take ``user`` out of the model; refuses to remove the last facilitator."""
    _lock(operating_model)
    memberships = list(
        ModelGroup.objects.filter(operating_model=operating_model, group__user=user).select_related(
            "group"
        )
    )
    if not memberships:
        raise ValidationError(f"{user} is not a member of this model.")
    if any(m.role == Role.FACILITATOR for m in memberships) and (
        _facilitator_count(operating_model) <= 1
    ):
        raise ValidationError("This is the last facilitator: name another one before removing.")
    for membership in memberships:
        membership.group.user_set.remove(user)
    _row_grants_remove(operating_model, user)


def _row_grants_remove(operating_model: OperatingModel, user: User) -> None:
    """Rights on single rows (a team lead's ``change_squad``) end with the membership: someone
    removed and added again starts from their new role, not from their old grants."""
    for section in registry.sections():
        perms: Any = get_user_obj_perms_model(cast("Any", section.model))._default_manager
        if not perms.is_generic():
            perms.filter(user=user, content_object__operating_model=operating_model).delete()
            continue
        granted = perms.filter(
            user=user, content_type=ContentType.objects.get_for_model(section.model)
        )
        pks = {int(pk) for pk in granted.values_list("object_pk", flat=True)}
        if pks:
            rows = section.model._default_manager.filter(
                operating_model=operating_model, pk__in=pks
            )
            granted.filter(
                object_pk__in=[str(pk) for pk in rows.values_list("pk", flat=True)]
            ).delete()
