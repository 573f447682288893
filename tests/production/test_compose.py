"""The production stack's structure: docker-compose.yml, the Dockerfile and .env.example.

Docker cannot run on the development machines, so the file is read (PyYAML, safe) and checked
for what the stack needs; tests/production/test_topology.py runs the same topology as OS
processes.
"""

from __future__ import annotations

import re
import secrets
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
COMPOSE: dict[str, Any] = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
SERVICES: dict[str, Any] = COMPOSE["services"]
DOCKERFILE = (ROOT / "Dockerfile").read_text()
ENV_EXAMPLE = (ROOT / ".env.example").read_text()


def _service(image_prefix: str) -> tuple[str, dict[str, Any]]:
    found = [
        (n, s) for n, s in SERVICES.items() if str(s.get("image", "")).startswith(image_prefix)
    ]
    assert len(found) == 1, f"one service runs {image_prefix}, found {[n for n, _ in found]}"
    return found[0]


def _command(service: dict[str, Any]) -> list[str]:
    command = service.get("command", [])
    return command.split() if isinstance(command, str) else [str(c) for c in command]


def _long_running() -> dict[str, dict[str, Any]]:
    return {n: s for n, s in SERVICES.items() if s.get("restart") != "no"}


def _app_services() -> dict[str, dict[str, Any]]:
    return {n: s for n, s in SERVICES.items() if "build" in s and s.get("restart") != "no"}


def test_postgres_and_redis_run_with_their_data_on_volumes():
    _, db = _service("postgres:")
    assert any(v.endswith(":/var/lib/postgresql/data") for v in db["volumes"])
    _, redis = _service("redis:")
    assert any(v.endswith(":/data") for v in redis["volumes"])
    named = set(COMPOSE["volumes"])
    for volume in [*db["volumes"], *redis["volumes"]]:
        assert volume.split(":")[0] in named


def test_redis_never_evicts_queued_tasks_and_keeps_them_across_restarts():
    _, redis = _service("redis:")
    command = _command(redis)
    assert command[command.index("--maxmemory-policy") + 1] == "noeviction"
    assert command[command.index("--appendonly") + 1] == "yes"  # the AOF: a broker's persistence
    assert command[command.index("--appendfsync") + 1] in {"everysec", "always"}


def test_the_web_app_runs_under_an_asgi_server_with_several_workers():
    web = SERVICES["web"]
    command = _command(web)
    assert command[:2] == ["uvicorn", "opmodel.asgi:application"]
    workers = command[command.index("--workers") + 1]
    default = re.fullmatch(r"\$\{WEB_WORKERS:-(\d+)\}", workers)
    assert default and int(default.group(1)) >= 2, workers
    assert "--proxy-headers" in command


def test_celery_workers_run_acknowledging_late():
    worker = SERVICES["worker"]
    assert _command(worker)[:4] == ["celery", "-A", "opmodel", "worker"]
    from django.conf import settings

    assert settings.CELERY_TASK_ACKS_LATE is True
    assert settings.CELERY_TASK_REJECT_ON_WORKER_LOST is True
    assert settings.CELERY_WORKER_PREFETCH_MULTIPLIER == 1
    assert settings.CELERY_BROKER_TRANSPORT_OPTIONS["visibility_timeout"] >= 300


def test_web_and_workers_wait_for_a_one_shot_migrate():
    migrate = SERVICES["migrate"]
    assert _command(migrate)[-3:] == ["manage.py", "migrate", "--noinput"]
    assert migrate["restart"] == "no"
    assert migrate["depends_on"]["db"]["condition"] == "service_healthy"
    for name in ("web", "worker"):
        depends = SERVICES[name]["depends_on"]
        assert depends["migrate"]["condition"] == "service_completed_successfully", name
        assert depends["db"]["condition"] == "service_healthy", name
        assert depends["redis"]["condition"] == "service_healthy", name


@pytest.mark.parametrize("name", sorted(_long_running()))
def test_every_long_running_service_has_a_health_check(name):
    check = SERVICES[name].get("healthcheck")
    assert check and check.get("test"), f"{name} has no health check"
    for key in ("interval", "timeout", "retries"):
        assert key in check, f"{name}'s health check has no {key}"


