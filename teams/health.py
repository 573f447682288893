"""Level 2 health checks: the team structure checks itself. Each check costs one or two queries
whatever the model's size."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Iterator

from django.conf import settings
from django.db.models import Count, Q
from django.utils import timezone

from opmodel.models import OperatingModel
from opmodel.registry import Finding, Severity

from .models import (
    Accountability,
    Capability,
    Interaction,
    InteractionMode,
    Responsibility,
    Squad,
    TeamType,
)


def _accountable_by_capability(model: OperatingModel) -> dict[int, list[str]]:
    owners: dict[int, list[str]] = defaultdict(list)
    for capability_id, squad in Accountability.objects.filter(
        operating_model=model, role=Responsibility.ACCOUNTABLE
    ).values_list("capability_id", "squad__name"):
        owners[capability_id].append(squad)
    return owners


def _without_accountable(
    capabilities: Iterable[tuple[int, str, str]], owners: dict[int, list[str]]
) -> Iterator[Finding]:
    for pk, name, area in capabilities:
        if not owners.get(pk):
            yield Finding(
                "no-accountable-squad",
                Severity.ERROR,
                f"No squad is accountable for {name}: who answers when it goes wrong?",
                "teams.capabilities",
                pk,
                query=f"area={area}",
            )


def _several_accountable(
    capabilities: dict[int, tuple[str, str]], owners: dict[int, list[str]]
) -> Iterator[Finding]:
    for pk, squads in owners.items():
        if len(squads) > 1:
            name, area = capabilities.get(pk, ("?", ""))
            yield Finding(
                "several-accountable-squads",
                Severity.ERROR,
                f"{len(squads)} squads are accountable for {name} "
                f"({', '.join(sorted(squads))}): exactly one should be.",
                "teams.capabilities",
                pk,
                query=f"area={area}" if area else "",
            )


def capability_without_accountable(model: OperatingModel) -> Iterator[Finding]:
    owners = _accountable_by_capability(model)
    rows = Capability.objects.filter(operating_model=model).values_list("pk", "name", "area")
    yield from _without_accountable(rows, owners)


def capability_with_several_accountable(model: OperatingModel) -> Iterator[Finding]:
    owners = _accountable_by_capability(model)
    rows = Capability.objects.filter(operating_model=model, pk__in=list(owners))
    capabilities = {pk: (name, area) for pk, name, area in rows.values_list("pk", "name", "area")}
    yield from _several_accountable(capabilities, owners)


def capability_accountable(model: OperatingModel) -> Iterator[Finding]:
    """``capability_without_accountable`` then ``capability_with_several_accountable``, the
    same findings in the same order, from one read of the accountable squads and one of the
    capabilities (two queries instead of four: the section registers this one, issue 18)."""
    owners = _accountable_by_capability(model)
    rows = list(Capability.objects.filter(operating_model=model).values_list("pk", "name", "area"))
    yield from _without_accountable(rows, owners)
    yield from _several_accountable({pk: (name, area) for pk, name, area in rows}, owners)


def squad_overloaded(model: OperatingModel) -> Iterator[Finding]:
    limit = settings.TEAMS_COGNITIVE_LOAD_LIMIT
    load = Count(
        "accountabilities",
        filter=Q(
            accountabilities__role__in=[Responsibility.ACCOUNTABLE, Responsibility.RESPONSIBLE]
        ),
    )
    for pk, name, count in (
        Squad.objects.filter(operating_model=model)
        .annotate(load=load)
        .filter(load__gt=limit)
        .values_list("pk", "name", "load")
    ):
        yield Finding(
            "squad-overloaded",
            Severity.WARNING,
            f"{name} is accountable or responsible for {count} capabilities, more than the "
            f"cognitive-load limit of {limit}.",
            "teams.squads",
            pk,
        )


def platform_without_consumers(model: OperatingModel) -> Iterator[Finding]:
    consumed = Interaction.objects.filter(
        operating_model=model, mode=InteractionMode.X_AS_A_SERVICE
    ).values("partner_id")
    for pk, name in (
        Squad.objects.filter(operating_model=model, team_type=TeamType.PLATFORM)
        .exclude(pk__in=consumed)
        .values_list("pk", "name")
    ):
        yield Finding(
            "platform-without-consumers",
            Severity.WARNING,
            f"No squad consumes {name} as a service: is this platform needed?",
            "teams.squads",
            pk,
        )


def collaboration_overdue(model: OperatingModel) -> Iterator[Finding]:
    today = timezone.localdate()
    for interaction in Interaction.objects.filter(
        operating_model=model,
        mode=InteractionMode.COLLABORATION,
        expected_end__lt=today,
    ):
        yield Finding(
            "collaboration-overdue",
            Severity.WARNING,
            f"The collaboration of {interaction.squad} with {interaction.partner} was expected "
            f"to end on {interaction.expected_end:%d %b %Y}: end it or move it to a service.",
            "teams.interactions",
            interaction.pk,
        )


def squad_people(model: OperatingModel) -> Iterator[Finding]:
    people = Count("people")
    leads = Count("people", filter=Q(people__is_lead=True))
    for pk, name, count, lead_count in (
        Squad.objects.filter(operating_model=model)
        .annotate(n=people, leads=leads)
        .values_list("pk", "name", "n", "leads")
    ):
        if count <= 1:
            yield Finding(
                "squad-one-person",
                Severity.WARNING,
                f"{name} has {'one person' if count else 'no people'}: its knowledge sits with "
                f"{'one person' if count else 'nobody'}.",
                "teams.squads",
                pk,
            )
        if count and not lead_count:
            yield Finding(
                "squad-no-lead",
                Severity.WARNING,
                f"{name} has no team lead.",
                "teams.squads",
                pk,
            )


def squad_without_capability(model: OperatingModel) -> Iterator[Finding]:
    for pk, name in (
        Squad.objects.filter(operating_model=model, accountabilities__isnull=True)
        .values_list("pk", "name")
        .distinct()
    ):
        yield Finding(
            "squad-no-capability",
            Severity.INFO,
            f"{name} has no role for any capability in the accountability model.",
            "teams.squads",
            pk,
        )
