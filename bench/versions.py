"""Versions: the ``opmodel.versions`` functions (snapshots, diffs, export, import) on the demo
and the large model, as ratios to a floor measured in the same rounds.

The floor is one simple query (the operating model's name by slug, the same query as the pages'
floor view, without the request around it): the least a database read costs here. Each round
runs every case once on each model, in a shuffled order, so the floor and the cases share
whatever else the machine is doing. Writes (publishing a release, importing a document into a
new model) run inside a transaction that is rolled back: nothing is kept, no live event is sent.

    python -m bench.versions --database-url URL --out FILE [--rounds N] [--seconds S]
"""

from __future__ import annotations

import argparse
import copy
import json
import random
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from bench.db import setup_django
from bench.stats import percentile

FLOOR = "floor (1 query)"


class _Rollback(Exception):
    pass


@dataclass(frozen=True)
class Case:
    name: str
    run: Callable[[], Any]
    floor: bool = False


def document_rows_count(document: dict[str, Any]) -> int:
    """Rows in a document: every row of every section (a filled singleton counts as one)."""
    total = 0
    for content in (document.get("sections") or {}).values():
        if isinstance(content, list):
            total += len(content)
        elif content:
            total += 1
    return total


def edited(document: dict[str, Any], edits: int = 5) -> dict[str, Any]:
    """A copy of ``document`` with a few rows changed and one removed: the draft after a short
    editing session, to diff against the document it started from."""
    new = copy.deepcopy(document)
    done = 0
    for content in (new.get("sections") or {}).values():
        if not isinstance(content, list) or not content:
            continue
        for row in content[:2]:
            for name, value in row.items():
                if name != "id" and isinstance(value, str):
                    row[name] = value + " (edited)"
                    done += 1
                    break
        if done >= edits:
            content.pop()  # one row deleted as well
            break
    return new


def synced(document: dict[str, Any]) -> dict[str, Any]:
    """The "sync" import: ``document`` with a few names changed, a row added and the last row
    of the last section removed (valid for the import, unlike ``edited``'s free edits)."""
    new = copy.deepcopy(document)
    lists = [c for c in (new.get("sections") or {}).values() if isinstance(c, list) and c]
    for content in lists[:5]:
        for name in ("name", "title"):
            if isinstance(content[0].get(name), str):
                content[0][name] += " (synced)"
                break
    for content in lists:
        row = content[0]
        if set(row) <= {"id", "name", "description", "outcome"}:
            content.append({"name": "Added by the sync"})
            break
    lists[-1].pop()
    return new


def _rolled_back(write: Callable[[], Any]) -> Callable[[], Any]:
    """Run ``write`` in a transaction and roll it back; the rollback is part of the time."""
    from django.db import transaction

    def run() -> None:
        try:
            with transaction.atomic():
                write()
                raise _Rollback
        except _Rollback:
            pass

    return run


# Issue 18's targets, per case: (milliseconds per 1,000 rows, or None) and (milliseconds in
# all, or None). Cases not named here have no target beyond the regression alarm.
TARGETS: dict[str, tuple[float | None, float | None]] = {
    "snapshot_build (the draft)": (10.0, None),
    "document_export (draft)": (10.0, None),
    "snapshot_as_of (now, from history)": (50.0, None),
    "document_dump YAML": (60.0, None),
    "document_parse YAML": (100.0, None),
    "document_import into a new model (rolled back)": (350.0, None),
    "document_import into the same model, a few rows changed (sync, rolled back)": (350.0, None),
    "document_import_preview of the sync (its diff, nothing written)": (350.0, None),
    "release_publish (rolled back)": (None, 100.0),
}


def target_ms(case: str, rows: int) -> float | None:
    """The case's target in milliseconds for a model of ``rows`` rows (None: no target)."""
    per_thousand, flat = TARGETS.get(case, (None, None))
    if per_thousand is not None:
        return per_thousand * rows / 1000
    return flat


