"""The accessibility audit's machinery (issue 20): which pages, in which worlds, how axe-core runs
and how its findings are tabled. The tests are ``tests/e2e/test_axe*_browser.py``; what they
cover and why is said in ``tests/e2e/test_axe_browser.py``.

The audit is one test function run once per page group, each group in a module of its own
(GROUPS), so that pytest-xdist (``--dist loadfile``: a module per worker) audits the groups on
several workers at once instead of one worker auditing every page for minutes at the end of
the run. Every page belongs to exactly one group (the matrix that names it first says which)."""

from __future__ import annotations

import contextlib
import hashlib
import time
import urllib.request
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from django.urls import resolve, reverse
from playwright.sync_api import Error as PlaywrightError

from opmodel.models import Export, Role
from opmodel.services import member_add, release_publish
from teams.models import Squad
from tests import worlds
from tests.conftest import ROLE_USERS, session_cookie
from tests.e2e.conftest import settled
from tests.e2e.spacing import RELAID, Spacing
from tests.exports.conftest import FAKE_PDF
from tests.journeys.test_permissions import CASES as JOURNEY_CASES
from tests.permissions import Case
from tests.teams.test_permissions import CASES as TEAMS_CASES
from tests.test_url_audit import ACCOUNT_CASES, MATRICES
from tests.workshops.conftest import make_workshop
from tests.workshops.test_permissions import CASES as WORKSHOP_CASES
from tests.workshops.test_permissions import matrix_context
from workshops import services as workshop_services

AXE = Path(__file__).resolve().parents[1] / "vendor" / "axe.min.js"
TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]
AUDITED_ROLES = ["facilitator", "lead", "viewer", "anonymous"]
WIDE = {"width": 1440, "height": 900}
NARROW = {"width": 390, "height": 844}

# page group -> the module that audits it. The core model's matrices (the canvas, members, the
# dashboard, the API, versions and exports) are "model", the account pages (allauth) "accounts",
# the workshop matrix "workshops", the Level 2 and Level 3 matrices "levels": about 50 page ×
# role loads each.
GROUPS = {
    "model": "test_axe_browser.py",
    "accounts": "test_axe_accounts_browser.py",
    "workshops": "test_axe_workshops_browser.py",
    "levels": "test_axe_levels_browser.py",
}

RUN_AXE = """async (tags) => {
    const result = await axe.run(document, {
        runOnly: {type: "tag", values: tags},
        resultTypes: ["violations"],
    });
    return result.violations.map((v) => ({
        id: v.id,
        impact: v.impact,
        count: v.nodes.length,
        targets: v.nodes.slice(0, 3).map((n) => n.target.join(" ")),
        // for contrast: the colours found, to tell one cause from many
        colours: v.nodes.map((n) => n.any.map((c) => c.data && c.data.fgColor
            ? `${c.data.fgColor} on ${c.data.bgColor} ${c.data.contrastRatio}:1` : "")
            .filter(Boolean).join("")).filter(Boolean),
    }));
}"""


@dataclass
class Page:
    name: str
    url: str
    roles: list[str] = field(default_factory=list)
    group: str = ""


def _expected(case: Case, role: str) -> int:
    # The matrices without a team lead column: the lead is a participant there.
    return case.expected.get(role, case.expected.get("participant", 0))


def _what_it_is(url: str, cookie: str | None) -> str:
    """ "" for an HTML document, else what it is instead. An event stream never ends: its headers
    say what it is, and nothing more is read."""
    headers = {"Cookie": f"sessionid={cookie}"} if cookie else {}
    request = urllib.request.Request(url, headers=headers)  # noqa: S310 (the test server)
    with urllib.request.urlopen(request, timeout=30) as response:  # noqa: S310 (the test server)
        kind = response.headers.get("Content-Type", "").split(";")[0]
        if kind != "text/html":
            return f"not an HTML page ({kind})"
        if not response.read(200).lstrip().lower().startswith(b"<!doctype html"):
            # a part of a page served alone (the room's parts, a picker): audited in place
            return "a fragment, audited inside its page"
        return ""


