"""The accountability matrix stays light per cell (issue 18): the large model's matrix shows
4,500 cells in one area, and at 154 bytes a cell (a link with the cell's URL and a label each)
they were 678 KiB of the 797 KiB page. A cell is now one element without URL or label (the
table says where the cells' pages are, app.js opens an editable cell's picker and names the
focused cell), about 50 bytes."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

from bench.largemodel import build_large_model
from opmodel.models import Role
from opmodel.services import member_add
from teams.models import Capability, Squad
from teams.services import squad_lead_grant
from tests import worlds
from tests.conftest import ROLE_USERS

pytestmark = pytest.mark.django_db

CELL = re.compile(r'<td class="cell[^"]*" id="cell-(\d+)-(\d+)"(?: data-i="(\d+)")?>.*?</td>', re.S)
HX = {"HX-Request": "true"}
# Bytes of one cell, its ids' digits aside (they grow with the database, not with the markup):
# an editor's cell with the longest role is
# '<td class="cell role-responsible editable" id="cell--" data-i="">R</td>', 67 bytes. The
# link each cell was before came to 130-150 bytes (its URL, class and aria-label); 72 keeps
# the large bench model's accountability page (4,500 cells, ~120 KiB besides them) under
# 500 KiB.
CELL_BYTES = 72


def test_a_matrix_cell_stays_one_light_element(client_for):
    """For an editor (every cell editable), a team lead (one column) and a viewer (none)."""
    people = worlds.people([*ROLE_USERS, "lead"])
    model = build_large_model(actor=people["facilitator"], scale=0.1, history_rows=0)
    om = model.operating_model
    for name, role in ROLE_USERS.items():
        member_add(operating_model=om, actor=people["facilitator"], user=people[name], role=role)
    member_add(
        operating_model=om, actor=people["facilitator"], user=people["lead"], role=Role.PARTICIPANT
    )
    squad = Squad.objects.filter(operating_model=om).order_by("pk").first()
    assert squad is not None
    squad_lead_grant(squad=squad, user=people["lead"], actor=people["facilitator"])
    squads = Squad.objects.filter(operating_model=om).count()
    capabilities = Capability.objects.filter(operating_model=om).count()
    url = reverse("teams-matrix", args=[om.slug])
    for who in ("editor", "lead", "viewer"):
        client = client_for(people[who])
        # the page, and the matrix alone as the room's lazy section and an area tab fetch it
        for response in (client.get(url + "?area=all"), client.get(url + "?area=all", headers=HX)):
            assert response.status_code == 200
            html = response.content.decode()
            cells = list(CELL.finditer(html))
            assert len(cells) == squads * capabilities > 100
            roles = 0
            for cell in cells:
                markup = cell.group(0)
                assert "<a" not in markup and "href" not in markup and "aria-" not in markup, markup
                size = len(markup.encode()) - sum(len(g or "") for g in cell.groups())
                assert size <= CELL_BYTES, (who, size, markup)
                # a role's cell names its accountability (the room's summon marks it)
                assert (" role-" in markup) == (cell.group(3) is not None), markup
                roles += " role-" in markup
            assert roles > 0
            editable = sum(" editable" in c.group(0) for c in cells)
            assert editable == {"editor": len(cells), "lead": capabilities, "viewer": 0}[who]
