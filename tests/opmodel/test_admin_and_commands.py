from __future__ import annotations

from pathlib import Path

import pytest
from django.contrib import admin
from django.core.management import call_command
from django.urls import reverse

from canvas.models import Principle
from opmodel.demo import DEMO_PASSWORD, DEMO_USERS
from opmodel.models import OperatingModel

pytestmark = pytest.mark.django_db

# The admin pages, their saves, the demo's load and a password change read and write the
# database: ``engine``, in the PostgreSQL pass too. The commands that only print and the
# production start-up checks (their own process, with an environment that names no database)
# run the same on any engine: once, on SQLite.
engine = pytest.mark.engine


@pytest.fixture
def superuser(make_user):
    return make_user("root", is_staff=True, is_superuser=True)


@engine
@pytest.mark.parametrize(
    "model",
    [m for m in admin.site._registry if m._meta.app_label in {"opmodel", "canvas"}],
    ids=lambda m: m._meta.label,
)
def test_every_model_has_a_working_admin_with_history(model, om, superuser, client_for):
    client = client_for(superuser)
    opts = model._meta
    changelist = client.get(reverse(f"admin:{opts.app_label}_{opts.model_name}_changelist"))
    assert changelist.status_code == 200
    obj = model._default_manager.first()
    if obj is None:
        return
    change = client.get(reverse(f"admin:{opts.app_label}_{opts.model_name}_change", args=[obj.pk]))
    assert change.status_code == 200
    if hasattr(model, "history"):
        history = client.get(
            reverse(f"admin:{opts.app_label}_{opts.model_name}_history", args=[obj.pk])
        )
        assert history.status_code == 200


@engine
def test_the_operating_model_admin_offers_object_permissions(om, superuser, client_for):
    url = reverse("admin:opmodel_operatingmodel_permissions", args=[om.pk])
    assert client_for(superuser).get(url).status_code == 200


@engine
def test_an_admin_save_bumps_the_revision(om, superuser, client_for):
    principle = Principle.objects.filter(operating_model=om).first()
    url = reverse("admin:canvas_principle_change", args=[principle.pk])
    response = client_for(superuser).post(
        url,
        {
            "operating_model": om.pk,
            "position": principle.position,
            "group": principle.group,
            "name": "Renamed in admin",
            "statement": principle.statement,
            "implications": principle.implications,
        },
    )
    assert response.status_code == 302
    principle.refresh_from_db()
    assert principle.name == "Renamed in admin" and principle.revision == 2


@engine
def test_load_demo_if_empty_loads_once_with_working_logins(client_for):
    call_command("load_demo", "--if-empty")
    call_command("load_demo", "--if-empty")
    assert OperatingModel.objects.count() == 1
    from django.test import Client

    client = Client()
    for user in DEMO_USERS:
        assert client.login(username=user.username, password=DEMO_PASSWORD)


def test_make_run_prints_the_address_it_serves(capsys):
    call_command("demo_logins", "--host", "localhost", "--port", "8101")
    assert "http://localhost:8101/" in capsys.readouterr().out
    makefile = (Path(__file__).resolve().parents[2] / "Makefile").read_text()
    assert "demo_logins --host $(HOST) --port $(PORT)" in makefile


def test_demo_logins_prints_every_demo_user(capsys):
    call_command("demo_logins")
    out = capsys.readouterr().out
    assert DEMO_PASSWORD in out
    for user in DEMO_USERS:
        assert user.username in out


@engine
def test_password_change(people, client_for):
    client = client_for(people["viewer"])
    response = client.post(
        reverse("account_change_password"),
        {
            "oldpassword": "pw-123456",
            "password1": "a-much-better-secret-42",
            "password2": "a-much-better-secret-42",
        },
    )
    assert response.status_code == 302
    people["viewer"].refresh_from_db()
    assert people["viewer"].check_password("a-much-better-secret-42")


def test_production_refuses_to_start_without_a_real_secret_key():
    import subprocess
    import sys

    result = subprocess.run(
        [sys.executable, "-c", "import django; from django.conf import settings; settings.DEBUG"],
        env={
            "OPMODEL_ENV": "production",
            "DJANGO_SETTINGS_MODULE": "opmodel.settings",
            "PATH": "/usr/bin:/bin",
        },
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode != 0
    assert "Production needs a real SECRET_KEY" in result.stderr


def test_check_deploy_is_clean_in_production(tmp_path):
    import secrets
    import subprocess
    import sys

    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        env={
            "OPMODEL_ENV": "production",
            "SECRET_KEY": secrets.token_urlsafe(64),
            "ALLOWED_HOSTS": "opmodel.example.org",
            "PATH": "/usr/bin:/bin",
            "OPMODEL_VAR_DIR": str(tmp_path),
        },
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
