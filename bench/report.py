"""The Markdown report: the machine, the commit, then one table per measurement."""

from __future__ import annotations

import datetime as dt
import os
import platform
import subprocess
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent


def _git(*args: str) -> str:
    try:
        return subprocess.run(
            ["git", *args], cwd=ROOT, capture_output=True, text=True, timeout=10, check=True
        ).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        return "?"


def _memory() -> str:
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                return f"{int(line.split()[1]) / 1024 / 1024:.1f} GiB"
    except OSError:
        pass
    return "?"


def _cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "?"


def _redis_version(url: str) -> str:
    try:
        import redis

        return str(
            redis.Redis.from_url(url, socket_connect_timeout=2).info("server")["redis_version"]
        )
    except Exception:
        return "?"


def _versions() -> str:
    from importlib.metadata import version

    names = ["django", "uvicorn", "psycopg", "redis", "httpx", "django-simple-history"]
    return ", ".join(f"{n} {version(n)}" for n in names)


def _fmt(value: float, digits: int = 1) -> str:
    return f"{value:.{digits}f}"


def _met(ok: bool) -> str:
    return "met" if ok else "**missed**"


# A case whose ratio to the floor rose by more than this since the last committed results is
# flagged: the floor cancels the machine's mood, so a rising ratio is the code's doing.
REGRESSION = 1.2


def previous_ratios(text: str | None = None) -> dict[tuple[str, str, str], float]:
    """The median ratios to the floor in the committed ``bench/RESULTS.md`` (or ``text``), by
    (table heading, case, model): what this run's ratios are compared with."""
    if text is None:
        text = _git("show", "HEAD:bench/RESULTS.md")
    ratios: dict[tuple[str, str, str], float] = {}
    heading, column = "", None
    for line in text.splitlines():
        if line.startswith("### "):
            heading, column = line[4:].strip(), None
            continue
        if not line.startswith("|"):
            continue
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if "× floor (median)" in cells:
            column = cells.index("× floor (median)")
            continue
        if column is None or len(cells) <= column or cells[0].startswith("---"):
            continue
        try:
            ratios[(heading, cells[0], cells[1])] = float(cells[column])
        except ValueError:
            continue
    return ratios


def _regression(
    previous: dict[tuple[str, str, str], float], heading: str, row: dict[str, Any]
) -> str:
    """ "**+35 %**" when the median ratio rose by more than 20 % since the last results."""
    before = previous.get((heading, row["case"], row["model"]))
    if before is None or row.get("floor") or not before:
        return ""
    rise = row["ratio_median"] / before
    return f"**+{(rise - 1) * 100:.0f} %**" if rise > REGRESSION else ""


def _pages(name: str, data: dict[str, Any], previous: dict | None = None) -> list[str]:
    heading = f"Pages on {data['database_version']}"
    previous = previous or {}
    lines = [
        f"### {heading}",
        "",
        f"{data['rounds']} rounds (each round requests every case once, shuffled), "
        f"{data['warmup']} warm-up requests per case; Django test client, whole middleware "
        f"stack, user: an editor. Floor: median {_fmt(data['floor_median_ms'], 2)} ms, "
        f"p95 {_fmt(data['floor_p95_ms'], 2)} ms.",
        "",
        "| page | model | queries | median ms | p95 ms | × floor (median) | × floor (p95) "
        "| queries size-independent | KiB | large: targets | ratio vs last |",
        "| --- | --- | ---: | ---: | ---: | ---: | ---: | --- | ---: | --- | --- |",
    ]
    by_case: dict[str, dict[str, Any]] = {}
    for row in data["rows"]:
        by_case.setdefault(row["case"], {})[row["model"]] = row
    for case, models in by_case.items():
        for label in ("demo", "large"):
            row = models.get(label)
            if row is None:
                continue
            same = models["large"]["queries"] <= models["demo"]["queries"]
            size = (_met(same) if label == "large" else "") if not row["floor"] else ""
            target = ""
            if label == "large" and not row["floor"]:
                target = _page_target(data, row)
            kib = _fmt(row["kib"]) if "kib" in row else ""
            lines.append(
                f"| {case} | {label} | {row['queries']} | {_fmt(row['median_ms'], 2)} "
                f"| {_fmt(row['p95_ms'], 2)} | {_fmt(row['ratio_median'])} "
                f"| {_fmt(row['ratio_p95'])} | {size} | {kib} | {target} "
                f"| {_regression(previous, heading, row)} |"
            )
    for profile in data.get("profiles", []):
        lines += [
            "",
            f"**Profile of a miss — {profile['case']}, large model** (cProfile, "
            f"{profile['requests']} requests, {_fmt(profile['per_request_ms'])} ms each under "
            "the profiler). Share of request time under:",
            "",
        ]
        lines += [f"- {what}: {share:.0%}" for what, share in profile["shares"].items()]
        lines += ["", "Top functions by own time:", "", "```", *profile["top_tottime"], "```"]
    return [*lines, ""]


