"""Load: 30 simulated editors editing canvas items at once, for a bounded time, against two
uvicorn processes on PostgreSQL + Redis.

Each editor loops: open an item's inline edit form (htmx GET, which carries the revision),
think, save one field with that revision (htmx POST), think. A 409 is the optimistic lock doing
its job (someone saved the same field first) and is counted apart from errors; anything else
that is not a 200 is an error.

Meanwhile two readers (one per web process) open the large model's pages, every page case of
``bench.cases`` one after the other in a shuffled order: what a user waits for while 30 others
edit. Their times are the server's (loopback) and are reported per page.

    python -m bench.load --database-url URL --redis-url URL --out FILE [--editors 30] [--seconds 30]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import re
import resource
import secrets
import time
from typing import Any

from bench.db import setup_django
from bench.pages import TARGET_MEDIAN_MS, TARGET_P95_MS
from bench.servers import raise_open_files, server_env, uvicorn_processes
from bench.stats import summary

REVISION = re.compile(rb'name="revision" value="(\d+)"')
# The field each editor changes, per section: short text fields every form validates.
EDITABLE = {
    "canvas.stages": "outcome",
    "canvas.metrics": "current",
    "canvas.principles": "statement",
    "canvas.technologies": "category",
    "canvas.skills": "name",
}


def _editors(count: int) -> tuple[list[str], list[tuple[str, int, str]], str]:
    """Session cookies of ``count`` editors, and the demo items they edit."""
    from django.contrib.auth import get_user_model
    from django.test import Client

    from bench.prepare import editor_name
    from opmodel.demo import DEMO_SLUG
    from opmodel.models import OperatingModel
    from opmodel.registry import registry

    cookies = []
    for i in range(count):
        client = Client()
        client.force_login(get_user_model().objects.get(username=editor_name(i)))
        cookies.append(client.cookies["sessionid"].value)
    demo = OperatingModel.objects.get(slug=DEMO_SLUG)
    items = [
        (registry.get(key).slug, pk, field)
        for key, field in EDITABLE.items()
        for pk in registry.get(key).rows(demo).values_list("pk", flat=True)
    ]
    return cookies, items, DEMO_SLUG


async def _editor(
    n: int,
    base: str,
    cookie: str,
    items: list[tuple[str, int, str]],
    slug: str,
    deadline: float,
    think: tuple[float, float],
    tally: dict[str, Any],
) -> None:
    import httpx

    rng = random.Random(n)
    csrf = secrets.token_hex(16)  # 32 characters: a valid unmasked CSRF secret
    headers = {"HX-Request": "true", "X-CSRFToken": csrf}
    async with httpx.AsyncClient(
        base_url=base,
        cookies={"sessionid": cookie, "csrftoken": csrf},
        headers=headers,
        timeout=10,
    ) as client:
        edit = 0
        while time.monotonic() < deadline and edit < 100_000:
            edit += 1
            section, pk, field = rng.choice(items)
            url = f"/m/{slug}/s/{section}/{pk}/edit/?field={field}"
            try:
                started = time.perf_counter()
                form = await client.get(url)
                tally["get"].append(time.perf_counter() - started)
                match = REVISION.search(form.content)
                if form.status_code != 200 or match is None:
                    tally["errors"].append(f"GET {form.status_code}")
                    continue
                await asyncio.sleep(rng.uniform(*think))
                data = {field: f"e{n}-{edit}", "revision": match.group(1).decode()}
                started = time.perf_counter()
                saved = await client.post(url, data=data)
                tally["post"].append(time.perf_counter() - started)
            except httpx.HTTPError as error:
                tally["errors"].append(type(error).__name__)
                continue
            if saved.status_code == 200:
                tally["saved"] += 1
            elif saved.status_code == 409:
                tally["conflicts"] += 1
            else:
                tally["errors"].append(f"POST {saved.status_code}")
                if os.environ.get("BENCH_DEBUG"):
                    print(url, saved.text[:2000])
            await asyncio.sleep(rng.uniform(*think))


def large_pages() -> list[tuple[str, str, bool]]:
    """(name, URL, htmx) of every page case on the large model (the floor left out)."""
    from bench.cases import Target, page_cases
    from bench.pages import _busiest
    from bench.prepare import LARGE_SLUG
    from opmodel.models import OperatingModel

    large = OperatingModel.objects.get(slug=LARGE_SLUG)
    target = Target("large", large, _busiest(large))
    return [(case.name, case.url(target), case.htmx) for case in page_cases() if not case.floor]


async def _reader(
    n: int,
    base: str,
    cookie: str,
    pages: list[tuple[str, str, bool]],
    deadline: float,
    times: dict[str, list[float]],
    tally: dict[str, Any],
) -> None:
    """Open the large model's pages one after the other until the deadline."""
    import httpx

    rng = random.Random(1000 + n)
    order = list(pages)
    async with httpx.AsyncClient(base_url=base, cookies={"sessionid": cookie}, timeout=30) as c:
        while time.monotonic() < deadline:
            rng.shuffle(order)
            for name, url, htmx in order:
                if time.monotonic() >= deadline:
                    break
                started = time.perf_counter()
                try:
                    response = await c.get(url, headers={"HX-Request": "true"} if htmx else None)
                except httpx.HTTPError as error:
                    tally["errors"].append(f"page {type(error).__name__}")
                    continue
                if response.status_code == 200:
                    times[name].append(time.perf_counter() - started)
                else:
                    tally["errors"].append(f"page {response.status_code}")


