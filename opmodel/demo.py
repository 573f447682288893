"""The demo: Quokka Inc and its people, loaded by ``manage.py load_demo``."""

from __future__ import annotations

from dataclasses import dataclass

from django.contrib.auth import get_user_model
from django.db import transaction

from opmodel.models import OperatingModel, Role
from opmodel.registry import registry
from opmodel.services import member_add, operating_model_create
from opmodel.starters import starter_get

DEMO_SLUG = "quokka"
DEMO_PASSWORD = "quokka-demo"  # noqa: S105 - a published demo password, for local use only


@dataclass(frozen=True)
class DemoUser:
    username: str
    first_name: str
    last_name: str
    role: Role
    what: str


DEMO_USERS = [
    DemoUser("fiona", "Fiona", "Facilitator", Role.FACILITATOR, "runs the workshops"),
    DemoUser("eddie", "Eddie", "Editor", Role.EDITOR, "edits the model"),
    DemoUser("pat", "Pat", "Participant", Role.PARTICIPANT, "joins workshops"),
    DemoUser("vera", "Vera", "Viewer", Role.VIEWER, "executive: reads, downloads the PDF"),
    DemoUser("tara", "Tara", "Teamlead", Role.PARTICIPANT, "team lead: edits her own squad"),
]


@transaction.atomic
def demo_load() -> OperatingModel:
    """Create the demo users and the Quokka Inc model (replacing an earlier demo model)."""
    User = get_user_model()
    users = {}
    for spec in DEMO_USERS:
        user, _created = User.objects.get_or_create(
            username=spec.username,
            defaults={
                "first_name": spec.first_name,
                "last_name": spec.last_name,
                "email": f"{spec.username}@quokka.example",
            },
        )
        user.set_password(DEMO_PASSWORD)
        user.save()
        users[spec.username] = user
    OperatingModel.objects.filter(slug=DEMO_SLUG).delete()
    document = starter_get("quokka").document
    meta = document["model"]
    operating_model = operating_model_create(
        actor=users["fiona"],
        name=meta["name"],
        organisation=meta["organisation"],
        description=meta["description"],
        slug=DEMO_SLUG,
        starter=document,
    )
    for spec in DEMO_USERS:
        member_add(
            operating_model=operating_model,
            actor=users["fiona"],
            user=users[spec.username],
            role=spec.role,
        )
    # Level apps add their part (e.g. granting the team lead her squad) through the registry.
    for step in registry.demo_steps():
        step(operating_model=operating_model, users=users, actor=users["fiona"])
    return operating_model
