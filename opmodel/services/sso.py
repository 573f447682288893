"""Roles from an identity provider's groups (``OPMODEL_SSO_GROUP_ROLES``, off by default)."""

from __future__ import annotations

import logging
from typing import Any

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db import transaction

from opmodel.access import role_of
from opmodel.models import ROLE_ORDER, OperatingModel, Role
from opmodel.services.models import member_add

log = logging.getLogger(__name__)


def sso_group_roles() -> dict[str, list[tuple[str, Role]]]:
    """``group=model-slug:role`` items, as group -> [(model slug, role)]."""
    mapping: dict[str, list[tuple[str, Role]]] = {}
    for item in settings.OPMODEL_SSO_GROUP_ROLES:
        group, sep, target = item.partition("=")
        slug, sep2, role = target.partition(":")
        if not (sep and sep2 and group.strip() and slug.strip()) or role not in Role.values:
            raise ImproperlyConfigured(
                f"OPMODEL_SSO_GROUP_ROLES: {item!r} is not group=model-slug:role "
                f"(role one of {', '.join(Role.values)})"
            )
        mapping.setdefault(group.strip(), []).append((slug.strip(), Role(role)))
    return mapping


@transaction.atomic
def sso_groups_apply(*, user: Any, groups: list[str]) -> list[tuple[str, Role]]:
    """Raise ``user``'s role on each model a group of theirs maps to; never lower a role.

    Returns the (model slug, role) pairs granted. A model named in the mapping that does not
    exist is logged and skipped (the mapping may be written before the model).
    """
    mapping = sso_group_roles()
    wanted: dict[str, Role] = {}
    for group in groups:
        for slug, role in mapping.get(group, []):
            if slug not in wanted or ROLE_ORDER.index(role) > ROLE_ORDER.index(wanted[slug]):
                wanted[slug] = role
    granted = []
    found = list(OperatingModel.objects.filter(slug__in=wanted))
    for operating_model in found:
        role = wanted[operating_model.slug]
        current = role_of(user, operating_model)
        if current is None or ROLE_ORDER.index(current) < ROLE_ORDER.index(role):
            member_add(operating_model=operating_model, actor=None, user=user, role=role)
            granted.append((operating_model.slug, role))
    missing = set(wanted) - {om.slug for om in found}
    if missing:
        log.warning("sso group roles name unknown models: %s", ", ".join(sorted(missing)))
    return granted
