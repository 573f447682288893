"""Reads that cross relations or filter by permission."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django.contrib.auth import get_user_model
from django.db.models import F
from guardian.shortcuts import get_objects_for_user

from .models import ModelGroup, OperatingModel, Role
from .registry import Finding, Severity, registry

if TYPE_CHECKING:
    from django.contrib.auth.models import User


@dataclass(frozen=True)
class ModelCard:
    operating_model: OperatingModel
    role: Role | None


def models_for_user(user: User) -> list[ModelCard]:
    """The models the user can see, with the role they hold in each (bulk, never per row)."""
    visible = list(
        get_objects_for_user(
            user, "opmodel.view_operatingmodel", klass=OperatingModel, accept_global_perms=False
        ).order_by("name")
    )
    roles = dict(
        ModelGroup.objects.filter(operating_model__in=visible, group__user=user).values_list(
            "operating_model_id", "role"
        )
    )
    return [ModelCard(m, Role(roles[m.pk]) if m.pk in roles else None) for m in visible]


@dataclass(frozen=True)
class Member:
    user: Any
    role: Role


def members_of(operating_model: OperatingModel) -> list[Member]:
    """Everyone who holds a role in the model, facilitators first."""
    users = (
        get_user_model()
        .objects.filter(groups__model_role__operating_model=operating_model)
        .annotate(model_role=F("groups__model_role__role"))
        .order_by("username")
    )
    order = {Role.FACILITATOR: 0, Role.EDITOR: 1, Role.PARTICIPANT: 2, Role.VIEWER: 3}
    members = [Member(u, Role(u.model_role)) for u in users]
    return sorted(members, key=lambda m: (order[m.role], m.user.username))


SEVERITY_ORDER = {Severity.ERROR: 0, Severity.WARNING: 1, Severity.INFO: 2}


def model_health(operating_model: OperatingModel, level: int | None = None) -> list[Finding]:
    """Every finding of every registered health check (of one level, if given)."""
    keys = {s.key for s in registry.sections(level)} if level is not None else None
    findings = [
        finding
        for check in registry.checks(level)  # a level's page runs only its own checks
        for finding in check(operating_model)
        if keys is None or finding.section in keys
    ]
    return sorted(findings, key=lambda f: (SEVERITY_ORDER[f.severity], f.section))


def model_health_data(operating_model: OperatingModel) -> list[dict[str, Any]]:
    """The model's findings now as plain data: what the API answers and webhooks compare."""
    return [
        {
            "check": f.check,
            "severity": str(getattr(f.severity, "value", f.severity)),
            "message": f.message,
            "section": f.section,
            "row_id": f.part_id,
        }
        for f in model_health(operating_model)
    ]
