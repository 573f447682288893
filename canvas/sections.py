"""Level 1's sections, as the core's registry knows them."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from opmodel.registry import Page, Section, registry

from . import forms, health, rows
from .models import Metric, Principle, Purpose, SkillSet, Stage, Technology

if TYPE_CHECKING:
    from django.contrib.auth.models import User

TEMPLATE = "canvas/canvas.html"


def _move_north_star(*, section: Section, part: Any, actor: User | None, creating: bool) -> None:
    """A new north star takes the title from the old one (only one per model)."""
    from opmodel.services import part_set_fields

    if not part.is_north_star:
        return
    others = Metric.objects.filter(operating_model=part.operating_model, is_north_star=True)
    if part.pk:
        others = others.exclude(pk=part.pk)
    for other in others:
        part_set_fields(
            section=section,
            part=other,
            actor=actor,
            data={"is_north_star": False},
            reason=f"North star moved to {part.name}",
        )


SECTIONS = [
    Section(
        key="canvas.purpose",
        title="Mission & vision",
        level=1,
        model=Purpose,
        form=forms.PurposeForm,
        template=TEMPLATE,
        item_partial="purpose",
        list_partial="purpose-section",
        singleton=True,
        item_noun="mission & vision",
        page="canvas",
        checks=(health.missing_purpose,),
    ),
    Section(
        key="canvas.stages",
        title="Macro value journey",
        level=1,
        model=Stage,
        form=forms.StageForm,
        template=TEMPLATE,
        item_partial="stage",
        row=rows.stage,
        list_partial="stages",
        item_noun="stage",
        page="canvas",
        checks=(health.empty_value_journey,),
    ),
    Section(
        key="canvas.metrics",
        title="Performance metrics",
        level=1,
        model=Metric,
        form=forms.MetricForm,
        template=TEMPLATE,
        item_partial="metric",
        row=rows.metric,
        list_partial="metrics",
        group_field="category",
        item_noun="metric",
        page="canvas",
        before_save=_move_north_star,
        checks=(health.no_north_star,),
    ),
    Section(
        key="canvas.principles",
        title="Operating principles",
        level=1,
        model=Principle,
        form=forms.PrincipleForm,
        template=TEMPLATE,
        item_partial="principle",
        row=rows.principle,
        list_partial="principles",
        group_field="group",
        item_noun="principle",
        page="canvas",
        checks=(health.empty_principle_groups,),
    ),
    Section(
        key="canvas.technologies",
        title="Core technologies",
        level=1,
        model=Technology,
        form=forms.TechnologyForm,
        template=TEMPLATE,
        item_partial="technology",
        row=rows.technology,
        list_partial="technologies",
        group_field="lifecycle",
        item_noun="technology",
        page="canvas",
    ),
    Section(
        key="canvas.skills",
        title="Skill sets",
        level=1,
        model=SkillSet,
        form=forms.SkillSetForm,
        template=TEMPLATE,
        item_partial="skill",
        row=rows.skill,
        list_partial="skills",
        item_noun="skill set",
        page="canvas",
    ),
]


def register() -> None:
    from . import pdf

    for section in SECTIONS:
        registry.register(section)
    pdf.register()
    registry.register_page(Page(level=1, title="Canvas", url_name="canvas", order=0))
    registry.register_page(
        Page(
            level=1,
            title="Picture on a page",
            url_name="picture",
            order=1,
            release_url_name="picture-release",
        )
    )
    registry.register_urls("canvas/", "canvas.urls")