def cases(operating_model: Any, actor: Any) -> tuple[list[Case], dict[str, Any]]:
    """The cases for one model, and what is measured about it (rows, document sizes)."""
    from django.utils import timezone

    from opmodel.models import OperatingModel
    from opmodel.services import document_import, document_import_preview, release_publish
    from opmodel.versions import (
        diff_documents,
        document_dump,
        document_export,
        document_parse,
        snapshot_as_of,
        snapshot_build,
    )

    slug = operating_model.slug
    draft = snapshot_build(operating_model)
    changed = edited(draft)
    sync = synced(draft)
    yaml_text = document_dump(document_export(operating_model), "yaml")
    json_text = document_dump(document_export(operating_model), "json")
    parsed = document_parse(yaml_text)
    now = timezone.now()
    history = sum(
        section.model.history.filter(operating_model_id=operating_model.pk).count()  # type: ignore[attr-defined]
        for section in _sections()
    )

    def floor() -> Any:
        return OperatingModel.objects.filter(slug=slug).values_list("name", flat=True).first()

    found = [
        Case(FLOOR, floor, floor=True),
        Case("snapshot_build (the draft)", lambda: snapshot_build(operating_model)),
        Case("snapshot_as_of (now, from history)", lambda: snapshot_as_of(operating_model, now)),
        Case("diff_documents (draft vs a few rows edited)", lambda: diff_documents(draft, changed)),
        Case("document_export (draft)", lambda: document_export(operating_model)),
        Case("document_dump YAML", lambda: document_dump(draft, "yaml")),
        Case("document_dump JSON", lambda: document_dump(draft, "json")),
        Case("document_parse YAML", lambda: document_parse(yaml_text)),
        Case("document_parse JSON", lambda: document_parse(json_text)),
        Case(
            "document_import into a new model (rolled back)",
            _rolled_back(lambda: document_import(document=parsed, actor=actor)),
        ),
        Case(
            "document_import into the same model, a few rows changed (sync, rolled back)",
            _rolled_back(
                lambda: document_import(document=sync, actor=actor, operating_model=operating_model)
            ),
        ),
        Case(
            "document_import_preview of the sync (its diff, nothing written)",
            lambda: document_import_preview(
                document=sync, actor=actor, operating_model=operating_model
            ),
        ),
        Case(
            "release_publish (rolled back)",
            _rolled_back(
                lambda: release_publish(operating_model=operating_model, actor=actor, title="b")
            ),
        ),
    ]
    facts = {
        "rows": document_rows_count(draft),
        "history_rows": history,
        "yaml_kb": len(yaml_text.encode()) / 1024,
        "json_kb": len(json_text.encode()) / 1024,
    }
    return found, facts


def _sections() -> list[Any]:
    from opmodel.registry import registry

    return list(registry.sections())


def measure_models(
    models: list[tuple[str, Any]],
    actor: Any,
    *,
    rounds: int,
    seconds: float,
    warmup: int = 1,
    seed: int = 9,
) -> dict[str, Any]:
    """Time every case on every ``(label, operating_model)``: at most ``rounds`` rounds and
    ``seconds`` of rounds (at least one round is always finished)."""
    runs: list[tuple[str, Case]] = []
    facts: dict[str, dict[str, Any]] = {}
    for label, operating_model in models:
        found, facts[label] = cases(operating_model, actor)
        runs += [(label, case) for case in found]
    for _label, case in runs:
        for _ in range(warmup):
            case.run()

    samples: dict[int, list[float]] = {i: [] for i in range(len(runs))}
    order = list(range(len(runs)))
    rng = random.Random(seed)
    deadline = time.monotonic() + seconds
    done = 0
    while done < max(1, rounds) and (done == 0 or time.monotonic() < deadline):
        rng.shuffle(order)
        for index in order:
            started = time.perf_counter()
            runs[index][1].run()
            samples[index].append(time.perf_counter() - started)
        done += 1

    floor_runs = [i for i, (_label, case) in enumerate(runs) if case.floor]
    floor = min(percentile(samples[i], 50) for i in floor_runs)
    floor_p95 = min(percentile(samples[i], 95) for i in floor_runs)
    rows = []
    for index, (label, case) in enumerate(runs):
        median, p95 = percentile(samples[index], 50), percentile(samples[index], 95)
        rows.append(
            {
                "case": case.name,
                "model": label,
                "floor": case.floor,
                "samples": len(samples[index]),
                "median_ms": median * 1000,
                "p95_ms": p95 * 1000,
                "ratio_median": median / floor,
                "ratio_p95": p95 / floor_p95,
            }
        )
    return {
        "rounds": done,
        "warmup": warmup,
        "floor_median_ms": floor * 1000,
        "floor_p95_ms": floor_p95 * 1000,
        "models": facts,
        "rows": rows,
    }


def measure(rounds: int, seconds: float, warmup: int) -> dict[str, Any]:
    from django.contrib.auth import get_user_model
    from django.db import connection

    from bench.pages import _database_version
    from bench.prepare import LARGE_SLUG
    from opmodel.demo import DEMO_SLUG
    from opmodel.models import OperatingModel

    actor = get_user_model().objects.get(username="fiona")  # the demo's facilitator
    models = [
        (label, OperatingModel.objects.get(slug=slug))
        for label, slug in (("demo", DEMO_SLUG), ("large", LARGE_SLUG))
    ]
    result = measure_models(models, actor, rounds=rounds, seconds=seconds, warmup=warmup)
    return {
        "vendor": connection.vendor,
        "database_version": _database_version(connection),
        **result,
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--database-url", required=True)
    parser.add_argument("--out", required=True)
    parser.add_argument("--rounds", type=int, default=30)
    parser.add_argument("--seconds", type=float, default=120)
    parser.add_argument("--warmup", type=int, default=1)
    args = parser.parse_args()
    setup_django(args.database_url)
    result = measure(args.rounds, args.seconds, args.warmup)
    with open(args.out, "w", encoding="utf-8") as out:
        json.dump(result, out, indent=1)


if __name__ == "__main__":
    main()