def _page_target(data: dict[str, Any], row: dict[str, Any]) -> str:
    """Median ≤ 100 ms, p95 ≤ 250 ms, ≤ 500 KiB of HTML: "met", or what is over."""
    if "target_median_ms" not in data:  # results of a run before these targets
        ok = row["ratio_median"] <= data["target_ratio"]
        return _met(ok)
    over = []
    if row["median_ms"] > data["target_median_ms"]:
        over.append(f"median {_fmt(row['median_ms'] / data['target_median_ms'])}×")
    if row["p95_ms"] > data["target_p95_ms"]:
        over.append(f"p95 {_fmt(row['p95_ms'] / data['target_p95_ms'])}×")
    if row.get("kib", 0.0) > data["target_kib"]:
        over.append(f"HTML {_fmt(row['kib'] / data['target_kib'])}×")
    return _met(not over) + (f" ({', '.join(over)} over)" if over else "")


def _versions_step(data: dict[str, Any], previous: dict | None = None) -> list[str]:
    from bench.versions import target_ms

    heading = f"Versions on {data['database_version']}"
    previous = previous or {}
    models = data["models"]
    sizes = "; ".join(
        f"{label}: {m['rows']} rows, {m['history_rows']} history rows, YAML "
        f"{_fmt(m['yaml_kb'])} KiB, JSON {_fmt(m['json_kb'])} KiB"
        for label, m in models.items()
    )
    lines = [
        f"### {heading}",
        "",
        f"`opmodel.versions` and the import/publish services, called directly (no request). "
        f"{data['rounds']} rounds (each runs every case once per model, shuffled), "
        f"{data['warmup']} warm-up call per case. Writes run in a transaction that is rolled "
        "back (the rollback is in the time). The diff compares the draft with a copy that has a "
        "few rows edited and one removed; `snapshot_as_of` rebuilds the model from history at "
        f"the run's start. Models: {sizes}. Floor: one simple query (a model's name by slug), "
        f"median {_fmt(data['floor_median_ms'], 2)} ms, p95 {_fmt(data['floor_p95_ms'], 2)} ms.",
        "",
        "| function | model | rows | median ms | p95 ms | × floor (median) | × floor (p95) "
        "| target ms | target | ratio vs last |",
        "| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | --- | --- |",
    ]
    by_case: dict[str, dict[str, Any]] = {}
    for row in data["rows"]:
        by_case.setdefault(row["case"], {})[row["model"]] = row
    for case, by_model in by_case.items():
        for label, row in by_model.items():
            target = target_ms(case, models[label]["rows"])
            verdict = ""
            if target is not None:
                ok = row["median_ms"] <= target
                verdict = _met(ok) + ("" if ok else f" ({_fmt(row['median_ms'] / target)}× over)")
            lines.append(
                f"| {case} | {label} | {models[label]['rows']} | {_fmt(row['median_ms'], 2)} "
                f"| {_fmt(row['p95_ms'], 2)} | {_fmt(row['ratio_median'])} "
                f"| {_fmt(row['ratio_p95'])} | {'' if target is None else _fmt(target)} "
                f"| {verdict} | {_regression(previous, heading, row)} |"
            )
    return [*lines, ""]


