"""Team API files as people write them, read as squads, people and interactions:

- opmodel's own shape (``name``, ``type``, ``members``, ``interactions`` ...), one team per
  YAML/JSON document or a ``teams:`` list;
- the TeamAPI-As-Code shape (``teamapi:``, ``info.name``, ``channels``, ``services`` as a list
  of mappings, ``work``, ``meetings``, ``interactions`` with ``teamName``/``team-name``,
  ``startDate`` and ``expectedDuration``; ``platform``, ``dependencies`` and ``searchTerms``
  are read and listed as not imported);
- the official Team API template in Markdown (its bullet list and interaction tables), and
  Markdown files whose YAML front matter holds a team in either shape above.

An interaction without a ``role`` takes its direction from the mode and the team types: in
x-as-a-service a platform provides (whoever lists it), otherwise the listing team consumes; in
facilitating an enabling team facilitates (whoever lists it), otherwise the listing team does.
The accepted shapes are in ``docs/team-api-import.md``.
"""

from __future__ import annotations

import datetime
import re
from dataclasses import dataclass
from typing import Any

from teams.models import InteractionMode, Mode, TeamType

from . import choices
from .records import Bundle, InteractionIn, Origin, PersonIn, Source, SquadIn
from .yamlfiles import MARKDOWN, NotYaml, load, text

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
# TeamAPI-As-Code fields that have no Level 2 field: read, listed as not imported
NOT_IMPORTED = {"platform", "dependencies", "searchTerms", "teamapi"}
KEYS = (
    set(TEXT_FIELDS)
    | {"name", "type", "mode", "members", "interactions", "apiVersion", "kind", "id"}
    | {"info", "channels", "work", "meetings"}
    | NOT_IMPORTED
)
MEMBER_KEYS = {"name", "role", "lead"}
INTERACTION_KEYS = {
    "team",
    "teamName",
    "team-name",
    "mode",
    "role",
    "purpose",
    "until",
    "startDate",
    "expectedDuration",
    "expectedDurationUnit",
    "duration",
    "$ref",
}
# who starts an interaction: for x-as-a-service the consumer, for facilitating the facilitator
WE_START = {"consumer": True, "provider": False, "facilitator": True, "facilitated": False}
ROLES_FOR = {
    InteractionMode.X_AS_A_SERVICE: ("consumer", "provider"),
    InteractionMode.FACILITATING: ("facilitator", "facilitated"),
    InteractionMode.COLLABORATION: (),
}
NOT_A_TEAM = "files that hold no team"


@dataclass
class Raw:
    """One team as found, before interactions are directed (they need every team's type)."""

    where: Origin
    team: dict[str, Any]


def _markdown_team(source: Source, bundle: Bundle) -> list[Raw]:
    """A Markdown file: YAML front matter, or the official template's bullets and tables."""
    body = source.text
    if body.startswith("---"):
        end = body.find("\n---", 3)
        if end != -1:
            try:
                documents = load(body[3:end], first_line=1)
            except NotYaml as exc:
                bundle.problems.append(Origin(source.name, "front matter").problem(str(exc)))
                return []
            if documents and isinstance(documents[0].data, dict):
                return [Raw(Origin(source.name, "front matter", 1, 1), documents[0].data)]
    team = _template(body)
    if team is None:
        bundle.skip(NOT_A_TEAM, f"{source.name}: Markdown without a Team API")
        return []
    if not team.get("name"):
        bundle.skip(NOT_A_TEAM, f"{source.name}: a blank Team API template (no team name)")
        return []
    if soon := team.pop("_soon", None):
        bundle.skip(
            "interactions expected soon (not imported)",
            f"{source.name}: expected soon, not imported: {', '.join(soon)}",
        )
    return [Raw(Origin(source.name, "Team API template", None, team.pop("_line")), team)]


BULLET = re.compile(r"^\s*[*-]\s+(?P<label>[^:]+):\s*(?P<value>.*)$")
NAME_AND_FOCUS = re.compile(r"\s+[-–—]\s+|:\s+|,\s+|\s+\(")


