"""The API on the large model: a section's rows listed (one page of 100) and a row updated
(PATCH with its revision), with a personal access token, as ratios to the floor measured in the
same shuffled rounds (the bench's one-query authenticated view). A step of ``make bench``.

    python -m bench.api --database-url URL [--rounds 60] [--out FILE]

Needs a prepared database (``python -m bench.prepare --database-url URL``).
"""

from __future__ import annotations

import argparse
import json
import os
import random
import time
from typing import Any

from bench.db import setup_django
from bench.stats import percentile


def measure(rounds: int, seed: int = 21) -> dict[str, Any]:
    from django.contrib.auth import get_user_model
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext
    from django.urls import reverse

    from bench.prepare import LARGE_SLUG, editor_name
    from opmodel.models import OperatingModel
    from opmodel.registry import registry
    from opmodel.services.tokens import token_create

    user = get_user_model().objects.get(username=editor_name(0))
    model = OperatingModel.objects.get(slug=LARGE_SLUG)
    section = max(
        (s for s in registry.sections() if "name" in s.fields),
        key=lambda s: s.rows(model).count(),
    )
    row = section.rows(model).order_by("pk").first()
    _token, text = token_create(user=user, name="bench", scope="write", days=1)
    headers = {"Authorization": f"Bearer {text}"}
    session = Client()
    session.force_login(user)
    api = Client()
    base = f"/api/v1/models/{model.slug}/sections/{section.key}/rows"
    state = {"revision": row.revision, "n": 0}

    def floor() -> Any:
        return session.get(reverse("bench-floor", kwargs={"slug": model.slug}))

    def listing() -> Any:
        return api.get(f"{base}?page_size=100", headers=headers)

    def update() -> Any:
        state["n"] += 1
        body = {"revision": state["revision"], "fields": {"description": f"bench {state['n']}"}}
        response = api.patch(
            f"{base}/{row.pk}", json.dumps(body), content_type="application/json", headers=headers
        )
        state["revision"] = response.json()["revision"]
        return response

    cases = {"floor": floor, "api list (100 rows)": listing, "api update (PATCH)": update}
    queries = {}
    for name, call in cases.items():
        call()  # warm up
        with CaptureQueriesContext(connection) as captured:
            response = call()
        assert response.status_code == 200, (name, response.status_code, response.content[:300])
        queries[name] = len(captured.captured_queries)
    samples: dict[str, list[float]] = {name: [] for name in cases}
    order = list(cases)
    cpu = dict.fromkeys(cases, 0.0)
    rng = random.Random(seed)
    for _ in range(rounds):
        rng.shuffle(order)
        for name in order:
            started, used = time.perf_counter(), time.process_time()
            cases[name]()
            samples[name].append(time.perf_counter() - started)
            cpu[name] += time.process_time() - used
    from bench.pages import _database_version

    floor_median = percentile(samples["floor"], 50)
    floor_p95 = percentile(samples["floor"], 95)
    return {
        "vendor": connection.vendor,
        "database_version": _database_version(connection),
        "load_average": list(os.getloadavg()),
        "section": section.key,
        "rows_in_section": section.rows(model).count(),
        "rounds": rounds,
        "floor_median_ms": floor_median * 1000,
        "floor_p95_ms": floor_p95 * 1000,
        "rows": [
            {
                "case": name,
                "model": "large",
                "floor": name == "floor",
                "queries": queries[name],
                "median_ms": percentile(samples[name], 50) * 1000,
                "p95_ms": percentile(samples[name], 95) * 1000,
                "ratio_median": percentile(samples[name], 50) / floor_median,
                "ratio_p95": percentile(samples[name], 95) / floor_p95,
                "cpu_ms": cpu[name] / len(samples[name]) * 1000,
            }
            for name in cases
        ],
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--database-url", required=True)
    parser.add_argument("--rounds", type=int, default=60)
    parser.add_argument("--out", default="")
    args = parser.parse_args()
    os.environ["OPMODEL_API_RATE"] = "1000000/m"  # measure the API, not its rate limit
    setup_django(args.database_url)
    result = measure(args.rounds)
    text = json.dumps(result, indent=2)
    if args.out:
        with open(args.out, "w") as out:
            out.write(text)
    print(text)


if __name__ == "__main__":
    main()