def _audited(
    groups: list[tuple[list[Case], Any, str]], base: str, cookies: dict[str, str | None]
) -> tuple[list[Page], list[tuple[str, str]]]:
    """The pages to audit (one per view and section, the first case that names it, in that
    case's page group) and what is left out, with why."""
    pages: dict[tuple[str, str], Page] = {}
    left_out: list[tuple[str, str]] = []
    for cases, subject, group in groups:
        for case in cases:
            if case.method != "get":
                continue  # a write: its form page is a GET case of its own
            if case.htmx:
                continue  # a fragment: audited in place inside the page that loads it
            roles = [r for r in AUDITED_ROLES if _expected(case, r) == 200]
            if not roles:
                continue
            url = case.url(subject)
            match = resolve(urlsplit(url).path)
            key = (match.view_name, str(match.kwargs.get("key", "")))
            if key in pages:
                continue
            why = _what_it_is(base + url, cookies[roles[0]])
            if why:  # PDFs and other downloads, the event stream, JSON, fragments
                left_out.append((case.name, why))
                pages[key] = Page(case.name, "", [])
                continue
            pages[key] = Page(case.name, url, roles, group)
    return [p for p in pages.values() if p.url], left_out


def _prepare() -> tuple[dict[str, Any], list[tuple[list[Case], Any, str]]]:
    """The worlds the matrices' URLs point into, with what they need, as the matrices' own
    fixtures make it: the small model (a release, PDFs, a workshop with notes, proposals and a
    share link; the team lead a participant), the Level 2 and Level 3 models (each with its team
    lead). Small models keep axe quick; the Level 2 and 3 pages get their rows from theirs."""
    from django.core.files.base import ContentFile

    people = worlds.people([*ROLE_USERS, "lead", "outsider"])
    small = worlds.replay("small")
    facilitator = people["facilitator"]
    member_add(operating_model=small, actor=facilitator, user=people["lead"], role=Role.PARTICIPANT)
    release = release_publish(operating_model=small, actor=facilitator, title="Audited")
    workshop = make_workshop(small, facilitator, allow_anonymous_notes=True)
    for who in ["participant", "lead"]:
        workshop_services.attendee_add(workshop=workshop, actor=facilitator, user=people[who])
    ctx = matrix_context(workshop, people)
    for kind, rel, subject in [
        ("picture", release, 0),
        ("handbook", None, 0),
        ("workshop", None, workshop.pk),
    ]:
        export = Export.objects.create(
            operating_model=small,
            release=rel,
            kind=kind,
            subject_id=subject,
            status="done",
            progress=100,
            pages=1,
            requested_by=facilitator,
        )
        export.file.save("x.pdf", ContentFile(FAKE_PDF))
    teams = worlds.replay("teams")
    groups: list[tuple[list[Case], Any, str]] = [
        (cases, small, "accounts" if cases is ACCOUNT_CASES else "model") for cases in MATRICES
    ]
    groups += [
        (WORKSHOP_CASES, ctx, "workshops"),
        (TEAMS_CASES, teams, "levels"),
        (JOURNEY_CASES, worlds.replay("journeys"), "levels"),
    ]
    own = Squad.objects.get(operating_model=teams, name="Own squad")
    setup = {"people": people, "small": small, "teams": teams, "workshop": workshop, "own": own}
    return setup, groups


def _settle(page) -> None:
    """The live parts loaded: the stream connected where the page has one, and no htmx request
    on its way or swap settling."""
    if page.locator("#live-status").count():
        # (a wait, not a measure: it costs time only on a machine too busy to connect sooner)
        page.wait_for_selector('#live-status[data-state="live"]', timeout=30_000)
    settled(page)


