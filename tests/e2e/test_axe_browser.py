"""The automated accessibility audit (issue 20): axe-core, vendored in ``tests/vendor/``, runs in
Chromium on every page the URL audit knows and must find nothing.

* The pages come from the permission matrices the URL audit is built on
  (``tests/test_url_audit.py``'s ``MATRICES``, the workshop, Level 2 and Level 3 matrices): every
  GET case a role may open (expected status 200) is a page, so a new view is audited as soon as
  its matrix row exists. Left out, each for a reason given in ``tests/e2e/axe.py``: writes (POST),
  htmx partials (fragments of a page: the page that loads them is audited with them in place)
  and what is not an HTML document (PDFs, downloads, the event stream, JSON).
* Each page is audited as the facilitator, the team lead and the viewer (and signed out where
  the anonymous may open it: the sign-in page, a share link), at 1440×900; the facilitator (who
  sees every control) at 390×844 as well. The whole matrix at both sizes for every role took
  too long for CI: the narrow pass is one role's. Three modules (this one, ``_narrow``,
  ``_roles``) so that pytest-xdist's workers (``--dist loadfile``) share them out.
* The live parts are loaded (the stream connected, no htmx request on its way) before axe runs,
  and three states are audited besides: an edit form open in place, the room's proposal dialog
  open, and a matrix cell's role picker open.

Rules: WCAG 2.0, 2.1 and 2.2 A and AA (axe's tags). Any violation, whatever its impact, fails
the test; it prints a table of pages × violations (rule ids and the number of elements).
"""

from __future__ import annotations

import pytest

from tests.e2e.axe import WIDE, audit_every_page

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_every_page_has_no_wcag_a_or_aa_violation_for_the_facilitator(
    browser, asgi_server, local_broadcaster, settings, tmp_path
):
    audit_every_page("facilitator", WIDE, browser, asgi_server, settings, tmp_path)
