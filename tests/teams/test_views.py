from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from teams.models import Accountability, Capability, Squad
from tests.teams.conftest import squad_named

pytestmark = pytest.mark.django_db
HX = {"HX-Request": "true"}


def test_a_lead_sets_and_clears_a_cell_of_their_column_in_place(teams_om, people, client_for):
    client = client_for(people["lead"])
    cicd = Capability.objects.get(operating_model=teams_om, name="Kafka platform")
    own = squad_named(teams_om, "Own squad")
    url = reverse("teams-cell", args=[teams_om.slug, cicd.pk, own.pk])
    picker = client.get(url + "?pick=1", headers=HX)
    assert picker.status_code == 200 and b'name="role" value="accountable"' in picker.content
    saved = client.post(url, {"role": "responsible", "revision": 1}, headers=HX)
    assert saved.status_code == 200 and b"role-responsible" in saved.content
    assert Accountability.objects.get(capability=cicd, squad=own).role == "responsible"
    stale = client.post(url, {"role": "consulted", "revision": 1}, headers=HX)
    assert stale.status_code == 409 and b"Someone changed this" in stale.content
    cleared = client.post(url, {"role": "", "revision": 2}, headers=HX)
    assert cleared.status_code == 200
    assert not Accountability.objects.filter(capability=cicd, squad=own).exists()


def _cell(html: str, capability: Capability, squad: Squad) -> str:
    start = html.index(f'id="cell-{capability.pk}-{squad.pk}"')
    return html[html.rindex("<td", 0, start) : html.index("</td>", start) + 5]


@pytest.mark.parametrize(
    ("who", "own_editable", "plat_editable"),
    [("facilitator", True, True), ("editor", True, True), ("lead", True, False)]
    + [("participant", False, False), ("viewer", False, False)],
)
def test_the_matrix_offers_a_picker_only_in_the_cells_someone_may_change(
    teams_om, people, client_for, who, own_editable, plat_editable
):
    kafka = Capability.objects.get(operating_model=teams_om, name="Kafka platform")
    own, plat = squad_named(teams_om, "Own squad"), squad_named(teams_om, "Platform squad")
    matrix_url = reverse("teams-matrix", args=[teams_om.slug])
    html = client_for(people[who]).get(matrix_url).content.decode()
    informed, accountable = _cell(html, kafka, own), _cell(html, kafka, plat)
    assert 'class="cell role-informed' in informed and 'class="cell role-accountable' in accountable
    for cell, editable, letter, label in [
        (informed, own_editable, "I", "Informed"),
        (accountable, plat_editable, "A", "Accountable"),
    ]:
        url = f"{matrix_url}{kafka.pk}/{own.pk if letter == 'I' else plat.pk}/"
        if editable:
            assert " editable" in cell
            # a link to the cell's page (app.js opens its picker in place)
            assert (
                f'<a href="{url}" class="cell-btn" aria-label="{label}: change">{letter}</a>'
                in cell
            )
        else:
            assert "<a" not in cell and cell.endswith(f">{letter}</td>")
    other = squad_named(teams_om, "Other squad")
    empty = _cell(html, kafka, other)
    if plat_editable:  # editors and facilitators may set a role where there is none
        assert 'aria-label="No role: change">·</a>' in empty
    else:
        assert empty.endswith("></td>") and "role-" not in empty


def test_who_is_accountable_when_it_goes_wrong(teams_om, people, client_for):
    client = client_for(people["viewer"])
    html = client.get(reverse("teams-who", args=[teams_om.slug]) + "?q=kafka", headers=HX).content
    assert b"Platform squad</strong> is accountable" in html
    page = client.get(reverse("teams-matrix", args=[teams_om.slug]) + "?q=nothing-like-it")
    assert "No capability matches" in page.content.decode()


def test_a_squad_page_shows_its_team_api_people_interactions_and_roles(om, people, client_for):
    squad = Squad.objects.get(operating_model=om, name="Customer data products")
    html = client_for(people["viewer"]).get(reverse("teams-squad", args=[om.slug, squad.pk]))
    text = html.content.decode()
    for expected in (
        "Customer 360",
        "Tara Teamlead",
        "Governance platform",
        "Data contract authoring",
    ):
        assert expected in text
    assert "Edit squad" not in text


def test_the_map_is_plain_svg_in_team_topologies_notation(om, people, client_for):
    from teams.diagrams import interaction_map_svg

    svg = str(interaction_map_svg(om))
    assert svg.startswith("<svg") and "<script" not in svg and "style=" not in svg
    assert 'fill="#ffd966"' in svg and 'fill="#8fbde8"' in svg and "<polygon" in svg
    assert 'stroke="url(#tt-hatch)"' in svg and 'marker-end="url(#tt-xaas)"' in svg
    assert 'stroke-dasharray="0.1 8"' in svg


def test_adding_a_person_in_a_squad_re_renders_that_squads_people_only(
    teams_om, people, client_for
):
    own = squad_named(teams_om, "Own squad")
    url = (
        reverse("part-new", kwargs={"slug": teams_om.slug, "key": "teams-people"})
        + f"?scope={own.pk}"
    )
    response = client_for(people["lead"]).post(url, {"squad": own.pk, "name": "Nia"}, headers=HX)
    assert response.status_code == 200
    assert response["HX-Retarget"] == f"#section-teams-people-{own.pk}"
    html = response.content.decode()
    assert "Nia" in html and "Otto" not in html


def _grow(model) -> None:
    """60 squads, 300 capabilities and a full matrix (18,000 cells), in bulk."""
    types = ["stream_aligned", "platform", "enabling", "complicated_subsystem"]
    squads = Squad.objects.bulk_create(
        Squad(operating_model=model, name=f"Squad {i}", team_type=types[i % 4], position=i)
        for i in range(60)
    )
    areas = ["engineering", "governance", "facilitation", "steering"]
    capabilities = Capability.objects.bulk_create(
        Capability(operating_model=model, name=f"Capability {i}", area=areas[i % 4], position=i)
        for i in range(300)
    )
    roles = ["accountable", "responsible", "consulted", "informed"]
    Accountability.objects.bulk_create(
        (
            Accountability(operating_model=model, capability=c, squad=s, role=roles[(i + j) % 4])
            for i, c in enumerate(capabilities)
            for j, s in enumerate(squads)
        ),
        batch_size=2000,
    )


@pytest.mark.parametrize("page", ["teams-matrix", "teams-map", "teams-squads"])
def test_level2_pages_cost_the_same_queries_on_a_large_model(
    page, om, people, client_for, django_assert_num_queries
):
    client = client_for(people["editor"])
    url = reverse(page, args=[om.slug])
    client.get(url)  # warm up
    with CaptureQueriesContext(connection) as demo:
        assert client.get(url).status_code == 200
    _grow(om)
    with django_assert_num_queries(len(demo.captured_queries)):
        response = client.get(url)
    assert "Squad 59" in response.content.decode()
    assert len(demo.captured_queries) <= 40
