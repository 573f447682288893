"""PDF exports: render time and peak memory of the picture on a page and the handbook, for the
demo and the large model (with a large Level 2: 60 squads, 300 capabilities), as ratios to
WeasyPrint rendering a minimal one-page document in the same run.

Every render runs in its own process (``--child``), because WeasyPrint keeps the whole
document in memory and a process's peak RSS (``ru_maxrss``) only grows: each measurement starts
from a fresh interpreter with Django loaded. The child publishes a release of the model and
renders that release, inside a transaction that is rolled back, so nothing is kept. Cases run
in a shuffled order, ``--rounds`` times each; medians are reported.

    python -m bench.pdf --database-url URL --out FILE [--rounds N] [--untagged]

``--untagged``: the same renders without the PDF/UA tags (what tagging costs, issue 20).

The handbook is laid out in forked worker processes (``opmodel.exports.parts``): its CPU time
is this process's and its workers' together (``own_cpu_s``, ``workers_cpu_s``), its peak RSS
the largest process's (``own_peak_rss_mb``, ``workers_peak_rss_mb``), and ``total_peak_mb``
the most all of them held at once (their proportional set sizes, sampled every 100 ms; the
sampling's own CPU time is not counted).
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import random
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from bench.db import django_env, setup_django

ROOT = Path(__file__).resolve().parent.parent
FLOOR = "floor: a one-page document"
CASES = [(label, kind) for label in ("demo", "large") for kind in ("picture", "handbook")]
MINIMAL = "<!doctype html><html><body><h1>One page</h1><p>The least a PDF costs.</p></body></html>"


def _peak_kb() -> int:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss  # KiB on Linux


def _children() -> tuple[float, int]:
    """CPU seconds and the largest peak RSS (KiB) of this process's ended children: the
    handbook's parts are laid out and written in forked workers."""
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime, usage.ru_maxrss


def _pss_kb(pid: int) -> int:
    try:
        with open(f"/proc/{pid}/smaps_rollup", encoding="ascii") as rollup:
            for line in rollup:
                if line.startswith("Pss:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return 0


class _TotalMemory:
    """Samples the proportional set size (shared pages split between the processes sharing
    them) of this process and its children every 100 ms: the memory the render takes in all,
    its workers included. Linux only; 0 elsewhere."""

    def __init__(self) -> None:
        import threading

        self.peak_kb = 0
        self.cpu_s = 0.0
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self._sample, daemon=True)

    def _pids(self) -> list[int]:
        pids = [os.getpid()]
        for children in Path("/proc/self/task").glob("*/children"):
            with contextlib.suppress(OSError):
                pids.extend(int(p) for p in children.read_text().split())
        return pids

    def _sample(self) -> None:
        while not self.stop.wait(0.1):
            self.peak_kb = max(self.peak_kb, sum(_pss_kb(pid) for pid in self._pids()))
        self.cpu_s = time.thread_time()  # reading the processes' memory maps costs CPU

    def __enter__(self) -> _TotalMemory:
        self.thread.start()
        return self

    def __exit__(self, *_exc: object) -> None:
        self.stop.set()
        self.thread.join()


class _Rollback(Exception):
    pass


