"""The per-request permission read (``opmodel.access.model_perms``): one query, and exactly what
django-guardian's own ``ObjectPermissionChecker.get_perms`` gives, for every kind of person."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from guardian.core import ObjectPermissionChecker
from guardian.shortcuts import assign_perm

from opmodel import access as access_module
from opmodel.access import access_for, get_model_for, model_perms
from opmodel.models import ROLE_PERMISSIONS, Role
from opmodel.services import member_remove, member_set_role


def _guardian(user, model) -> frozenset[str]:
    return frozenset(ObjectPermissionChecker(user).get_perms(model))


@pytest.fixture
def everyone(people, make_user, om, other_om):
    """Every kind of person the read must tell apart: each role, an outsider (member of another
    model), a superuser, someone granted a permission directly (not through a role group) and
    someone in a role group of another model only."""
    direct = make_user("direct")
    assign_perm("opmodel.view_operatingmodel", direct, om)
    assign_perm("opmodel.change_operatingmodel", direct, other_om)
    return {
        **people,
        "superuser": make_user("root", is_superuser=True),
        "direct": direct,
        "nobody": make_user("nobody"),
    }


@pytest.mark.parametrize("fallback", [False, True], ids=["one statement", "guardian fallback"])
def test_model_perms_are_guardians_perms_for_every_kind_of_person(
    everyone, om, other_om, monkeypatch, fallback
):
    if fallback:  # guardian configured with other tables: it is asked itself
        monkeypatch.setattr(access_module, "_reads_guardian_tables", lambda: False)
    seen = set()
    for name, user in everyone.items():
        for model in (om, other_om):
            expected = _guardian(user, model)
            assert model_perms(user, model) == expected, (name, model.slug)
            seen.add(expected)
    # The people above hold different sets (so the comparison can fail), the roles' among them.
    assert {frozenset(perms) for perms in ROLE_PERMISSIONS.values()} <= seen
    assert frozenset({"view_operatingmodel"}) in seen and frozenset() in seen


def test_the_one_statement_reads_the_tables_guardian_is_configured_with():
    assert access_module._reads_guardian_tables()


def test_access_is_one_query_and_the_model_two(om, people):
    for name in ("facilitator", "editor", "viewer", "outsider"):
        with CaptureQueriesContext(connection) as captured:
            access_for(people[name], om)
        assert len(captured.captured_queries) == 1, name
    with CaptureQueriesContext(connection) as captured:
        get_model_for(people["editor"], om.slug)
    assert len(captured.captured_queries) == 2  # the model, then the permissions


def test_a_role_changed_counts_at_once_for_the_same_user_object(om, people):
    """Nothing is remembered between reads: the same ``User`` object (as a long-lived stream or
    a test holds it) sees a role change and a removal on its next read."""
    user, facilitator = people["editor"], people["facilitator"]
    assert access_for(user, om).role == Role.EDITOR
    member_set_role(operating_model=om, actor=facilitator, user=user, role=Role.VIEWER)
    after = access_for(user, om)
    assert after.role == Role.VIEWER and after.can_view and not after.can_edit
    member_set_role(operating_model=om, actor=facilitator, user=user, role=Role.FACILITATOR)
    assert access_for(user, om).can_manage
    member_remove(operating_model=om, actor=facilitator, user=user)
    gone = access_for(user, om)
    assert gone.role is None and not gone.can_view


def test_an_inactive_user_holds_nothing(om, people):
    user = people["facilitator"]
    user.is_active = False
    assert not access_for(user, om).perms
