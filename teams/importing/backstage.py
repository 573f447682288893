"""A Backstage software catalog read as it is found in a repository: squads, people and
capabilities, and everything else listed as skipped (never a blocker).

- Files that are not catalog entities (no ``kind``, another apiVersion: workflows, Helm charts,
  package files, OpenAPI documents, Markdown) and kinds without Level 2 meaning (Template, API,
  Domain, Environment, AiResource, any unknown kind) are skipped and counted by reason.
- ``Location`` entities are followed: relative file targets and globs, resolved against the
  Location's file, each file read once (a cycle guard); URL targets are noted, not fetched.
- ``Group`` entities whose ``spec.type`` is one of the team types (``team`` and ``squad`` by
  default: ``--team-types``) are squads named ``spec.profile.displayName``, else
  ``metadata.title``, else ``metadata.name``; ``metadata.description`` is the purpose,
  ``spec.profile.email`` the contact, the parent group (``spec.parent``, or the group listing
  it in ``spec.children``) names the domain; the annotation ``opmodel.io/team-type`` sets the
  team type. Other groups are only parents.
- ``User`` entities are people of the teams of their ``spec.memberOf``; a team's
  ``spec.members`` adds people too. Two users of one name in different namespaces stay two
  people (the second is named with its namespace).
- ``Component``, ``System`` and ``Resource`` entities are capabilities, their ``spec.owner``
  accountable. A user owner makes their team accountable (via ``memberOf``); an owner that is
  no team, or found nowhere, leaves the capability unowned (a warning; a problem under
  ``--strict``). The area is the annotation ``opmodel.io/accountability-area``, else the
  first tag naming an area, else engineering.
- Refs are ``[kind:][namespace/]name``, the namespace defaulting to the entity's own;
  ``$text``, ``$json`` and ``$yaml`` substitutions are read from files relative to the entity's
  file; the Backstage REST API's JSON (a list of entities, or ``{"items": [...]}``) is read too.
"""

from __future__ import annotations

import fnmatch
import json
import posixpath
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from teams.models import Area, TeamType

from . import choices
from .records import Bundle, CapabilityIn, Origin, PersonIn, Problem, Source, SquadIn
from .yamlfiles import MARKDOWN, Document, NotYaml, load, text

TEAM_TYPE_ANNOTATION = "opmodel.io/team-type"
AREA_ANNOTATION = "opmodel.io/accountability-area"
CAPABILITY_KINDS = {"component", "system", "resource"}
KINDS = CAPABILITY_KINDS | {"group", "user", "location"}
DEFAULT_TEAM_TYPES = ("team", "squad")
NOT_ENTITY = "files or documents that are not catalog entities"

# Opens a path that is not among the given sources (None when there is no such file).
Opener = Callable[[str], "Source | None"]
# Lists the paths a glob matches outside the given sources.
Globber = Callable[[str], "list[str]"]


@dataclass
class Entity:
    file: str
    kind: str  # lower case
    name: str
    namespace: str
    raw: dict[str, Any]
    document: int = 0
    line: int = 0
    lines: dict[str, int] | None = None

    @property
    def ref(self) -> str:
        return f"{self.kind}:{self.namespace.lower()}/{self.name.lower()}"

    @property
    def label(self) -> str:
        return self.ref

    @property
    def key(self) -> tuple[str, str, str]:
        return (self.kind, self.namespace.lower(), self.name.lower())

    @property
    def metadata(self) -> dict[str, Any]:
        metadata = self.raw.get("metadata")
        return metadata if isinstance(metadata, dict) else {}

    @property
    def spec(self) -> dict[str, Any]:
        spec = self.raw.get("spec")
        return spec if isinstance(spec, dict) else {}

    @property
    def title(self) -> str:
        return text(self.metadata.get("title")) or self.name

    @property
    def display(self) -> str:
        profile = self.spec.get("profile")
        shown = text(profile.get("displayName")) if isinstance(profile, dict) else None
        return shown or self.title

    @property
    def origin(self) -> Origin:
        return Origin(
            self.file,
            self.ref,
            self.document,
            self.line,
            tuple(sorted((self.lines or {}).items())),
        )

    def annotation(self, name: str) -> str | None:
        annotations = self.metadata.get("annotations")
        return text(annotations.get(name)) if isinstance(annotations, dict) else None


def parse_ref(ref: Any, default_kind: str, namespace: str) -> tuple[str, str, str] | None:
    """``[kind:][namespace/]name`` to a key, lower case; None when it is not a reference."""
    value = text(ref)
    if value is None:
        return None
    kind, _, rest = value.partition(":") if ":" in value else (default_kind, "", value)
    space, _, name = rest.rpartition("/") if "/" in rest else (namespace, "", rest)
    if not name:
        return None
    return (kind.strip().lower() or default_kind, (space or namespace).lower(), name.lower())


