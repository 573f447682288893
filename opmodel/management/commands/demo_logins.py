from __future__ import annotations

from django.core.management.base import BaseCommand

from opmodel.demo import DEMO_PASSWORD, DEMO_USERS


class Command(BaseCommand):
    help = "Print the demo logins."

    def handle(self, *args, **options) -> None:
        self.stdout.write(
            "\nopmodel is starting at http://127.0.0.1:8000/  — demo logins "
            f"(password: {DEMO_PASSWORD}):"
        )
        for user in DEMO_USERS:
            self.stdout.write(f"  {user.username:<8} {user.role.label:<12} {user.what}")
        self.stdout.write("")
