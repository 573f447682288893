"""The README's "Use the API" curl examples, run as written against the live ASGI server."""

from __future__ import annotations

import json
import os
import re
import subprocess
import time
from pathlib import Path

import pytest

from canvas.models import Stage
from opmodel.services import release_publish
from opmodel.services.tokens import token_create
from tests.conftest import build_model

README = Path(__file__).resolve().parents[2] / "README.md"


def _commands() -> list[str]:
    text = README.read_text()
    section = text.split("## Use the API", 1)[1].split("\n## ", 1)[0]
    block = re.search(r"```sh\n(.*?)```", section, re.S).group(1)
    joined = block.replace("\\\n", " ")
    return [line.strip() for line in joined.splitlines() if line.strip().startswith("curl")]


def _run(command: str, env: dict[str, str]) -> tuple[str, str]:
    result = subprocess.run(
        ["bash", "-c", command + ' -w "\\n%{http_code}"'],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    body, status = result.stdout.rsplit("\n", 1)
    return body, status


@pytest.mark.django_db(transaction=True)
def test_the_readme_curl_examples_work(asgi_server, people, tmp_path):
    model = build_model(people["editor"], starter="small")
    assert model.slug == "quokka"  # the examples name it
    release_publish(operating_model=model, actor=people["editor"], title="One")  # for the diff
    row = Stage.objects.filter(operating_model=model).order_by("position").first()
    _token, token = token_create(user=people["editor"], name="readme", scope="write", days=1)
    env = {**os.environ, "OPMODEL": asgi_server, "TOKEN": token, "ROW": str(row.pk)}
    commands = _commands()
    assert len(commands) == 13
    answers = []
    for command in commands:
        if "/file" in command:  # the PDF, once it is made (in a thread of the server)
            for _ in range(240):
                if answers[-1]["status"] in {"done", "failed"}:
                    break
                time.sleep(0.5)
                answers[-1] = json.loads(_run(commands[-2], env)[0])
            assert answers[-1]["status"] == "done", answers[-1]
            downloaded = subprocess.run(
                ["bash", "-c", f"cd {tmp_path} && {command}" + ' -w "%{http_code}"'],
                env=env, capture_output=True, text=True, timeout=60, check=True,
            )  # fmt: skip
            assert downloaded.stdout == "200", downloaded.stdout
            assert (tmp_path / "picture.pdf").read_bytes().startswith(b"%PDF")
            continue
        body, status = _run(command, env)
        assert status in {"200", "201", "202"}, (command, status, body)
        answers.append(json.loads(body))
        if "document/preview" in command:
            env["FINGERPRINT"] = answers[-1]["fingerprint"]
        if command.rstrip('"').endswith("/exports"):
            env["EXPORT"] = str(answers[-1]["id"])
    assert answers[0]["items"][0]["slug"] == "quokka"
    assert any(s["key"] == "canvas.stages" for s in answers[1]["sections"])
    assert answers[3]["fields"]["name"] == "Scale"
    assert answers[4]["fields"]["outcome"] == "An idea worth building"
    row.refresh_from_db()
    assert row.outcome == "An idea worth building"
    diff = answers[6]["diff"]
    assert {s["key"] for s in diff["sections"]} == {"canvas.stages"}  # the added and changed
    assert answers[7]["diff"]["changes"] == 0  # its own document: nothing to change
    assert answers[8]["slug"] == "quokka"
    assert answers[9]["items"] == []
    assert answers[10]["kind"] == "picture" and answers[11]["id"] == answers[10]["id"]