def ref_text(key: tuple[str, str, str]) -> str:
    return f"{key[0]}:{key[1]}/{key[2]}"


class Catalog:
    """The files of a catalog, by normalised path, read on demand (Location targets and
    substitutions) with a guard against reading one file twice."""

    def __init__(
        self, sources: list[Source], opener: Opener | None, globber: Globber | None
    ) -> None:
        self.given = {posixpath.normpath(s.name): s for s in sources}
        self.opener = opener
        self.globber = globber
        self.read: set[str] = set()

    def find(self, path: str) -> Source | None:
        path = posixpath.normpath(path)
        if path in self.given:
            return self.given[path]
        if self.opener is not None:
            found = self.opener(path)
            if found is not None:
                self.given[path] = found
            return found
        # uploaded files come without their folders: a file of that name, if only one
        named = [
            s for p, s in self.given.items() if posixpath.basename(p) == posixpath.basename(path)
        ]
        return named[0] if len(named) == 1 else None

    def glob(self, pattern: str) -> list[str]:
        pattern = posixpath.normpath(pattern)
        matched = {p for p in self.given if fnmatch.fnmatch(p, pattern)}
        if self.globber is not None:
            matched |= {posixpath.normpath(p) for p in self.globber(pattern)}
        return sorted(matched)


def _is_url(target: str) -> bool:
    return "://" in target


def _documents(source: Source, bundle: Bundle) -> list[Document]:
    if source.name.lower().endswith(MARKDOWN):
        bundle.skip(NOT_ENTITY, f"{source.name}: Markdown, not a catalog entity")
        return []
    try:
        loaded = load(source.text)
    except NotYaml as exc:
        if exc.refused or ("backstage.io/" in source.text and "kind:" in source.text):
            bundle.problems.append(Problem(source.name, "", str(exc), line=exc.line))
        else:
            bundle.skip(NOT_ENTITY, f"{source.name}: not YAML or JSON ({exc})")
        return []
    flat: list[Document] = []
    for document in loaded:
        data = document.data
        if isinstance(data, dict) and isinstance(data.get("items"), list) and "kind" not in data:
            data = data["items"]  # the REST API's {"items": [...]}
        if isinstance(data, list) and data and all(isinstance(e, dict) for e in data):
            flat += [Document(document.number, document.line, e) for e in data]
        else:
            flat.append(document)
    return flat


def _entities(catalog: Catalog, bundle: Bundle) -> list[Entity]:
    found: list[Entity] = []
    seen: dict[tuple[str, str, str], str] = {}
    queue = list(catalog.given.values())
    while queue:
        source = queue.pop(0)
        path = posixpath.normpath(source.name)
        if path in catalog.read:
            continue
        catalog.read.add(path)
        bundle.files.append(source.name)
        for document in _documents(source, bundle):
            entity = _entity(source, document, bundle)
            if entity is None:
                continue
            if entity.key in seen:
                if seen[entity.key] != source.name:
                    bundle.problems.append(
                        entity.origin.problem(f"defined twice (also in {seen[entity.key]})")
                    )
                continue
            seen[entity.key] = source.name
            if entity.kind == "location":
                queue += _follow(entity, catalog, bundle)
                bundle.skip("Locations (followed)", f"{entity.file}: {entity.ref} followed")
                continue
            found.append(entity)
    return found


def _entity(source: Source, document: Document, bundle: Bundle) -> Entity | None:
    raw = document.data
    where = f"{source.name}: document {document.number}"
    if not isinstance(raw, dict):
        bundle.skip(NOT_ENTITY, f"{where} is not a mapping")
        return None
    api = str(raw.get("apiVersion") or "")
    kind = text(raw.get("kind"))
    if kind is not None and "backstage.io/" in api and not api.startswith("backstage.io/"):
        # scaffolder.backstage.io/v1beta3 Templates and other Backstage-made kinds
        bundle.skip(f"{kind} entities", f"{where}: {kind} ({api}) has no Level 2 meaning")
        return None
    if kind is None or not api.startswith("backstage.io/"):
        what = f"apiVersion {api}" if api else "no apiVersion"
        bundle.skip(NOT_ENTITY, f"{where} ({kind or 'no kind'}, {what})")
        return None
    metadata: dict[str, Any] = raw["metadata"] if isinstance(raw.get("metadata"), dict) else {}
    name = text(metadata.get("name"))
    if kind.lower() not in KINDS:
        bundle.skip(f"{kind} entities", f"{where}: {kind} {name or '?'} has no Level 2 meaning")
        return None
    if name is None:
        problem = Origin(source.name, kind, document.number, document.line).problem(
            "no metadata.name", "metadata.name"
        )
        bundle.problems.append(problem)
        return None
    namespace = text(metadata.get("namespace")) or "default"
    return Entity(
        source.name,
        kind.lower(),
        name,
        namespace,
        raw,
        document.number,
        document.line,
        document.lines,
    )


