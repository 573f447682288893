"""Every versions URL x every role: members read, facilitators publish and import, editors
restore, outsiders get 404."""

from __future__ import annotations

import pytest
from django.urls import reverse

from canvas.models import Principle, Stage
from opmodel.models import OperatingModel, Release
from opmodel.registry import registry
from opmodel.services import part_delete, release_publish
from tests.permissions import MANAGE_FORM, MANAGE_REDIRECT, READ, ROLES, WRITE_REDIRECT, Case

pytestmark = pytest.mark.django_db

ANY_USER = {**READ, "outsider": 200}


def deleted(om) -> int:
    return Principle.history.filter(operating_model_id=om.pk, history_type="-").get().history_id


CASES = [
    Case("releases", "get", lambda om: reverse("releases", args=[om.slug]), READ),
    Case("release", "get", lambda om: reverse("release-detail", args=[om.slug, 1]), READ),
    Case("release picture", "get", lambda om: reverse("picture-release", args=[om.slug, 1]), READ),
    Case("compare", "get", lambda om: reverse("compare", args=[om.slug]) + "?from=v1", READ),
    Case("history", "get", lambda om: reverse("timeline", args=[om.slug]), READ),
    Case("as of", "get", lambda om: reverse("as-of", args=[om.slug]) + "?at=2030-01-01", READ),
    Case("export draft", "get", lambda om: reverse("model-export", args=[om.slug]), READ),
    Case(
        "export release",
        "get",
        lambda om: reverse("model-export", args=[om.slug]) + "?release=1&format=json",
        READ,
    ),
    Case("publish form", "get", lambda om: reverse("release-new", args=[om.slug]), MANAGE_FORM),
    Case(
        "publish",
        "post",
        lambda om: reverse("release-new", args=[om.slug]),
        MANAGE_REDIRECT,
        lambda om: {"title": "By the matrix"},
    ),
    Case("import form", "get", lambda om: reverse("model-import", args=[om.slug]), MANAGE_FORM),
    Case(
        "import apply",
        "post",
        lambda om: reverse("model-import", args=[om.slug]),
        MANAGE_REDIRECT,  # nothing previewed: the facilitator is sent back to upload again
        lambda om: {"action": "apply"},
    ),
    Case(
        "restore",
        "post",
        lambda om: reverse("part-restore", args=[om.slug, "canvas-principles", deleted(om)]),
        WRITE_REDIRECT,
    ),
    Case("new model from a file", "get", lambda om: reverse("model-import-new"), ANY_USER),
]


@pytest.fixture
def om(small_om, people):
    release_publish(operating_model=small_om, actor=people["facilitator"], title="v1")
    principle = Principle.objects.get(operating_model=small_om)
    part_delete(
        section=registry.get("canvas.principles"),
        part=principle,
        revision=principle.revision,
        actor=people["facilitator"],
    )
    return small_om


def _state(om) -> tuple:
    return (
        Release.objects.filter(operating_model=om).count(),
        Principle.objects.filter(operating_model=om).count(),
        Stage.objects.filter(operating_model=om).count(),
        OperatingModel.objects.count(),
    )


# Refused roles first: each case runs every role against one model, so the state a refused
# write must leave untouched is the state before any allowed write.
ORDER = ROLES  # (refused roles come first in it)


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.name)
def test_permission_matrix(case: Case, om, other_om, people, client_for):
    seen = {}
    for role in ORDER:
        client = client_for(None if role == "anonymous" else people[role])
        before = _state(om)
        data = case.data(om) if case.data else {}
        response = getattr(client, case.method)(case.url(om), data)
        seen[role] = response.status_code
        if case.method == "post" and response.status_code in (403, 404):
            assert _state(om) == before, (case.name, role)  # a refused write changes nothing
        if role == "anonymous":
            assert response["Location"].startswith(reverse("account_login"))
    assert seen == case.expected, case.name


def test_an_unknown_release_is_404(om, people, client_for):
    client = client_for(people["viewer"])
    assert client.get(reverse("release-detail", args=[om.slug, 7])).status_code == 404
    assert client.get(reverse("picture-release", args=[om.slug, 7])).status_code == 404
    assert client.get(reverse("model-export", args=[om.slug]) + "?release=7").status_code == 404
    assert client.get(reverse("model-export", args=[om.slug]) + "?format=xml").status_code == 404


def test_another_models_history_cannot_be_restored_here(om, other_om, people, client_for):
    foreign = Principle.objects.create(operating_model=other_om, group="delivery", name="Theirs")
    pk = foreign.pk
    foreign.delete()
    history_id = Principle.history.get(id=pk, history_type="-").history_id
    url = reverse("part-restore", args=[om.slug, "canvas-principles", history_id])
    assert client_for(people["facilitator"]).post(url).status_code == 404
    assert not Principle.objects.filter(name="Theirs").exists()
