"""Real concurrency on PostgreSQL: two writers from the same revision, at the same moment."""

from __future__ import annotations

import threading

import pytest
from django.db import connection

from canvas.models import Stage
from opmodel import services
from opmodel.registry import registry

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


@pytest.fixture(autouse=True)
def _postgres_only():
    if connection.vendor != "postgresql":
        pytest.fail("this test needs PostgreSQL: run it in the PostgreSQL pass")


def test_two_simultaneous_saves_of_one_field_one_wins_and_the_other_is_told(om, people):
    stage = Stage.objects.filter(operating_model=om).first()
    section = registry.get("canvas.stages")
    barrier = threading.Barrier(2)
    outcome: dict[str, str] = {}

    def save(who: str) -> None:
        barrier.wait()
        try:
            services.part_update(
                section=section,
                part=stage,
                revision=1,
                actor=people[who],
                data={"name": f"{who} name"},
            )
            outcome[who] = "saved"
        except services.StaleRevision:
            outcome[who] = "conflict"
        finally:
            connection.close()

    threads = [threading.Thread(target=save, args=(w,)) for w in ("editor", "facilitator")]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(outcome.values()) == ["conflict", "saved"]
    stage.refresh_from_db()
    winner = next(w for w, o in outcome.items() if o == "saved")
    assert stage.name == f"{winner} name" and stage.revision == 2
    assert stage.history.count() == 2  # the loser left no trace


def test_many_simultaneous_saves_of_different_fields_all_survive(om, people):
    stage = Stage.objects.filter(operating_model=om).first()
    section = registry.get("canvas.stages")
    fields = {"name": "New name", "description": "New description", "outcome": "New outcome"}
    barrier = threading.Barrier(len(fields))
    errors: list[Exception] = []

    def save(field: str, value: str) -> None:
        barrier.wait()
        for _attempt in range(5):
            try:
                current = Stage.objects.get(pk=stage.pk)
                services.part_update(
                    section=section,
                    part=current,
                    revision=1,
                    actor=people["editor"],
                    data={field: value},
                )
                break
            except services.StaleRevision:
                continue  # lost the race at the UPDATE: the retry merges onto the winner
            except Exception as exc:
                errors.append(exc)
                break
        connection.close()

    threads = [threading.Thread(target=save, args=item) for item in fields.items()]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    stage.refresh_from_db()
    assert (stage.name, stage.description, stage.outcome) == tuple(fields.values())
    assert stage.revision == 4


def _connections_to_this_database() -> int:
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM pg_stat_activity WHERE datname = current_database()")
        return cursor.fetchone()[0]


def test_open_event_streams_hold_no_database_connection(asgi_server, local_broadcaster, om, people):
    import contextlib

    import httpx

    from tests.conftest import session_cookie

    before = _connections_to_this_database()
    url = f"{asgi_server}/m/{om.slug}/events/"
    cookies = session_cookie(people["viewer"])
    with contextlib.ExitStack() as streams:
        client = streams.enter_context(httpx.Client(cookies=cookies, timeout=10))
        for _ in range(6):
            response = streams.enter_context(client.stream("GET", url))
            lines = response.iter_lines()
            streams.callback(lines.close)
            assert next(line for line in lines if line.startswith("event:")) == "event: hello"
        during = _connections_to_this_database()
    # Six open streams, and at most one connection more (the server's own, between requests).
    assert during - before <= 1