def _follow(location: Entity, catalog: Catalog, bundle: Bundle) -> list[Source]:
    spec = location.spec
    targets: list[Any] = spec["targets"] if isinstance(spec.get("targets"), list) else []
    if text(spec.get("target")):
        targets = [spec["target"], *targets]
    base = posixpath.dirname(posixpath.normpath(location.file))
    found: list[Source] = []
    for raw in targets:
        target = text(raw)
        if target is None:
            continue
        if _is_url(target) or str(spec.get("type") or "file") not in ("file", ""):
            bundle.warn(
                location.origin.problem(
                    f"target {target} is a URL: it is not fetched; import its files too",
                    "spec.targets",
                )
            )
            continue
        path = posixpath.join(base, target)
        paths = catalog.glob(path) if any(c in target for c in "*?[") else [path]
        for one in paths:
            source = catalog.find(one)
            if source is None:
                bundle.warn(location.origin.problem(f"target {target} not found", "spec.targets"))
            elif posixpath.normpath(source.name) not in catalog.read:
                found.append(source)
    return found


def _substitute(value: Any, entity: Entity, catalog: Catalog, bundle: Bundle) -> Any:
    """``{$text|$json|$yaml: path}`` read from a file relative to the entity's file."""
    if not (isinstance(value, dict) and len(value) == 1):
        return value
    how, target = next(iter(value.items()))
    if how not in ("$text", "$json", "$yaml") or text(target) is None:
        return value
    target = str(target).strip()
    if _is_url(target):
        bundle.warn(entity.origin.problem(f"{how} {target} is a URL: not fetched"))
        return None
    path = posixpath.join(posixpath.dirname(posixpath.normpath(entity.file)), target)
    source = catalog.find(path)
    if source is None:
        bundle.warn(entity.origin.problem(f"{how} {target} not found"))
        return None
    if how == "$text":
        return source.text
    try:
        if how == "$json":
            return json.loads(source.text)
        documents = load(source.text)
        return documents[0].data if documents else None
    except (ValueError, NotYaml) as exc:
        bundle.problems.append(entity.origin.problem(f"{how} {target}: {exc}"))
        return None


def _resolve(entity: Entity, catalog: Catalog, bundle: Bundle) -> None:
    """Substitutions in the fields the import reads."""
    metadata, spec = entity.metadata, entity.spec
    for holder, name in (
        (metadata, "description"),
        (metadata, "title"),
        (spec, "owner"),
        (spec, "type"),
        (spec, "parent"),
        (spec, "profile"),
        (spec, "memberOf"),
        (spec, "members"),
        (spec, "children"),
    ):
        if name in holder:
            holder[name] = _substitute(holder[name], entity, catalog, bundle)
    profile = spec.get("profile")
    if isinstance(profile, dict):
        for name in ("displayName", "email"):
            if name in profile:
                profile[name] = _substitute(profile[name], entity, catalog, bundle)


def _refs(value: Any) -> list[Any]:
    if value is None:
        return []
    return value if isinstance(value, list) else [value]


def backstage_read(
    sources: list[Source],
    *,
    team_types: tuple[str, ...] | list[str] = DEFAULT_TEAM_TYPES,
    strict: bool = False,
    opener: Opener | None = None,
    globber: Globber | None = None,
) -> Bundle:
    """Read a Backstage catalog into a :class:`Bundle` (nothing is compared with a model yet:
    owners and groups the files do not hold are left by ref for the plan to find)."""
    bundle = Bundle(kind="backstage", strict=strict)
    catalog = Catalog(sources, opener, globber)
    entities = _entities(catalog, bundle)
    for entity in entities:
        _resolve(entity, catalog, bundle)
    is_team = _team_test(team_types)
    groups = {e.key: e for e in entities if e.kind == "group"}
    users = {e.key: e for e in entities if e.kind == "user"}
    squad_of = _squads(bundle, groups, _parents(groups), is_team)
    _people(bundle, groups, users, squad_of, is_team)
    _capabilities(bundle, entities, groups, users, squad_of, is_team)
    return bundle


