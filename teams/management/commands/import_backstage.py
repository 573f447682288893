from __future__ import annotations

from ._import import ImportCommand


class Command(ImportCommand):
    help = (
        "Import squads, people and ownership from a Backstage catalog (catalog-info YAML files "
        "or folders) into a model. --dry-run prints the plan and writes nothing; any problem "
        "imports nothing."
    )
    kind = "backstage"
    what = "Backstage catalog files"
