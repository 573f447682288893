"""Bringing existing organisation data into Level 2: a Backstage software catalog or Team API
files are read (``yaml.safe_load_all`` only), planned against a model without writing
(:func:`import_plan`), and applied in one transaction by ``teams.services.import_apply``."""

from __future__ import annotations

from .backstage import backstage_read
from .plan import ImportPlan, Step, import_plan
from .records import Bundle, Problem, Source
from .team_api import team_api_read
from .yamlfiles import source_from_bytes, sources_from_paths

READERS = {"backstage": backstage_read, "team_api": team_api_read}

__all__ = [
    "READERS",
    "Bundle",
    "ImportPlan",
    "Problem",
    "Source",
    "Step",
    "backstage_read",
    "import_plan",
    "source_from_bytes",
    "sources_from_paths",
    "team_api_read",
]
