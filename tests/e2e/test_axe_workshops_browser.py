"""The accessibility audit of the workshop pages (the list, the forms, the room with its
proposal dialog open, share links, the summary): the audit's one test function
(``tests/e2e/test_axe_browser.py`` says what it covers) on the page group "workshops", in a
module of its own so that pytest-xdist runs it beside the other groups."""

from __future__ import annotations

import pytest

from tests.e2e.test_axe_browser import (  # noqa: F401 (collected here, on this group)
    test_every_page_has_no_wcag_a_or_aa_violation_for_every_role_at_both_sizes,
    test_no_text_is_lost_with_the_wcag_text_spacing_on_every_page,
)

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
    pytest.mark.parametrize("group", ["workshops"]),
]
