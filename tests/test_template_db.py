"""The run's template database (tests/template_db.py): the worlds' rows a worker reads from the
file are exactly the rows the building worker read from the database, every value of its type."""

from __future__ import annotations

import datetime
import decimal
import json
import uuid

import pytest
from django.contrib.auth import get_user_model

from tests import template_db, worlds

pytestmark = pytest.mark.django_db


def _round_trip(value):
    return json.loads(
        json.dumps(value, default=template_db._encode), object_hook=template_db._decode
    )


def test_every_value_type_comes_back_exactly():
    values = {
        "when": datetime.datetime(2026, 11, 29, 15, 4, 5, 123456, tzinfo=datetime.UTC),
        "day": datetime.date(2026, 11, 29),
        "time": datetime.time(15, 4, 5, 654321),
        "long": datetime.timedelta(days=3, seconds=7, microseconds=11),
        "money": decimal.Decimal("12.3400"),
        "id": uuid.UUID("12345678-1234-5678-1234-567812345678"),
        "plain": [1, "two", None, True, {"nested": 1.5}],
    }
    back = _round_trip(values)
    assert back == values
    assert {k: type(v) for k, v in back.items()} == {k: type(v) for k, v in values.items()}


def test_the_worlds_rows_survive_the_file_exactly(people):
    state = worlds.export_state()
    back = _round_trip(state)
    for name, data in state["worlds"].items():
        for (label, rows), (label_back, rows_back) in zip(
            data["rows"], back["worlds"][name]["rows"], strict=True
        ):
            assert label_back == label
            assert rows_back == rows, (name, label)
            for row, row_back in zip(rows, rows_back, strict=True):
                assert {k: type(v) for k, v in row_back.items()} == {
                    k: type(v) for k, v in row.items()
                }, (name, label)
    # the worlds hold rows of the types the codec knows (a new type fails the build, not here)
    assert any(rows for data in state["worlds"].values() for _, rows in data["rows"])


@pytest.mark.parametrize("name", [n for n, w in worlds._WORLDS.items() if not w.keep])
def test_a_replay_writes_back_every_row_of_its_world_value_for_value(name, people):
    """A replay's plain INSERTs (worlds.insert_rows: values prepared once, then reused) put back
    every row the world's build wrote, each value as it was read, but for the ``auto_now``
    columns, which are the replay's now as ``bulk_create`` made them: at first and reused."""
    from django.db import transaction
    from django.utils import timezone

    w = worlds._WORLDS[name]
    for attempt in ["first", "prepared"]:
        with transaction.atomic():
            start = timezone.now()
            worlds.replay(name)
            end = timezone.now()
            for model, rows in w.rows:
                auto = [
                    f.attname
                    for f in model._meta.concrete_fields
                    if getattr(f, "auto_now", False) or getattr(f, "auto_now_add", False)
                ]
                pk = model._meta.pk.attname
                back = model._base_manager.filter(pk__in=[r[pk] for r in rows])
                back = {r[pk]: r for r in back.values(*rows[0])}
                assert len(back) == len(rows), (attempt, name, model)
                for row in rows:
                    got = back[row[pk]]
                    for column in auto:
                        assert start <= got.pop(column) <= end, (attempt, name, model, column)
                    assert got == {k: v for k, v in row.items() if k not in auto}, (
                        attempt,
                        name,
                        model,
                    )
            transaction.set_rollback(True)


def test_an_unknown_type_is_refused_not_written_as_text():
    with pytest.raises(TypeError, match="add its type"):
        json.dumps({"x": {1, 2}}, default=template_db._encode)


@pytest.mark.engine
@pytest.mark.django_db(transaction=True)
def test_a_connection_a_thread_leaves_open_does_not_stop_the_database_being_dropped():
    """A thread of the worker (the in-process ASGI server's, a stream's) may still be connected
    when the run ends; PostgreSQL refuses to drop a database in use. This test leaves such a
    connection open on purpose: without ``template_db.end_leftover_sessions`` the run's
    teardown errors ("database ... is being accessed by other users"), as it did in CI."""
    import threading

    from django.db import connection

    seen: list[int] = []

    def query() -> None:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            seen.append(cursor.fetchone()[0])

    thread = threading.Thread(target=query)
    thread.start()
    thread.join()
    assert seen == [1]


@pytest.mark.django_db(transaction=True)
def test_a_replay_after_a_flush_points_the_worlds_rows_at_the_new_content_types():
    """A transactional test's flush makes the content types and permissions again, with new ids
    (``post_migrate``). A replay reads them only when they may have changed since it last did: it
    must notice the flush, or the rows it inserts point at permissions that are gone."""
    from django.core.management import call_command

    from opmodel.models import OperatingModel

    worlds.replay("people")
    before = worlds._current_fingerprint()
    call_command("flush", verbosity=0, interactive=False, reset_sequences=False)  # as Django does
    assert worlds._current_fingerprint() != before  # new ids: the case under test
    worlds.replay("people")
    model = worlds.replay("small")
    facilitator = get_user_model().objects.get(username="facilitator")
    assert facilitator.has_perm("opmodel.change_operatingmodel", model)
    assert OperatingModel.objects.filter(pk=model.pk).exists()
