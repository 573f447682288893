"""A refused form keeps what was typed, as a class: every form a person types into is posted
once with an error, and what they typed comes back in the page (in the form, not only in a
message). Forms of buttons only (votes, phases, timers) have nothing typed to lose."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django import forms
from django.urls import reverse

from opmodel.registry import Section, registry
from tests.browser_form import browser_form
from tests.workshops.conftest import make_workshop
from workshops import services as workshop_services
from workshops.models import Workshop

pytestmark = [pytest.mark.engine, pytest.mark.django_db]

TYPED = "Typed by hand, keep me"

# Forms with no field a person types into (choices and buttons): nothing to lose.
NOTHING_TYPED = {
    "RoleForm",
    "TimelineFilterForm",  # a GET filter: the page shows what was asked for
    "PhaseForm",
    "RsvpForm",
    "TimerForm",
    "FocusForm",
    "RevealForm",
    "UserChoiceForm",
    "DecisionForm",
    "VoteForm",
    "CellForm",
    "LeadForm",
    "ImportForm",  # a file: browsers never refill a file input
    "ImportFilesForm",
    "PartForm",  # abstract: each section's form is checked below
    "OwnSquadForm",
    "ThrottledAdminAuthenticationForm",  # never shown: the admin sends people to the sign-in page
    "WritingForm",  # facilitator controls (start, reveal, split, a timer's minutes)
    "BreakoutForm",
    "BreakoutTimerForm",
}


def _workshop(om, people) -> Workshop:
    workshop = make_workshop(
        om, people["facilitator"], sections=["canvas.stages", "canvas.metrics"]
    )
    workshop_services.attendee_add(
        workshop=workshop, actor=people["facilitator"], user=people["participant"]
    )
    return workshop


# form class -> (who posts, how to build url and data from (om, people, workshop))
Case = Callable[[Any, dict[str, Any], Workshop], tuple[str, str, dict[str, Any]]]
CASES: dict[str, Case] = {
    "OperatingModelForm": lambda om, p, w: (
        "editor",
        reverse("model-new"),
        {"name": TYPED, "organisation": ""},
    ),
    "MemberInviteForm": lambda om, p, w: (
        "facilitator",
        reverse("members", args=[om.slug]),
        {"email": TYPED, "role": "viewer"},
    ),
    "ReleaseForm": lambda om, p, w: (
        "facilitator",
        reverse("release-new", args=[om.slug]),
        {"title": "", "notes": TYPED},
    ),
    "AsOfForm": lambda om, p, w: (
        "editor",
        reverse("as-of", args=[om.slug]) + "?get",  # a GET form
        {"at": TYPED},
    ),
    "WorkshopForm": lambda om, p, w: (
        "facilitator",
        reverse("workshop-edit", args=[om.slug, w.pk]),
        {"title": TYPED, "goal": TYPED, "duration_minutes": "1"},
    ),
    "InvitationForm": lambda om, p, w: (
        "facilitator",
        reverse("workshop-invite", args=[om.slug, w.pk]),
        {"emails": f"{TYPED}@", "role": "participant"},
    ),
    "NoteForm": lambda om, p, w: (
        "participant",
        reverse("note-add", args=[om.slug, w.pk]),
        {"kind": "nonsense", "text": TYPED},
    ),
    "ProposalForm": lambda om, p, w: (
        "participant",
        reverse("proposal-new", args=[om.slug, w.pk]),
        {"section": "canvas.stages", "kind": "idea", "rationale": TYPED + "x" * 4001},
    ),
    "CommentForm": lambda om, p, w: (
        "participant",
        reverse("workshop-share", args=[om.slug, w.pk]),
        {"section": "canvas.stages", "part_id": "", "text": TYPED + "x" * 4001},
    ),
    "ThrottledLoginForm": lambda om, p, w: (
        "",
        reverse("account_login"),
        {"login": TYPED, "password": "wrong"},
    ),
    "TokenForm": lambda om, p, w: (
        "editor",
        reverse("api-tokens"),
        {"name": TYPED, "scope": "read", "days": "0"},
    ),
    "WebhookForm": lambda om, p, w: (
        "facilitator",
        reverse("webhooks", args=[om.slug]),
        {"url": "https://hooks.example.com/" + TYPED},  # no event chosen
    ),
    "InvitationSignupForm": lambda om, p, w: (
        "",
        reverse("model-invitation-open", args=[om.slug, _model_invitation_token(om, p)]),
        {"name": TYPED, "password1": "a-long-password-1", "password2": "differs-2"},
    ),
    "InvitationSignupForm, on a workshop invitation": lambda om, p, w: (
        "",
        reverse("invitation-open", args=[om.slug, _invitation_token(w, p)]),
        {"name": TYPED, "password1": "a-long-password-1", "password2": "differs-2"},
    ),
}


def _model_invitation_token(om: Any, people: dict[str, Any]) -> str:
    from opmodel.services.invitations import model_invitation_create, model_invitation_token

    invitation = model_invitation_create(
        operating_model=om,
        actor=people["facilitator"],
        email="newcomer@example.com",
        role="editor",
        base_url="http://testserver/",
    )
    assert invitation is not None
    return model_invitation_token(invitation)


def _invitation_token(workshop: Workshop, people: dict[str, Any]) -> str:
    invitation = workshop_services.invitation_create(
        workshop=workshop,
        actor=people["facilitator"],
        email="newcomer@example.com",
        role="participant",
        base_url="http://testserver/",
    )
    return workshop_services.invitation_token(invitation)


def _form_classes() -> set[str]:
    """Every form class the project defines; a section form's own subclasses (made by
    ``modelform_factory`` or the batched loader) are checked with it."""
    section_forms = tuple(s.form for s in registry.sections())
    apps = {"opmodel", "canvas", "teams", "journeys", "workshops"}
    found: set[str] = set()
    todo: list[type] = [forms.BaseForm]
    while todo:
        cls = todo.pop()
        for sub in cls.__subclasses__():
            todo.append(sub)
            derived = issubclass(sub, section_forms) and sub not in section_forms
            if sub.__module__.split(".")[0] in apps and not derived:
                found.add(sub.__name__)
    return found


def test_every_form_class_is_checked_or_has_nothing_typed():
    section_forms = {s.form.__name__ for s in registry.sections()}
    unchecked = _form_classes() - set(CASES) - NOTHING_TYPED - section_forms
    assert unchecked == set(), "add an invalid post for each of these forms to CASES"


@pytest.mark.parametrize("name", sorted(CASES))
def test_a_refused_form_comes_back_with_what_was_typed(name, om, people, client_for):
    workshop = _workshop(om, people)
    who, url, data = CASES[name](om, people, workshop)
    client = client_for(people[who] if who else None)
    if url.endswith("?get"):
        response = client.get(url.removesuffix("?get"), data)
    else:
        response = client.post(url, data)
    assert response.status_code in (200, 400, 409, 422), (name, response.status_code)
    html = response.content.decode()
    assert TYPED in html, name


def _invalid_row(section: Section, operating_model) -> tuple[dict[str, str], str]:
    """A new row's fields with something typed (text, or a choice where a row has no text) and
    one value no form accepts."""
    form = section.form(operating_model=operating_model)
    data: dict[str, str] = {}
    typed_field = ""
    spoiled = ""
    for name, field in form.fields.items():
        if isinstance(field, forms.CharField) and not typed_field:
            data[name] = TYPED
            typed_field = name
        elif isinstance(field, forms.ChoiceField | forms.ModelChoiceField) and not spoiled:
            data[name] = "999999-not-a-choice"
            spoiled = name
    if not typed_field:  # choices only: a valid choice is what was "typed"
        name, field = next((n, f) for n, f in form.fields.items() if n != spoiled)
        data[name] = str(next(v for v, _ in field.choices if str(v)))
        typed_field = name
    if not spoiled:  # text only: one too long
        name = next(n for n, f in form.fields.items() if getattr(f, "max_length", None))
        data[name] = TYPED + "x" * form.fields[name].max_length
    return data, typed_field


@pytest.mark.parametrize(
    "section", [s for s in registry.sections() if not s.singleton], ids=lambda s: s.key
)
def test_a_refused_new_row_keeps_what_was_typed(section, request, people, client_for):
    texts = any(isinstance(f, forms.CharField) for f in section.form().fields.values())
    # a row of choices only needs rows to choose from: the demo has them
    small_om = request.getfixturevalue("small_om" if texts else "om")
    data, typed_field = _invalid_row(section, small_om)
    client = client_for(people["facilitator"])
    url = reverse("part-new", args=[small_om.slug, section.slug])
    for headers in ({}, {"HTTP_HX_REQUEST": "true"}):
        response = client.post(url, data, **headers)
        assert response.status_code == 422, section.key
        sent = dict(browser_form(response.content.decode(), ".part-form").fields)
        assert sent[typed_field].startswith(data[typed_field][:20]), section.key


def test_an_anonymous_share_comment_without_a_name_keeps_the_text(small_om, people, client):
    workshop = make_workshop(small_om, people["facilitator"])
    link = workshop_services.share_link_create(workshop=workshop, actor=people["facilitator"])
    url = reverse("share-public", args=[small_om.slug, workshop_services.share_token(link)])
    stage = registry.get("canvas.stages").rows(small_om).first()
    response = client.post(
        url, {"section": "canvas.stages", "part_id": stage.pk, "text": TYPED, "author_name": ""}
    )
    assert response.status_code == 422
    html = response.content.decode()
    assert f">{TYPED}</textarea>" in html
    assert "Say who you are" in html
