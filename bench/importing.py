"""Import: a synthetic Backstage catalog of 600 entities (50 team groups, 300 users each in two
teams, 250 components owned by the teams) read, planned and applied into an empty model, the
apply rolled back. About 1,150 changes: 50 squads, 600 people, 250 capabilities and 250
accountabilities. Times are medians over the rounds, with the query count of one apply.

    python -m bench.importing [--database-url URL] [--rounds N]

Without ``--database-url`` it runs on a fresh SQLite file in var/bench/; a PostgreSQL database
(named ``opmodel_bench...``) is dropped and created afresh. Both are migrated first.
"""

from __future__ import annotations

import argparse
import statistics
import time
from pathlib import Path
from typing import Any

from bench.db import is_postgres, reset_database, setup_django

ROOT = Path(__file__).resolve().parent.parent
SQLITE_URL = f"sqlite:///{ROOT / 'var' / 'bench' / 'import.sqlite3'}"
TEAMS, USERS, COMPONENTS = 50, 300, 250


class _Rollback(Exception):
    pass


def catalog() -> list[Any]:
    """The synthetic catalog as sources: one file of groups, one of users, one of components."""
    from teams.importing import Source

    groups = "\n---\n".join(
        f"apiVersion: backstage.io/v1alpha1\nkind: Group\nmetadata:\n  name: team-{i}\n"
        f"  description: Team {i} builds things\nspec:\n  type: team\n"
        f"  profile: {{displayName: Team {i}, email: team-{i}@example.com}}\n  children: []"
        for i in range(TEAMS)
    )
    users = "\n---\n".join(
        f"apiVersion: backstage.io/v1alpha1\nkind: User\nmetadata:\n  name: user-{i}\n"
        f"spec:\n  profile: {{displayName: Person {i}}}\n"
        f"  memberOf: [team-{i % TEAMS}, group:default/team-{(i + 1) % TEAMS}]"
        for i in range(USERS)
    )
    components = "\n---\n".join(
        f"apiVersion: backstage.io/v1alpha1\nkind: Component\nmetadata:\n  name: service-{i}\n"
        f"  description: Service {i}\n  tags: [engineering]\nspec:\n  type: service\n"
        f"  lifecycle: production\n  owner: team-{i % TEAMS}"
        for i in range(COMPONENTS)
    )
    return [
        Source("groups.yaml", groups),
        Source("users.yaml", users),
        Source("components.yaml", components),
    ]


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.importing")
    parser.add_argument("--database-url", default=SQLITE_URL)
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    reset_database(args.database_url)  # a PostgreSQL database must be named opmodel_bench*
    setup_django(args.database_url)
    from django.core.management import call_command
    from django.db import connection, transaction
    from django.test.utils import CaptureQueriesContext

    from opmodel.services import operating_model_create
    from teams.importing import backstage_read, import_plan
    from teams.services import import_apply

    call_command("migrate", verbosity=0)
    model = operating_model_create(actor=None, name="Import bench", organisation="Bench")
    sources = catalog()
    reads, plans, applies, queries, changes = [], [], [], 0, 0
    for _ in range(args.rounds):
        started = time.perf_counter()
        bundle = backstage_read(sources)
        reads.append(time.perf_counter() - started)
        started = time.perf_counter()
        plan = import_plan(model, bundle)
        plans.append(time.perf_counter() - started)
        assert plan.ok, plan.problems[:3]
        changes = len(plan.steps)
        try:
            with transaction.atomic(), CaptureQueriesContext(connection) as captured:
                started = time.perf_counter()
                import_apply(operating_model=model, bundle=bundle, actor=None)
                applies.append(time.perf_counter() - started)
                queries = len(captured)
                raise _Rollback
        except _Rollback:
            pass
    engine = "PostgreSQL" if is_postgres(args.database_url) else "SQLite"
    print(
        f"import bench on {engine}: {TEAMS + USERS + COMPONENTS} entities, {changes} changes, "
        f"{args.rounds} rounds (medians)\n"
        f"  read:  {statistics.median(reads) * 1000:.0f} ms\n"
        f"  plan:  {statistics.median(plans) * 1000:.0f} ms\n"
        f"  apply: {statistics.median(applies) * 1000:.0f} ms (plan again inside, "
        f"{queries} queries, rolled back)"
    )


if __name__ == "__main__":
    main()
