"""Bringing existing organisation data into Level 2: a Backstage software catalog or Team API
files are read (``yaml.safe_load_all`` only), planned against a model without writing
(:func:`import_plan`), and applied in one transaction by ``teams.services.import_apply``."""

from __future__ import annotations

from .backstage import DEFAULT_TEAM_TYPES, backstage_read
from .plan import ImportPlan, Step, import_plan
from .records import Bundle, Origin, Problem, Source
from .team_api import team_api_read
from .yamlfiles import file_access, source_from_bytes, sources_from_paths

READERS = {"backstage": backstage_read, "team_api": team_api_read}

__all__ = [
    "READERS",
    "DEFAULT_TEAM_TYPES",
    "Bundle",
    "Origin",
    "ImportPlan",
    "Problem",
    "Source",
    "Step",
    "backstage_read",
    "file_access",
    "import_plan",
    "source_from_bytes",
    "sources_from_paths",
    "team_api_read",
]