def _api(data: dict[str, Any], previous: dict | None = None) -> list[str]:
    heading = f"API on {data['database_version']}"
    previous = previous or {}
    lines = [
        f"### {heading}",
        "",
        f"The large model's biggest section with a `name` field (`{data['section']}`, "
        f"{data['rows_in_section']} rows) through a personal access token, Django test client, "
        f"{data['rounds']} shuffled rounds with the floor (the bench's one-query authenticated "
        f"view): median {_fmt(data['floor_median_ms'], 2)} ms. CPU ms: this process's CPU time "
        "per request (mean), steadier than the clock on a shared machine. Load average "
        + " / ".join(_fmt(x) for x in data["load_average"][:2])
        + " (1 / 5 min) at the end.",
        "",
        "| case | model | queries | median ms | p95 ms | × floor (median) | × floor (p95) "
        "| CPU ms | ratio vs last |",
        "| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | --- |",
    ]
    lines += [
        f"| {row['case']} | {row['model']} | {row['queries']} | {_fmt(row['median_ms'], 2)} "
        f"| {_fmt(row['p95_ms'], 2)} | {_fmt(row['ratio_median'])} | {_fmt(row['ratio_p95'])} "
        f"| {_fmt(row['cpu_ms'], 2)} | {_regression(previous, heading, row)} |"
        for row in data["rows"]
    ]
    return [*lines, ""]


def _pdf(data: dict[str, Any]) -> list[str]:
    lines = [
        "## PDF exports",
        "",
        "`opmodel.exports.render_pdf` of a release (published in a transaction rolled back "
        "afterwards), each render in a fresh process (WeasyPrint keeps the whole document in "
        f"memory; a process's peak RSS only grows). WeasyPrint {data['weasyprint']}, "
        f"{data['rounds']} round(s), median times. Floor: WeasyPrint rendering a minimal "
        f"one-page document in the same run, {_fmt(data['floor_s'] * 1000)} ms. The large "
        "model is the one above (all three levels; its handbook draws 20 journeys of swim "
        "lanes). Peak RSS is the whole process's (Python, Django, WeasyPrint); grew is how much "
        "the render added to it; CPU s is the rendering process's CPU time (median), what a "
        "render costs whatever else the machine is doing.",
        "",
        "| PDF | model | pages | KiB | median s | max s | × floor | CPU s | peak RSS MiB "
        "| grew MiB |",
        "| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    lines += [
        f"| {row['kind'] or '—'} | {row['model']} | {row['pages']} | {row['kb']} "
        f"| {_fmt(row['median_s'], 2)} | {_fmt(row['max_s'], 2)} | {_fmt(row['ratio'])} "
        f"| {_fmt(row.get('cpu_s', float('nan')), 2)} "
        f"| {_fmt(row['peak_rss_mb'])} | {_fmt(row['grew_mb'])} |"
        for row in data["rows"]
    ]
    return [*lines, ""]


def _live(data: dict[str, Any]) -> list[str]:
    lines = [
        "### Live: commit → SSE client, 2 uvicorn processes, Redis, PostgreSQL",
        "",
        "A third process changes a row through `part_update`; latency is from just after its "
        "COMMIT to the event's arrival at each client (raw asyncio sockets, half the clients on "
        "each web process). Floor: a bare Redis PUBLISH from that process to a SUBSCRIBE in the "
        "clients' process, three per write, in the same run.",
        "",
        "| clients | writes | samples | missing | p50 ms | p95 ms | p99 ms | floor p50 ms "
        "| floor p95 ms | × floor (p50) | × floor (p95) | connect all s | p95 < 250 ms |",
        "| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: "
        "| --- |",
    ]
    for r in data["results"]:
        if "skipped" in r:
            lines.append(f"| {r['clients']} | skipped: {r['skipped']} |" + " |" * 11)
            continue
        live, floor = r["live"], r["floor"]
        ok = live["p95_ms"] < r["target_p95_ms"] and r["missing"] == 0
        lines.append(
            f"| {r['clients']} | {r['writes']} | {live['n']} | {r['missing']} "
            f"| {_fmt(live['p50_ms'])} | {_fmt(live['p95_ms'])} | {_fmt(live['p99_ms'])} "
            f"| {_fmt(floor['p50_ms'], 2)} | {_fmt(floor['p95_ms'], 2)} "
            f"| {_fmt(r['ratio_p50'])} | {_fmt(r['ratio_p95'])} | {_fmt(r['connect_s'])} "
            f"| {_met(ok) if r['clients'] >= 500 else ('ok' if ok else 'over')} |"
        )
    return [*lines, ""]


