"""The writer of the live benchmark: a third process that changes a row through the service.

Reads commands on stdin, one per line, and answers one JSON line each:

- ``write``: update the demo's first stage through ``part_update``; answers the new revision
  and ``t_commit`` (wall clock right after COMMIT, before the event is published).
- ``ping``: a bare Redis PUBLISH on a channel the app does not use; answers ``t_publish``.
- ``quit``.

Environment: the bench's DATABASE_URL, REDIS_URL and OPMODEL_EVENTS_PREFIX.
"""

from __future__ import annotations

import json
import os
import sys
import time

from bench.db import setup_django


def main() -> None:
    setup_django(os.environ["DATABASE_URL"])
    import redis
    from django.conf import settings
    from django.contrib.auth import get_user_model
    from django.db import transaction

    from opmodel.demo import DEMO_SLUG
    from opmodel.registry import registry
    from opmodel.services import part_update

    section = registry.get("canvas.stages")
    stage = section.model._default_manager.filter(operating_model__slug=DEMO_SLUG).first()
    actor = get_user_model().objects.get(username="fiona")
    bare = redis.Redis.from_url(settings.REDIS_URL)
    floor_channel = f"{settings.OPMODEL_EVENTS_PREFIX}:bench-floor"
    for n, line in enumerate(sys.stdin, start=1):
        command = line.strip()
        if command == "quit":
            break
        if command == "ping":
            t_publish = time.time()
            bare.publish(floor_channel, json.dumps({"n": n, "t": t_publish}))
            answer = {"n": n, "t_publish": t_publish}
        elif command == "write":
            stamp: dict[str, float] = {}
            with transaction.atomic():
                # Registered first, so it runs first after COMMIT, before the publish.
                transaction.on_commit(lambda stamp=stamp: stamp.setdefault("t", time.time()))
                current = section.model._default_manager.get(pk=stage.pk)
                saved = part_update(
                    section=section,
                    part=current,
                    revision=current.revision,
                    actor=actor,
                    data={"outcome": f"Outcome written by the bench, #{n}"},
                )
            answer = {"revision": saved.revision, "t_commit": stamp["t"]}
        else:
            answer = {"error": f"unknown command {command!r}"}
        sys.stdout.write(json.dumps(answer) + "\n")
        sys.stdout.flush()


if __name__ == "__main__":
    main()
