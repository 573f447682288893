"""The accessibility audit for the team lead, the viewer (an executive) and someone signed out, at
1440×900: every page each may open (the facilitator's audit, at both sizes, is in
tests/e2e/test_axe_browser.py and test_axe_narrow_browser.py, modules of their own so that
pytest-xdist's workers share them out)."""

from __future__ import annotations

import pytest

from tests.e2e.axe import WIDE, audit_every_page

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.mark.parametrize("role", ["lead", "viewer", "anonymous"])
def test_every_page_has_no_wcag_a_or_aa_violation_for_each_role(
    role, browser, asgi_server, local_broadcaster, settings, tmp_path
):
    audit_every_page(role, WIDE, browser, asgi_server, settings, tmp_path)
