"""The test database built once per run and cloned for each pytest-xdist worker (Zulip's template
database, Django's own ``clone_test_db`` idea).

Running the migrations costs ~8 s of CPU and building the shared worlds (tests/worlds.py) ~3 s;
paid by every worker of every pass, that was ~90 s of CPU a CI run. Now the first worker that
needs a database takes a lock, migrates a *template* database and builds the worlds on it
(kept as rows in a file, as tests/worlds.py keeps them in memory), and every worker, that one
included, gets a copy of the template (SQLite: the file copied; PostgreSQL:
``CREATE DATABASE ... TEMPLATE``) and the worlds' rows from the file. The worker's database is
still its own and still dropped at the end; the template is dropped by the process that started
the run (``drop_templates``), or by the worker itself when pytest runs without xdist.

The template is named after the run (xdist's ``testrunuid``), so two runs on one machine never
share one, and a run never meets a template left by an earlier one.
"""

from __future__ import annotations

import datetime
import decimal
import fcntl
import json
import shutil
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import connections

from tests import worlds

ALIAS = "default"
_run: str | None = None  # this process's run, once ``setup`` has given it a database


def _var_dir() -> Path:
    path = Path(settings.VAR_DIR)
    path.mkdir(parents=True, exist_ok=True)
    return path


def _files(run: str) -> tuple[Path, Path, Path]:
    """The lock, the worlds' rows and the marker that the template is ready, for run ``run``."""
    var = _var_dir()
    return (
        var / f"test-template-{run}.lock",
        var / f"test-template-{run}.worlds",
        var / f"test-template-{run}.ready",
    )


def _template_name(run: str) -> str:
    connection = connections[ALIAS]
    if connection.vendor == "sqlite":
        return str(_var_dir() / f"test-template-{run}.sqlite3")
    base = connection.creation._get_test_db_name()
    # the worker's suffix (_gw0) is not part of the template's name; 63 bytes is the limit
    base = base.rsplit("_gw", 1)[0]
    return f"{base}_tpl_{run[:12]}"[:63]


# The worlds' rows as JSON, every value exactly as it was read (DjangoJSONEncoder would cut a
# time to milliseconds): a value of these types is written as {"__type": ..., "value": ...}.
_TYPES: dict[str, tuple[type, Callable[[Any], str], Callable[[str], Any]]] = {
    # datetime before date: a datetime is a date too
    "datetime": (datetime.datetime, datetime.datetime.isoformat, datetime.datetime.fromisoformat),
    "date": (datetime.date, datetime.date.isoformat, datetime.date.fromisoformat),
    "time": (datetime.time, datetime.time.isoformat, datetime.time.fromisoformat),
    "timedelta": (
        datetime.timedelta,
        lambda d: f"{d.days} {d.seconds} {d.microseconds}",
        lambda s: datetime.timedelta(*map(int, s.split())),
    ),
    "decimal": (decimal.Decimal, str, decimal.Decimal),
    "uuid": (uuid.UUID, str, uuid.UUID),
}


def _encode(value: Any) -> dict[str, str]:
    for tag, (kind, write, _) in _TYPES.items():
        if isinstance(value, kind):
            return {"__type": tag, "value": write(value)}
    raise TypeError(f"a world's row holds a {type(value).__name__}: add its type to _TYPES")


def _decode(obj: dict[str, Any]) -> Any:
    if set(obj) == {"__type", "value"}:
        return _TYPES[obj["__type"]][2](obj["value"])
    return obj


