from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError

from opmodel.models import OperatingModel
from opmodel.versions import document_dump, document_export


class Command(BaseCommand):
    help = "Print a model (its live draft, or a release) as YAML or JSON (docs/model-schema.md)."

    def add_arguments(self, parser) -> None:
        parser.add_argument("slug", help="The model's slug, as in /m/<slug>/")
        parser.add_argument("--release", type=int, help="A release number (default: the draft)")
        parser.add_argument("--format", choices=["yaml", "json"], default="yaml")
        parser.add_argument("--output", "-o", help="Write to this file instead of stdout")

    def handle(self, *args, slug: str, release: int | None, format: str, **options) -> None:
        model = OperatingModel.objects.filter(slug=slug).first()
        if model is None:
            raise CommandError(f"No model with the slug {slug!r}.")
        chosen = None
        if release is not None:
            chosen = model.releases.filter(number=release).first()
            if chosen is None:
                raise CommandError(f"{model} has no release v{release}.")
        text = document_dump(document_export(model, release=chosen), format)
        if options.get("output"):
            with open(options["output"], "w", encoding="utf-8") as out:
                out.write(text)
        else:
            self.stdout.write(text, ending="")
