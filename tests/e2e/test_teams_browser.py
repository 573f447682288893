from __future__ import annotations

import pytest

from opmodel.models import Role
from opmodel.services import member_add
from teams.models import Accountability, Capability, Squad
from teams.services import squad_lead_grant
from tests.e2e.conftest import login

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _live(page) -> None:
    page.wait_for_selector('#live-status[data-state="live"]', timeout=10_000)


def test_a_team_lead_edits_their_squad_and_column_and_others_see_it_live(
    browser, asgi_server, local_broadcaster, om, people, make_user, artifacts
):
    lead = make_user("lead")
    member_add(operating_model=om, actor=people["facilitator"], user=lead, role=Role.PARTICIPANT)
    mine = Squad.objects.get(operating_model=om, name="Customer data products")
    theirs = Squad.objects.get(operating_model=om, name="Sales data products")
    squad_lead_grant(squad=mine, user=lead, actor=people["facilitator"])

    tara = login(browser, asgi_server, "lead")
    watcher = login(browser, asgi_server, "viewer")
    squad_url = f"{asgi_server}/m/{om.slug}/teams/squads/{mine.pk}/"
    tara.goto(squad_url)
    watcher.goto(squad_url)
    _live(tara)
    _live(watcher)

    # the lead edits their squad's focus in place; the other browser sees it live
    tara.click('a[aria-label="Edit the focus"]')
    tara.fill("#id_focus", "Customer 360 v2 and consent events")
    tara.keyboard.press("Control+Enter")
    tara.wait_for_selector(".api-field dd:has-text('consent events')")
    watcher.wait_for_selector(".api-field dd:has-text('consent events')", timeout=5_000)

    # ... but another squad is read-only to them
    tara.goto(f"{asgi_server}/m/{om.slug}/teams/squads/{theirs.pk}/")
    assert tara.locator('a[aria-label="Edit the focus"]').count() == 0
    assert tara.get_by_role("link", name="Add person").count() == 0

    # their column of the matrix: set a role with the keyboard-reachable picker
    dlp = Capability.objects.get(operating_model=om, name="Data catalog hosting")
    matrix_url = f"{asgi_server}/m/{om.slug}/teams/accountability/"
    tara.goto(matrix_url)
    watcher.goto(matrix_url)
    _live(tara)
    _live(watcher)
    # the watcher looks at one area (a tab, by keyboard): the address says so, the rest is gone
    watcher.focus("#matrix-tab-governance")
    watcher.keyboard.press("Enter")
    watcher.wait_for_selector('#matrix-tab-governance[aria-current="page"]:focus')
    assert watcher.url.endswith("?area=governance")
    assert (
        watcher.locator(".m-row").count()
        == Capability.objects.filter(operating_model=om, area="governance").count()
    )
    # another squad's cell is no control: not editable, not focusable, a click opens nothing
    theirs_cell = f"#cell-{dlp.pk}-{theirs.pk}"
    assert tara.locator(f"{theirs_cell}:not(.editable):not([tabindex])").count() == 1
    tara.click(theirs_cell)
    cell = f"#cell-{dlp.pk}-{mine.pk}"
    # a click opens the picker in place; Cancel brings the cell back
    tara.click(cell)
    tara.wait_for_selector(f"{cell}.picking button[value=accountable]:focus")
    assert tara.locator("td.picking").count() == 1
    tara.click(f"{cell} .picker-cancel")
    tara.wait_for_selector(f"{cell}:not(.picking)")
    # the keyboard opens the picker in place, Escape closes it, and focus stays on the cell
    tara.locator(cell).focus()
    tara.keyboard.press("Enter")
    tara.wait_for_selector(f"{cell}.picking button[value=accountable]:focus")
    tara.keyboard.press("Escape")
    tara.wait_for_selector(f"{cell}:not(.picking):focus")
    tara.keyboard.press("Enter")
    tara.click(f"{cell} button[value=consulted]")
    tara.wait_for_selector(f"{cell}.role-consulted:focus")
    assert Accountability.objects.get(capability=dlp, squad=mine).role == "consulted"
    # (the live refresh keeps the watcher's area)
    watcher.wait_for_selector(f"#cell-{dlp.pk}-{mine.pk}.role-consulted", timeout=5_000)
    assert watcher.locator('#matrix-tab-governance[aria-current="page"]').count() == 1
    # a viewer's matrix is a plain table: no grid, no focusable or editable cell
    assert (
        watcher.locator("table.matrix[role=grid], td.cell.editable, td.cell[tabindex]").count() == 0
    )

    watcher.screenshot(path=str(artifacts / "teams-matrix.png"), full_page=False)
    watcher.goto(f"{asgi_server}/m/{om.slug}/teams/map/")
    watcher.screenshot(path=str(artifacts / "teams-map.png"), full_page=True)
    watcher.goto(f"{asgi_server}/m/{om.slug}/teams/")
    watcher.screenshot(path=str(artifacts / "teams-squads.png"), full_page=True)
    assert tara.js_errors == [] and watcher.js_errors == []
