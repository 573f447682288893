"""What the permission matrices share: the row type, the expected statuses per role, the URL
builders and the loop that asks every role in turn.

A matrix is a list of ``Case`` rows: a URL, a method, perhaps data, and the status each role
must get. Levels 2 and 3 add the team lead: a participant who leads a squad, allowed more where
their own squad is concerned."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.urls import reverse

ROLES = ["anonymous", "outsider", "viewer", "participant", "editor", "facilitator"]
READ = {
    "anonymous": 302,
    "outsider": 404,
    "viewer": 200,
    "participant": 200,
    "editor": 200,
    "facilitator": 200,
}
WRITE_FORM = {**READ, "viewer": 403, "participant": 403}
WRITE_REDIRECT = {**WRITE_FORM, "editor": 302, "facilitator": 302}
MANAGE_FORM = {**WRITE_FORM, "editor": 403}
MANAGE_REDIRECT = {**WRITE_REDIRECT, "editor": 403}

LEAD_ROLES = ["anonymous", "outsider", "viewer", "participant", "lead", "editor", "facilitator"]
LEVEL_READ = READ | {"lead": 200}
LEVEL_WRITE = WRITE_REDIRECT | {"lead": 403}  # a write only facilitators and editors may make
LEVEL_FORM = WRITE_FORM | {"lead": 403}
LEVEL_MANAGE = MANAGE_REDIRECT | {"lead": 403}
LEAD_WRITE = LEVEL_WRITE | {"lead": 302}  # the lead's own squad
LEAD_FORM = LEVEL_FORM | {"lead": 200}
# A lead's forms offer only their own squads: another squad is an invalid choice (422), and the
# rule behind the form refuses it too (tests of the squad and step rules).
LEAD_INVALID = LEVEL_WRITE | {"lead": 422}


@dataclass
class Case:
    name: str
    method: str
    url: Callable[[Any], str]
    expected: dict[str, int]
    data: Callable[[Any], dict] | None = None
    htmx: bool = False
    # Run in the savepoint before the request (and before the "changed" snapshot): state the
    # request needs to have an effect, such as a later version for a revert to go back from.
    prepare: Callable[[Any], None] | None = None


def part(
    name: str,
    key: str,
    row: Callable[[Any], Any] | None = None,
    query: str | Callable[[Any], str] = "",
) -> Callable[[Any], str]:
    """A URL of the generic section views (``key``), of ``row`` where it names one."""

    def build(om) -> str:
        kwargs = {"slug": om.slug, "key": key}
        if row is not None:
            kwargs["pk"] = row(om).pk
        return reverse(name, kwargs=kwargs) + (query(om) if callable(query) else query)

    return build


def page(name: str, *args: Callable[[Any], Any]) -> Callable[[Any], str]:
    """A URL taking the model's slug and the primary keys of ``args`` (each a row getter)."""
    return lambda om: reverse(name, args=[om.slug, *[a(om).pk for a in args]])


def wrong_answers(
    case: Case,
    om: Any,
    people: dict[str, Any],
    client_for: Callable[[Any], Any],
    snapshot: Callable[[Any], Any],
    roles: list[str] = LEAD_ROLES,
) -> list[tuple]:
    """Ask as every role in turn, each in a savepoint rolled back afterwards: what differs from
    ``case.expected``. A refused write must change nothing ``snapshot`` sees, an allowed one
    something; the anonymous are sent to the login page."""
    wrong: list[tuple] = []
    for role in roles:
        with transaction.atomic():
            client = client_for(None if role == "anonymous" else people[role])
            if case.prepare:
                case.prepare(om)
            before = snapshot(om)
            headers = {"HX-Request": "true"} if case.htmx else {}
            data = case.data(om) if case.data else {}
            response = getattr(client, case.method)(case.url(om), data, headers=headers)
            status = response.status_code
            if status != case.expected[role]:
                wrong.append((role, status, case.expected[role]))
            elif case.method == "post":
                changed = snapshot(om) != before
                if status in (403, 404, 422) and changed:
                    wrong.append((role, "a refused write changed something"))
                if status == 302 and role != "anonymous" and not changed:
                    wrong.append((role, "an allowed write changed nothing"))
            login_page = reverse("account_login")
            if role == "anonymous" and not response["Location"].startswith(login_page):
                wrong.append((role, "not sent to the login page"))
            transaction.set_rollback(True)
    return wrong
