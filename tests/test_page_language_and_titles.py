"""Every HTML page says its language and has a title of its own (WCAG 2.4.2, 3.1.1), over every
GET case the URL audit knows (tests/test_url_audit.py), in one pass."""

from __future__ import annotations

import re
from urllib.parse import urlsplit

from django.urls import resolve

from tests.test_url_audit import ALL_CASES

# Event streams never end and are no pages: asking for one through the test client would run
# the async stream in this thread.
STREAMS = {"model-events", "share-events", "workshop-events"}


def test_every_html_page_has_its_language_and_a_title_that_names_it(
    om, other_om, people, client_for
):
    client = client_for(people["facilitator"])
    pages = 0
    wrong: list[str] = []
    for case in ALL_CASES:
        if case.method != "get" or getattr(case, "htmx", False):
            continue
        url = case.url(om)
        if resolve(urlsplit(url).path).url_name in STREAMS:
            continue
        response = client.get(url)
        if response.status_code != 200 or response.streaming:
            continue
        html = response.content.decode(errors="replace")
        if not response.get("Content-Type", "").startswith("text/html") or "<html" not in html:
            continue
        pages += 1
        found = re.search(r"<title>(.*?)</title>", html, re.S)
        title = re.sub(r"\s+", " ", found.group(1)).strip() if found else ""
        if not re.search(r'<html[^>]* lang="en"', html):
            wrong.append(f"{case.name}: no lang")
        # a title of its own: more than the site's name
        if title in ("", "opmodel", "opmodel · opmodel") or not title.split("·")[0].strip():
            wrong.append(f"{case.name}: title {title!r}")
    assert pages > 30
    assert wrong == []
