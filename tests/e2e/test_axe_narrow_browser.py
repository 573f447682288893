"""The accessibility audit at a phone's width (390×844): every page, as the facilitator, who sees
every control (the other roles at 1440×900: tests/e2e/test_axe_roles_browser.py). What the
audit covers: tests/e2e/test_axe_browser.py."""

from __future__ import annotations

import pytest

from tests.e2e.axe import NARROW, audit_every_page

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_every_page_has_no_wcag_a_or_aa_violation_on_a_phone(
    browser, asgi_server, local_broadcaster, settings, tmp_path
):
    audit_every_page("facilitator", NARROW, browser, asgi_server, settings, tmp_path)
