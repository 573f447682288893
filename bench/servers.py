"""Start the app under uvicorn in separate OS processes, and always stop them."""

from __future__ import annotations

import contextlib
import os
import resource
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from bench.db import django_env

OUT = Path(__file__).parent / "out"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def raise_open_files(wanted: int) -> int:
    """Raise this process's soft limit on open files towards ``wanted`` (children inherit it)."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    target = wanted if hard == resource.RLIM_INFINITY else min(wanted, hard)
    if soft < target:
        resource.setrlimit(resource.RLIMIT_NOFILE, (target, hard))
    return resource.getrlimit(resource.RLIMIT_NOFILE)[0]


def server_env(database_url: str, redis_url: str, prefix: str) -> dict[str, str]:
    return {
        **os.environ,
        **django_env(database_url),
        "DJANGO_SETTINGS_MODULE": "opmodel.settings",  # the app as deployed: no bench URLs
        "REDIS_URL": redis_url,
        "OPMODEL_EVENTS_PREFIX": prefix,
        "LOG_LEVEL": "WARNING",
    }


def wait_ready(server: Process, timeout: float = 30) -> None:
    """Wait until ``server`` answers the login page (it has set Django up and serves)."""
    base, process = server.base, server.process
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(
                f"uvicorn at {base} exited with {process.returncode}:\n{server.log_tail()}"
            )
        with (
            contextlib.suppress(OSError),
            urllib.request.urlopen(f"{base}/accounts/login/", timeout=2) as response,  # noqa: S310 - loopback only
        ):
            if response.status == 200:
                return
        time.sleep(0.2)
    raise RuntimeError(f"uvicorn at {base} did not answer within {timeout} s")


@dataclass
class Process:
    """One child process we started: its Popen, its base URL (if it serves HTTP), its log."""

    process: subprocess.Popen
    log: Path
    base: str = ""

    def alive(self) -> bool:
        return self.process.poll() is None

    def kill(self, sig: int = signal.SIGKILL) -> None:
        """Signal the child's whole process group (a Celery worker has children of its own)."""
        if self.alive():
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.process.pid, sig)
        with contextlib.suppress(subprocess.TimeoutExpired):
            self.process.wait(timeout=10)

    def log_tail(self, lines: int = 40) -> str:
        try:
            return "\n".join(self.log.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return ""


def spawn(argv: list[str], env: dict[str, str], log: Path, base: str = "") -> Process:
    """Start ``argv`` in its own session (so it and its children can be ended together)."""
    log.parent.mkdir(parents=True, exist_ok=True)
    with open(log, "w", encoding="utf-8") as out:
        process = subprocess.Popen(
            argv, env=env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True
        )
    return Process(process, log, base)


def start_uvicorn(env: dict[str, str], log: Path, port: int | None = None) -> Process:
    """One uvicorn process serving the app on loopback (not yet waited for: see wait_ready)."""
    port = port or free_port()
    argv = [
        sys.executable,
        "-m",
        "uvicorn",
        "opmodel.asgi:application",
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
        "--no-access-log",
        "--log-level",
        "warning",
        "--lifespan",
        "off",
        "--timeout-graceful-shutdown",
        "2",
        "--backlog",
        "4096",
    ]
    return spawn(argv, env, log, base=f"http://127.0.0.1:{port}")


def start_celery_worker(
    env: dict[str, str], log: Path, queue: str, hostname: str, concurrency: int = 1
) -> Process:
    """A Celery worker of the app, consuming ``queue`` only (so concurrent runs never mix)."""
    argv = [
        sys.executable,
        "-m",
        "celery",
        "-A",
        "opmodel",
        "worker",
        "--loglevel",
        "info",
        "--queues",
        queue,
        "--hostname",
        hostname,
        "--concurrency",
        str(concurrency),
        "--without-gossip",
        "--without-mingle",
        "--without-heartbeat",
    ]
    return spawn(argv, env, log)


def start_redis(port: int, log: Path) -> Process:
    """A private, throw-away redis-server (no persistence) that may be killed at will."""
    argv = ["redis-server", "--port", str(port), "--bind", "127.0.0.1", "--save", ""]
    argv += ["--appendonly", "no", "--daemonize", "no"]
    return spawn(argv, dict(os.environ), log)


def wait_redis(port: int, timeout: float = 10) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), 1) as s:
            s.sendall(b"PING\r\n")
            if s.recv(16).startswith(b"+PONG"):
                return
        time.sleep(0.05)
    raise RuntimeError(f"redis-server on port {port} did not answer within {timeout} s")


@contextlib.contextmanager
def uvicorn_processes(
    count: int, env: dict[str, str], name: str, log_dir: Path = OUT
) -> Iterator[list[str]]:
    """``count`` uvicorn processes on loopback ports; yields their base URLs."""
    servers: list[Process] = []
    try:
        servers += [start_uvicorn(env, log_dir / f"{name}-uvicorn-{i}.log") for i in range(count)]
        for server in servers:
            wait_ready(server, timeout=30)
        yield [server.base for server in servers]
    finally:
        stop([server.process for server in servers])


def stop(processes: list[subprocess.Popen], grace: float = 5.0) -> None:
    """SIGTERM, then SIGKILL whatever is left after ``grace`` seconds; only our own children."""
    for process in processes:
        if process.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                process.send_signal(signal.SIGTERM)
    deadline = time.monotonic() + grace
    for process in processes:
        with contextlib.suppress(subprocess.TimeoutExpired):
            process.wait(timeout=max(0.1, deadline - time.monotonic()))
        if process.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                process.kill()
            process.wait(timeout=5)
