"""Level 3's sections, pages and demo step, as the core's registry knows them."""

from __future__ import annotations

from opmodel.registry import Page, Section, registry

from . import forms, health, partials, rows, rules
from .models import Journey, Stage, Step

TEMPLATE = "journeys/journeys.html"

SECTIONS = [
    Section(
        key="journeys.journeys",
        title="Team journeys",
        level=3,
        model=Journey,
        form=forms.JourneyForm,
        template=TEMPLATE,
        item_partial="journey-head",
        list_partial="journeys",
        item_noun="journey",
        page="journeys-list",
        partial_data=partials.journeys_data,
    ),
    # Stages and steps are ordered within their parent (journey, stage) by the journeys app's
    # own move views; the generic up/down controls would order them across the whole model.
    Section(
        key="journeys.stages",
        title="Journey stages",
        level=3,
        model=Stage,
        form=forms.StageForm,
        template=TEMPLATE,
        item_partial="stage-head",
        list_partial="journey-map",
        scope_field="journey",
        orderable=False,
        item_noun="stage",
        describe_with=("journey",),
        page="journeys-list",
        checks=(health.stage_without_steps,),
        partial_data=partials.stages_data,
    ),
    Section(
        key="journeys.steps",
        title="Journey steps",
        level=3,
        model=Step,
        form=forms.StepForm,
        template=TEMPLATE,
        item_partial="step",
        row=rows.step,
        list_partial="stage-column",
        scope_field="stage",
        orderable=False,
        item_noun="step",
        page="journeys-list",
        can_change=rules.step_rule,
        checks=(
            health.step_without_squad,
            health.step_on_hold_technology,
            health.manual_step_with_pain,
            health.handoff_without_interaction,
        ),
        partial_data=partials.steps_data,
    ),
]


def register() -> None:
    from . import pdf

    for section in SECTIONS:
        registry.register(section)
    pdf.register()
    registry.register_page(Page(level=3, title="Journeys", url_name="journeys-list", order=0))
    registry.register_page(
        Page(level=3, title="Pain points", url_name="journeys-pain-points", order=1)
    )
    registry.register_urls("journeys/", "journeys.urls")
