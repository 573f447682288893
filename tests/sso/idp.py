"""Run the test identity provider (idp_settings) as a process; ``python -m tests.sso.idp``.

``setup`` migrates its database and writes its people and the opmodel client; the fixture
``oidc_provider`` (tests/sso/conftest.py) does that, then serves it with ``runserver``.
"""

from __future__ import annotations

import json
import sys
from typing import Any


def setup(spec: dict[str, Any]) -> None:
    """People (username -> {password, email, groups}) and one confidential client."""
    import django
    from django.core.management import call_command

    django.setup()
    from django.contrib.auth.models import Group, User
    from oauth2_provider.models import Application

    call_command("migrate", verbosity=0, interactive=False)
    for username, person in spec["people"].items():
        user = User.objects.create_user(
            username=username,
            password=person["password"],
            email=person["email"],
            first_name=person.get("first_name", ""),
            last_name=person.get("last_name", ""),
        )
        for name in person.get("groups", []):
            user.groups.add(Group.objects.get_or_create(name=name)[0])
    Application.objects.create(
        name="opmodel",
        client_id=spec["client_id"],
        client_secret=spec["client_secret"],
        client_type=Application.CLIENT_CONFIDENTIAL,
        authorization_grant_type=Application.GRANT_AUTHORIZATION_CODE,
        redirect_uris=spec["redirect_uri"],
        algorithm=Application.RS256_ALGORITHM,
        skip_authorization=False,
    )


if __name__ == "__main__":
    setup(json.loads(sys.stdin.read()))
