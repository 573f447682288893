"""The automated accessibility audit (issue 20): axe-core, vendored in ``tests/vendor/``, runs in
Chromium on every page the URL audit knows and must find nothing.

* The pages come from the permission matrices the URL audit is built on
  (``tests/test_url_audit.py``'s ``MATRICES``, the workshop, Level 2 and Level 3 matrices): every
  GET case a role may open (expected status 200) is a page, so a new view is audited as soon as
  its matrix row exists. Left out, each for a reason given in ``tests/e2e/axe.py``: writes (POST),
  htmx partials (fragments of a page: the page that loads them is audited with them in place)
  and what is not an HTML document (PDFs, downloads, the event stream, JSON).
* Each page is audited as the facilitator, the team lead, the viewer (an executive) and
  someone signed out (where the anonymous may open it: the sign-in page, a share link), each at
  1440×900 and at 390×844: the page is loaded once, audited wide, narrowed to 390×844 (the
  page's scripts hear the resize), and audited again.
* A state whose document is the same as one already audited at that size (another role sees
  exactly the same markup, but for its name and role badge in the top bar) is not audited
  again: ``tests/e2e/axe.py``'s SIGNATURE says what is compared. The table counts them.
* The live parts are loaded (the stream connected, no htmx request on its way) before axe runs,
  and three states are audited besides: an edit form open in place, the room's proposal dialog
  open, and a matrix cell's role picker open.

Rules: WCAG 2.0, 2.1 and 2.2 A and AA (axe's tags). Any violation, whatever its impact, fails
the test; it prints a table of pages × violations (rule ids and the number of elements).

The audit runs in four modules, a page group each (``tests/e2e/axe.py``'s GROUPS: the core
model's pages here, the account pages, the workshop pages, the Level 2 and 3 pages), so that
pytest-xdist runs them on several workers at once. Each module runs this one test function on
its group; every page is in exactly one group, and each group's test checks that it is.

Text spacing (WCAG 1.4.12, ``tests/e2e/spacing.py``) is checked on the facilitator's loads of
the same visit (after axe, at each size): a page is loaded once for both checks, and each has
its test, run on every group: ``test_no_text_is_lost_with_the_wcag_text_spacing_on_every_page``
(it was a module of its own, ``test_text_spacing_browser.py``, that loaded every page again).
Whichever of a group's two tests runs first makes the visit; the other reads what it found.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.e2e.axe import GROUPS, NARROW, WIDE, visit_every_page

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
    pytest.mark.parametrize("group", ["model"]),
]


def test_every_page_has_no_wcag_a_or_aa_violation_for_every_role_at_both_sizes(
    group, request, local_broadcaster
):
    # each group is audited by the module GROUPS names, and each of those modules exists
    assert request.node.path.name == GROUPS[group], (request.node.path.name, group)
    assert all((Path(__file__).parent / module).exists() for module in GROUPS.values())
    audit = visit_every_page(group, request)
    assert audit.wrong_status == []
    assert audit.results == {}, audit.table()
    # every role that may open a page of the group was audited at both sizes (its own top bar
    # at least), and every page of the group for real: each page's document is its own
    assert audit.roles, group
    for role in audit.roles:
        for size in (WIDE, NARROW):
            assert (role, str(size["width"])) in audit.headers, (role, size)
    assert audit.runs >= 2 * (audit.pages + audit.states), (audit.runs, audit.pages)


def test_no_text_is_lost_with_the_wcag_text_spacing_on_every_page(
    group, request, local_broadcaster
):
    """Every facilitator page of the group, at both sizes, with the WCAG spacing forced on
    every element, loses no text (tests/e2e/spacing.py); the check sees a canary box that does.
    (Formerly one test over every page, ``test_text_spacing_browser.py``: its checks, the canary,
    more than 40 facilitator pages and nothing lost, are each group's here.)"""
    audit = visit_every_page(group, request)
    spacing = audit.spacing
    # the check sees text cut off by the spacing (a canary box on the group's first page)
    assert any("spacing-canary" in where for where in spacing.canary), (
        spacing.canary,
        spacing.canary_shape,
    )
    assert audit.every_page > 40, audit.every_page
    # every page of the group the facilitator may open was looked at, at both sizes
    facilitator_pages = audit.facilitator_pages
    assert facilitator_pages, group
    assert spacing.pages == facilitator_pages, facilitator_pages ^ spacing.pages
    assert spacing.looks >= 2 * len(facilitator_pages), spacing.looks
    print(spacing.table())
    assert spacing.found == {}