async def run(
    args: argparse.Namespace,
    cookies: list[str],
    items: list[tuple[str, int, str]],
    slug: str,
    pages: list[tuple[str, str, bool]],
) -> dict[str, Any]:
    env = server_env(args.database_url, args.redis_url, args.prefix)
    tally: dict[str, Any] = {"get": [], "post": [], "errors": [], "saved": 0, "conflicts": 0}
    times: dict[str, list[float]] = {name: [] for name, _url, _htmx in pages}
    with uvicorn_processes(2, env, "load") as bases:
        began = time.monotonic()
        deadline = began + args.seconds
        editors = [
            _editor(n, bases[n % 2], cookies[n], items, slug, deadline, args.think, tally)
            for n in range(args.editors)
        ]
        readers = [
            _reader(n, bases[n % 2], cookies[n], pages, deadline, times, tally)
            for n in range(args.readers)
        ]
        await asyncio.wait_for(asyncio.gather(*editors, *readers), timeout=args.seconds + 60)
        elapsed = time.monotonic() - began
    requests = len(tally["get"]) + len(tally["post"])
    mine = resource.getrusage(resource.RUSAGE_SELF)
    servers = resource.getrusage(resource.RUSAGE_CHILDREN)  # the stopped uvicorn processes
    return {
        "cpu_s_driver": mine.ru_utime + mine.ru_stime,
        "cpu_s_servers": servers.ru_utime + servers.ru_stime,
        "editors": args.editors,
        "servers": 2,
        "seconds": elapsed,
        "think_s": list(args.think),
        "items": len(items),
        "requests": requests,
        "requests_per_s": requests / elapsed,
        "saves": tally["saved"],
        "conflicts_409": tally["conflicts"],
        "errors": len(tally["errors"]),
        "error_kinds": sorted(set(tally["errors"]))[:10],
        "all": summary(tally["get"] + tally["post"]),
        "get_form": summary(tally["get"]),
        "post_save": summary(tally["post"]),
        "readers": args.readers,
        "large_pages": [
            {"case": name, **summary(samples)} for name, samples in times.items() if samples
        ],
        "target_median_ms": TARGET_MEDIAN_MS,
        "target_p95_ms": TARGET_P95_MS,
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--database-url", required=True)
    parser.add_argument("--redis-url", default="redis://127.0.0.1:6379/0")
    parser.add_argument("--prefix", default=f"opmodel-bench-{os.getpid()}")
    parser.add_argument("--out", required=True)
    parser.add_argument("--editors", type=int, default=30)
    parser.add_argument("--seconds", type=float, default=30)
    parser.add_argument("--think", default="0.1,0.5", help="think time range in seconds")
    parser.add_argument("--readers", type=int, default=2, help="readers of the large model")
    args = parser.parse_args()
    low, high = (float(x) for x in args.think.split(","))
    args.think = (low, high)
    raise_open_files(1024)
    setup_django(args.database_url)
    cookies, items, slug = _editors(args.editors)
    pages = large_pages() if args.readers else []
    result = asyncio.run(run(args, cookies, items, slug, pages))
    with open(args.out, "w", encoding="utf-8") as out:
        json.dump(result, out, indent=1)


if __name__ == "__main__":
    main()
