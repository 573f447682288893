"""Team API files (Team Topologies' team API as code, YAML or JSON) read as squads, people and
interactions. The accepted shape is in ``docs/team-api-import.md``."""

from __future__ import annotations

import datetime
from typing import Any

from teams.models import InteractionMode, Mode, TeamType

from . import choices
from .records import Bundle, InteractionIn, PersonIn, Problem, Source, SquadIn
from .yamlfiles import documents, text

TEXT_FIELDS = {
    "domain": "domain",
    "purpose": "purpose",
    "mission": "purpose",
    "focus": "focus",
    "services": "services",
    "ways_of_working": "ways_of_working",
    "waysOfWorking": "ways_of_working",
    "contact": "contact",
}
KEYS = set(TEXT_FIELDS) | {"name", "type", "mode", "members", "interactions", "apiVersion", "kind"}
MEMBER_KEYS = {"name", "role", "lead"}
INTERACTION_KEYS = {"team", "mode", "role", "purpose", "until"}
# who starts an interaction: for x-as-a-service the consumer, for facilitating the facilitator
WE_START = {"consumer": True, "provider": False, "facilitator": True, "facilitated": False}
ROLES_FOR = {
    InteractionMode.X_AS_A_SERVICE: ("consumer", "provider"),
    InteractionMode.FACILITATING: ("facilitator", "facilitated"),
    InteractionMode.COLLABORATION: (),
}


def _teams(source: Source, bundle: Bundle) -> list[tuple[str, dict[str, Any]]]:
    teams = []
    for number, document in documents(source, bundle.problems):
        where = f"document {number}"
        if isinstance(document, dict) and isinstance(document.get("teams"), list):
            listed = document["teams"]
            teams += [(f"{where}, team {i}", team) for i, team in enumerate(listed, start=1)]
        else:
            teams.append((where, document))
    return teams


def team_api_read(sources: list[Source]) -> Bundle:
    """Read Team API files into a :class:`Bundle`: one team per document, or a ``teams:``
    list. Partners the files do not describe are left by name for the plan to find."""
    bundle = Bundle(kind="team_api")
    names: dict[str, str] = {}
    interactions: set[tuple[str, str, str]] = set()
    for source in sources:
        for where, team in _teams(source, bundle):
            if not isinstance(team, dict):
                bundle.problems.append(Problem(source.name, where, "not a team (a mapping)"))
                continue
            name = text(team.get("name"))
            if name is None:
                bundle.problems.append(Problem(source.name, where, "no name"))
                continue
            label = f"team {name}"
            problems = len(bundle.problems)

            def problem(message: str, label: str = label, file: str = source.name) -> None:
                bundle.problems.append(Problem(file, label, message))

            if name.lower() in names:
                problem(f"described twice (also in {names[name.lower()]})")
                continue
            names[name.lower()] = source.name
            if unknown := sorted(set(team) - KEYS):
                problem(f"unknown field{'s' if len(unknown) > 1 else ''} {', '.join(unknown)}")
            fields: dict[str, Any] = {}
            for key, model_field in TEXT_FIELDS.items():
                if (value := text(team.get(key))) is not None:
                    fields[model_field] = value
            for key, lookup, options in (
                ("type", choices.team_type, TeamType),
                ("mode", choices.mode, Mode),
            ):
                if team.get(key) is None:
                    continue
                value = lookup(team[key])
                if value is None:
                    problem(f"{key} {team[key]!r} is not one of {choices.labels(options)}")
                else:
                    fields["team_type" if key == "type" else "mode"] = value
            origin = f"{source.name}: {label}"
            people = _members(team.get("members"), name, origin, problem)
            found = _interactions(team.get("interactions"), name, origin, problem)
            if len(bundle.problems) > problems:
                continue
            bundle.squads.append(SquadIn(name=name, origin=origin, fields=fields))
            bundle.people += people
            for interaction in found:
                ends = _interaction_key(interaction)
                if ends not in interactions:
                    interactions.add(ends)
                    bundle.interactions.append(interaction)
    return bundle


def _interaction_key(interaction: InteractionIn) -> tuple[str, str, str]:
    ends = [interaction.squad.lower(), interaction.partner.lower()]
    if interaction.mode == InteractionMode.COLLABORATION:
        ends.sort()  # collaboration has no direction
    return (ends[0], ends[1], interaction.mode)


def _members(raw: Any, squad: str, origin: str, problem: Any) -> list[PersonIn]:
    if raw is None:
        return []
    if not isinstance(raw, list):
        problem("members must be a list")
        return []
    people: list[PersonIn] = []
    seen: set[str] = set()
    for i, member in enumerate(raw, start=1):
        if isinstance(member, dict):
            name = text(member.get("name"))
            if unknown := sorted(set(member) - MEMBER_KEYS):
                problem(f"member {i}: unknown field {', '.join(unknown)}")
            lead = member.get("lead")
            if lead is not None and not isinstance(lead, bool):
                problem(f"member {i}: lead must be true or false")
                lead = None
            person = PersonIn(squad, name or "", origin, text(member.get("role")) or "", lead)
        else:
            name = text(member)
            person = PersonIn(squad, name or "", origin)
        if name is None:
            problem(f"member {i} has no name")
        elif name.lower() in seen:
            problem(f"member {name!r} is listed twice")
        else:
            seen.add(name.lower())
            people.append(person)
    return people


def _interactions(raw: Any, squad: str, origin: str, problem: Any) -> list[InteractionIn]:
    if raw is None:
        return []
    if not isinstance(raw, list):
        problem("interactions must be a list")
        return []
    found: list[InteractionIn] = []
    for i, entry in enumerate(raw, start=1):
        if not isinstance(entry, dict):
            problem(f"interaction {i} is not a mapping")
            continue
        partner = text(entry.get("team"))
        where = f"interaction {i}" + (f" with {partner}" if partner else "")
        if unknown := sorted(set(entry) - INTERACTION_KEYS):
            problem(f"{where}: unknown field {', '.join(unknown)}")
        mode = choices.interaction_mode(entry.get("mode") or "")
        if partner is None:
            problem(f"{where}: no team")
            continue
        if partner.lower() == squad.lower():
            problem(f"{where}: a team cannot interact with itself")
            continue
        if mode is None:
            problem(
                f"{where}: mode {entry.get('mode')!r} is not one of "
                f"{choices.labels(InteractionMode)}"
            )
            continue
        role = text(entry.get("role"))
        allowed = ROLES_FOR[InteractionMode(mode)]
        if role is not None and role.lower() not in allowed:
            problem(
                f"{where}: role {role!r} does not fit {InteractionMode(mode).label} "
                f"({' or '.join(allowed) or 'no role'})"
            )
            continue
        until = entry.get("until")
        if isinstance(until, str):
            try:
                until = datetime.date.fromisoformat(until)
            except ValueError:
                problem(f"{where}: until {until!r} is not a date (YYYY-MM-DD)")
                continue
        elif until is not None and not isinstance(until, datetime.date):
            problem(f"{where}: until {until!r} is not a date (YYYY-MM-DD)")
            continue
        side = role or (allowed[0] if allowed else "")
        we_start = WE_START.get(side.lower(), True)  # collaboration: the team that lists it
        starter, other = (squad, partner) if we_start else (partner, squad)
        found.append(
            InteractionIn(
                squad=starter,
                partner=other,
                mode=mode,
                origin=origin,
                purpose=text(entry.get("purpose")),
                expected_end=until,
            )
        )
    return found
