"""The HTML each large-model page sends, how much of it is rows' edit controls and matrix
cells, and the CPU time per request (issue 18, lane weight): exact sizes whatever the load,
and CPU time (``resource.getrusage``) rather than wall time on a shared machine.

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


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--database-url", required=True)
    parser.add_argument("--requests", type=int, default=8)
    parser.add_argument("--cases", default="canvas,accountab,room,largest")
    args = parser.parse_args()
    setup_django(args.database_url)
    from django.contrib.auth import get_user_model
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
    print("| page (large model, editor) | KiB | controls KiB | matrix cells KiB | CPU ms |")
    print("| --- | ---: | ---: | ---: | ---: |")
    for case in page_cases():
        if case.floor or not any(w in case.name.lower() for w in words):
            continue
        url, headers = case.url(target), HX if case.htmx else None
        html = client.get(url, headers=headers).content.decode()
        started = _cpu()
        for _ in range(args.requests):
            client.get(url, headers=headers)
        cpu = (_cpu() - started) / args.requests * 1000
        controls = sum(len(m) for m in CONTROLS.findall(html)) / 1024
        cells = sum(len(m) for m in CELLS.findall(html)) / 1024
        print(
            f"| {case.name} | {len(html) / 1024:.1f} | {controls:.1f} | {cells:.1f} | {cpu:.1f} |"
        )


if __name__ == "__main__":
    main()
