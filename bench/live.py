"""Live: propagation latency from a committed write to N SSE clients, across two uvicorn
processes, through Redis, on PostgreSQL; as a ratio to a bare Redis publish -> subscribe
measured in the same run.

Topology (all on loopback): two uvicorn processes serve the app; N streaming clients (raw
asyncio sockets, half on each process) follow the demo model's event stream; a third process
(``bench.live_writer``) changes a row through the real service and reports when it committed.
Each client notes when the event arrived; latency = arrival - commit, per client.

    python -m bench.live --database-url URL --redis-url URL --out FILE [--clients 10,100,500]
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import sys
import time
from collections import defaultdict
from typing import Any

from bench.db import setup_django
from bench.servers import raise_open_files, server_env, uvicorn_processes
from bench.stats import summary

TARGET_P95_MS = 250.0


class SseClient(asyncio.Protocol):
    """An SSE client with as little work as possible per event, so hundreds fit in one event
    loop. ``ready`` resolves on the first event (the server's "hello": subscribed); every later
    event's data goes to ``on_event`` with its arrival time. ``dropped`` is called when the
    connection ends."""

    def __init__(self, request: bytes) -> None:
        self.request = request
        self.buffer = b""
        self.status = b""
        self.ready = asyncio.get_running_loop().create_future()
        self.transport: asyncio.Transport | None = None

    def on_event(self, data: dict[str, Any], now: float) -> None:
        raise NotImplementedError

    def dropped(self) -> None:
        raise NotImplementedError

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = transport  # type: ignore[assignment]
        self.transport.write(self.request)

    def data_received(self, data: bytes) -> None:
        now = time.time()
        self.buffer += data
        if not self.status:
            self.status = self.buffer.split(b"\r\n", 1)[0]
            if b" 200 " not in self.status and not self.ready.done():
                self.ready.set_exception(RuntimeError(self.status.decode(errors="replace")))
        *lines, self.buffer = self.buffer.split(b"\n")
        for line in lines:
            if not line.startswith(b"data: "):
                continue  # event names, comments, chunk framing
            if not self.ready.done():
                self.ready.set_result(True)  # the "hello" event: subscribed
                continue
            self.on_event(json.loads(line[6:]), now)

    def connection_lost(self, exc: Exception | None) -> None:
        self.dropped()
        if not self.ready.done():
            self.ready.set_exception(RuntimeError(f"connection lost: {exc}"))


class StreamClient(SseClient):
    """One client of the model's stream: notes when each revision arrives."""

    def __init__(self, request: bytes, hub: Hub) -> None:
        super().__init__(request)
        self.hub = hub

    def on_event(self, data: dict[str, Any], now: float) -> None:
        self.hub.arrived(data.get("revision"), now)

    def dropped(self) -> None:
        self.hub.dropped += 1


class Hub:
    """Arrival times of each revision, and a way to wait until all clients have it."""

    def __init__(self) -> None:
        self.arrivals: dict[Any, list[float]] = defaultdict(list)
        self.waiting: tuple[Any, int, asyncio.Future] | None = None
        self.dropped = 0

    def arrived(self, revision: Any, when: float) -> None:
        got = self.arrivals[revision]
        got.append(when)
        waiting = self.waiting
        if waiting and waiting[0] == revision and len(got) >= waiting[1] and not waiting[2].done():
            waiting[2].set_result(True)

    async def wait_for(self, revision: Any, count: int, timeout: float) -> bool:
        if len(self.arrivals[revision]) >= count:
            return True
        future = asyncio.get_running_loop().create_future()
        self.waiting = (revision, count, future)
        try:
            await asyncio.wait_for(future, timeout)
            return True
        except TimeoutError:
            return False
        finally:
            self.waiting = None


class Writer:
    """The third process, spoken to over its stdin/stdout."""

    def __init__(self, env: dict[str, str]) -> None:
        self.env = env
        self.process: asyncio.subprocess.Process | None = None

    async def start(self) -> None:
        self.process = await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            "bench.live_writer",
            env=self.env,
            stdin=asyncio.subprocess.PIPE,
            stdout=asyncio.subprocess.PIPE,
        )

    async def ask(self, command: str, timeout: float = 10) -> dict[str, Any]:
        if self.process is None or self.process.stdin is None or self.process.stdout is None:
            raise RuntimeError("the writer process is not running")
        self.process.stdin.write(command.encode() + b"\n")
        await self.process.stdin.drain()
        line = await asyncio.wait_for(self.process.stdout.readline(), timeout)
        if not line:
            raise RuntimeError("the writer process ended")
        return json.loads(line)

    async def stop(self) -> None:
        if self.process is None or self.process.returncode is not None:
            return
        with contextlib.suppress(Exception):
            await self.ask("quit", timeout=2)
        with contextlib.suppress(ProcessLookupError):
            self.process.terminate()
        try:
            await asyncio.wait_for(self.process.wait(), 5)
        except TimeoutError:
            self.process.kill()
            await self.process.wait()


async def _floor_listener(redis_url: str, channel: str, arrivals: dict[int, float]) -> None:
    import redis.asyncio as aioredis

    client = aioredis.Redis.from_url(redis_url)
    pubsub = client.pubsub()
    try:
        await pubsub.subscribe(channel)
        while True:
            message = await pubsub.get_message(ignore_subscribe_messages=True, timeout=1.0)
            if message is not None:
                arrivals[json.loads(message["data"])["n"]] = time.time()
    finally:
        await pubsub.aclose()
        await client.aclose()