def test_the_web_health_check_asks_an_endpoint_that_works_behind_the_proxy(db, client, settings):
    # A check from inside the container speaks plain HTTP to 127.0.0.1: not an allowed host,
    # and redirected to HTTPS in production. /healthz/ answers before both.
    check = " ".join(SERVICES["web"]["healthcheck"]["test"])
    assert "http://127.0.0.1:8000/healthz/" in check
    settings.ALLOWED_HOSTS = ["opmodel.example.org"]
    settings.SECURE_SSL_REDIRECT = True
    response = client.get("/healthz/", HTTP_HOST="127.0.0.1:8000")
    assert response.status_code == 200, response.status_code
    assert response.content == b"ok\n"
    assert client.get("/accounts/login/", HTTP_HOST="127.0.0.1:8000").status_code == 400


def test_media_is_on_a_volume_where_the_app_writes_it():
    var_dir = re.search(r"OPMODEL_VAR_DIR=(\S+)", DOCKERFILE)
    assert var_dir, "the Dockerfile sets OPMODEL_VAR_DIR"
    media = f"{var_dir.group(1)}/media"  # settings: MEDIA_ROOT = VAR_DIR / "media"
    assert "media" in COMPOSE["volumes"]
    for name, service in _app_services().items():
        assert f"media:{media}" in service.get("volumes", []), name
    # The app runs as an unprivileged user: the mount point must exist and be its own,
    # or Docker creates it owned by root and the worker cannot write a PDF.
    assert f"mkdir -p {media}" in DOCKERFILE and "chown opmodel" in DOCKERFILE
    assert "USER opmodel" in DOCKERFILE


def test_static_files_are_collected_at_build_and_served_by_whitenoise_compressed(tmp_path):
    assert "collectstatic --noinput" in DOCKERFILE
    result = subprocess.run(
        [
            sys.executable,
            "-c",
            "import django, json; django.setup(); from django.conf import settings as s; "
            "print(json.dumps([s.MIDDLEWARE, s.STORAGES['staticfiles']['BACKEND']]))",
        ],
        env={
            "OPMODEL_ENV": "production",
            "SECRET_KEY": secrets.token_urlsafe(64),
            "DJANGO_SETTINGS_MODULE": "opmodel.settings",
            "OPMODEL_VAR_DIR": str(tmp_path),
            "PATH": "/usr/bin:/bin",
        },
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    import json

    middleware, storage = json.loads(result.stdout)
    assert "whitenoise.middleware.WhiteNoiseMiddleware" in middleware
    assert middleware.index("whitenoise.middleware.WhiteNoiseMiddleware") <= 3  # early
    assert storage == "whitenoise.storage.CompressedManifestStaticFilesStorage"


def _documented() -> set[str]:
    return set(re.findall(r"^#?\s*([A-Z][A-Z0-9_]*)=", ENV_EXAMPLE, re.MULTILINE))


def test_every_variable_the_compose_file_uses_is_documented():
    text = (ROOT / "docker-compose.yml").read_text()
    used = set(re.findall(r"(?<!\$)\$\{([A-Z][A-Z0-9_]*)", text))
    assert used, "the compose file uses variables"
    assert used <= _documented(), f"not in .env.example: {sorted(used - _documented())}"


def test_every_setting_read_from_the_environment_is_documented():
    text = (ROOT / "opmodel" / "settings.py").read_text()
    reads = r"(?:os\.environ\.get|env_bool|env_list)\(\s*\"([A-Z][A-Z0-9_]*)\""
    read = set(re.findall(reads, text))
    assert {"SECRET_KEY", "DATABASE_URL", "REDIS_URL", "ALLOWED_HOSTS"} <= read
    assert read <= _documented(), f"not in .env.example: {sorted(read - _documented())}"


def test_app_services_take_their_settings_from_the_environment():
    for name, service in [*_app_services().items(), ("migrate", SERVICES["migrate"])]:
        assert service.get("env_file") == ".env", name
        assert service["environment"]["OPMODEL_ENV"] == "production", name