# Template bullets copied as they stand: the bullet's label -> the team's key.
TEMPLATE_KEYS = {
    "team type": "type",
    "our services and systems": "services",
    "ways of working": "waysOfWorking",
}
SOON = "teams we expect to interact with soon"
CURRENT = "teams we currently interact with"


def _template(body: str) -> dict[str, Any] | None:
    """The Team API template (TeamTopologies/Team-API-template): None if ``body`` is not one."""
    if not re.search(r"^\s*[*-]\s+Team name and focus:", body, re.M):
        return None
    team: dict[str, Any] = {"_line": 1}
    interactions: list[dict[str, Any]] = []
    section = ""
    for number, line in enumerate(body.splitlines(), start=1):
        if line.startswith("#"):
            section = line.strip("# ").lower()
        elif match := BULLET.match(line):
            value = match["value"].strip()
            if not set(value) <= set("#_ "):
                _template_bullet(team, match["label"].strip().lower(), value, number)
        elif line.lstrip().startswith("|") and section in (SOON, CURRENT):
            _template_row(team, interactions, section, line)
    if ways := team.pop("_ways", None):
        team["waysOfWorking"] = "\n".join([team.get("waysOfWorking") or "", *ways]).strip()
    if interactions:
        team["interactions"] = interactions
    return team


def _template_bullet(team: dict[str, Any], label: str, value: str, number: int) -> None:
    """One filled-in bullet of the template (``label: value`` on line ``number``)."""
    if label == "team name and focus":
        parts = NAME_AND_FOCUS.split(value, maxsplit=1)
        team["name"], team["_line"] = parts[0].strip(), number
        if len(parts) > 1 and parts[1].strip(" )"):
            team["focus"] = parts[1].strip(" )")
    elif label in TEMPLATE_KEYS:
        team[TEMPLATE_KEYS[label]] = value
    elif label == "chat tool channels":
        team["contact"] = " ".join(w for w in value.split() if set(w) - set("#_"))
    elif label == "time of daily sync meeting":
        team.setdefault("_ways", []).append(f"Daily sync: {value}")


def _template_row(
    team: dict[str, Any], interactions: list[dict[str, Any]], section: str, line: str
) -> None:
    """One table row of the template's "soon" or "currently" interaction tables."""
    cells = [c.strip() for c in line.strip().strip("|").split("|")]
    if section == SOON:
        if (
            cells
            and cells[0]
            and set(cells[0]) - set("-: .")
            and cells[0].lower() != ("team name/focus")
        ):
            team.setdefault("_soon", []).append(cells[0])
        return
    if (
        len(cells) < 2
        or set("".join(cells)) <= set("-: ")
        or cells[0].lower() in ("team name/focus", ".", "")
    ):
        return
    interactions.append({"team": cells[0], "mode": cells[1], "purpose": (cells[2:3] or [""])[0]})


def _raw_teams(source: Source, bundle: Bundle) -> list[Raw]:
    if source.name.lower().endswith(MARKDOWN):
        return _markdown_team(source, bundle)
    try:
        documents = load(source.text)
    except NotYaml as exc:
        bundle.problems.append(Origin(source.name, "").problem(str(exc)))
        return []
    teams: list[Raw] = []
    for document in documents:
        data = document.data
        where = Origin(
            source.name,
            f"document {document.number}",
            document.number,
            document.line,
            tuple(sorted(document.lines.items())),
        )
        if isinstance(data, dict) and isinstance(data.get("teams"), list):
            teams += [
                Raw(Origin(source.name, f"team {i}", document.number, document.line), team)
                for i, team in enumerate(data["teams"], start=1)
            ]
        else:
            teams.append(Raw(where, data))
    return teams


