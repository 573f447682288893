"""Start a bench database afresh: migrate, the demo, the large model and the bench editors.

python -m bench.prepare --database-url URL [--scale 1.0]
"""

from __future__ import annotations

import argparse
import json
import time

from bench.db import reset_database, setup_django

EDITORS = 30
LARGE_SLUG = "bench-large"


def editor_name(i: int) -> str:
    return f"bench-editor-{i:02d}"


def populate(scale: float) -> dict:
    from django.contrib.auth import get_user_model
    from django.core.management import call_command

    from bench.largemodel import build_large_model
    from opmodel.demo import demo_load
    from opmodel.models import Role
    from opmodel.services import member_add, release_publish

    started = time.perf_counter()
    call_command("migrate", verbosity=0, interactive=False)
    migrated = time.perf_counter()
    demo = demo_load()
    facilitator = get_user_model().objects.get(username="fiona")
    large = build_large_model(actor=facilitator, scale=scale, slug=LARGE_SLUG)
    # A release, so "compare" has something to compare the draft with, and a live workshop for
    # the room page (the demo has both).
    release_publish(operating_model=large.operating_model, actor=facilitator, title="Bench")
    _large_workshop(large.operating_model, facilitator)
    built = time.perf_counter()
    users = get_user_model()
    for i in range(EDITORS):
        user = users.objects.create_user(username=editor_name(i), first_name=f"Editor {i}")
        for model in (demo, large.operating_model):
            member_add(operating_model=model, actor=facilitator, user=user, role=Role.EDITOR)
    return {
        "rows": large.rows,
        "history_rows": large.history_rows,
        "migrate_s": round(migrated - started, 2),
        "build_s": round(built - migrated, 2),
    }


def _large_workshop(operating_model, facilitator) -> None:
    """A workshop in the room phase on the demo workshop's sections (so the room pages of the
    two models differ in size only), with 60 notes and dots on them."""
    from django.utils import timezone

    from workshops import services
    from workshops.models import Phase

    workshop = services.workshop_create(
        operating_model=operating_model,
        actor=facilitator,
        title="Bench room",
        sections=["teams.squads", "teams.interactions", "teams.accountabilities"],
        starts_at=timezone.now(),
        vote_budget=100,
    )
    workshop = services.workshop_transition(
        workshop=workshop, actor=facilitator, to_phase=Phase.WORKSHOP
    )
    for i in range(60):
        note = services.note_add(workshop=workshop, actor=facilitator, text=f"Bench note {i}")
        if i % 2 == 0:
            services.vote_add(workshop=workshop, actor=facilitator, note=note)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--database-url", required=True)
    parser.add_argument("--scale", type=float, default=1.0)
    args = parser.parse_args()
    reset_database(args.database_url)
    setup_django(args.database_url)
    print(json.dumps(populate(args.scale)))


if __name__ == "__main__":
    main()
