"""Level 2's sections, pages and demo step, as the core's registry knows them."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from opmodel.registry import Page, Section, registry

from . import forms, health, partials, rows, rules
from .models import Accountability, Capability, Interaction, Person, Squad

if TYPE_CHECKING:
    from django.contrib.auth.models import User

TEMPLATE = "teams/teams.html"

SECTIONS = [
    Section(
        key="teams.squads",
        title="Squads",
        level=2,
        model=Squad,
        form=forms.SquadForm,
        template=TEMPLATE,
        item_partial="squad-profile",
        list_partial="squads",
        group_field="team_type",
        item_noun="squad",
        page="teams-squads",
        can_change=rules.squad_rule,
        checks=(
            health.squad_overloaded,
            health.platform_without_consumers,
            health.squad_people,
            health.squad_without_capability,
        ),
        partial_data=partials.squads_data,
    ),
    Section(
        key="teams.people",
        title="People",
        level=2,
        model=Person,
        form=forms.PersonForm,
        template=TEMPLATE,
        item_partial="person",
        row=rows.person,
        list_partial="people",
        scope_field="squad",
        orderable=False,
        item_noun="person",
        page="teams-squads",
        can_change=rules.owned_by_squad_rule,
        partial_data=partials.owned_rows_data,
    ),
    Section(
        key="teams.interactions",
        title="Interactions",
        level=2,
        model=Interaction,
        form=forms.InteractionForm,
        template=TEMPLATE,
        item_partial="interaction",
        row=rows.interaction,
        list_partial="interactions",
        scope_field="squad",
        orderable=False,
        item_noun="interaction",
        page="teams-map",
        can_change=rules.owned_by_squad_rule,
        checks=(health.collaboration_overdue,),
        partial_data=partials.interactions_data,
    ),
    Section(
        key="teams.capabilities",
        title="Capabilities",
        level=2,
        model=Capability,
        form=forms.CapabilityForm,
        template=TEMPLATE,
        item_partial="capability",
        row=rows.capability,
        list_partial="matrix",
        group_field="area",
        item_noun="capability",
        page="teams-matrix",
        checks=(health.capability_accountable,),
        partial_data=partials.matrix_data,
    ),
    Section(
        key="teams.accountabilities",
        title="Shared accountability model",
        level=2,
        model=Accountability,
        form=forms.AccountabilityForm,
        template=TEMPLATE,
        item_partial="accountability",
        row=rows.accountability,
        list_partial="accountabilities",
        shown_in="teams.capabilities",  # in the workshop room: the matrix
        scope_field="squad",
        orderable=False,
        item_noun="accountability",
        page="teams-matrix",
        can_change=rules.owned_by_squad_rule,
        partial_data=partials.owned_rows_data,
    ),
]


def demo_team_lead(*, operating_model: Any, users: dict[str, Any], actor: User | None) -> None:
    """The demo's team lead (tara) leads the first data product squad."""
    from .services import squad_lead_grant

    lead = users.get("tara")
    squad = Squad.objects.filter(operating_model=operating_model, name="Customer data products")
    if lead is not None and squad.exists():
        squad_lead_grant(squad=squad.get(), user=lead, actor=actor)


def register() -> None:
    from . import pdf

    for section in SECTIONS:
        registry.register(section)
    pdf.register()
    registry.register_page(Page(level=2, title="Squads", url_name="teams-squads", order=0))
    registry.register_page(Page(level=2, title="Interaction map", url_name="teams-map", order=1))
    registry.register_page(Page(level=2, title="Accountability", url_name="teams-matrix", order=2))
    registry.register_urls("teams/", "teams.urls")
    registry.register_demo_step(demo_team_lead)
