"""Reads for the Level 3 pages: each costs a fixed number of queries whatever the model's size."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Count, Prefetch, Q
from django.urls import reverse

from opmodel.access import Access
from opmodel.models import OperatingModel
from opmodel.registry import Finding, Severity
from opmodel.rows import choice_labels
from teams.models import Squad
from teams.rules import led_squads

from .models import Journey, Stage, Step

NO_SQUAD = 0  # the lane of steps nobody performs yet


# ---------- the journey list ----------


@dataclass
class JourneyRow:
    journey: Journey
    stages: int = 0
    steps: int = 0
    pains: int = 0
    findings: list[Finding] = field(default_factory=list)

    @property
    def errors(self) -> int:
        return sum(1 for f in self.findings if f.severity == Severity.ERROR)

    @property
    def warnings(self) -> int:
        return sum(1 for f in self.findings if f.severity == Severity.WARNING)


def journey_owners(operating_model: OperatingModel) -> dict[Any, int]:
    """Which journey each stage and step belongs to: (section key, id) -> journey id. Two
    queries."""
    owner: dict[Any, int] = {}
    for pk, journey_id in Stage.objects.filter(operating_model=operating_model).values_list(
        "pk", "journey_id"
    ):
        owner[("journeys.stages", pk)] = journey_id
    for pk, journey_id in Step.objects.filter(operating_model=operating_model).values_list(
        "pk", "stage__journey_id"
    ):
        owner[("journeys.steps", pk)] = journey_id
    return owner


def finding_links(
    operating_model: OperatingModel,
    findings: list[Finding],
    owners: dict[Any, int] | None = None,
) -> list[tuple[Finding, str]]:
    """Each Level 3 finding with the journey page that shows its row (two queries, none when
    the caller has read ``journey_owners`` or ``map_owners`` already)."""
    owners = journey_owners(operating_model) if owners is None else owners
    base = reverse("journeys-list", kwargs={"slug": operating_model.slug})
    links = []
    for finding in findings:
        journey_id = (
            finding.part_id
            if finding.section == "journeys.journeys"
            else owners.get((finding.section, finding.part_id))
        )
        anchor = f"#part-{finding.section.replace('.', '-')}-{finding.part_id}"
        links.append((finding, f"{base}{journey_id}/{anchor}" if journey_id else base))
    return links


def all_stages(operating_model: OperatingModel) -> list[Stage]:
    """Every stage, for the section's list without a journey (one query)."""
    return list(
        Stage.objects.filter(operating_model=operating_model).order_by(
            "journey__position", "journey_id", "position", "pk"
        )
    )


def all_steps(operating_model: OperatingModel) -> list[Step]:
    """Every step, for the section's list without a stage (one query)."""
    return list(
        Step.objects.filter(operating_model=operating_model)
        .select_related("stage", "stage__journey", "squad")
        .order_by("stage__journey__position", "stage__journey_id", "stage__position", "position")
    )


def stage_number(stage: Stage) -> int:
    """A stage's place in its journey (1 for the first), counted for a stage shown alone."""
    before = Stage.objects.filter(journey_id=stage.journey_id, position__lt=stage.position)
    return before.count() + 1


def step_number(step: Step) -> str:
    """``2.3``: the third step of the second stage, counted for a step shown alone."""
    stage = Stage.objects.select_related(None).get(pk=step.stage_id)
    before = Step.objects.filter(stage_id=step.stage_id, position__lt=step.position).count()
    return f"{stage_number(stage)}.{before + 1}"


def journey_list(
    operating_model: OperatingModel,
    findings: list[Finding],
    owner: dict[Any, int] | None = None,
) -> list[JourneyRow]:
    """Every journey with its owner, size, pain points and health findings. Four queries (two
    when the caller has read ``journey_owners``)."""
    journeys = Journey.objects.filter(operating_model=operating_model).order_by("position", "pk")
    rows = {j.pk: JourneyRow(j) for j in journeys}
    for journey_id, count in (
        Stage.objects.filter(operating_model=operating_model)
        .values_list("journey_id")
        .annotate(n=Count("pk"))
        .order_by()
    ):
        rows[journey_id].stages = count
    for journey_id, count, pains in (
        Step.objects.filter(operating_model=operating_model)
        .values_list("stage__journey_id")
        .annotate(n=Count("pk"), pains=Count("pk", filter=~Q(pain_points="")))
        .order_by()
    ):
        rows[journey_id].steps = count
        rows[journey_id].pains = pains
    owner = journey_owners(operating_model) if owner is None else owner
    for finding in findings:
        if finding.section == "journeys.journeys" and finding.part_id in rows:
            rows[finding.part_id].findings.append(finding)
        journey_id = owner.get((finding.section, finding.part_id))
        if journey_id in rows:
            rows[journey_id].findings.append(finding)
    return list(rows.values())


