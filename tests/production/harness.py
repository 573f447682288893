"""The production tests' harness: the app as separate OS processes on a database of their own.

Process starting is shared with the benchmarks (bench/servers.py). Here: a dedicated PostgreSQL
database per test module (named after pytest-django's test database, so parallel xdist workers
never collide), its seed, live-stream clients, and a TCP proxy that can cut the database away.
"""

from __future__ import annotations

import contextlib
import json
import os
import queue
import secrets
import select
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import httpx

from bench.servers import Process, server_env, start_uvicorn, stop, wait_ready

ROOT = Path(__file__).resolve().parents[2]
# One folder per xdist worker: two workers never write one log.
LOG_DIR = ROOT / "var" / "test-logs" / os.environ.get("PYTEST_XDIST_WORKER", "main")


# ---------- the dedicated database ----------


def _admin_url(url: str) -> str:
    return urlunsplit(urlsplit(url)._replace(path="/postgres"))


def with_database(url: str, name: str) -> str:
    return urlunsplit(urlsplit(url)._replace(path=f"/{name}"))


def with_port(url: str, host: str, port: int) -> str:
    parts = urlsplit(url)
    auth = parts.netloc.rsplit("@", 1)[0] + "@" if "@" in parts.netloc else ""
    return urlunsplit(parts._replace(netloc=f"{auth}{host}:{port}"))


def drop_database(url: str, name: str) -> None:
    import psycopg
    from psycopg import sql

    with psycopg.connect(_admin_url(url), autocommit=True, connect_timeout=5) as conn:
        conn.execute(
            sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
        )


def app_env(database_url: str, redis_url: str, prefix: str, media: Path) -> dict[str, str]:
    """Environment of every process of one stack: the app as deployed, on its own channels."""
    env = server_env(database_url, redis_url, prefix)
    env.update(
        {
            "PYTHONPATH": str(ROOT),
            "OPMODEL_SSE_HEARTBEAT_SECONDS": "0.5",  # streams notice closed clients quickly
            "CELERY_QUEUE": prefix,  # this stack's tasks only
            "MEDIA_ROOT": str(media),  # shared by web processes and workers, as a volume is
            "DATABASE_POOL_TIMEOUT": "3",
        }
    )
    env.pop("CI", None)
    return env


def seed(env: dict[str, str]) -> dict[str, Any]:
    """Migrate the dedicated database and build the people, model and workshop."""
    result = subprocess.run(
        [sys.executable, "-m", "tests.production.seed"],
        env={**env, "DJANGO_SETTINGS_MODULE": "opmodel.settings"},
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,  # a wait: on a loaded machine (both passes at once) 120 s ran out
        check=False,
    )
    if result.returncode != 0:
        raise RuntimeError(f"seeding failed:\n{result.stdout}\n{result.stderr}")
    return json.loads(result.stdout.strip().splitlines()[-1])


@dataclass
class Stack:
    """The processes of one test module, and the data they serve."""

    env: dict[str, str]
    data: dict[str, Any]
    web: list[Process] = field(default_factory=list)
    workers: list[Process] = field(default_factory=list)

    @property
    def slug(self) -> str:
        return self.data["slug"]

    @property
    def workshop(self) -> int:
        return self.data["workshop"]

    def client(self, role: str, server: Process, htmx: bool = True) -> httpx.Client:
        """A browser of ``role`` talking to ``server``, with a valid CSRF cookie and header."""
        csrf = secrets.token_hex(16)  # 32 characters: a valid unmasked CSRF secret
        headers = {"X-CSRFToken": csrf}
        if htmx:
            headers["HX-Request"] = "true"
        return httpx.Client(
            base_url=server.base,
            cookies={"sessionid": self.data["cookies"][role], "csrftoken": csrf},
            headers=headers,
            timeout=10,
        )

    def model_events(self) -> str:
        return f"/m/{self.slug}/events/"

    def room_events(self) -> str:
        return f"/m/{self.slug}/workshops/{self.workshop}/events/"

    def stop(self) -> None:
        stop([p.process for p in [*self.web, *self.workers]])


def start_web(env: dict[str, str], count: int, name: str) -> list[Process]:
    servers = [start_uvicorn(env, LOG_DIR / f"{name}-web-{i}.log") for i in range(count)]
    try:
        for server in servers:
            wait_ready(server, timeout=60)
    except BaseException:
        stop([s.process for s in servers])
        raise
    return servers


# ---------- live-stream clients ----------


