"""Start the test identity provider (tests/sso/idp.py) as a separate process on loopback."""

from __future__ import annotations

import contextlib
import json
import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

ROOT = Path(__file__).resolve().parents[2]
CLIENT_ID = "opmodel-test-client"
CLIENT_SECRET = "opmodel-test-client-secret"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextlib.contextmanager
def identity_provider(
    tmp: Path, *, redirect_uri: str, people: dict[str, dict[str, Any]]
) -> Iterator[str]:
    """Yield the provider's issuer URL (``http://127.0.0.1:<port>/o``) while it runs."""
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    key_file = tmp / "idp-key.pem"
    key_file.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "tests.sso.idp_settings",
        "IDP_DATABASE": str(tmp / "idp.sqlite3"),
        "IDP_KEY_FILE": str(key_file),
        "PYTHONPATH": str(ROOT),
    }
    spec = {
        "people": people,
        "client_id": CLIENT_ID,
        "client_secret": CLIENT_SECRET,
        "redirect_uri": redirect_uri,
    }
    subprocess.run(
        [sys.executable, "-m", "tests.sso.idp"],
        input=json.dumps(spec),
        text=True,
        env=env,
        cwd=ROOT,
        check=True,
        timeout=60,
    )
    port = _free_port()
    log = (tmp / "idp.log").open("w")
    process = subprocess.Popen(
        [sys.executable, "-m", "django", "runserver", f"127.0.0.1:{port}", "--noreload"],
        env=env,
        cwd=ROOT,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    issuer = f"http://127.0.0.1:{port}/o"
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                if httpx.get(f"{issuer}/.well-known/openid-configuration").status_code == 200:
                    break
            except httpx.TransportError:
                pass
            if process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(
                    "identity provider did not start: " + (tmp / "idp.log").read_text()
                )
            time.sleep(0.1)
        yield issuer
    finally:
        process.terminate()
        process.wait(timeout=10)
        log.close()