def child(label: str, kind: str, *, untagged: bool = False) -> dict[str, Any]:
    """One render in this process; what it cost."""
    from django.contrib.auth import get_user_model
    from django.db import transaction

    from bench.prepare import LARGE_SLUG
    from opmodel.exports import html_to_pdf, render_pdf
    from opmodel.models import OperatingModel
    from opmodel.services import release_publish

    if untagged:
        from opmodel.exports.weasy import PDF_OPTIONS

        PDF_OPTIONS.clear()
    html_to_pdf(MINIMAL)  # WeasyPrint's imports and font set-up are not the case's cost
    before = _peak_kb()
    if label == FLOOR:
        started, cpu = time.perf_counter(), time.process_time()
        rendered = html_to_pdf(MINIMAL)
        seconds = time.perf_counter() - started
        return {
            "seconds": seconds,
            "cpu_s": time.process_time() - cpu,
            "pages": rendered.pages,
            "kb": len(rendered.pdf) // 1024,
            "peak_rss_mb": _peak_kb() / 1024,
            "grew_mb": (_peak_kb() - before) / 1024,
        }
    result: dict[str, Any] = {}
    try:
        with transaction.atomic():
            slug = "quokka" if label == "demo" else LARGE_SLUG
            model = OperatingModel.objects.get(slug=slug)
            actor = get_user_model().objects.get(username="fiona")
            release = release_publish(operating_model=model, actor=actor, title="Bench")
            before = _peak_kb()
            workers_cpu = _children()[0]
            started, cpu = time.perf_counter(), time.process_time()
            with _TotalMemory() as total:
                rendered = render_pdf(model, kind, release=release)
            seconds = time.perf_counter() - started
            own_cpu = time.process_time() - cpu - total.cpu_s
            workers_cpu, workers_peak_kb = _children()[0] - workers_cpu, _children()[1]
            result.update(
                seconds=seconds,
                # all the CPU the render took: this process's and its workers'
                cpu_s=own_cpu + workers_cpu,
                own_cpu_s=own_cpu,
                workers_cpu_s=workers_cpu,
                pages=rendered.pages,
                kb=len(rendered.pdf) // 1024,
                # the largest process's peak RSS (this one or a worker)
                peak_rss_mb=max(_peak_kb(), workers_peak_kb) / 1024,
                own_peak_rss_mb=_peak_kb() / 1024,
                workers_peak_rss_mb=workers_peak_kb / 1024,
                # all processes at once (PSS, sampled)
                total_peak_mb=total.peak_kb / 1024,
                grew_mb=(_peak_kb() - before) / 1024,
            )
            raise _Rollback
    except _Rollback:
        pass
    return result


def _run_child(database_url: str, label: str, kind: str, *, untagged: bool) -> dict[str, Any]:
    out = subprocess.run(
        [sys.executable, "-m", "bench.pdf", "--child", "--database-url", database_url]
        + ["--model", label, "--kind", kind]
        + (["--untagged"] if untagged else []),
        cwd=ROOT,
        check=True,
        capture_output=True,
        text=True,
        timeout=1800,  # the large handbook on a loaded 2-core machine took 15 min of wall time
    )
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--database-url", required=True)
    parser.add_argument("--out")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--child", action="store_true")
    parser.add_argument("--model", default=FLOOR)
    parser.add_argument("--kind", default="")
    parser.add_argument("--untagged", action="store_true")
    args = parser.parse_args()
    if args.child:
        setup_django(args.database_url)
        print(json.dumps(child(args.model, args.kind, untagged=args.untagged)))
        return
    os.environ.update(django_env(args.database_url))
    runs: dict[tuple[str, str], list[dict[str, Any]]] = {}
    plan = [(FLOOR, "")] + CASES
    for _ in range(args.rounds):
        random.shuffle(plan)
        for label, kind in plan:
            runs.setdefault((label, kind), []).append(
                _run_child(args.database_url, label, kind, untagged=args.untagged)
            )
            print(f"   {label} {kind}: {runs[(label, kind)][-1]['seconds']:.2f} s", flush=True)
    floor = statistics.median(r["seconds"] for r in runs[(FLOOR, "")])
    rows = []
    for (label, kind), samples in runs.items():
        median = statistics.median(r["seconds"] for r in samples)
        rows.append(
            {
                "model": label,
                "kind": kind,
                "median_s": median,
                "max_s": max(r["seconds"] for r in samples),
                "ratio": median / floor if floor else float("nan"),
                # CPU seconds of the rendering process: what the render costs, whatever else
                # the machine is doing (the wall time of a loaded machine is much longer)
                "cpu_s": statistics.median(r.get("cpu_s", float("nan")) for r in samples),
                "pages": samples[-1]["pages"],
                "kb": samples[-1]["kb"],
                "peak_rss_mb": max(r["peak_rss_mb"] for r in samples),
                "total_peak_mb": max(r.get("total_peak_mb", 0.0) for r in samples),
                "grew_mb": max(r["grew_mb"] for r in samples),
            }
        )
    order = {(FLOOR, ""): 0, **{case: i + 1 for i, case in enumerate(CASES)}}
    rows.sort(key=lambda r: order[(r["model"], r["kind"])])
    import django

    setup_django(args.database_url)
    from django.db import connection

    result = {
        "database_version": f"{connection.vendor} {connection.Database.sqlite_version}"
        if connection.vendor == "sqlite"
        else connection.vendor,
        "rounds": args.rounds,
        "tagged": not args.untagged,
        "floor_s": floor,
        "rows": rows,
        "weasyprint": __import__("weasyprint").__version__,
        "django": django.__version__,
    }
    text = json.dumps(result, indent=2)
    if args.out:
        Path(args.out).write_text(text, encoding="utf-8")
    print(text)


if __name__ == "__main__":
    main()
