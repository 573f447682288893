"""``make bench``: every benchmark step in its own process, then one table in bench/RESULTS.md.

    python -m bench [--quick] [--only prepare,pages,versions,api,pdf,live,load,room]
                    [--pg URL] [--redis URL]

Steps: prepare both databases (SQLite file, PostgreSQL), pages, versions and the API on each,
live and load (with the large model's pages read meanwhile) on PostgreSQL + Redis; room (100
participants and 300 watchers) on a PostgreSQL database of its own next to --pg, so it runs
without the prepare step. Every step has a time budget and a hard timeout; results are ratios
to a floor measured in the same run, because the machine is shared and noisy. A full run
rewrites bench/RESULTS.md and keeps the sections no step makes (written by hand).
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from bench import report
from bench.db import setup_django

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "bench" / "out"
SQLITE_URL = f"sqlite:///{ROOT / 'var' / 'bench' / 'bench.sqlite3'}"
PG_URL = "postgres://postgres@127.0.0.1:5432/opmodel_bench_run"
STEPS = ["prepare", "pages", "versions", "api", "pdf", "live", "load", "room"]


def _run(name: str, args: list[str], timeout: float) -> None:
    print(f"== {name}", flush=True)
    started = time.monotonic()
    # The child is always ended: subprocess.run kills it when the timeout passes.
    subprocess.run([sys.executable, "-m", *args], cwd=ROOT, check=True, timeout=timeout)
    print(f"   {time.monotonic() - started:.0f} s", flush=True)


@dataclass(frozen=True)
class Run:
    """What every step of one ``make bench`` run is given."""

    args: argparse.Namespace
    prefix: str  # Redis is shared: never another run's channels
    databases: dict[str, str]

    @property
    def quick(self) -> bool:
        return bool(self.args.quick)


def _prepare(run: Run) -> None:
    for label, url in run.databases.items():
        _run(f"prepare {label}", ["bench.prepare", "--database-url", url], timeout=300)


def _pages(run: Run) -> None:
    for label, url in run.databases.items():
        rounds, seconds = ("20", "40") if run.quick else ("100", "120")
        _run(
            f"pages on {label}",
            ["bench.pages", "--database-url", url, "--out", str(OUT / f"pages-{label}.json")]
            + ["--rounds", rounds, "--seconds", seconds],
            timeout=float(seconds) + 240,
        )


def _versions(run: Run) -> None:
    for label, url in run.databases.items():
        rounds, seconds = ("5", "60") if run.quick else ("30", "150")
        _run(
            f"versions on {label}",
            ["bench.versions", "--database-url", url]
            + ["--out", str(OUT / f"versions-{label}.json")]
            + ["--rounds", rounds, "--seconds", seconds],
            timeout=float(seconds) + 240,
        )


def _api(run: Run) -> None:
    for label, url in run.databases.items():
        _run(
            f"api on {label}",
            ["bench.api", "--database-url", url, "--out", str(OUT / f"api-{label}.json")]
            + ["--rounds", "20" if run.quick else "60"],
            timeout=300,
        )


def _pdf(run: Run) -> None:
    # Rendering reads one document and lays it out: the database barely matters, so SQLite.
    _run(
        "pdf on sqlite",
        ["bench.pdf", "--database-url", SQLITE_URL, "--out", str(OUT / "pdf.json")]
        + ["--rounds", "1" if run.quick else "3"],
        timeout=900,
    )


def _live(run: Run) -> None:
    clients, writes = ("10,100", "10") if run.quick else ("10,100,500", "30")
    _run(
        "live on postgresql + redis",
        ["bench.live", "--database-url", run.args.pg, "--redis-url", run.args.redis]
        + ["--prefix", run.prefix, "--out", str(OUT / "live.json")]
        + ["--clients", clients, "--writes", writes, "--seconds", "150"],
        timeout=300,
    )


def _load(run: Run) -> None:
    seconds = "10" if run.quick else "30"
    _run(
        "load on postgresql + redis",
        ["bench.load", "--database-url", run.args.pg, "--redis-url", run.args.redis]
        + ["--prefix", run.prefix, "--out", str(OUT / "load.json"), "--seconds", seconds],
        timeout=float(seconds) + 120,
    )


def _room(run: Run) -> None:
    seconds = "15" if run.quick else "60"
    room_db = urlunsplit(urlsplit(run.args.pg)._replace(path="/opmodel_bench_room"))
    _run(
        "room: 100 participants + 300 watchers on postgresql + redis",
        ["bench.room", "--database-url", room_db, "--redis-url", run.args.redis]
        + ["--prefix", run.prefix, "--out", str(OUT / "room.json"), "--seconds", seconds],
        timeout=float(seconds) + 180,
    )


# Each step in the order STEPS names them.
STEP_RUNS: dict[str, Callable[[Run], None]] = {
    "prepare": _prepare,
    "pages": _pages,
    "versions": _versions,
    "api": _api,
    "pdf": _pdf,
    "live": _live,
    "load": _load,
    "room": _room,
}
RESULT_FILES = [
    "pages-sqlite",
    "pages-postgresql",
    "versions-sqlite",
    "versions-postgresql",
    "api-sqlite",
    "api-postgresql",
    "pdf",
    "live",
    "load",
    "room",
]


def _parse() -> tuple[argparse.Namespace, set[str]]:
    parser = argparse.ArgumentParser(prog="python -m bench")
    parser.add_argument("--quick", action="store_true", help="fewer rounds, clients and seconds")
    parser.add_argument("--only", default=",".join(STEPS), help=f"subset of {','.join(STEPS)}")
    parser.add_argument("--pg", default=os.environ.get("BENCH_POSTGRES_URL", PG_URL))
    parser.add_argument(
        "--redis", default=os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/0")
    )
    parser.add_argument(
        "--prefix", default=os.environ.get("OPMODEL_EVENTS_PREFIX", "opmodel-bench")
    )
    args = parser.parse_args()
    only = set(args.only.split(","))
    unknown = only - set(STEPS)
    if unknown:
        parser.error(f"unknown steps: {', '.join(sorted(unknown))}")
    return args, only


def _results(began: float) -> dict[str, Any]:
    """The steps' result files written by this run (older ones are another run's)."""
    results = {}
    for name in RESULT_FILES:
        path = OUT / f"{name}.json"
        if path.exists() and path.stat().st_mtime >= time.time() - (time.monotonic() - began):
            results[name] = json.loads(path.read_text(encoding="utf-8"))
    return results


# The steps whose sections a subset run splices into bench/RESULTS.md, and those sections.
SECTIONS = {"pages": "Pages", "versions": "Versions", "api": "API"}


def _splice(text: str, only: set[str]) -> None:
    """A (not quick) subset that measured pages, versions or the API replaces those sections
    of bench/RESULTS.md, saying so in its header."""
    committed = ROOT / "bench" / "RESULTS.md"
    when = time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime())
    steps = ",".join(s for s in STEPS if s in only)
    note = (
        f"re-measured by `make bench ONLY={steps}` on {when} at commit "
        f"`{report._git('rev-parse', '--short', 'HEAD')}`: "
        + ", ".join(SECTIONS[s] for s in SECTIONS if s in only)
        + " (the other sections are from the full run above); load average "
        + "{:.1f} / {:.1f} (1 / 5 min) at its end".format(*os.getloadavg()[:2])
    )
    committed.write_text(
        report.splice(committed.read_text(encoding="utf-8"), text, note=note),
        encoding="utf-8",
    )
    print(f"spliced into {committed.relative_to(ROOT)}")


def main() -> None:
    args, only = _parse()
    OUT.mkdir(parents=True, exist_ok=True)
    run = Run(
        args=args,
        prefix=f"{args.prefix}-{os.getpid()}",
        databases={"sqlite": SQLITE_URL, "postgresql": args.pg},
    )
    quick = args.quick
    began = time.monotonic()
    for step in STEPS:
        if step in only:
            STEP_RUNS[step](run)

    results = _results(began)
    setup_django(SQLITE_URL)  # the report reads the registry (planned measurements)
    text = report.render(results, quick=quick, elapsed=time.monotonic() - began, args=args)
    full = not quick and only == set(STEPS)
    # Only a full run replaces the committed results; a subset goes to bench/out/, and a
    # (not quick) subset that measured pages, versions or the API also replaces those sections
    # of bench/RESULTS.md, saying so in its header.
    target = ROOT / "bench" / ("RESULTS.md" if full else "out/RESULTS-partial.md")
    committed = ROOT / "bench" / "RESULTS.md"
    if full and committed.exists():
        text = report.keep_written_by_hand(committed.read_text(encoding="utf-8"), text)
    target.write_text(text, encoding="utf-8")
    print(text)
    print(f"written to {target.relative_to(ROOT)}")
    if not full and not quick and only & set(SECTIONS):
        _splice(text, only)


if __name__ == "__main__":
    main()
