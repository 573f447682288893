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


def _wait_ready(base: str, process: subprocess.Popen, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"uvicorn at {base} exited with {process.returncode}")
        with (
            contextlib.suppress(OSError),
            urllib.request.urlopen(f"{base}/accounts/login/", timeout=2) as response,  # noqa: S310 - loopback only
        ):
            if response.status == 200:
                return
        time.sleep(0.2)
    raise RuntimeError(f"uvicorn at {base} did not answer within {timeout} s")


@contextlib.contextmanager
def uvicorn_processes(count: int, env: dict[str, str], name: str) -> Iterator[list[str]]:
    """``count`` uvicorn processes on loopback ports; yields their base URLs."""
    OUT.mkdir(exist_ok=True)
    processes: list[subprocess.Popen] = []
    logs = []
    try:
        bases = []
        for i in range(count):
            port = free_port()
            log = open(OUT / f"{name}-uvicorn-{i}.log", "w", encoding="utf-8")  # noqa: SIM115
            logs.append(log)
            process = subprocess.Popen(
                [
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
                ],
                env=env,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
            processes.append(process)
            bases.append(f"http://127.0.0.1:{port}")
        for base, process in zip(bases, processes, strict=True):
            _wait_ready(base, process, timeout=30)
        yield bases
    finally:
        stop(processes)
        for log in logs:
            log.close()


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
