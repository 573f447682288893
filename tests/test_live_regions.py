"""One polite live region a page (issue 20): ``base.html``'s ``#live-toasts`` says everything
that happens while the page is open. Content that is part of the page when it loads (an
import's warnings, a token shown once) is read with the page and needs no live region of its
own; a second polite region makes a screen reader say things twice or out of turn. The browser
tests check the live pages as they run (tests/e2e/test_keyboard_live_browser.py); this reads
every template, so a page no browser test opens is held to the same rule."""

from __future__ import annotations

import re
from pathlib import Path

from django.conf import settings

TEMPLATES = Path(settings.BASE_DIR) / "templates"
# A live region that speaks: aria-live other than "off", and the roles whose region is live by
# default (status and log are polite; alert is assertive and allowed for errors).
SPEAKS = re.compile(r'aria-live="(?!off")|role="(status|log)"|<output\b')


def test_no_template_but_the_base_declares_a_polite_live_region():
    found = []
    for path in sorted(TEMPLATES.rglob("*.html")):
        for number, line in enumerate(path.read_text().splitlines(), start=1):
            if SPEAKS.search(line) and 'id="live-toasts"' not in line:
                found.append(f"{path.relative_to(TEMPLATES)}:{number}: {line.strip()[:80]}")
    assert found == []


def test_the_base_has_the_one_polite_region():
    base = (TEMPLATES / "base.html").read_text()
    assert len(re.findall(r'id="live-toasts"[^>]*aria-live="polite"', base)) == 1