class Stream:
    """An SSE client in a thread, as a browser's EventSource (without its reconnects)."""

    def __init__(self, base: str, path: str, cookie: str, timeout: float = 10) -> None:
        self.events: queue.Queue[tuple[str, Any]] = queue.Queue()
        self.status: int | None = None
        self.ended = threading.Event()
        self.retry_ms: int | None = None
        self._stop = threading.Event()
        self._opened = threading.Event()
        self._thread = threading.Thread(target=self._run, args=(base + path, cookie), daemon=True)
        self._thread.start()
        if not self._opened.wait(timeout):
            raise AssertionError(f"{path} did not answer within {timeout} s")

    def _run(self, url: str, cookie: str) -> None:
        try:
            with (
                httpx.Client(
                    cookies={"sessionid": cookie}, timeout=httpx.Timeout(10, read=30)
                ) as c,
                c.stream("GET", url) as response,
            ):
                self.status = response.status_code
                self._opened.set()
                name = "message"
                for line in response.iter_lines():
                    if self._stop.is_set():
                        return
                    if line.startswith("retry: "):
                        self.retry_ms = int(line[7:])
                    elif line.startswith("event: "):
                        name = line[7:]
                    elif line.startswith("data: "):
                        self.events.put((name, json.loads(line[6:])))
        except httpx.HTTPError as error:
            self.events.put(("error", repr(error)))
        finally:
            self._opened.set()
            self.ended.set()

    def wait_for(
        self, name: str, test: Callable[[Any], bool] = lambda d: True, timeout: float = 10
    ) -> Any:
        deadline = time.monotonic() + timeout
        seen = []
        while time.monotonic() < deadline:
            try:
                got, data = self.events.get(timeout=0.1)
            except queue.Empty:
                if self.ended.is_set() and self.events.empty():
                    break
                continue
            seen.append(got)
            if got == name and test(data):
                return data
        raise AssertionError(f"no matching {name!r} event within {timeout} s; saw {seen}")

    def close(self) -> None:
        self._stop.set()
        self._thread.join(timeout=5)


@contextlib.contextmanager
def stream(base: str, path: str, cookie: str) -> Iterator[Stream]:
    s = Stream(base, path, cookie)
    try:
        yield s
    finally:
        s.close()


def wait_until(
    condition: Callable[[], bool], timeout: float, what: str, step: float = 0.05
) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(step)
    raise AssertionError(f"not within {timeout} s: {what}")


# ---------- a TCP proxy the test can cut ----------


class CuttableProxy:
    """Forwards a loopback port to ``target``; ``cut()`` drops every connection and refuses new
    ones (as a network partition or a restarting server does), ``restore()`` lets them in again.
    """

    def __init__(self, target: tuple[str, int]) -> None:
        self.target = target
        self._listener = socket.create_server(("127.0.0.1", 0))
        self._listener.settimeout(0.2)
        self.port = self._listener.getsockname()[1]
        self._lock = threading.Lock()
        self._pairs: list[tuple[socket.socket, socket.socket]] = []
        self._open = True
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._accept, daemon=True)
        self._thread.start()

    def _accept(self) -> None:
        while not self._stop.is_set():
            try:
                client, _ = self._listener.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            if not self._open:
                client.close()  # refused: the client sees the server go away at once
                continue
            try:
                upstream = socket.create_connection(self.target, timeout=5)
            except OSError:
                client.close()
                continue
            with self._lock:
                self._pairs.append((client, upstream))
            threading.Thread(target=self._pump, args=(client, upstream), daemon=True).start()

    def _pump(self, a: socket.socket, b: socket.socket) -> None:
        sockets = [a, b]
        try:
            while not self._stop.is_set():
                readable, _, _ = select.select(sockets, [], [], 0.2)
                for s in readable:
                    data = s.recv(65536)
                    if not data:
                        return
                    (b if s is a else a).sendall(data)
        except OSError:
            return
        finally:
            for s in sockets:
                with contextlib.suppress(OSError):
                    s.close()
            with self._lock, contextlib.suppress(ValueError):
                self._pairs.remove((a, b))

    def cut(self) -> None:
        self._open = False
        with self._lock:
            pairs = list(self._pairs)
        for pair in pairs:
            for s in pair:
                with contextlib.suppress(OSError):
                    s.shutdown(socket.SHUT_RDWR)
                    s.close()

    def restore(self) -> None:
        self._open = True

    def close(self) -> None:
        self.cut()
        self._stop.set()
        self._listener.close()
        self._thread.join(timeout=5)


def django_test_database_name() -> str:
    from django.db import connection

    return str(connection.settings_dict["NAME"])


def pid_tag() -> str:
    return f"{os.getpid()}-{secrets.token_hex(3)}"
