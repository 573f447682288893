"""Choice values as people write them in files ("Stream-aligned", "x-as-a-service",
"complicated subsystem") to the model's values; None when it names none of them."""

from __future__ import annotations

import re
from typing import Any

from teams.models import Area, InteractionMode, Mode, TeamType


def _key(raw: Any) -> str:
    return re.sub(r"[^a-z]+", "_", str(raw).strip().lower()).strip("_")


def _lookup(choices: Any, raw: Any, aliases: dict[str, str] | None = None) -> str | None:
    key = _key(raw)
    key = (aliases or {}).get(key, key)
    for value, label in choices.choices:
        if key in (value, _key(label)):
            return str(value)
    return None


def team_type(raw: Any) -> str | None:
    return _lookup(
        TeamType, raw, {"stream": "stream_aligned", "subsystem": "complicated_subsystem"}
    )


def mode(raw: Any) -> str | None:
    return _lookup(Mode, raw, {"optimize": "optimise"})


def interaction_mode(raw: Any) -> str | None:
    return _lookup(
        InteractionMode,
        raw,
        {
            "xaas": "x_as_a_service",
            "x_as_service": "x_as_a_service",
            "facilitation": "facilitating",
        },
    )


def area(raw: Any) -> str | None:
    return _lookup(Area, raw)


def labels(choices: Any) -> str:
    return ", ".join(str(label).lower() for _, label in choices.choices)