def _axe(page) -> list[dict[str, Any]]:
    # (the audit's contexts put axe in every document as it starts: audit_every_page)
    if not page.evaluate("() => typeof window.axe !== 'undefined'"):
        page.add_script_tag(path=str(AXE))
    return page.evaluate(RUN_AXE, TAGS)


# The page's markup as axe sees it, with what only says who is looking masked: the name on the
# user menu and the role badge of the top bar (the same template and styles on every page; each
# role's own is audited on its first page at each size), the CSRF token, script nonces, the
# user's id for the scripts, and the toasts of the moment. Two states with the same signature
# at the same size give axe the same document: the second is not audited again.
SIGNATURE = """() => {
  const root = document.documentElement.cloneNode(true);
  const gone = "script, #live-toasts > *, .toasts:not(#live-toasts)";
  root.querySelectorAll(gone).forEach((el) => el.remove());
  root.querySelectorAll(".topbar .user-menu > summary, .topbar .role-badge").forEach((el) => {
    el.textContent = "who"; el.className = "who";
  });
  const tokens = root.querySelectorAll("input[name=csrfmiddlewaretoken]");
  tokens.forEach((el) => el.setAttribute("value", ""));
  root.querySelectorAll("[nonce], [hx-headers], [data-user]").forEach((el) => {
    el.removeAttribute("nonce"); el.removeAttribute("hx-headers"); el.removeAttribute("data-user");
  });
  const style = (el) => el.getAttribute("style") || "";
  return root.outerHTML + "|" + style(document.documentElement) + "|" + window.innerWidth;
}"""


@dataclass
class Audit:
    results: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    wrong_status: list[str] = field(default_factory=list)
    runs: int = 0
    # states not audited again: their signature at that size was audited already (as which)
    same_as: dict[str, str] = field(default_factory=dict)
    seen: dict[str, dict[str, str]] = field(default_factory=dict)
    headers: set[tuple[str, str]] = field(default_factory=set)
    # the group's pages and the roles that may open one of them, and its states after a click
    pages: int = 0
    roles: set[str] = field(default_factory=set)
    states: int = 0
    # wall seconds per step (load, settle, compare, axe, spacing, resize): where the time goes
    spent: dict[str, float] = field(default_factory=dict)
    # the text spacing check, made on the facilitator's loads (tests/e2e/spacing.py)
    spacing: Spacing = field(default_factory=Spacing)
    # the facilitator's pages: of every group (more than 40), of this group (spacing-checked)
    every_page: int = 0
    facilitator_pages: set[str] = field(default_factory=set)

    @contextlib.contextmanager
    def timed(self, step: str) -> Iterator[None]:
        started = time.monotonic()
        try:
            yield
        finally:
            self.spent[step] = self.spent.get(step, 0.0) + time.monotonic() - started

    def record(self, label: str, violations: list[dict[str, Any]]) -> None:
        self.runs += 1
        if violations:
            self.results[label] = violations

    def check(self, page, what: str, role: str, size: str) -> None:
        """Audit the page as it is now, unless the same document was audited at this size
        (and this role's own top bar at this size already was)."""
        label = f"{what} [{role} {size}]"
        with self.timed("compare"):
            signature = hashlib.sha256(page.evaluate(SIGNATURE).encode()).hexdigest()
        seen = self.seen.setdefault(size, {})
        if signature in seen and (role, size) in self.headers:
            self.same_as[label] = seen[signature]
            return
        with self.timed("axe"):
            self.record(label, _axe(page))
        seen.setdefault(signature, label)
        self.headers.add((role, size))

    def both_sizes(self, page, what: str, role: str, spacing: bool = False) -> None:
        """Audit the loaded page at 1440×900, then, on the same load, at 390×844; with
        ``spacing``, the text spacing check after axe at each size."""
        for size in (WIDE, NARROW):
            if size is NARROW:
                with self.timed("resize"):
                    page.set_viewport_size(NARROW)
                    page.evaluate(RELAID)
                    settled(page)
            self.check(page, what, role, str(size["width"]))
            if spacing:
                with self.timed("spacing"):
                    self.spacing.look(page, what, str(size["width"]))
        if spacing:
            self.spacing.pages.add(what)
        page.set_viewport_size(WIDE)

    def table(self) -> str:
        """Pages × violations (rule id × elements), then the rules' totals and first elements."""
        lines = [
            f"axe-core audit: {self.runs} page states audited, {len(self.same_as)} the same "
            f"document as one audited, {len(self.results)} with violations"
        ]
        width = max([len(k) for k in self.results] + [10])
        for label, violations in sorted(self.results.items()):
            found = ", ".join(f"{v['id']}×{v['count']}" for v in violations)
            lines.append(f"{label:<{width}}  {found}")
        return "\n".join(lines + self._details())

    def _details(self) -> list[str]:
        by_rule: dict[str, list[int]] = {}
        first: dict[str, str] = {}
        colours: dict[str, int] = {}
        for label, violations in sorted(self.results.items()):
            for v in violations:
                totals = by_rule.setdefault(f"{v['id']} ({v['impact']})", [0, 0])
                totals[0] += 1
                totals[1] += v["count"]
                first.setdefault(v["id"], f"{label}: {v['targets']}")
                for pair in v.get("colours", []):
                    colours[pair] = colours.get(pair, 0) + 1
        if not by_rule:
            return []
        lines = ["", "rule (impact): pages, elements"]
        lines += [f"  {rule}: {n}, {nodes}" for rule, (n, nodes) in sorted(by_rule.items())]
        lines += ["", "first elements per rule:"]
        lines += [f"  {rule} on {where}" for rule, where in first.items()]
        if colours:
            lines += ["", "colour pairs short of contrast (elements):"]
            lines += [
                f"  {pair}: {n}" for pair, n in sorted(colours.items(), key=lambda kv: -kv[1])
            ]
        return lines


