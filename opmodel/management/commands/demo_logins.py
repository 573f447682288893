from __future__ import annotations

from django.core.management.base import BaseCommand

from opmodel.demo import DEMO_PASSWORD, DEMO_USERS


class Command(BaseCommand):
    help = "Print the demo logins and where the app is starting."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--host", default="127.0.0.1")
        parser.add_argument("--port", default="8000")

    def handle(self, *args, **options) -> None:
        self.stdout.write(
            f"\nopmodel is starting at http://{options['host']}:{options['port']}/  — demo logins "
            f"(password: {DEMO_PASSWORD}):"
        )
        for user in DEMO_USERS:
            self.stdout.write(f"  {user.username:<8} {user.role.label:<12} {user.what}")
        self.stdout.write("")