def _flatten(team: dict[str, Any]) -> dict[str, Any]:
    """The TeamAPI-As-Code shape in opmodel's own terms."""
    info = team.get("info")
    if not isinstance(info, dict):
        return team
    flat = {k: v for k, v in team.items() if k != "info"}
    for key in ("name", "focus", "type", "id", "mode", "domain", "purpose", "mission"):
        if key in info:
            flat.setdefault(key, info[key])
    return flat


def _named(items: Any) -> list[str]:
    """A list of names or of mappings with a name (and maybe a url) as Markdown-ready lines."""
    found: list[str] = []
    for item in items if isinstance(items, list) else []:
        if isinstance(item, dict):
            name = text(item.get("name") or item.get("purpose") or item.get("type"))
            if name is None:
                continue
            url = text(item.get("url"))
            found.append(f"{name} ({url})" if url else name)
        elif text(item) is not None:
            found.append(str(text(item)))
    return found


def _bullets(lines: list[str]) -> str | None:
    return "\n".join(f"- {line}" for line in lines) or None


def team_api_read(sources: list[Source], *, strict: bool = False) -> Bundle:
    """Read Team API files into a :class:`Bundle`. Partners the files do not describe are left
    by name for the plan to find."""
    bundle = Bundle(kind="team_api", strict=strict)
    found = _named_teams(sources, bundle)
    types = {
        name.lower(): choices.team_type(team["type"]) if team.get("type") else None
        for _, name, team in found
    }
    interactions: set[tuple[str, str, str]] = set()
    for raw, name, team in found:
        _read_team(bundle, raw, name, team, types, interactions)
    return bundle


def _named_teams(sources: list[Source], bundle: Bundle) -> list[tuple[Raw, str, dict[str, Any]]]:
    """Every team of the files with its name (flattened), once a name: (raw, name, team)."""
    names: dict[str, str] = {}
    found: list[tuple[Raw, str, dict[str, Any]]] = []
    for source in sources:
        bundle.files.append(source.name)
        for raw in _raw_teams(source, bundle):
            if not isinstance(raw.team, dict):
                bundle.skip(NOT_A_TEAM, f"{raw.where}: not a team (a mapping)")
                continue
            team = _flatten(raw.team)
            name = text(team.get("name"))
            if name is None:
                bundle.problems.append(raw.where.problem("no name (name or info.name)", "name"))
                continue
            if name.lower() in names:
                bundle.problems.append(
                    raw.where.problem(f"{name} described twice (also in {names[name.lower()]})")
                )
                continue
            names[name.lower()] = source.name
            found.append((raw, name, team))
    return found


def _read_team(
    bundle: Bundle,
    raw: Raw,
    name: str,
    team: dict[str, Any],
    types: dict[str, Any],
    interactions: set[tuple[str, str, str]],
) -> None:
    """Add one team (its squad, people and interactions not yet listed) unless it has problems."""
    origin = Origin(
        raw.where.file, f"team {name}", raw.where.document, raw.where.line, raw.where.lines
    )
    problems = len(bundle.problems)

    def problem(message: str, field: str = "") -> None:
        bundle.problems.append(origin.problem(message, field))

    if unknown := sorted(set(team) - KEYS):
        problem(f"unknown field{'s' if len(unknown) > 1 else ''} {', '.join(unknown)}")
    if skipped := sorted(set(team) & NOT_IMPORTED - {"teamapi"}):
        bundle.skip(
            "Team API fields with no Level 2 field",
            f"{origin}: {', '.join(skipped)} not imported",
        )
    fields = _fields(team, problem)
    people = _members(team.get("members"), name, origin, problem)
    listed = _interactions(team.get("interactions"), name, origin, types, problem)
    if len(bundle.problems) > problems:
        return
    ref = f"team:{text(team.get('id')) or name}".lower()
    bundle.squads.append(SquadIn(name=name, origin=origin, fields=fields, ref=ref))
    bundle.people += people
    for interaction in listed:
        ends = _interaction_key(interaction)
        if ends not in interactions:
            interactions.add(ends)
            bundle.interactions.append(interaction)


