"""Prepare the database of the processes the production tests start; print what they need.

    python -m tests.production.seed   (DATABASE_URL names the dedicated database)

Migrates (the dedicated database is a copy of the run's migrated template: nothing to do, but
a database made otherwise still works), then builds a small model with one member per role and
a live workshop through the real services, and prints one JSON object: slugs, ids, and session
cookies per role (sessions live in the database, so every web process accepts them).
"""

from __future__ import annotations

import json
import os
import sys


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "opmodel.settings")
    import django

    django.setup()
    from django.contrib.auth import get_user_model
    from django.core.management import call_command
    from django.test import Client

    from canvas.models import Stage
    from opmodel.registry import registry
    from tests.conftest import add_members, build_model
    from tests.workshops.conftest import make_workshop
    from workshops import services

    call_command("migrate", verbosity=0, interactive=False)
    users = get_user_model()
    people = {
        name: users.objects.create_user(username=name, password="pw-123456")
        for name in ("facilitator", "editor", "participant", "viewer")
    }
    model = add_members(build_model(people["facilitator"], starter="small"), people)
    workshop = make_workshop(model, people["facilitator"])
    services.attendee_add(
        workshop=workshop, actor=people["facilitator"], user=people["participant"]
    )
    stage = Stage.objects.filter(operating_model=model).order_by("position").first()
    assert stage is not None
    cookies = {}
    for name, user in people.items():
        client = Client()
        client.force_login(user)
        cookies[name] = client.cookies["sessionid"].value
    print(
        json.dumps(
            {
                "slug": model.slug,
                "workshop": workshop.pk,
                "stage": stage.pk,
                "stages_slug": registry.get("canvas.stages").slug,
                "cookies": cookies,
                "user_ids": {name: user.pk for name, user in people.items()},
            }
        )
    )


if __name__ == "__main__":
    main()
    sys.stdout.flush()
    # Let go of the database before exiting: the pool's connections closed here, not left to
    # interpreter shutdown (a seed that had printed its result once ran out of its time there).
    from django.db import connections

    for alias in connections:
        connections[alias].close()
        if hasattr(connections[alias], "close_pool"):
            connections[alias].close_pool()
