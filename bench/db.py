"""The benchmark's own databases: set up Django on one, and start it afresh."""

from __future__ import annotations

import os
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import dj_database_url


def is_postgres(url: str) -> bool:
    return url.startswith(("postgres://", "postgresql://"))


def django_env(database_url: str) -> dict[str, str]:
    """Environment for a process that runs the app on ``database_url``."""
    env = {"DATABASE_URL": database_url, "DEBUG": "0", "OPMODEL_ENV": "development"}
    if is_postgres(database_url):
        # What production does under ASGI: psycopg's pool instead of a connect per request.
        env["DATABASE_POOL"] = "1"
    return env


def setup_django(database_url: str, settings: str = "bench.settings") -> None:
    os.environ.update(django_env(database_url))
    os.environ["DJANGO_SETTINGS_MODULE"] = settings
    import django

    django.setup()


def reset_database(url: str) -> None:
    """Drop and create the database ``url`` names (a PostgreSQL database or an SQLite file)."""
    if is_postgres(url):
        import psycopg
        from psycopg import sql

        name = dj_database_url.parse(url)["NAME"]
        if not name.startswith("opmodel_bench"):
            raise SystemExit(f"refusing to drop {name!r}: bench databases start with opmodel_bench")
        admin = urlunsplit(urlsplit(url)._replace(path="/postgres"))
        with psycopg.connect(admin, autocommit=True, connect_timeout=5) as conn:
            ident = sql.Identifier(name)
            conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(ident))
            conn.execute(sql.SQL("CREATE DATABASE {}").format(ident))
        return
    path = Path(dj_database_url.parse(url)["NAME"])
    path.parent.mkdir(parents=True, exist_ok=True)
    for suffix in ("", "-wal", "-shm"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)
