"""System checks of what opmodel needs from its environment."""

from __future__ import annotations

from typing import Any

from django.core import checks


@checks.register()
def libyaml_present(app_configs: Any = None, **kwargs: Any) -> list[checks.CheckMessage]:
    """Import and export read and write YAML with libyaml (PyYAML's C extension): PyYAML's
    pure-Python parser and emitter are four to five times slower on a large model."""
    import yaml

    if getattr(yaml, "__with_libyaml__", False) and hasattr(yaml, "CSafeDumper"):
        return []
    return [
        checks.Error(
            "PyYAML is installed without libyaml: YAML import and export would be several "
            "times slower.",
            hint="Install PyYAML from a wheel (pip install --force-reinstall pyyaml), or build "
            "it with libyaml-dev present.",
            id="opmodel.E001",
        )
    ]
