from __future__ import annotations

import pytest

from canvas.models import Principle, Purpose, Stage
from tests.e2e.conftest import login, own_echo

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _live(page) -> None:
    page.wait_for_selector('#live-status[data-state="live"]', timeout=10_000)


def test_edit_add_reorder_and_see_it_live_in_a_second_browser(
    browser, asgi_server, local_broadcaster, om, people, artifacts
):
    canvas_url = f"{asgi_server}/m/{om.slug}/canvas/"
    editor = login(browser, asgi_server, "editor")
    watcher = login(browser, asgi_server, "viewer")
    editor.goto(canvas_url)
    watcher.goto(canvas_url)
    _live(editor)
    _live(watcher)
    assert watcher.locator('a[aria-label="Edit the mission"]').count() == 0

    # edit the mission in place
    editor.click('a[aria-label="Edit the mission"]')
    editor.fill("#id_mission", "Quokkas in every home")
    editor.keyboard.press("Control+Enter")
    editor.wait_for_selector(".purpose-mission .statement:has-text('Quokkas in every home')")
    assert Purpose.objects.get(operating_model=om).mission == "Quokkas in every home"
    # ... and the other browser sees it without reloading
    watcher.wait_for_selector(
        ".purpose-mission .statement:has-text('Quokkas in every home')", timeout=5_000
    )

    # add a principle to Delivery
    delivery = editor.locator(".groups-principles .grp-delivery")
    delivery.get_by_role("link", name="Add principle").click()
    editor.fill("#id_name", "Small batches")
    editor.fill("#id_statement", "Ship little and often.")
    editor.get_by_role("button", name="Add principle").click()
    editor.wait_for_selector(".grp-delivery .principle-name:has-text('Small batches')")
    assert Principle.objects.filter(
        operating_model=om, name="Small batches", group="delivery"
    ).exists()
    watcher.wait_for_selector(
        ".grp-delivery .principle-name:has-text('Small batches')", timeout=5_000
    )

    # reorder stages: with the keyboard button, then by dragging
    first = Stage.objects.filter(operating_model=om).first()
    editor.locator(f"#part-canvas-stages-{first.pk}").hover()
    with own_echo(editor):
        editor.click(f'#part-canvas-stages-{first.pk} button[name="down"]')
    editor.wait_for_function(
        "id => document.querySelectorAll('.journey > .part')[1].id === 'part-canvas-stages-' + id",
        arg=first.pk,
    )
    order = list(Stage.objects.filter(operating_model=om).values_list("pk", flat=True))
    assert order[1] == first.pk
    last = order[-1]
    with editor.expect_response(lambda r: r.url.endswith("/reorder/")) as reordered:
        editor.locator(f"#part-canvas-stages-{last} .drag-handle").drag_to(
            editor.locator(f"#part-canvas-stages-{order[0]}")
        )
    assert reordered.value.status == 200
    new_order = list(Stage.objects.filter(operating_model=om).values_list("pk", flat=True))
    assert new_order[0] == last, new_order
    watcher.wait_for_function(
        "id => document.querySelector('.journey > .part').id === 'part-canvas-stages-' + id",
        arg=last,
        timeout=5_000,
    )

    editor.screenshot(path=str(artifacts / "canvas-editor.png"), full_page=True)
    watcher.goto(f"{asgi_server}/m/{om.slug}/canvas/picture/")
    watcher.screenshot(path=str(artifacts / "picture-on-a-page.png"), full_page=True)
    assert editor.js_errors == [] and watcher.js_errors == []


def test_a_conflicting_save_shows_both_versions(
    browser, asgi_server, local_broadcaster, om, people, artifacts
):
    stage = Stage.objects.filter(operating_model=om).first()
    canvas_url = f"{asgi_server}/m/{om.slug}/canvas/"
    one = login(browser, asgi_server, "editor")
    two = login(browser, asgi_server, "facilitator")
    for page in (one, two):
        page.goto(canvas_url)
        _live(page)
        page.locator(f"#part-canvas-stages-{stage.pk}").hover()
        page.click(f'a[aria-label="Edit {stage.name}"]')
        page.wait_for_selector(f"#part-canvas-stages-{stage.pk}.part-form-wrap form[data-revision]")
    one.fill(f"#part-canvas-stages-{stage.pk} #id_name", "Editor's name")
    one.keyboard.press("Control+Enter")
    one.wait_for_selector(f'#part-canvas-stages-{stage.pk} h3:has-text("Editor\'s name")')
    # the facilitator is told while still typing
    two.wait_for_selector(".live-notice:has-text('just changed this')", timeout=5_000)
    two.fill(f"#part-canvas-stages-{stage.pk} #id_name", "Facilitator's name")
    two.keyboard.press("Control+Enter")
    two.wait_for_selector(".conflict .conflict-table")
    table = two.locator(".conflict-table").inner_text()
    assert "Editor's name" in table and "Facilitator's name" in table
    two.screenshot(path=str(artifacts / "conflict.png"), full_page=False)
    stage.refresh_from_db()
    assert stage.name == "Editor's name"