def _fields(team: dict[str, Any], problem: Any) -> dict[str, Any]:
    fields: dict[str, Any] = {}
    for key, model_field in TEXT_FIELDS.items():
        value = team.get(key)
        if isinstance(value, list) and any(isinstance(v, dict) for v in value):
            value = _bullets(_named(value))
        if (value := text(value)) is not None:
            fields[model_field] = value
    work = team.get("work")
    if isinstance(work, dict):
        _work_fields(fields, work)
    if meetings := _meetings(team.get("meetings") or []):
        fields["ways_of_working"] = "\n".join(
            x for x in (fields.get("ways_of_working"), _bullets(meetings)) if x
        )
    channels = [
        f"{c.get('type')}: {c.get('name')}" if c.get("type") else str(c.get("name"))
        for c in team.get("channels") or []
        if isinstance(c, dict) and c.get("name")
    ]
    if channels and "contact" not in fields:
        fields["contact"] = ", ".join(channels)
    _choice_fields(fields, team, problem)
    return fields


def _work_fields(fields: dict[str, Any], work: dict[str, Any]) -> None:
    """TeamAPI-As-Code's ``work``: its ways of working, and what the team works on as focus."""
    ways = _named(work.get("waysOfWorking"))
    if ways and "ways_of_working" not in fields:
        fields["ways_of_working"] = _bullets(ways)
    doing = _named(work.get("services")) + _named(work.get("crossTeam"))
    if doing:
        current = fields.get("focus")
        fields["focus"] = "\n\n".join(
            x for x in (current, "Working on:\n" + str(_bullets(doing))) if x
        )


def _meetings(items: list[Any]) -> list[str]:
    """The team's meetings as lines: "Purpose: day time, N min"."""
    meetings = []
    for meeting in items:
        if isinstance(meeting, dict):
            what = text(meeting.get("purpose") or meeting.get("type")) or "meeting"
            when = " ".join(
                str(meeting[k]) for k in ("dayOfWeek", "timeOfDay") if meeting.get(k) is not None
            )
            minutes = meeting.get("durationMinutes")
            meetings.append(
                f"{what[0].upper()}{what[1:]}: {when}" + (f", {minutes} min" if minutes else "")
            )
    return meetings


def _choice_fields(fields: dict[str, Any], team: dict[str, Any], problem: Any) -> None:
    """The team type and mode, each one of its choices (or a problem)."""
    for key, lookup, options in (
        ("type", choices.team_type, TeamType),
        ("mode", choices.mode, Mode),
    ):
        if team.get(key) is None:
            continue
        value = lookup(team[key])
        if value is None:
            problem(f"{key} {team[key]!r} is not one of {choices.labels(options)}", key)
        else:
            fields["team_type" if key == "type" else "mode"] = value


def _interaction_key(interaction: InteractionIn) -> tuple[str, str, str]:
    ends = [interaction.squad.lower(), interaction.partner.lower()]
    if interaction.mode == InteractionMode.COLLABORATION:
        ends.sort()  # collaboration has no direction
    return (ends[0], ends[1], interaction.mode)


def _members(raw: Any, squad: str, origin: Origin, problem: Any) -> list[PersonIn]:
    if raw is None:
        return []
    if not isinstance(raw, list):
        problem("members must be a list", "members")
        return []
    people: list[PersonIn] = []
    seen: set[str] = set()
    for i, member in enumerate(raw, start=1):
        if isinstance(member, dict):
            name = text(member.get("name"))
            if unknown := sorted(set(member) - MEMBER_KEYS):
                problem(f"member {i}: unknown field {', '.join(unknown)}", f"members[{i}]")
            lead = member.get("lead")
            if lead is not None and not isinstance(lead, bool):
                problem(f"member {i}: lead must be true or false", f"members[{i}]")
                lead = None
            person = PersonIn(squad, name or "", origin, text(member.get("role")) or "", lead)
        else:
            name = text(member)
            person = PersonIn(squad, name or "", origin)
        if name is None:
            problem(f"member {i} has no name", f"members[{i}]")
        elif name.lower() in seen:
            problem(f"member {name!r} is listed twice", f"members[{i}]")
        else:
            seen.add(name.lower())
            person.ref = f"person:{squad}/{name}".lower()
            people.append(person)
    return people