def _load(data: dict[str, Any]) -> list[str]:
    a, g, p = data["all"], data["get_form"], data["post_save"]
    return [
        f"### Load: {data['editors']} editors editing canvas items, 2 uvicorn processes, "
        "PostgreSQL + Redis",
        "",
        f"{_fmt(data['seconds'])} s; each editor: htmx GET of an inline edit form, think "
        f"{data['think_s'][0]}–{data['think_s'][1]} s, POST of one field with the form's "
        f"revision, think; {data['items']} items of the demo model. The driver shares the 2 "
        f"cores: it used {_fmt(data['cpu_s_driver'])} CPU-s, the two web processes "
        f"{_fmt(data['cpu_s_servers'])} CPU-s.",
        "",
        "| requests | req/s | saves | 409 conflicts | errors | p50 ms | p95 ms | p99 ms "
        "| form GET p95 ms | save POST p95 ms | errors = 0 |",
        "| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- |",
        f"| {data['requests']} | {_fmt(data['requests_per_s'])} | {data['saves']} "
        f"| {data['conflicts_409']} | {data['errors']} | {_fmt(a['p50_ms'])} "
        f"| {_fmt(a['p95_ms'])} | {_fmt(a['p99_ms'])} | {_fmt(g['p95_ms'])} "
        f"| {_fmt(p['p95_ms'])} | {_met(data['errors'] == 0)} |",
        *(["", f"Errors seen: {', '.join(data['error_kinds'])}"] if data["error_kinds"] else []),
        "",
        *_load_pages(data),
    ]


def _load_pages(data: dict[str, Any]) -> list[str]:
    """The large model's pages as two readers saw them while the editors edited."""
    if not data.get("large_pages"):
        return []
    median, p95 = data["target_median_ms"], data["target_p95_ms"]
    lines = [
        f"The large model's pages under this load: {data['readers']} readers (one per web "
        "process) open every page case one after the other, shuffled; server time over "
        f"loopback. Targets as without load: median ≤ {_fmt(median, 0)} ms, p95 ≤ "
        f"{_fmt(p95, 0)} ms (few samples per page: the p95 is the slowest or next to it).",
        "",
        "| page (large model) | n | p50 ms | p95 ms | targets |",
        "| --- | ---: | ---: | ---: | --- |",
    ]
    for row in data["large_pages"]:
        over = []
        if row["p50_ms"] > median:
            over.append(f"median {_fmt(row['p50_ms'] / median)}×")
        if row["p95_ms"] > p95:
            over.append(f"p95 {_fmt(row['p95_ms'] / p95)}×")
        verdict = _met(not over) + (f" ({', '.join(over)} over)" if over else "")
        lines.append(
            f"| {row['case']} | {row['n']} | {_fmt(row['p50_ms'])} | {_fmt(row['p95_ms'])} "
            f"| {verdict} |"
        )
    return [*lines, ""]


def _room(data: dict[str, Any]) -> list[str]:
    e, r = data["event"], data["request"]
    page, part = data.get("room_page"), data.get("notes_partial")
    watchers = data.get("watchers", 0)
    p99_target = data.get("target_p99_ms", 1000.0)
    ok = (
        e["p95_ms"] < data["target_p95_ms"]
        and e["p99_ms"] < p99_target
        and data["missing"] == 0
        and data["errors"] == 0
    )
    lines = [
        f"### Room: {data['participants']} participants and {watchers} watchers, "
        "2 uvicorn processes, PostgreSQL + Redis",
        "",
        f"{_fmt(data['seconds'])} s; every participant and watcher streams the room (half on "
        f"each web process); each participant loops: think {data['think_s'][0]}–"
        f"{data['think_s'][1]} s, then adds a note, puts a dot on a note or a proposal, or "
        "proposes a change in words (htmx POST). Event latency: from sending the action's "
        "request to the event's arrival at every OTHER stream. Deliveries expected: successful "
        f"actions × (streams − 1). Targets: event p95 < {_fmt(data['target_p95_ms'])} ms, "
        f"p99 < {_fmt(p99_target)} ms, none missing, no errors.",
        "",
        "| streams | actions | actions/s | deliveries | missing | errors | event p50 ms "
        "| event p95 ms | event p99 ms | request p50 ms | request p95 ms | streams dropped "
        "| targets |",
        "| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: "
        "| --- |",
        f"| {data.get('streams', data['participants'])} | {data['actions']} "
        f"| {_fmt(data['actions_per_s'])} | {data['deliveries']} "
        f"| {data['missing']} | {data['errors']} | {_fmt(e['p50_ms'])} | {_fmt(e['p95_ms'])} "
        f"| {_fmt(e['p99_ms'])} | {_fmt(r['p50_ms'])} | {_fmt(r['p95_ms'])} "
        f"| {data['dropped_streams']} | {_met(ok)} |",
    ]
    if page and part:
        lines += [
            "",
            "The room page's server time under this load (loopback, every 2 s):",
            "",
            "| page | n | p50 ms | p95 ms | p99 ms |",
            "| --- | ---: | ---: | ---: | ---: |",
            f"| room page | {page['n']} | {_fmt(page['p50_ms'])} | {_fmt(page['p95_ms'])} "
            f"| {_fmt(page['p99_ms'])} |",
            f"| notes partial (what a live event re-fetches) | {part['n']} "
            f"| {_fmt(part['p50_ms'])} | {_fmt(part['p95_ms'])} | {_fmt(part['p99_ms'])} |",
        ]
    if "cpu_s_driver" in data:
        lines += [
            "",
            f"CPU: the driver used {_fmt(data['cpu_s_driver'])} CPU-s, the two web processes "
            f"{_fmt(data['cpu_s_servers'])} CPU-s.",
        ]
    if data["error_kinds"]:
        lines += ["", f"Errors seen: {', '.join(data['error_kinds'])}"]
    return [*lines, ""]