def _team_test(team_types: tuple[str, ...] | list[str]) -> Callable[[Entity | None], bool]:
    """Whether a group is a team: its ``spec.type`` is one of ``team_types``."""
    kinds = {t.strip().lower() for t in team_types if t.strip()}

    def is_team(group: Entity | None) -> bool:
        return group is not None and str(group.spec.get("type") or "").strip().lower() in kinds

    return is_team


def _parents(groups: dict[tuple[str, str, str], Entity]) -> dict[tuple[str, str, str], Entity]:
    """Each group's parent: named by the parent's ``children`` or the child's ``parent``."""
    parent_of: dict[tuple[str, str, str], Entity] = {}
    for group in groups.values():
        for ref in _refs(group.spec.get("children")):
            child = parse_ref(ref, "group", group.namespace)
            if child is not None:
                parent_of.setdefault(child, group)
    for group in groups.values():
        parent = parse_ref(group.spec.get("parent"), "group", group.namespace)
        if parent is not None and parent in groups:
            parent_of[group.key] = groups[parent]
    return parent_of


def _squads(
    bundle: Bundle,
    groups: dict[tuple[str, str, str], Entity],
    parent_of: dict[tuple[str, str, str], Entity],
    is_team: Callable[[Entity | None], bool],
) -> dict[tuple[str, str, str], str]:
    """Add a squad for each team group (once a name); answer each team group's squad name."""
    squad_of: dict[tuple[str, str, str], str] = {}
    names: dict[str, str] = {}
    for group in groups.values():
        if not is_team(group):
            kind = group.spec.get("type") or "no type"
            bundle.skip(
                "groups that are not teams (only parents)",
                f"{group.file}: {group.ref} is of type {kind}: only the domain of its teams",
            )
            continue
        if group.display.lower() in names:
            bundle.problems.append(
                group.origin.problem(
                    f"a second team named {group.display!r} ({names[group.display.lower()]})",
                    "spec.profile.displayName",
                )
            )
            continue
        names[group.display.lower()] = group.ref
        squad_of[group.key] = group.display
        bundle.squads.append(_squad(group, parent_of.get(group.key), bundle))
    return squad_of


def _capabilities(
    bundle: Bundle,
    entities: list[Entity],
    groups: dict[tuple[str, str, str], Entity],
    users: dict[tuple[str, str, str], Entity],
    squad_of: dict[tuple[str, str, str], str],
    is_team: Callable[[Entity | None], bool],
) -> None:
    """Add a capability for each component, system and resource; a second of one name is renamed."""
    capabilities: dict[str, str] = {}
    for entity in entities:
        if entity.kind not in CAPABILITY_KINDS:
            continue
        capability = _capability(entity, groups, users, squad_of, is_team, bundle)
        if capability is None:
            continue
        if capability.name.lower() in capabilities:
            other = capabilities[capability.name.lower()]
            capability.name = f"{capability.name} ({entity.namespace})"
            bundle.warn(
                entity.origin.problem(
                    f"{other} has the same name: imported as {capability.name!r}",
                    "metadata.name",
                )
            )
        capabilities[capability.name.lower()] = entity.ref
        bundle.capabilities.append(capability)


def _people(
    bundle: Bundle,
    groups: dict[tuple[str, str, str], Entity],
    users: dict[tuple[str, str, str], Entity],
    squad_of: dict[tuple[str, str, str], str],
    is_team: Callable[[Entity | None], bool],
) -> None:
    members: dict[tuple[str, str], str] = {}  # (squad, person name) -> user ref
    added: set[tuple[str, str]] = set()  # (squad, user ref)

    def add(squad: str, user: Entity | None, key: tuple[str, str, str], origin: Origin) -> None:
        ref = user.ref if user is not None else ref_text(key)
        if (squad.lower(), ref) in added:
            return
        added.add((squad.lower(), ref))
        name = user.display if user is not None else key[2]
        if (squad.lower(), name.lower()) in members:
            other = members[(squad.lower(), name.lower())]
            renamed = f"{name} ({user.namespace if user is not None else key[1]})"
            bundle.warn(
                origin.problem(
                    f"{other} in {squad} has the same name: imported as {renamed!r}",
                    "spec.profile.displayName",
                )
            )
            name = renamed
        members[(squad.lower(), name.lower())] = ref
        bundle.people.append(PersonIn(squad=squad, name=name, origin=origin, ref=ref))

    for user in users.values():
        for ref in _refs(user.spec.get("memberOf")):
            key = parse_ref(ref, "group", user.namespace)
            if key is None or key[0] != "group":
                bundle.warn(
                    user.origin.problem(f"memberOf {ref!r} is not a group", "spec.memberOf")
                )
                continue
            joined = groups.get(key)
            if joined is not None and not is_team(joined):
                continue  # a member of a department: no squad to join
            add(squad_of.get(key, key[2]), user, key, user.origin)
    for group in groups.values():
        if group.key not in squad_of:
            continue
        for ref in _refs(group.spec.get("members")):
            key = parse_ref(ref, "user", group.namespace)
            if key is None or key[0] != "user":
                bundle.warn(group.origin.problem(f"member {ref!r} is not a user", "spec.members"))
                continue
            add(squad_of[group.key], users.get(key), key, group.origin)