def _states(page, base: str, role: str, group: str, setup: dict[str, Any], audit: Audit) -> None:
    """The states a page of ``group`` shows only after a click: an edit form in place (model),
    the proposal dialog (workshops), a matrix cell's role picker (levels)."""
    small, workshop = setup["small"], setup["workshop"]
    states: list[tuple[str, str, str, Callable[[Any], None]]] = []
    if role == "facilitator":

        def edit_form(p) -> None:
            p.locator("a.edit-field").first.click()
            p.wait_for_selector("main form.part-form")

        def proposal_dialog(p) -> None:
            p.locator("[data-dialog-open=proposal-dialog]").first.click()
            p.wait_for_selector("#proposal-dialog[open] .proposal-body")

        states += [
            ("canvas, edit form open", "model", reverse("canvas", args=[small.slug]), edit_form),
            (
                "room, proposal dialog open",
                "workshops",
                reverse("workshop-room", args=[small.slug, workshop.pk]),
                proposal_dialog,
            ),
        ]
    if role == "lead":
        own = setup["own"]

        def role_picker(p) -> None:
            p.locator(f"td.cell.editable[id$='-{own.pk}']").first.click()
            p.wait_for_selector("td.picking form.picker")

        matrix = reverse("teams-matrix", args=[setup["teams"].slug])
        states.append(("matrix, role picker open", "levels", matrix, role_picker))
    for name, in_group, path, act in states:
        if in_group != group:
            continue
        audit.states += 1
        page.goto(base + path)
        try:
            _settle(page)
            act(page)
        except PlaywrightError as exc:
            audit.wrong_status.append(f"{name} [{role}]: could not open it ({exc})")
            continue
        settled(page)
        audit.both_sizes(page, name, role)


# page group -> its visit, made by whichever of the group's two tests (axe, text spacing) runs
# first in this process; the other reads what it found (--dist loadfile: one worker runs both)
_VISITS: dict[str, Audit] = {}