@contextmanager
def _locked(path: Path) -> Iterator[None]:
    with path.open("a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def _build_template(name: str, rows_file: Path, verbosity: int) -> None:
    """Migrate the template database and build the worlds on it (rolled back: the template
    keeps only what the migrations made)."""
    connection = connections[ALIAS]
    connection.settings_dict.setdefault("TEST", {})
    test_name = connection.settings_dict["TEST"].get("NAME")
    connection.settings_dict["TEST"]["NAME"] = name
    old_name = connection.settings_dict["NAME"]
    try:
        connection.creation.create_test_db(verbosity=verbosity, autoclobber=True, keepdb=False)
        worlds.build_all()
        rows_file.write_text(json.dumps(worlds.export_state(), default=_encode))
        if connection.vendor == "sqlite":  # everything in the file before it is copied
            with connection.cursor() as cursor:
                cursor.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    finally:
        connection.close()  # nobody may be connected to a template that is copied
        connection.settings_dict["TEST"]["NAME"] = test_name
        connection.settings_dict["NAME"] = old_name
        settings.DATABASES[ALIAS]["NAME"] = old_name


def _clone(template: str, verbosity: int) -> str:
    """This worker's database, a copy of the template; its name."""
    connection = connections[ALIAS]
    target = connection.creation._get_test_db_name()
    if connection.vendor == "sqlite":
        for suffix in ["", "-wal", "-shm"]:
            Path(target + suffix).unlink(missing_ok=True)
        shutil.copyfile(template, target)
    else:
        quote = connection.ops.quote_name
        with connection.creation._nodb_cursor() as cursor:
            cursor.execute(f"DROP DATABASE IF EXISTS {quote(target)}")
            cursor.execute(f"CREATE DATABASE {quote(target)} TEMPLATE {quote(template)}")
    if verbosity >= 1:
        print(f"\ntest database {target}: a copy of {template}")
    return target


def setup(run: str, verbosity: int) -> list[tuple[Any, str, bool]]:
    """This worker's test database (a copy of the run's template, built here if this is the
    first worker to need it) and the worlds loaded; what ``teardown_databases`` takes."""
    global _run
    lock, rows_file, ready = _files(run)
    template = _template_name(run)
    connection = connections[ALIAS]
    _run = run
    with _locked(lock):
        if not ready.exists():
            _build_template(template, rows_file, verbosity)
            ready.write_text(template)
        old_name = connection.settings_dict["NAME"]
        target = _clone(template, verbosity)
    connection.close()
    connection.settings_dict["NAME"] = target
    settings.DATABASES[ALIAS]["NAME"] = target
    worlds.import_state(json.loads(rows_file.read_text(), object_hook=_decode))
    return [(connection, old_name, True)]


def copy_of_template(name: str) -> None:
    """A PostgreSQL database ``name`` made from the run's template: migrated, empty (the worlds
    were rolled back; only the id sequences moved on). The production tests' OS processes use
    one instead of migrating a new database (~8 s of CPU each, in a process of their own).
    Under the template's lock: nobody may be connected to a template that is copied."""
    if _run is None:
        raise RuntimeError("no test database yet: ask for django_db_setup first")
    lock, _rows_file, ready = _files(_run)
    connection = connections[ALIAS]
    if connection.vendor != "postgresql":
        raise RuntimeError("a copy of the template is a PostgreSQL database")
    quote = connection.ops.quote_name
    with _locked(lock), connection.creation._nodb_cursor() as cursor:
        cursor.execute(f"DROP DATABASE IF EXISTS {quote(name)} WITH (FORCE)")
        cursor.execute(f"CREATE DATABASE {quote(name)} TEMPLATE {quote(ready.read_text())}")


def drop_templates(run: str) -> None:
    """Drop the run's template (database or file) and its files, if a worker made them."""
    lock, rows_file, ready = _files(run)
    if not ready.exists():
        lock.unlink(missing_ok=True)
        return
    template = ready.read_text()
    connection = connections[ALIAS]
    if connection.vendor == "sqlite":
        for suffix in ["", "-wal", "-shm"]:
            Path(template + suffix).unlink(missing_ok=True)
    else:
        quote = connection.ops.quote_name
        with connection.creation._nodb_cursor() as cursor:
            cursor.execute(f"DROP DATABASE IF EXISTS {quote(template)}")
    for path in [rows_file, ready, lock]:
        path.unlink(missing_ok=True)


def end_leftover_sessions() -> None:
    """Before this worker's PostgreSQL database is dropped: end every other session still
    connected to it. PostgreSQL refuses to drop a database in use, and a thread of this worker
    can still hold a connection when the run ends (the in-process ASGI server's request threads,
    an event stream a closed browser page left). The database is this worker's alone, so what
    is still connected to it is this worker's leftover."""
    connection = connections[ALIAS]
    if connection.vendor != "postgresql":
        return
    name = connection.settings_dict["NAME"]
    connection.close()
    with connection.creation._nodb_cursor() as cursor:
        cursor.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
            " WHERE datname = %s AND pid <> pg_backend_pid()",
            [name],
        )