def _date(value: Any) -> datetime.date | None:
    """ISO dates, and the day-first ``01/01/2022`` TeamAPI-As-Code's examples use."""
    if isinstance(value, datetime.date):
        return value
    raw = str(value).strip()
    for pattern in ("%Y-%m-%d", "%d/%m/%Y", "%d.%m.%Y"):
        try:
            return datetime.datetime.strptime(raw, pattern).date()  # noqa: DTZ007 (a date)
        except ValueError:
            continue
    raise ValueError(raw)


def _until(entry: dict[str, Any]) -> datetime.date | None:
    if entry.get("until") is not None:
        return _date(entry["until"])
    duration = entry.get("expectedDuration")
    if entry.get("startDate") is None or not isinstance(duration, int | float):
        return None
    start = _date(entry["startDate"])
    unit = str(entry.get("expectedDurationUnit") or "months").lower().rstrip("s")
    days = {"day": 1, "week": 7, "month": 30.4375, "year": 365.25}.get(unit)
    if start is None or days is None:
        raise ValueError(f"expectedDurationUnit {entry.get('expectedDurationUnit')}")
    return start + datetime.timedelta(days=round(duration * days))


def _direction(mode: str, squad: str, partner: str, types: dict[str, str | None]) -> bool:
    """Without a role: does the listing team start the interaction (consume, facilitate)?"""
    ours, theirs = types.get(squad.lower()), types.get(partner.lower())
    if mode == InteractionMode.X_AS_A_SERVICE:
        # a platform provides X-as-a-service
        return not (ours == TeamType.PLATFORM and theirs != TeamType.PLATFORM)
    if mode == InteractionMode.FACILITATING:
        # the enabling team facilitates
        return not (theirs == TeamType.ENABLING and ours != TeamType.ENABLING)
    return True  # collaboration: the team that lists it


def _interactions(
    raw: Any, squad: str, origin: Origin, types: dict[str, str | None], problem: Any
) -> list[InteractionIn]:
    if raw is None:
        return []
    if not isinstance(raw, list):
        problem("interactions must be a list", "interactions")
        return []
    found: list[InteractionIn] = []
    for i, entry in enumerate(raw, start=1):
        field = f"interactions[{i}]"
        if not isinstance(entry, dict):
            problem(f"interaction {i} is not a mapping", field)
            continue
        partner = text(entry.get("team") or entry.get("teamName") or entry.get("team-name"))
        where = f"interaction {i}" + (f" with {partner}" if partner else "")
        if unknown := sorted(set(entry) - INTERACTION_KEYS):
            problem(f"{where}: unknown field {', '.join(unknown)}", field)
        mode = choices.interaction_mode(entry.get("mode") or "")
        if partner is None:
            problem(f"{where}: no team", field)
            continue
        if partner.lower() == squad.lower():
            problem(f"{where}: a team cannot interact with itself", field)
            continue
        if mode is None:
            problem(
                f"{where}: mode {entry.get('mode')!r} is not one of "
                f"{choices.labels(InteractionMode)}",
                field,
            )
            continue
        role = text(entry.get("role"))
        allowed = ROLES_FOR[InteractionMode(mode)]
        if role is not None and role.lower() not in allowed:
            problem(
                f"{where}: role {role!r} does not fit {InteractionMode(mode).label} "
                f"({' or '.join(allowed) or 'no role'})",
                field,
            )
            continue
        try:
            until = _until(entry)
        except ValueError as exc:
            problem(f"{where}: {exc} is not a date (YYYY-MM-DD)", field)
            continue
        if role is not None:
            we_start = WE_START.get(role.lower(), True)
        else:
            we_start = _direction(mode, squad, partner, types)
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
