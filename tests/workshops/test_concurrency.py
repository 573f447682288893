"""Real concurrency on PostgreSQL: many dots at once cannot overspend a budget."""

from __future__ import annotations

import threading

import pytest
from django.core.exceptions import ValidationError
from django.db import connection

from workshops import services
from workshops.models import Vote

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


@pytest.fixture(autouse=True)
def _postgres_only():
    if connection.vendor != "postgresql":
        pytest.fail("this test needs PostgreSQL: run it in the PostgreSQL pass")


def test_simultaneous_votes_never_exceed_the_budget(workshop, people):
    note = services.note_add(workshop=workshop, actor=people["participant"], text="Popular")
    tries = workshop.vote_budget * 3
    barrier = threading.Barrier(tries)
    outcome: list[str] = []
    lock = threading.Lock()

    def vote() -> None:
        barrier.wait()
        try:
            services.vote_add(workshop=workshop, actor=people["participant"], note=note)
            result = "voted"
        except ValidationError:
            result = "refused"
        finally:
            connection.close()
        with lock:
            outcome.append(result)

    threads = [threading.Thread(target=vote) for _ in range(tries)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert outcome.count("voted") == workshop.vote_budget
    assert outcome.count("refused") == tries - workshop.vote_budget
    assert Vote.objects.filter(voter=people["participant"]).count() == workshop.vote_budget


def test_one_invitation_accepted_twice_at_once_is_used_once(workshop, people, make_user):
    invitation = services.invitation_create(
        workshop=workshop,
        actor=people["facilitator"],
        email="twin@example.com",
        base_url="http://testserver/",
    )
    twin = make_user("twin")
    barrier = threading.Barrier(2)
    outcome: list[str] = []

    def accept() -> None:
        barrier.wait()
        try:
            services.invitation_accept(invitation=invitation, user=twin)
            outcome.append("accepted")
        except services.InvitationRefused:
            outcome.append("refused")
        finally:
            connection.close()

    threads = [threading.Thread(target=accept) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(outcome) == ["accepted", "refused"]