# ---------- the swim-lane map ----------


@dataclass
class Lane:
    squad: Squad | None

    @property
    def key(self) -> int:
        return self.squad.pk if self.squad else NO_SQUAD


@dataclass
class Column:
    stage: Stage
    number: int
    first: bool = False
    last: bool = False
    steps: list[Step] = field(default_factory=list)
    cells: list[tuple[Lane, list[Step]]] = field(default_factory=list)


@dataclass
class JourneyMap:
    journey: Journey
    columns: list[Column]
    lanes: list[Lane]
    editable: bool  # may change the journey and its stages
    lead_of: frozenset[int]  # squads whose steps this user may change

    @property
    def lane_keys(self) -> str:
        """The lanes, as the page compares them after a partial swap."""
        return " ".join(str(lane.key) for lane in self.lanes)

    @property
    def steps(self) -> int:
        return sum(len(c.steps) for c in self.columns)

    @property
    def pains(self) -> int:
        return sum(1 for c in self.columns for s in c.steps if s.pain_points)


def journey_map(
    operating_model: OperatingModel,
    access: Access,
    journey: Journey,
    findings: list[Finding] | None = None,
) -> JourneyMap:
    """Stages as columns, squads as lanes, steps as cards (with their own health findings):
    three queries (stages, steps, their technologies) and the lead's squads, once a request."""
    stages = list(
        Stage.objects.filter(journey=journey).select_related(None).order_by("position", "pk")
    )
    steps = list(
        Step.objects.filter(stage__journey=journey)
        .order_by("position", "pk")
        .prefetch_related(Prefetch("technologies"))
    )
    by_stage: dict[int, list[Step]] = defaultdict(list)
    for step in steps:
        by_stage[step.stage_id].append(step)
    # lanes: the owner first, then squads in the order they first act in the journey
    lanes: dict[int, Lane] = {}
    if journey.owner is not None:
        lanes[journey.owner.pk] = Lane(journey.owner)
    stage_order = {s.pk: i for i, s in enumerate(stages)}
    for step in sorted(steps, key=lambda s: (stage_order.get(s.stage_id, 0), s.position, s.pk)):
        key = step.squad_id or NO_SQUAD
        if key not in lanes:
            lanes[key] = Lane(step.squad)
    lane_list = list(lanes.values())
    if not lane_list:
        lane_list = [Lane(None)]
    problems: dict[int, list[Finding]] = defaultdict(list)
    for finding in findings or []:
        if finding.section == "journeys.steps" and finding.part_id:
            problems[finding.part_id].append(finding)
    columns = []
    for i, stage in enumerate(stages):
        stage.journey = journey  # the map's own journey: no query per stage
        stage.number = i + 1  # type: ignore[attr-defined]
        mine = by_stage.get(stage.pk, [])
        for n, step in enumerate(mine, start=1):
            step.number = f"{i + 1}.{n}"  # type: ignore[attr-defined]
            step.findings = problems.get(step.pk, [])  # type: ignore[attr-defined]
            step.handoff_direction = _direction(  # type: ignore[attr-defined]
                lanes, step.squad_id or NO_SQUAD, step.handoff_to_id
            )
        column = Column(stage, i + 1, first=i == 0, last=i == len(stages) - 1, steps=mine)
        # the column's steps by lane, in one pass (not every step tried for each of 60 lanes)
        by_lane: dict[int, list[Step]] = defaultdict(list)
        for step in mine:
            by_lane[step.squad_id or NO_SQUAD].append(step)
        column.cells = [(lane, by_lane.get(lane.key, [])) for lane in lane_list]
        columns.append(column)
    return JourneyMap(
        journey=journey,
        columns=columns,
        lanes=lane_list,
        editable=access.can_edit,
        # an editor changes every step: whom they lead is never asked (a query saved)
        lead_of=frozenset() if access.can_edit else frozenset(led_squads(access)),
    )


