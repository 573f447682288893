"""Shared test data, built once per test process and replayed into each test (Zulip's idea).

Building the Quokka model through the services costs ~2,000 queries; a test that asks for it used
to pay that in its setup. Here every *world* (the people, the Quokka model, the small model, the
Level 2 and Level 3 models, ...) is built once per run through the real services, right after
the run's template database is migrated (tests/template_db.py; the other pytest-xdist workers
read the rows from a file instead of building them again):

* each world is built in a savepoint of its own, with every table's id sequence moved to a range
  of its own (world n's rows get ids from ``BASE + n * STEP``), so two worlds never share an id
  and the rows a test creates never meet a world's;
* the rows it inserted (every table: history, guardian permissions, m2m links, events included)
  are read back and kept in memory, then the savepoint is rolled back: the database stays empty;
* a fixture that wants a world *replays* its rows into the test's transaction (one INSERT per
  table run over its rows, ``insert_rows``: the values prepared for the database once per
  process; ids kept) and fetches its model by id (the people are made from their rows: the
  same values, no query); the test's rollback removes them again.

So a test sees exactly what the fixture used to build for it, nothing else, at a fraction of the
cost. A transactional test's flush recreates content types and permissions with new ids: the
worlds notice (``post_migrate``, then ``_fingerprint``) and point their rows at the new ones
before the next replay.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.apps import apps
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Permission
from django.contrib.contenttypes.models import ContentType
from django.db import connection, models, transaction
from django.db.models.signals import post_migrate
from django.utils import timezone

BASE = 1_000_000
STEP = 1_000_000
PASSWORD = "pw-123456"

ROLE_NAMES = ["facilitator", "editor", "participant", "viewer"]
PEOPLE = [*ROLE_NAMES, "outsider"]


@dataclass
class World:
    name: str
    build: Callable[[dict[str, Any]], Any]
    keep: bool = False  # people: later worlds are built on top of them
    rows: list[tuple[type[models.Model], list[dict[str, Any]]]] = field(default_factory=list)
    result: Any = None  # what build returned, as ids (a model's pk)


_WORLDS: dict[str, World] = {}
_fingerprint: dict[type[models.Model], dict[tuple[str, ...], int]] | None = None
_epoch = 0
# The content types and permissions were read since they last could have changed: only a
# migration or a transactional test's flush makes them again, and both send ``post_migrate``.
_fingerprint_read = False


def _content_types_made(**kwargs: Any) -> None:
    global _fingerprint_read
    _fingerprint_read = False


post_migrate.connect(_content_types_made, dispatch_uid="tests.worlds")


def world(name: str, *, keep: bool = False):
    def register(build: Callable[[dict[str, Any]], Any]) -> Callable[[dict[str, Any]], Any]:
        _WORLDS[name] = World(name, build, keep)
        return build

    return register


def _tables() -> list[type[models.Model]]:
    return [
        m
        for m in apps.get_models(include_auto_created=True)
        if m._meta.managed and not m._meta.proxy
    ]


def _auto_pk(model: type[models.Model]) -> bool:
    return isinstance(model._meta.pk, models.AutoField)  # Big/Small AutoFields are subclasses


def _move_sequences(start: int) -> None:
    """The next id of every table is ``start`` (SQLite: sqlite_sequence, in the savepoint;
    PostgreSQL: setval, which no rollback undoes, so later worlds and tests count on from it)."""
    with connection.cursor() as cursor:
        for model in _tables():
            if not _auto_pk(model):
                continue
            table, column = model._meta.db_table, model._meta.pk.column
            if connection.vendor == "sqlite":
                cursor.execute(
                    "UPDATE sqlite_sequence SET seq = %s WHERE name = %s", [start - 1, table]
                )
                if cursor.rowcount == 0:
                    cursor.execute(
                        "INSERT INTO sqlite_sequence (name, seq) VALUES (%s, %s)",
                        [table, start - 1],
                    )
            elif connection.vendor == "postgresql":
                cursor.execute(
                    "SELECT setval(pg_get_serial_sequence(%s, %s), %s, false)",
                    [table, column, start],
                )
            else:  # pragma: no cover - the project runs on these two
                raise NotImplementedError(connection.vendor)


def _columns(model: type[models.Model]) -> list[str]:
    return [f.attname for f in model._meta.concrete_fields if not getattr(f, "generated", False)]


def _counts(start: int) -> dict[type[models.Model], tuple[int, int]]:
    """Per table, its rows below id ``start`` (all of them if its ids are not counted up) and
    from ``start`` on: one query (a count per table through the ORM was ~1,000 queries a build).
    """
    tables = _tables()
    quote = connection.ops.quote_name
    selects, params = [], []
    # table and column names from the models' meta, quoted: no outside input (S608)
    for n, m in enumerate(tables):
        table = quote(m._meta.db_table)
        if _auto_pk(m):
            pk = quote(m._meta.pk.column)
            counts = (
                f"COUNT(CASE WHEN {pk} < %s THEN 1 END), COUNT(CASE WHEN {pk} >= %s THEN 1 END)"
            )
            selects.append(f"SELECT {n}, {counts} FROM {table}")  # noqa: S608
            params += [start, start]
        else:
            selects.append(f"SELECT {n}, COUNT(*), 0 FROM {table}")  # noqa: S608
    with connection.cursor() as cursor:
        cursor.execute(" UNION ALL ".join(selects), params)
        return {tables[n]: (below, above) for n, below, above in cursor.fetchall()}


def _current_fingerprint() -> dict[type[models.Model], dict[tuple[str, ...], int]]:
    """The ids of the rows migrations create (content types, permissions) by natural key: the
    worlds' rows refer to them (guardian's permissions, generic relations). Read with plain SQL
    (every replay asks)."""
    quote = connection.ops.quote_name
    types, perms = quote(ContentType._meta.db_table), quote(Permission._meta.db_table)
    with connection.cursor() as cursor:
        # table names from the models' meta, quoted: no outside input
        cursor.execute(f"SELECT id, app_label, model FROM {types}")  # noqa: S608
        content_types = {(app, model): pk for pk, app, model in cursor.fetchall()}
        join = f"{perms} p JOIN {types} c ON c.id = p.content_type_id"
        cursor.execute(f"SELECT p.id, c.app_label, c.model, p.codename FROM {join}")  # noqa: S608
        permissions = {(app, model, codename): pk for pk, app, model, codename in cursor}
    return {ContentType: content_types, Permission: permissions}


def _follow_flush(now: dict[type[models.Model], dict[tuple[str, ...], int]]) -> bool:
    """A transactional test's flush made content types and permissions again, with new ids:
    point the worlds' rows at them. False if something they use is gone (then: build again)."""
    global _fingerprint
    assert _fingerprint is not None
    new_id: dict[type[models.Model], dict[int, int]] = {}
    for target, keys in _fingerprint.items():
        if not set(keys) <= set(now[target]):
            return False
        new_id[target] = {pk: now[target][key] for key, pk in keys.items()}
    for w in _WORLDS.values():
        for model, rows in w.rows:
            for f in model._meta.concrete_fields:
                if f.is_relation and f.related_model in new_id:
                    ids = new_id[f.related_model]
                    for row in rows:
                        if row[f.attname] is not None:
                            row[f.attname] = ids[row[f.attname]]
    _fingerprint = now
    _prepared.clear()
    return True