def _squad(group: Entity, parent: Entity | None, bundle: Bundle) -> SquadIn:
    fields: dict[str, Any] = {}
    if description := text(group.metadata.get("description")):
        fields["purpose"] = description
    profile = group.spec.get("profile")
    if isinstance(profile, dict) and (email := text(profile.get("email"))):
        fields["contact"] = email
    if parent is not None:
        fields["domain"] = parent.display
    elif parent_ref := parse_ref(group.spec.get("parent"), "group", group.namespace):
        fields["domain"] = parent_ref[2]
    if (raw_type := group.annotation(TEAM_TYPE_ANNOTATION)) is not None:
        value = choices.team_type(raw_type)
        if value is None:
            bundle.problems.append(
                group.origin.problem(
                    f"{TEAM_TYPE_ANNOTATION} {raw_type!r} is not a team type "
                    f"({choices.labels(TeamType)})",
                    f"metadata.annotations.{TEAM_TYPE_ANNOTATION}",
                )
            )
        else:
            fields["team_type"] = value
    return SquadIn(name=group.display, origin=group.origin, fields=fields, ref=group.ref)


def _owner(
    entity: Entity,
    groups: dict[tuple[str, str, str], Entity],
    users: dict[tuple[str, str, str], Entity],
    squad_of: dict[tuple[str, str, str], str],
    is_team: Callable[[Entity | None], bool],
    bundle: Bundle,
) -> tuple[str | None, str]:
    """The accountable squad's name (None: unowned) and the owner's ref."""
    owner = entity.spec.get("owner")
    key = parse_ref(owner, "group", entity.namespace)
    if key is None:
        bundle.warn(entity.origin.problem("no spec.owner: imported unowned", "spec.owner"))
        return None, ""
    if key[0] == "user":
        user = users.get(key)
        teams = [
            squad_of[k]
            for ref in _refs(user.spec.get("memberOf") if user else None)
            if (k := parse_ref(ref, "group", user.namespace if user else "default"))
            and k in squad_of
        ]
        if teams:
            bundle.warn(
                entity.origin.problem(
                    f"owner {owner} is a person: their team {teams[0]} is accountable",
                    "spec.owner",
                )
            )
            return teams[0], ref_text(key)
        bundle.warn(
            entity.origin.problem(
                f"owner {owner} is a person in no team: imported unowned", "spec.owner"
            )
        )
        return None, ""
    if key[0] != "group":
        bundle.warn(
            entity.origin.problem(
                f"owner {owner} is a {key[0]}, not a team: imported unowned", "spec.owner"
            )
        )
        return None, ""
    group = groups.get(key)
    if group is not None and not is_team(group):
        bundle.warn(
            entity.origin.problem(
                f"owner {owner} is of type {group.spec.get('type')}, not a team: imported unowned",
                "spec.owner",
            )
        )
        return None, ""
    return squad_of.get(key, key[2]), ref_text(key)


def _capability(
    entity: Entity,
    groups: dict[tuple[str, str, str], Entity],
    users: dict[tuple[str, str, str], Entity],
    squad_of: dict[tuple[str, str, str], str],
    is_team: Callable[[Entity | None], bool],
    bundle: Bundle,
) -> CapabilityIn | None:
    accountable, owner_ref = _owner(entity, groups, users, squad_of, is_team, bundle)
    area = None
    if (raw_area := entity.annotation(AREA_ANNOTATION)) is not None:
        area = choices.area(raw_area)
        if area is None:
            bundle.problems.append(
                entity.origin.problem(
                    f"{AREA_ANNOTATION} {raw_area!r} is not an accountability area "
                    f"({choices.labels(Area)})",
                    f"metadata.annotations.{AREA_ANNOTATION}",
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
        accountable=accountable,
        origin=entity.origin,
        area=area,
        description=text(entity.metadata.get("description")),
        ref=entity.ref,
        owner_ref=owner_ref,
    )
