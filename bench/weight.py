"""The HTML each large-model page sends, how much of it is rows' edit controls and matrix
cells, its queries, and the CPU time per request (issue 18, lane weight): exact sizes whatever
the load, and CPU time (``resource.getrusage``) rather than wall time on a shared machine.

    python -m bench.weight --database-url URL [--requests 8] [--cases canvas,accountab,room]
"""

from __future__ import annotations

import argparse
import re
import resource

from bench.db import setup_django

CONTROLS = re.compile(r'<div class="controls".*?</div>', re.S)
CELLS = re.compile(r'<td class="cell[^>]*>.*?</td>', re.S)


def _cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


class _Counter:
    """An ``execute_wrapper`` that counts the queries it lets through."""

    def __init__(self) -> None:
        self.n = 0

    def __call__(self, execute, sql, params, many, context):  # type: ignore[no-untyped-def]
        self.n += 1
        return execute(sql, params, many, context)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--database-url", required=True)
    parser.add_argument("--requests", type=int, default=8)
    parser.add_argument("--cases", default="canvas,accountab,room,largest")
    args = parser.parse_args()
    setup_django(args.database_url)
    from django.contrib.auth import get_user_model
    from django.db import connection
    from django.test import Client

    from bench.cases import Target, page_cases
    from bench.pages import HX, _busiest
    from bench.prepare import LARGE_SLUG, editor_name
    from opmodel.models import OperatingModel

    client = Client()
    client.force_login(get_user_model().objects.get(username=editor_name(0)))
    operating_model = OperatingModel.objects.get(slug=LARGE_SLUG)
    target = Target("large", operating_model, _busiest(operating_model))
    words = [w for w in args.cases.split(",") if w]
    head = ["page (large model, editor)", "queries", "KiB", "controls KiB", "cells KiB", "CPU ms"]
    print("| " + " | ".join(head) + " |")
    print("| --- | ---: | ---: | ---: | ---: | ---: |")
    for case in page_cases():
        if case.floor or not any(w in case.name.lower() for w in words):
            continue
        url, headers = case.url(target), HX if case.htmx else None
        client.get(url, headers=headers)  # warm up (sessions, caches)
        # counted as they run (CaptureQueriesContext reads the query log, which Django empties
        # when a request starts)
        counter = _Counter()
        with connection.execute_wrapper(counter):
            html = client.get(url, headers=headers).content.decode()
        started = _cpu()
        for _ in range(args.requests):
            client.get(url, headers=headers)
        cpu = (_cpu() - started) / args.requests * 1000
        controls = sum(len(m) for m in CONTROLS.findall(html)) / 1024
        cells = sum(len(m) for m in CELLS.findall(html)) / 1024
        print(
            f"| {case.name} | {counter.n} | {len(html) / 1024:.1f} | {controls:.1f} "
            f"| {cells:.1f} | {cpu:.1f} |"
        )


if __name__ == "__main__":
    main()