def _pending() -> list[str]:
    from bench.cases import pending  # needs Django set up (the registry fills in ready())

    planned_cases = pending()
    if not planned_cases:
        return []
    lines = ["### Not measured yet (planned)", ""]
    for planned, landed in planned_cases:
        state = "feature landed; its case is still to add" if landed else "not available yet"
        lines.append(f"- {planned.what}: {state} (needs: {planned.needs})")
    return [*lines, ""]


def render(results: dict[str, Any], *, quick: bool, elapsed: float, args: Any) -> str:
    now = dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC")
    dirty = (
        " (with uncommitted changes)"
        if _git("status", "--porcelain", "--untracked-files=no")
        else ""
    )
    load1, load5, _ = os.getloadavg()
    lines = [
        "# opmodel benchmarks",
        "",
        "Made by `make bench`"
        + (" QUICK=1 (a subset: fewer rounds and clients)" if quick else "")
        + ". Times are noisy on a shared machine: compare the ratios to the floor, measured in "
        "the same run, more than the milliseconds.",
        "",
        f"- date: {now}; run took {elapsed / 60:.1f} min",
        f"- commit: `{_git('rev-parse', '--short', 'HEAD')}` on "
        f"`{_git('rev-parse', '--abbrev-ref', 'HEAD')}`{dirty}",
        f"- machine: {os.cpu_count()} cores ({_cpu_model()}), {_memory()} memory, "
        f"load average {load1:.1f} / {load5:.1f} (1 / 5 min) at the end of the run",
        f"- Python {platform.python_version()} on {platform.system()} {platform.release()}; "
        + _versions(),
        "- databases: "
        + ", ".join(
            dict.fromkeys(
                r["database_version"]
                for k, r in results.items()
                if k.startswith(("pages-", "versions-"))
            )
        )
        + f"; Redis {_redis_version(args.redis)}",
        "- large model: 60 stages, 200 metrics, 100 principles, 80 technologies, 60 skill sets; "
        "60 squads, 240 people, 120 interactions, 300 capabilities, 1,800 accountability cells; "
        "20 journeys x 6 stages x 10 steps; 5,000 history rows; a release and a live workshop "
        "(`bench/largemodel.py`, `bench/prepare.py`); demo: Quokka Inc",
        "",
    ]
    previous = previous_ratios()
    pages = [n for n in ("pages-sqlite", "pages-postgresql") if n in results]
    if pages:  # a section only for what was measured (a subset run splices only those)
        lines += [
            "## Pages",
            "",
            "Targets (issue 18): a page's query count does not depend on the model's size (the "
            "large model's page makes no more queries than the demo's: the two models' busiest "
            "item or newest changes lie in different sections, and a page costs a fixed part "
            "plus a few queries per section it shows, never one per row; the tests pin it on "
            "models that hold the same sections, e.g. tests/versions/test_queries.py); on "
            "the large model every page takes median ≤ 100 ms and p95 ≤ 250 ms of server time "
            "and sends ≤ 500 KiB of HTML. *Ratio vs last*: a case whose median ratio to the "
            "floor rose by more than 20 % since the last committed `bench/RESULTS.md` is "
            "flagged.",
            "",
        ]
    for name in pages:
        lines += _pages(name, results[name], previous)
    versions = [n for n in ("versions-sqlite", "versions-postgresql") if n in results]
    if versions:
        lines += [
            "## Versions",
            "",
            "Targets (issue 18): import ≤ 0.35 s per 1,000 rows (new model and sync); "
            "snapshot and export ≤ 10 ms per 1,000 rows; as-of ≤ 50 ms per 1,000 rows; YAML "
            "parse ≤ 100 ms and dump ≤ 60 ms per 1,000 rows; publish ≤ 100 ms (median). "
            "On the demo (232 rows) a per-1,000-rows target (2.3 ms for a snapshot, 11.6 ms "
            "as-of, 81 ms an import) is below the fixed cost of a model with no rows at all: "
            "one query per section and link table (15) for a snapshot or as-of, 134 queries "
            "for an import; measured by hand (CPU, SQLite, load 12-20, 2026-11-29): snapshot "
            "6.7 ms, as-of 16 ms, import 55 ms for an empty model. The demo's rows are judged "
            "against that floor (see *Versions by hand*), the targets hold from the large model.",
            "",
        ]
        for name in versions:
            lines += _versions_step(results[name], previous)
    apis = [n for n in ("api-sqlite", "api-postgresql") if n in results]
    if apis:
        lines += [
            "## API",
            "",
            "Targets: as every page, and the query count pinned by "
            "`tests/api/test_api.py::test_a_list_and_an_update_cost_the_same_queries_whatever"
            "_the_sections_size` (list 4, update 9 on `canvas.stages`).",
            "",
        ]
        for name in apis:
            lines += _api(results[name], previous)
    if "pdf" in results:
        lines += _pdf(results["pdf"])
    lines += ["## Live and load", ""]
    if "live" in results:
        lines += _live(results["live"])
    if "load" in results:
        lines += _load(results["load"])
    if "room" in results:
        lines += _room(results["room"])
    lines += _pending()
    return "\n".join(lines)


