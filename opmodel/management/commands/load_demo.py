from __future__ import annotations

from django.core.management.base import BaseCommand

from opmodel.demo import demo_load
from opmodel.models import OperatingModel


class Command(BaseCommand):
    help = "Load the Quokka Inc demo model and its users."

    def add_arguments(self, parser) -> None:
        parser.add_argument(
            "--if-empty",
            action="store_true",
            help="Do nothing when the database already holds a model.",
        )

    def handle(self, *args, if_empty: bool = False, **options) -> None:
        if if_empty and OperatingModel.objects.exists():
            self.stdout.write("Models exist already: demo not loaded.")
            return
        model = demo_load()
        self.stdout.write(self.style.SUCCESS(f"Loaded the demo: {model.name} (/m/{model.slug}/)"))