async def _connect(
    bases: list[str], start: int, count: int, path: str, cookie: str, hub: Hub
) -> tuple[list[StreamClient], float]:
    """Open ``count`` more streams, alternating between the servers, 50 at a time."""
    loop = asyncio.get_running_loop()
    gate = asyncio.Semaphore(50)
    began = time.perf_counter()

    async def one(i: int) -> StreamClient:
        host, port = bases[i % len(bases)].removeprefix("http://").split(":")
        request = (
            f"GET {path} HTTP/1.1\r\nHost: {host}:{port}\r\nAccept: text/event-stream\r\n"
            f"Cookie: sessionid={cookie}\r\n\r\n"
        ).encode()
        async with gate:
            _transport, client = await asyncio.wait_for(
                loop.create_connection(lambda: StreamClient(request, hub), host, int(port)), 10
            )
            await asyncio.wait_for(client.ready, 15)
            return client

    clients = await asyncio.gather(*(one(i) for i in range(start, start + count)))
    return list(clients), time.perf_counter() - began


async def run(args: argparse.Namespace, cookie: str, slug: str) -> dict[str, Any]:
    prefix = args.prefix
    env = server_env(args.database_url, args.redis_url, prefix)
    hub = Hub()
    clients: list[StreamClient] = []
    floor_arrivals: dict[int, float] = {}
    results: list[dict[str, Any]] = []
    writer = Writer(env)
    listener = asyncio.create_task(
        _floor_listener(args.redis_url, f"{prefix}:bench-floor", floor_arrivals)
    )
    deadline = time.monotonic() + args.seconds
    try:
        with uvicorn_processes(2, env, "live") as bases:
            await writer.start()
            await writer.ask("ping")  # the writer is up (Django set up, Redis reached)
            await asyncio.sleep(0.5)  # the floor listener has subscribed
            for target in args.clients:
                if time.monotonic() > deadline:
                    results.append({"clients": target, "skipped": "time budget spent"})
                    continue
                more, connect_s = await _connect(
                    bases, len(clients), target - len(clients), f"/m/{slug}/events/", cookie, hub
                )
                clients += more
                await asyncio.sleep(0.5)
                latencies: list[float] = []
                floor: list[float] = []
                missing = writes = 0
                for _ in range(args.writes):
                    if time.monotonic() > deadline:
                        break
                    for _ in range(3):  # three bare round trips per write: a steadier floor
                        ping = await writer.ask("ping")
                        for _ in range(100):  # at most 1 s
                            if ping["n"] in floor_arrivals:
                                floor.append(floor_arrivals[ping["n"]] - ping["t_publish"])
                                break
                            await asyncio.sleep(0.01)
                    wrote = await writer.ask("write")
                    writes += 1
                    revision = wrote["revision"]
                    await hub.wait_for(revision, len(clients), timeout=5)
                    got = hub.arrivals.pop(revision, [])
                    missing += len(clients) - len(got)
                    latencies += [when - wrote["t_commit"] for when in got]
                    await asyncio.sleep(0.05)
                live, bare = summary(latencies), summary(floor)
                results.append(
                    {
                        "clients": len(clients),
                        "servers": len(bases),
                        "connect_s": connect_s,
                        "writes": writes,
                        "missing": missing,
                        "dropped_connections": hub.dropped,
                        "live": live,
                        "floor": bare,
                        "ratio_p50": live["p50_ms"] / bare["p50_ms"],
                        "ratio_p95": live["p95_ms"] / bare["p95_ms"],
                        "target_p95_ms": TARGET_P95_MS,
                    }
                )
            for client in clients:
                if client.transport is not None:
                    client.transport.close()
            await writer.stop()
    finally:
        listener.cancel()
        with contextlib.suppress(asyncio.CancelledError, Exception):
            await listener
        await writer.stop()
        for client in clients:
            if client.transport is not None:
                client.transport.close()
    return {"prefix": prefix, "results": results}


def _session_cookie() -> tuple[str, str]:
    from django.contrib.auth import get_user_model
    from django.test import Client

    from opmodel.demo import DEMO_SLUG

    client = Client()
    client.force_login(get_user_model().objects.get(username="vera"))  # a viewer watches
    return client.cookies["sessionid"].value, DEMO_SLUG


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--database-url", required=True)
    parser.add_argument("--redis-url", default="redis://127.0.0.1:6379/0")
    parser.add_argument("--prefix", default=f"opmodel-bench-{os.getpid()}")
    parser.add_argument("--out", required=True)
    parser.add_argument("--clients", default="10,100,500")
    parser.add_argument("--writes", type=int, default=30)
    parser.add_argument("--seconds", type=float, default=150, help="time budget for all N")
    args = parser.parse_args()
    args.clients = sorted(int(n) for n in args.clients.split(","))
    limit = raise_open_files(max(args.clients) * 4 + 256)
    setup_django(args.database_url)
    cookie, slug = _session_cookie()
    result = asyncio.run(run(args, cookie, slug))
    result["open_files_limit"] = limit
    with open(args.out, "w", encoding="utf-8") as out:
        json.dump(result, out, indent=1)


if __name__ == "__main__":
    main()