def visit_every_page(group: str, request) -> Audit:
    """The page group's visit (made once per process): ``audit_every_page`` with every role."""
    if group not in _VISITS:
        _VISITS[group] = audit_every_page(
            AUDITED_ROLES,
            request.getfixturevalue("audit_browser"),
            request.getfixturevalue("asgi_server"),
            request.getfixturevalue("settings"),
            request.getfixturevalue("tmp_path"),
            group,
        )
    return _VISITS[group]


def audit_every_page(
    roles: list[str], browser, asgi_server: str, settings, tmp_path, group: str
) -> Audit:
    """Audit every page of ``group`` each of ``roles`` may open (and the states after a click),
    each page loaded once and audited at 1440×900 and then at 390×844; the facilitator's loads
    are checked for text spacing too (after axe, at each size), and the check is proved on a
    canary box. Prints the table of pages × violations; the tests assert on what it found."""
    settings.MEDIA_ROOT = tmp_path / "media"
    setup, groups = _prepare()
    cookies: dict[str, str | None] = {
        r: None if r == "anonymous" else session_cookie(setup["people"][r])["sessionid"]
        for r in AUDITED_ROLES
    }
    every_page, left_out = _audited(groups, asgi_server, cookies)
    assert len(every_page) > 40, [p.name for p in every_page]
    # every page is in one of the groups, and every role opens a page of some group
    assert {p.group for p in every_page} == set(GROUPS), {p.group for p in every_page}
    assert {r for p in every_page for r in p.roles} == set(AUDITED_ROLES)
    pages = [p for p in every_page if p.group == group]
    audit = Audit(pages=len(pages), roles={r for p in pages for r in p.roles if r in roles})
    audit.every_page = len([p for p in every_page if "facilitator" in p.roles])
    audit.facilitator_pages = {p.name for p in pages if "facilitator" in p.roles}
    started, cpu = time.monotonic(), time.process_time()
    for role in roles:
        # axe goes in as an inline script, which the app's CSP (nonces) rightly refuses. It is
        # given to the context once, which puts it in each document as it starts: handed to
        # each page after its load (add_script_tag) its 650 kB crossed the pipe to Chromium and
        # were compiled again every time, ~0.2 s of Chromium's CPU a page, more than axe's run.
        context = browser.new_context(viewport=WIDE, bypass_csp=True)
        context.add_init_script(path=str(AXE))
        if role != "anonymous":
            host = urlsplit(asgi_server).hostname
            cookie = {"name": "sessionid", "value": cookies[role], "domain": host, "path": "/"}
            context.add_cookies([cookie])
        page = context.new_page()
        for audited in pages:
            if role not in audited.roles:
                continue
            with audit.timed("load"):
                response = page.goto(asgi_server + audited.url)
            if response is None or response.status != 200:
                status = response.status if response else None
                audit.wrong_status.append(f"{audited.name} [{role}]: {status}")
                continue
            try:
                with audit.timed("settle"):
                    _settle(page)
            except PlaywrightError as exc:
                audit.wrong_status.append(f"{audited.name} [{role}]: not settled ({exc})")
                continue
            spacing = role == "facilitator"
            audit.both_sizes(page, audited.name, role, spacing=spacing)
            if spacing and not audit.spacing.canary_shape:
                audit.spacing.prove(page, str(WIDE["width"]))
        _states(page, asgi_server, role, group, setup, audit)
        context.close()
    print()
    print(f"page group {group!r}: {len(pages)} of the {len(every_page)} pages")
    print(audit.table())
    print(
        f"{audit.runs} axe runs ({len(audit.same_as)} states the same as one audited) in "
        f"{time.monotonic() - started:.0f} s wall, {time.process_time() - cpu:.1f} s CPU of "
        "the test process (the server and Chromium besides)"
    )
    print("wall seconds per step:", ", ".join(f"{k} {v:.1f}" for k, v in audit.spent.items()))
    print("left out:", "; ".join(f"{name}: {why}" for name, why in left_out))
    print(audit.spacing.table())
    return audit
