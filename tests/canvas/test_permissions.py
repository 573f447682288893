"""The permission matrix: every canvas and core URL x every role -> the expected status."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.db import transaction
from django.urls import reverse

from canvas.models import Principle, Stage
from tests.permissions import (
    MANAGE_FORM,
    MANAGE_REDIRECT,
    READ,
    ROLES,
    WRITE_FORM,
    WRITE_REDIRECT,
    Case,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def om(small_om):
    return small_om


def stage(om) -> Stage:
    return Stage.objects.filter(operating_model=om).first()


def s_url(name: str, key: str = "canvas-stages", item: bool = True) -> Callable[[Any], str]:
    def build(om) -> str:
        kwargs = {"slug": om.slug, "key": key}
        if item:
            kwargs["pk"] = stage(om).pk
        return reverse(name, kwargs=kwargs)

    return build


CASES = [
    Case("canvas", "get", lambda om: reverse("canvas", args=[om.slug]), READ),
    Case("picture", "get", lambda om: reverse("picture", args=[om.slug]), READ),
    Case(
        "model-home",
        "get",
        lambda om: reverse("model-home", args=[om.slug]),
        {**READ, "viewer": 302, "participant": 302, "editor": 302, "facilitator": 302},
    ),
    Case("health", "get", lambda om: reverse("model-health", args=[om.slug]), READ),
    Case("members", "get", lambda om: reverse("members", args=[om.slug]), READ),
    Case("section-list", "get", s_url("section-list", item=False), READ, htmx=True),
    Case("part-detail", "get", s_url("part-detail"), READ, htmx=True),
    Case("part-history", "get", s_url("part-history"), READ),
    Case("part-new form", "get", s_url("part-new", item=False), WRITE_FORM),
    Case(
        "part-new",
        "post",
        s_url("part-new", item=False),
        WRITE_REDIRECT,
        lambda om: {"name": "New stage"},
    ),
    Case("part-edit form", "get", s_url("part-edit"), WRITE_FORM),
    Case(
        "part-edit",
        "post",
        s_url("part-edit"),
        WRITE_REDIRECT,
        lambda om: {"name": "Renamed", "revision": stage(om).revision},
    ),
    Case("part-delete confirm", "get", s_url("part-delete"), WRITE_FORM),
    Case(
        "part-delete",
        "post",
        s_url("part-delete"),
        WRITE_REDIRECT,
        lambda om: {"revision": stage(om).revision},
    ),
    Case("part-move", "post", s_url("part-move"), WRITE_REDIRECT, lambda om: {"offset": 1}),
    Case(
        "row-move",
        "post",
        lambda om: reverse("row-move", args=[om.slug]),
        WRITE_REDIRECT,
        lambda om: {"down": f"canvas-stages:{stage(om).pk}"},
    ),
    Case(
        "part-reorder",
        "post",
        s_url("part-reorder", item=False),
        WRITE_REDIRECT,
        lambda om: {"order": [stage(om).pk]},
    ),
    Case(
        "part-revert",
        "post",
        lambda om: reverse(
            "part-revert",
            kwargs={
                "slug": om.slug,
                "key": "canvas-stages",
                "pk": stage(om).pk,
                "history_id": stage(om).history.earliest().history_id,
            },
        ),
        WRITE_REDIRECT,
        lambda om: {"revision": stage(om).revision},
    ),
    Case(
        "members invite",
        "post",
        lambda om: reverse("members", args=[om.slug]),
        MANAGE_REDIRECT,
        lambda om: {"email": "invitee@example.com", "role": "editor"},
    ),
    Case(
        "member role",
        "post",
        lambda om: reverse(
            "member-role", args=[om.slug, om.role_groups.get(role="viewer").group.user_set.get().pk]
        ),
        MANAGE_REDIRECT,
        lambda om: {"role": "participant"},
    ),
    Case(
        "member remove confirm",
        "get",
        lambda om: reverse(
            "member-remove",
            args=[om.slug, om.role_groups.get(role="viewer").group.user_set.get().pk],
        ),
        MANAGE_FORM,
    ),
    Case(
        "member remove",
        "post",
        lambda om: reverse(
            "member-remove",
            args=[om.slug, om.role_groups.get(role="viewer").group.user_set.get().pk],
        ),
        MANAGE_REDIRECT,
    ),
]


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.name)
def test_permission_matrix(case: Case, om, other_om, people, client_for):
    """Every role in turn on one model, each in a savepoint rolled back afterwards."""
    for role in ROLES:
        with transaction.atomic():
            client = client_for(None if role == "anonymous" else people[role])
            url = case.url(om)
            data = case.data(om) if case.data else {}
            before = stage(om).revision if stage(om) else None
            headers = {"HX-Request": "true"} if case.htmx else {}
            response = getattr(client, case.method)(url, data, headers=headers)
            assert response.status_code == case.expected[role], (
                case.name,
                role,
                response.status_code,
            )
            if case.method == "post" and case.expected[role] in (403, 404):
                # a refused write changes nothing
                assert stage(om).revision == before, (case.name, role)
            if role == "anonymous" and case.expected[role] == 302:
                assert response["Location"].startswith(reverse("account_login"))
            transaction.set_rollback(True)


@pytest.mark.parametrize("name", ["part-detail", "part-edit", "part-delete", "part-history"])
def test_another_models_rows_are_404_even_for_its_facilitator(
    name, om, other_om, people, client_for
):
    foreign = Principle.objects.create(operating_model=other_om, group="delivery", name="Theirs")
    client = client_for(people["facilitator"])  # facilitator of om, not of other_om
    url = reverse(name, kwargs={"slug": om.slug, "key": "canvas-principles", "pk": foreign.pk})
    assert client.get(url, headers={"HX-Request": "true"}).status_code == 404
    url = reverse(
        name, kwargs={"slug": other_om.slug, "key": "canvas-principles", "pk": foreign.pk}
    )
    assert client.get(url, headers={"HX-Request": "true"}).status_code == 404


def test_an_unknown_model_and_a_forbidden_one_look_the_same(om, people, client_for):
    client = client_for(people["outsider"])
    unknown = client.get(reverse("canvas", args=["no-such-model"]))
    forbidden = client.get(reverse("canvas", args=[om.slug]))
    assert unknown.status_code == forbidden.status_code == 404
    assert unknown.content == forbidden.content


def test_an_unknown_section_is_404(om, people, client_for):
    client = client_for(people["editor"])
    assert client.get(f"/m/{om.slug}/s/canvas-nope/new/").status_code == 404
