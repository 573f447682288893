"""The room loads its sections lazily (issue 18): the page draws the frame, the focus section
and the side panel; every other section is a placeholder whose list comes from the room-section
endpoint when it is opened. Class guards over every registered section."""

from __future__ import annotations

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from opmodel.registry import registry
from tests.workshops.conftest import make_workshop
from tests.workshops.test_room import HTMX, LAZY, opened
from workshops import services

pytestmark = pytest.mark.django_db

CSRF = re.compile(r'<input type="hidden" name="csrfmiddlewaretoken" value="[^"]*">')


def room_url(workshop, *extra: str) -> str:
    return reverse("workshop-room", args=[workshop.operating_model.slug, workshop.pk]) + (
        "?" + "&".join(f"open={key}" for key in extra) if extra else ""
    )


def section_url(workshop, slug: str) -> str:
    return reverse("room-section", args=[workshop.operating_model.slug, workshop.pk, slug])


def sections_region(html: str) -> str:
    """The room's sections (what the lazy loading changes), without per-render tokens."""
    region = html.split('<div class="room-sections">', 1)[1].split('<aside class="room-side"', 1)[0]
    return re.sub(r"\s+", " ", CSRF.sub("", region))


def every_section_workshop(om, people, **extra):
    return make_workshop(
        om, people["facilitator"], sections=[s.key for s in registry.sections()], **extra
    )


def lazy_keys(workshop) -> list[str]:
    """The sections the room draws as placeholders: those not shown with another one."""
    from workshops.selectors import room_views

    return [v.section.key for v in room_views(workshop, draw=()) if v.lazy]


def test_the_room_draws_the_focus_section_and_a_placeholder_for_every_other(om, people, client_for):
    workshop = every_section_workshop(om, people)
    focus = registry.get("teams.squads")
    services.focus_set(workshop=workshop, actor=people["facilitator"], section=focus.key)
    html = client_for(people["participant"]).get(room_url(workshop)).content.decode()
    placeholders = [m.group(1) for m in LAZY.finditer(html)]
    expected = [section_url(workshop, registry.get(k).slug) for k in lazy_keys(workshop)]
    expected.remove(section_url(workshop, focus.slug))
    assert placeholders == expected
    assert len(placeholders) >= len(registry.sections()) - 2
    assert f'id="section-{focus.slug}"' in html  # drawn: the focus section's own list
    for key in lazy_keys(workshop):
        if key != focus.key:  # the others: a heading and a link that works without JavaScript
            slug = registry.get(key).slug
            assert f'id="room-lazy-{slug}"' in html
            assert f"?open={key}#room-section-{slug}" in html


def test_every_section_opened_lazily_shows_what_the_room_draws_at_once(om, people, client_for):
    """For every registered section, the endpoint answers exactly the list the room page draws
    for it (here drawn at once through the no-JavaScript link, ``?open=``)."""
    workshop = every_section_workshop(om, people)
    client = client_for(people["facilitator"])
    lazy = client.get(room_url(workshop)).content.decode()
    eager = client.get(room_url(workshop, *lazy_keys(workshop))).content.decode()
    assert LAZY.search(lazy) and not LAZY.search(eager)
    assert sections_region(opened(client, lazy)) == sections_region(eager)


def test_queries_do_not_depend_on_the_models_size(om, small_om, people, client_for):
    """The room page and each section's endpoint: the same queries on the demo as on a small
    model (fixed per section; the lists are no longer drawn by the page)."""
    counts = []
    for model in (small_om, om):
        workshop = every_section_workshop(model, people)
        client = client_for(people["facilitator"])
        count = {}
        for key in ["room", *lazy_keys(workshop)]:
            target = room_url(workshop) if key == "room" else section_url(workshop, key)
            client.get(target, **HTMX)  # warm the caches (content types, sessions)
            with CaptureQueriesContext(connection) as ctx:
                assert client.get(target, **HTMX).status_code == 200
            count[key] = len(ctx.captured_queries)
        counts.append(count)
    assert counts[0] == counts[1]
    rows = sum(s.rows(om).count() for s in registry.sections())
    assert rows > 2 * sum(s.rows(small_om).count() for s in registry.sections())


def test_a_section_outside_the_workshop_is_not_found(workshop, people, client_for):
    client = client_for(people["participant"])
    assert client.get(section_url(workshop, "canvas-stages")).status_code == 200
    assert client.get(section_url(workshop, "teams-squads")).status_code == 404  # not in it
    assert client.get(section_url(workshop, "no-such")).status_code == 404


def test_a_share_link_or_a_revoked_invitation_opens_no_section(workshop, people, client_for):
    """A guest with a share link sees the share page, never the room's sections; an invitee
    whose invitation was revoked is no member, so the room's sections are not found."""
    link = services.share_link_create(workshop=workshop, actor=people["facilitator"])
    guest = client_for(None)
    share = reverse(
        "share-public", args=[workshop.operating_model.slug, services.share_token(link)]
    )
    assert guest.get(share).status_code == 200
    assert guest.get(section_url(workshop, "canvas-stages")).status_code == 302  # to sign in

    invitation = services.invitation_create(
        workshop=workshop,
        actor=people["facilitator"],
        email=people["outsider"].email,
        base_url="http://testserver",
    )
    invite_link = reverse(
        "invitation-open",
        args=[workshop.operating_model.slug, services.invitation_token(invitation)],
    )
    revoke = reverse(
        "invitation-revoke", args=[workshop.operating_model.slug, workshop.pk, invitation.pk]
    )
    assert client_for(people["facilitator"]).post(revoke).status_code == 302
    outsider = client_for(people["outsider"])
    assert outsider.get(invite_link).status_code == 410
    assert outsider.get(section_url(workshop, "canvas-stages")).status_code == 404


SUMMON_OPTION = re.compile(r'<option value="([a-z_.]+):(\d+)"')


def test_every_item_the_facilitator_can_summon_is_markable_in_the_list_its_section_loads(
    om, people, client_for
):
    """A summon marks its item once the item's section has loaded (room.js looks for the row,
    ``part-<section>-<id>``, or an element that shows the item, ``data-item="<section>:<id>"``):
    for every registered section that lists its own items, each item the facilitator can bring
    everyone to is there to mark in the list the room loads lazily for that section. (The
    accountabilities are shown as the capabilities' matrix, by capability and squad.)"""
    workshop = every_section_workshop(om, people)
    client = client_for(people["facilitator"])
    options: dict[str, list[str]] = {}
    for key, pk in SUMMON_OPTION.findall(client.get(room_url(workshop)).content.decode()):
        options.setdefault(key, []).append(pk)
    own_lists = [s for s in registry.sections() if not s.shown_in]
    assert set(options) >= {s.key for s in own_lists}
    unmarkable = {}
    for section in own_lists:
        html = client.get(section_url(workshop, section.slug), **HTMX).content.decode()
        missing = [
            pk
            for pk in options[section.key]
            if f'id="part-{section.slug}-{pk}"' not in html
            and f'data-item="{section.key}:{pk}"' not in html
        ]
        if missing:
            unmarkable[section.key] = f"{len(missing)} of {len(options[section.key])}"
    assert unmarkable == {}