def _users(names: list[str]) -> dict[str, Any]:
    """The people's users as a query would give them, made from their worlds' rows (which the
    replay has just inserted, every column as it was read): no query a test."""
    user = get_user_model()
    columns = _columns(user)
    found = {
        row["username"]: user.from_db(connection.alias, columns, [row[c] for c in columns])
        for w in (_WORLDS["people"], _WORLDS["lead"])
        for model, rows in w.rows
        if model is user
        for row in rows
        if row["username"] in names
    }
    return {name: found[name] for name in names}


def build_all() -> None:
    """Build every world once, in order, each in its own id range; the database is left as it
    was. Called by ``django_db_setup`` and again after a flush changed the content types."""
    global _fingerprint, _epoch
    # PostgreSQL's sequences stay where a build left them: a rebuild takes fresh ranges above.
    base = BASE + _epoch * (len(_WORLDS) + 2) * STEP
    _epoch += 1
    with transaction.atomic():
        for n, w in enumerate(_WORLDS.values()):
            start = base + n * STEP
            sid = transaction.savepoint_create()
            before = _counts(start)
            _move_sequences(start)
            users = get_user_model().objects.filter(username__in=[*PEOPLE, "lead"])
            result = w.build({u.username: u for u in users})
            w.result = result.pk if isinstance(result, models.Model) else result
            w.rows = []
            after = _counts(start)
            for model in _tables():
                if not _auto_pk(model) or not after[model][1]:  # none of this world's rows
                    continue
                rows = list(model._base_manager.filter(pk__gte=start).values(*_columns(model)))
                w.rows.append((model, rows))
            changed = [m.__name__ for m in before if before[m][0] != after[m][0]]
            if changed:
                raise RuntimeError(f"world {w.name!r} wrote outside its id range: {changed}")
            if w.keep:
                transaction.savepoint_commit(sid)
            else:
                transaction.savepoint_rollback(sid)
        transaction.set_rollback(True)
    _fingerprint = _current_fingerprint()
    _prepared.clear()