def _blocks(text: str) -> list[tuple[str, list[str]]]:
    """The report cut at its "## " headings: (heading, lines), the header first as ""."""
    blocks: list[tuple[str, list[str]]] = [("", [])]
    for line in text.splitlines():
        if line.startswith("## "):
            blocks.append((line, []))
        blocks[-1][1].append(line)
    return blocks


# The sections a subset run (``make bench ONLY=...``) may replace in the committed results.
MEASURED_IN_PARTS = ("## Pages", "## Versions", "## API")


def keep_written_by_hand(committed: str, rendered: str) -> str:
    """``rendered`` (a full run's report) followed by the sections of ``committed`` that no run
    makes (measurements written by hand, each saying how it was made): a run replaces what it
    measured and never loses what it did not."""
    made = {heading for heading, _lines in _blocks(rendered)}
    kept = [lines for heading, lines in _blocks(committed) if heading and heading not in made]
    out = rendered.rstrip("\n").split("\n")
    for lines in kept:
        out += ["", *lines]
    return "\n".join(out).rstrip("\n") + "\n"


def splice(committed: str, partial: str, *, note: str) -> str:
    """``committed`` with the "## Pages", "## Versions" and "## API" sections a subset run measured
    (``partial``) in place of its own, and ``note`` (what was re-measured, when, at which
    commit) added to its header: the other tables stay those of the last full run."""
    fresh = {
        heading: lines if not lines[-1].strip() else [*lines, ""]
        for heading, lines in _blocks(partial)
        if heading in MEASURED_IN_PARTS
    }
    out: list[str] = []
    for heading, lines in _blocks(committed):
        if heading == "":
            body = list(lines)
            while body and not body[-1].strip():
                body.pop()
            out += [*body, f"- {note}", ""]
        else:
            out += fresh.pop(heading, lines)
    for lines in fresh.values():
        out += lines
    return "\n".join(out).rstrip("\n") + "\n"
