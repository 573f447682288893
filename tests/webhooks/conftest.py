"""Real HTTP servers on loopback that webhooks deliver to, and what a receiver checks."""

from __future__ import annotations

import hashlib
import hmac
import json
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest


class Receiver:
    """A real HTTP server on 127.0.0.1 that records what it gets and answers from a script."""

    def __init__(
        self,
        answers: list[int] | None = None,
        delay: float = 0.0,
        delays: list[float] | None = None,
    ) -> None:
        self.answers = list(answers or [])
        self.delay = delay
        self.delays = list(delays or [])  # per request, before ``delay`` applies
        self.received: list[tuple[dict[str, str], bytes]] = []
        self.times: list[float] = []
        self.lock = threading.Lock()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers["Content-Length"]))
                with receiver.lock:
                    receiver.received.append((dict(self.headers), body))
                    receiver.times.append(time.monotonic())
                    status = receiver.answers.pop(0) if receiver.answers else 200
                    delay = receiver.delays.pop(0) if receiver.delays else receiver.delay
                time.sleep(delay)
                try:
                    self.send_response(status)
                    self.send_header("Content-Length", "0")
                    self.end_headers()
                except OSError:
                    pass  # the sender gave up waiting (a timeout under test)

            def log_message(self, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hook"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def events(self) -> list[str]:
        return [json.loads(body)["event"] for _headers, body in self.received]

    def payloads(self, event: str) -> list[dict[str, Any]]:
        return [
            json.loads(body)["data"]
            for _h, body in self.received
            if json.loads(body)["event"] == event
        ]

    def wait_for(self, count: int, timeout: float = 20.0) -> None:
        deadline = time.monotonic() + timeout
        while len(self.received) < count and time.monotonic() < deadline:
            time.sleep(0.05)

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


def signature_ok(secret: str, headers: dict[str, str], body: bytes) -> bool:
    """What a receiver checks: HMAC-SHA256 of "<timestamp>.<body>", and a recent timestamp."""
    timestamp = headers["X-Opmodel-Timestamp"]
    expected = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256)
    return (
        hmac.compare_digest(headers["X-Opmodel-Signature"], f"v1={expected.hexdigest()}")
        and abs(int(timestamp) - time.time()) < 300
    )


@pytest.fixture
def receiver() -> Iterator[Any]:
    made: list[Receiver] = []

    def make(*args: Any, **kwargs: Any) -> Receiver:
        made.append(Receiver(*args, **kwargs))
        return made[-1]

    yield make
    for r in made:
        r.close()


@pytest.fixture(autouse=True)
def _loopback_allowed(settings):
    settings.OPMODEL_WEBHOOK_ALLOW_PRIVATE = True  # the receivers are on loopback
    settings.OPMODEL_WEBHOOK_TIMEOUT = 1