def _taken_slugs(slugs: list[str]) -> set[str]:
    from opmodel.models import OperatingModel

    return set(OperatingModel.objects.filter(slug__in=slugs).values_list("slug", flat=True))


def _unique_slug(slug: str) -> str:
    from opmodel.models import OperatingModel

    root, n, candidate = slug, 2, slug
    while OperatingModel.objects.filter(slug=candidate).exists():
        candidate = f"{root}-{n}"
        n += 1
    return candidate


def _plain_pre_save(field: models.Field) -> bool:
    """``bulk_create`` keeps this field's value as given, or sets it to now (``auto_now``,
    ``auto_now_add``: ``insert_rows`` does the same); a FileField's ``pre_save`` does more."""
    return type(field).pre_save in (models.Field.pre_save, models.DateField.pre_save) or (
        isinstance(field, models.DateTimeField)
        and type(field).pre_save is models.DateTimeField.pre_save
    )


# insert_rows' statements and prepared values, by the caller's key (a world's table): a replay
# then only copies them. Emptied whenever the worlds' rows change (build, flush, import).
_prepared: dict[Any, tuple[str, list[list[Any]], list[tuple[int, models.Field]]]] = {}


def insert_rows(model: type[models.Model], rows: list[dict[str, Any]], key: Any = None) -> None:
    """What ``model._base_manager.bulk_create([model(**row) for row in rows])`` inserts, without
    building a model instance per row (the ORM's per-object cost is most of a large insert's):
    one INSERT run over every row (``executemany``). A column a row leaves out gets the field's
    default; ``auto_now``/``auto_now_add`` fields get now, as ``bulk_create`` gives them (here one
    now per call). No signals, as with ``bulk_create``; the ids are not read back. With ``key``,
    the values prepared for the database are kept and reused by the next call with that key
    (the rows must then be the same)."""
    if not rows:
        return
    if key is None or key not in _prepared:
        fields = [f for f in model._meta.concrete_fields if not getattr(f, "generated", False)]
        if not all(_plain_pre_save(f) for f in fields):
            model._base_manager.bulk_create([model(**row) for row in rows])
            return
        given = set().union(*(row.keys() for row in rows))
        if _auto_pk(model) and model._meta.pk.attname not in given:
            fields.remove(model._meta.pk)
        quote = connection.ops.quote_name
        sql = "INSERT INTO {} ({}) VALUES ({})".format(  # noqa: S608 (names from the model's meta)
            quote(model._meta.db_table),
            ", ".join(quote(f.column) for f in fields),
            ", ".join(["%s"] * len(fields)),
        )
        auto = [
            (i, f)
            for i, f in enumerate(fields)
            if getattr(f, "auto_now", False) or getattr(f, "auto_now_add", False)
        ]
        prepared = [
            [
                None
                if (i, f) in auto
                else f.get_db_prep_save(
                    row[f.attname] if f.attname in row else f.get_default(), connection
                )
                for i, f in enumerate(fields)
            ]
            for row in rows
        ]
        if key is not None:
            _prepared[key] = (sql, prepared, auto)
    else:
        sql, prepared, auto = _prepared[key]
    if auto:
        moment = timezone.now()
        nows = [
            (
                i,
                f.get_db_prep_save(
                    moment if isinstance(f, models.DateTimeField) else moment.date(), connection
                ),
            )
            for i, f in auto
        ]
        params = []
        for values in prepared:
            values = values.copy()
            for i, value in nows:
                values[i] = value
            params.append(values)
    else:
        params = prepared
    with connection.cursor() as cursor:
        cursor.executemany(sql, params)