def _direction(lanes: dict[int, Lane], source: int, target: int | None) -> str:
    """Where the receiving squad's lane is from the sending one: up, down or off the map."""
    if not target:
        return ""
    keys = list(lanes)
    if target not in keys or source not in keys:
        return "out"
    return "down" if keys.index(target) > keys.index(source) else "up"


# ---------- pain points across journeys ----------


@dataclass(frozen=True)
class PainJourney:
    pk: int
    name: str


@dataclass(frozen=True)
class PainSquad:
    pk: int
    name: str
    team_type: str


@dataclass(frozen=True)
class PainStep:
    """A step with a pain point, as the pain points table shows it: plain values, no model
    instance (hundreds of rows on a large model, issue 18)."""

    pk: int
    title: str
    automation: str
    pain_points: str
    stage_name: str
    squad: PainSquad | None

    @property
    def automation_label(self) -> str:
        return choice_labels(Step, "automation").get(self.automation, self.automation)


@dataclass
class PainGroup:
    journey: PainJourney
    steps: list[PainStep]


def pain_points(operating_model: OperatingModel) -> list[PainGroup]:
    """Every step with a pain point, by journey and stage order. One query, plain values."""
    rows = (
        Step.objects.filter(operating_model=operating_model)
        .exclude(pain_points="")
        .order_by("stage__journey__position", "stage__journey_id", "stage__position", "position")
        .values_list(
            "pk",
            "title",
            "automation",
            "pain_points",
            "stage__name",
            "stage__journey_id",
            "stage__journey__name",
            "squad_id",
            "squad__name",
            "squad__team_type",
        )
    )
    groups: dict[int, PainGroup] = {}
    squads: dict[int, PainSquad] = {}
    for pk, title, automation, pain, stage, journey_id, journey, squad_id, name, kind in rows:
        squad = None
        if squad_id is not None:
            squad = squads.get(squad_id) or squads.setdefault(
                squad_id, PainSquad(squad_id, name, kind)
            )
        group = groups.get(journey_id)
        if group is None:
            group = groups[journey_id] = PainGroup(PainJourney(journey_id, journey), [])
        group.steps.append(PainStep(pk, title, automation, pain, stage, squad))
    return list(groups.values())


# ---------- one squad's steps everywhere ----------


@dataclass
class SquadSteps:
    squad: Squad
    performs: list[tuple[Journey, list[Step]]]
    receives: list[Step]

    @property
    def count(self) -> int:
        return sum(len(steps) for _, steps in self.performs)


def squad_steps(operating_model: OperatingModel, squad: Squad) -> SquadSteps:
    """The steps a squad performs in every journey, and the hand-offs it receives. Three
    queries."""
    performed = list(
        Step.objects.filter(squad=squad)
        .select_related("stage", "stage__journey")
        .order_by("stage__journey__position", "stage__journey_id", "stage__position", "position")
        .prefetch_related("technologies")
    )
    by_journey: dict[int, tuple[Journey, list[Step]]] = {}
    for step in performed:
        journey = step.stage.journey
        by_journey.setdefault(journey.pk, (journey, []))[1].append(step)
    receives = list(
        Step.objects.filter(handoff_to=squad)
        .select_related("stage", "stage__journey")
        .order_by("stage__journey__position", "stage__position", "position")
    )
    return SquadSteps(squad, list(by_journey.values()), receives)


def map_owners(data: JourneyMap) -> dict[Any, int]:
    """``journey_owners`` of the map's own stages and steps, read from the map (no query)."""
    journey_id = data.journey.pk
    owner: dict[Any, int] = {}
    for column in data.columns:
        owner[("journeys.stages", column.stage.pk)] = journey_id
        for step in column.steps:
            owner[("journeys.steps", step.pk)] = journey_id
    return owner


def journey_findings(
    operating_model: OperatingModel,
    journey: Journey,
    findings: list[Finding],
    owner: dict[Any, int] | None = None,
) -> list[Finding]:
    """The findings about one journey, its stages and its steps (``owner``: which journey
    each stage and step is in, at least for this journey's; read when not given)."""
    owner = journey_owners(operating_model) if owner is None else owner
    return [
        f
        for f in findings
        if (f.section == "journeys.journeys" and f.part_id == journey.pk)
        or owner.get((f.section, f.part_id)) == journey.pk
    ]
