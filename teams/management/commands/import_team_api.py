from __future__ import annotations

from ._import import ImportCommand


class Command(ImportCommand):
    help = (
        "Import squads, people and interactions from Team API files (YAML or JSON, see "
        "docs/team-api-import.md) into a model. --dry-run prints the plan and writes nothing; "
        "any problem imports nothing."
    )
    kind = "team_api"
    what = "Team API files"
