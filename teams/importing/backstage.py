"""A Backstage software catalog (catalog-info YAML files, several entities per file) read as
squads, people and capabilities.

- ``Group`` entities with ``spec.type: team`` are squads: the name is ``metadata.title`` or
  ``metadata.name``, ``metadata.description`` the purpose, ``spec.profile.email`` the contact,
  the parent group's title (or name) the domain; the annotation ``opmodel.io/team-type`` sets
  the team type. Other groups (department, business-unit, ...) are only parents.
- ``User`` entities are people of the teams in their ``spec.memberOf``; a group's
  ``spec.members`` adds people too (named after the User entity when the files hold it).
- ``Component``, ``System`` and ``Resource`` entities are capabilities, their ``spec.owner``
  accountable. The area is the annotation ``opmodel.io/accountability-area``, else the first tag
  that names an area (engineering, governance, facilitation, steering), else engineering.
- ``API``, ``Domain``, ``Location`` and ``Template`` entities are skipped; any other kind is a
  problem.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from teams.models import Area, TeamType

from . import choices
from .records import Bundle, CapabilityIn, PersonIn, Problem, Source, SquadIn
from .yamlfiles import documents, text

TEAM_TYPE_ANNOTATION = "opmodel.io/team-type"
AREA_ANNOTATION = "opmodel.io/accountability-area"
CAPABILITY_KINDS = {"component", "system", "resource"}
SKIPPED_KINDS = {"api", "domain", "location", "template"}
KINDS = CAPABILITY_KINDS | SKIPPED_KINDS | {"group", "user"}


@dataclass
class Entity:
    file: str
    kind: str  # lower case
    name: str
    namespace: str
    raw: dict[str, Any]

    @property
    def label(self) -> str:
        return f"{self.raw.get('kind')} {self.name}"

    @property
    def key(self) -> tuple[str, str, str]:
        return (self.kind, self.namespace.lower(), self.name.lower())

    @property
    def metadata(self) -> dict[str, Any]:
        return self.raw.get("metadata") or {}

    @property
    def spec(self) -> dict[str, Any]:
        spec = self.raw.get("spec")
        return spec if isinstance(spec, dict) else {}

    @property
    def title(self) -> str:
        return text(self.metadata.get("title")) or self.name

    def annotation(self, name: str) -> str | None:
        annotations = self.metadata.get("annotations")
        return text(annotations.get(name)) if isinstance(annotations, dict) else None


def parse_ref(ref: Any, default_kind: str, namespace: str) -> tuple[str, str, str] | None:
    """``[kind:][namespace/]name`` to a key, lower case; None when it is not a reference."""
    value = text(ref)
    if value is None:
        return None
    kind, _, rest = value.rpartition(":") if ":" in value else (default_kind, "", value)
    space, _, name = rest.rpartition("/") if "/" in rest else (namespace, "", rest)
    if not name:
        return None
    return (kind.lower() or default_kind, (space or namespace).lower(), name.lower())


def _entities(sources: list[Source], bundle: Bundle) -> list[Entity]:
    found: list[Entity] = []
    seen: dict[tuple[str, str, str], str] = {}
    for source in sources:
        for number, raw in documents(source, bundle.problems):
            where = f"document {number}"
            if not isinstance(raw, dict):
                bundle.problems.append(Problem(source.name, where, "not an entity (a mapping)"))
                continue
            api = str(raw.get("apiVersion") or "")
            kind = text(raw.get("kind"))
            metadata: dict[str, Any] = raw.get("metadata") or {}
            if not isinstance(metadata, dict):
                metadata = {}
            name = text(metadata.get("name"))
            if kind is None or name is None:
                what = "kind" if kind is None else "metadata.name"
                bundle.problems.append(
                    Problem(source.name, f"{where} ({kind or '?'})", f"no {what}")
                )
                continue
            if not api.startswith("backstage.io/"):
                bundle.problems.append(
                    Problem(
                        source.name,
                        f"{kind} {name}",
                        f"apiVersion {api or '(none)'} is not a Backstage catalog entity",
                    )
                )
                continue
            if kind.lower() not in KINDS:
                bundle.problems.append(
                    Problem(source.name, f"{kind} {name}", f"unknown kind {kind!r}")
                )
                continue
            namespace = text(metadata.get("namespace")) or "default"
            entity = Entity(source.name, kind.lower(), name, namespace, raw)
            if entity.key in seen:
                bundle.problems.append(
                    Problem(
                        source.name, entity.label, f"defined twice (also in {seen[entity.key]})"
                    )
                )
                continue
            seen[entity.key] = source.name
            found.append(entity)
    return found


def _is_team(group: Entity) -> bool:
    return str(group.spec.get("type") or "").strip().lower() == "team"


def backstage_read(sources: list[Source]) -> Bundle:
    """Read a Backstage catalog into a :class:`Bundle` (nothing is compared with a model yet:
    owners and groups the files do not hold are left by name for the plan to find)."""
    bundle = Bundle(kind="backstage")
    entities = _entities(sources, bundle)
    groups = {e.key: e for e in entities if e.kind == "group"}
    users = {e.key: e for e in entities if e.kind == "user"}
    squad_of: dict[tuple[str, str, str], str] = {}  # team group -> squad name
    names: dict[str, str] = {}
    for group in groups.values():
        if not group.spec.get("type"):
            bundle.problems.append(Problem(group.file, group.label, "no spec.type"))
            continue
        if not _is_team(group):
            bundle.skipped.append(
                f"{group.file}: {group.label} is of type {group.spec['type']}, not a team: "
                "only a parent (the domain of its teams)"
            )
            continue
        if group.title.lower() in names:
            bundle.problems.append(
                Problem(
                    group.file,
                    group.label,
                    f"a second team named {group.title!r} ({names[group.title.lower()]})",
                )
            )
            continue
        names[group.title.lower()] = group.label
        squad_of[group.key] = group.title
        bundle.squads.append(_squad(group, groups, bundle))
    members: set[tuple[str, str]] = set()

    def add_person(squad: str, name: str, origin: str) -> None:
        if (squad.lower(), name.lower()) not in members:
            members.add((squad.lower(), name.lower()))
            bundle.people.append(PersonIn(squad=squad, name=name, origin=origin))

    for user in users.values():
        display = _person_name(user)
        refs = user.spec.get("memberOf") or []
        for ref in refs if isinstance(refs, list) else [refs]:
            key = parse_ref(ref, "group", user.namespace)
            if key is None or key[0] != "group":
                bundle.problems.append(
                    Problem(user.file, user.label, f"memberOf {ref!r} is not a group")
                )
                continue
            joined = groups.get(key)
            if joined is not None and not _is_team(joined):
                continue  # a member of a department: no squad to join
            add_person(squad_of.get(key, key[2]), display, f"{user.file}: {user.label}")
    for group in groups.values():
        if group.key not in squad_of:
            continue
        refs = group.spec.get("members") or []
        for ref in refs if isinstance(refs, list) else [refs]:
            key = parse_ref(ref, "user", group.namespace)
            if key is None or key[0] != "user":
                bundle.problems.append(
                    Problem(group.file, group.label, f"member {ref!r} is not a user")
                )
                continue
            member = users.get(key)
            name = _person_name(member) if member is not None else key[2]
            add_person(squad_of[group.key], name, f"{group.file}: {group.label}")
    capabilities: dict[str, str] = {}
    for entity in entities:
        if entity.kind in SKIPPED_KINDS:
            bundle.skipped.append(f"{entity.file}: {entity.label} is not imported")
        elif entity.kind in CAPABILITY_KINDS:
            capability = _capability(entity, groups, squad_of, bundle)
            if capability is None:
                continue
            if capability.name.lower() in capabilities:
                bundle.problems.append(
                    Problem(
                        entity.file,
                        entity.label,
                        f"a second capability named {capability.name!r} "
                        f"({capabilities[capability.name.lower()]})",
                    )
                )
                continue
            capabilities[capability.name.lower()] = entity.label
            bundle.capabilities.append(capability)
    return bundle


def _person_name(user: Entity) -> str:
    profile = user.spec.get("profile")
    display = text(profile.get("displayName")) if isinstance(profile, dict) else None
    return display or user.title


def _squad(group: Entity, groups: dict, bundle: Bundle) -> SquadIn:
    fields: dict[str, Any] = {}
    if description := text(group.metadata.get("description")):
        fields["purpose"] = description
    profile = group.spec.get("profile")
    if isinstance(profile, dict) and (email := text(profile.get("email"))):
        fields["contact"] = email
    if parent_ref := parse_ref(group.spec.get("parent"), "group", group.namespace):
        parent = groups.get(parent_ref)
        fields["domain"] = parent.title if parent is not None else parent_ref[2]
    if (raw_type := group.annotation(TEAM_TYPE_ANNOTATION)) is not None:
        value = choices.team_type(raw_type)
        if value is None:
            bundle.problems.append(
                Problem(
                    group.file,
                    group.label,
                    f"{TEAM_TYPE_ANNOTATION} {raw_type!r} is not a team type "
                    f"({choices.labels(TeamType)})",
                )
            )
        else:
            fields["team_type"] = value
    return SquadIn(name=group.title, origin=f"{group.file}: {group.label}", fields=fields)


def _capability(
    entity: Entity, groups: dict, squad_of: dict, bundle: Bundle
) -> CapabilityIn | None:
    owner = entity.spec.get("owner")
    key = parse_ref(owner, "group", entity.namespace)
    if key is None:
        bundle.problems.append(Problem(entity.file, entity.label, "no spec.owner"))
        return None
    if key[0] != "group":
        bundle.problems.append(
            Problem(
                entity.file,
                entity.label,
                f"owner {owner!r} is a {key[0]}: only a team (a group) can be accountable",
            )
        )
        return None
    group = groups.get(key)
    if group is not None and not _is_team(group):
        bundle.problems.append(
            Problem(
                entity.file,
                entity.label,
                f"owner {owner!r} is of type {group.spec.get('type')}, not a team",
            )
        )
        return None
    area = None
    if (raw_area := entity.annotation(AREA_ANNOTATION)) is not None:
        area = choices.area(raw_area)
        if area is None:
            bundle.problems.append(
                Problem(
                    entity.file,
                    entity.label,
                    f"{AREA_ANNOTATION} {raw_area!r} is not an accountability area "
                    f"({choices.labels(Area)})",
                )
            )
            return None
    else:
        tags = entity.metadata.get("tags")
        for tag in tags if isinstance(tags, list) else []:
            if (area := choices.area(tag)) is not None:
                break
    return CapabilityIn(
        name=entity.title,
        accountable=squad_of.get(key, key[2]),
        origin=f"{entity.file}: {entity.label}",
        area=area,
        description=text(entity.metadata.get("description")),
    )
