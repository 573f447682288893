"""The README's "Use the API" curl examples, run as written against the live ASGI server."""

from __future__ import annotations

import json
import os
import re
import subprocess
from pathlib import Path

import pytest

from canvas.models import Stage
from opmodel.services.tokens import token_create
from tests.conftest import build_model

README = Path(__file__).resolve().parents[2] / "README.md"


def _commands() -> list[str]:
    text = README.read_text()
    section = text.split("## Use the API", 1)[1].split("\n## ", 1)[0]
    block = re.search(r"```sh\n(.*?)```", section, re.S).group(1)
    joined = block.replace("\\\n", " ")
    return [line.strip() for line in joined.splitlines() if line.strip().startswith("curl")]


@pytest.mark.django_db(transaction=True)
def test_the_readme_curl_examples_work(asgi_server, people):
    model = build_model(people["editor"], starter="small")
    assert model.slug == "quokka"  # the examples name it
    row = Stage.objects.filter(operating_model=model).order_by("position").first()
    _token, token = token_create(user=people["editor"], name="readme", scope="write", days=1)
    env = {**os.environ, "OPMODEL": asgi_server, "TOKEN": token, "ROW": str(row.pk)}
    commands = _commands()
    assert len(commands) == 6
    answers = []
    for command in commands:
        result = subprocess.run(
            ["bash", "-c", command + ' -w "\\n%{http_code}"'],
            env=env,
            capture_output=True,
            text=True,
            timeout=30,
            check=True,
        )
        body, status = result.stdout.rsplit("\n", 1)
        assert status in {"200", "201"}, (command, status, body)
        answers.append(json.loads(body))
    assert answers[0]["items"][0]["slug"] == "quokka"
    assert any(s["key"] == "canvas.stages" for s in answers[1]["sections"])
    assert answers[3]["fields"]["name"] == "Scale"
    assert answers[4]["fields"]["outcome"] == "An idea worth building"
    row.refresh_from_db()
    assert row.outcome == "An idea worth building"