@functools.cache
def _history_model() -> type[models.Model]:
    """``OperatingModel.history.model``, read once a process: ``OperatingModel.history`` builds
    a new manager class on every access."""
    from opmodel.models import OperatingModel

    return OperatingModel.history.model


def replay(name: str) -> Any:
    """Insert world ``name``'s rows into the current test's database; return what its build
    returned (a model comes back fetched by id). A model whose slug is taken (two models of the
    same name in one test) gets the next free one, as ``operating_model_create`` would."""
    global _fingerprint_read
    from opmodel.models import OperatingModel

    if not _fingerprint_read:
        now = _current_fingerprint()
        if _fingerprint is None or (now != _fingerprint and not _follow_flush(now)):
            build_all()
        _fingerprint_read = True
    w = _WORLDS[name]
    history = _history_model()
    own = [r["slug"] for model, rows in w.rows if model is OperatingModel for r in rows]
    slugs = {slug: _unique_slug(slug) for slug in _taken_slugs(own)} if own else {}
    with transaction.atomic():  # foreign keys are checked at the end (deferred constraints)
        for model, rows in w.rows:
            if slugs and model in (OperatingModel, history):
                rows = [{**r, "slug": slugs.get(r["slug"], r["slug"])} for r in rows]
                insert_rows(model, rows)
            else:
                insert_rows(model, rows, key=(name, model))
    if isinstance(w.result, int):
        return OperatingModel.objects.get(pk=w.result)
    return w.result


def export_state() -> dict[str, Any]:
    """The built worlds as plain data (tests/template_db.py writes it for the other workers)."""
    return {
        "worlds": {
            name: {
                "rows": [[m._meta.label_lower, rows] for m, rows in w.rows],
                "result": w.result,
            }
            for name, w in _WORLDS.items()
        },
        "fingerprint": {
            m._meta.label_lower: [[list(k), pk] for k, pk in keys.items()]
            for m, keys in (_fingerprint or {}).items()
        },
        "epoch": _epoch,
    }


def import_state(state: dict[str, Any]) -> None:
    """The worlds as another process built them on the database this one's is a copy of."""
    global _fingerprint, _epoch
    for name, data in state["worlds"].items():
        w = _WORLDS[name]
        w.rows = [(apps.get_model(label), rows) for label, rows in data["rows"]]
        w.result = data["result"]
    _fingerprint = {
        apps.get_model(label): {tuple(k): pk for k, pk in keys}
        for label, keys in state["fingerprint"].items()
    }
    _epoch = state["epoch"]
    _prepared.clear()


def people(names: list[str]) -> dict[str, Any]:
    """The people world (and the team lead if asked for), as users by name."""
    replay("people")
    if "lead" in names:
        replay("lead")
    return _users(names)


# ---------- the worlds ----------


def _make_users(names: list[str]) -> None:
    for name in names:
        get_user_model().objects.create_user(
            username=name, password=PASSWORD, email=f"{name}@example.com"
        )


@world("people", keep=True)
def _people(users: dict[str, Any]) -> None:
    _make_users(PEOPLE)


@world("lead", keep=True)
def _lead(users: dict[str, Any]) -> None:
    _make_users(["lead"])


@world("quokka")
def _quokka(users: dict[str, Any]):
    from tests.conftest import add_members, build_model

    return add_members(build_model(users["facilitator"]), users)


@world("small")
def _small(users: dict[str, Any]):
    from tests.conftest import add_members, build_model

    return add_members(build_model(users["facilitator"], starter="small"), users)


@world("other")
def _other(users: dict[str, Any]):
    from tests.conftest import build_model

    return build_model(users["outsider"], starter=None, name="Elsewhere")


@world("teams")
def _teams(users: dict[str, Any]):
    from tests.teams.conftest import make_teams_model

    return make_teams_model(users)


@world("journeys")
def _journeys(users: dict[str, Any]):
    from tests.journeys.conftest import make_journeys_model

    return make_journeys_model(users)


@world("versions_small")
def _versions_small(users: dict[str, Any]):
    from tests.versions.conftest import make_versions_small_model

    return make_versions_small_model(users)
