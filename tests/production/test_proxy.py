"""The address login throttling counts is the client's, not one the client writes.

uvicorn ran with ``--forwarded-allow-ips *``: every peer was a trusted proxy, so the leftmost
``X-Forwarded-For`` entry (the client's own text) became the address, and 40 failed logins with
40 made-up entries were never throttled. Now only ``FORWARDED_ALLOW_IPS`` (the reverse proxy)
is trusted and the client is the right-most hop that is not a trusted proxy.
"""

from __future__ import annotations

import asyncio
import re
from typing import Any

from django.conf import settings
from uvicorn.middleware.proxy_headers import ProxyHeadersMiddleware

from tests.production.test_compose import ENV_EXAMPLE, SERVICES, _command

PROXY = "10.0.0.2"  # the reverse proxy, as the app sees it
CLIENT = "203.0.113.7"  # who really connects to the proxy


def _trusted_default() -> str:
    command = _command(SERVICES["web"])
    value = command[command.index("--forwarded-allow-ips") + 1]
    default = re.fullmatch(r"\$\{FORWARDED_ALLOW_IPS:-([^}]*)\}", value)
    assert default, f"--forwarded-allow-ips must come from FORWARDED_ALLOW_IPS, not {value!r}"
    return default.group(1)


def test_the_compose_file_trusts_only_the_configured_proxy():
    assert "*" not in _trusted_default()
    documented = re.search(r"^FORWARDED_ALLOW_IPS=(\S+)", ENV_EXAMPLE, re.MULTILINE)
    assert documented and "*" not in documented.group(1)


def _client_seen(trusted: str, peer: str, forwarded_for: str) -> str:
    """The client address the app (Django's REMOTE_ADDR) gets through uvicorn's middleware."""
    seen: dict[str, Any] = {}

    async def app(scope, receive, send) -> None:
        seen["client"] = scope["client"]

    scope = {
        "type": "http",
        "client": (peer, 50000),
        "headers": [(b"x-forwarded-for", forwarded_for.encode())],
    }
    asyncio.run(ProxyHeadersMiddleware(app, trusted_hosts=trusted)(scope, None, None))
    return seen["client"][0]


def test_forty_made_up_leftmost_entries_are_one_address_to_the_throttle():
    trusted = f"{_trusted_default()},{PROXY}"  # an operator adds their proxy
    seen = {
        _client_seen(trusted, PROXY, f"198.51.100.{n}, {CLIENT}")
        for n in range(settings.LOGIN_FAILURES_PER_ADDRESS + 10)
    }
    assert seen == {CLIENT}


def test_a_client_that_is_not_the_proxy_cannot_forward_at_all():
    assert _client_seen(_trusted_default(), CLIENT, "198.51.100.1") == CLIENT
