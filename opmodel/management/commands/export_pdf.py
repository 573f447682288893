from __future__ import annotations

import time
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from opmodel.exports import render_pdf
from opmodel.models import OperatingModel


class Command(BaseCommand):
    help = (
        "Render a model's picture on a page or handbook (of the draft, or a release) to a PDF "
        "file, in this process (no worker, no Export record)."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("slug", help="The model's slug, as in /m/<slug>/")
        parser.add_argument("--release", type=int, help="A release number (default: the draft)")
        parser.add_argument("--kind", choices=["picture", "handbook"], default="picture")
        parser.add_argument("--output", "-o", required=True, help="The PDF file to write")

    def handle(self, *args, slug: str, release: int | None, kind: str, output: str, **options):
        model = OperatingModel.objects.filter(slug=slug).first()
        if model is None:
            raise CommandError(f"No model with the slug {slug!r}.")
        chosen = None
        if release is not None:
            chosen = model.releases.filter(number=release).first()
            if chosen is None:
                raise CommandError(f"{model} has no release v{release}.")
        started = time.monotonic()
        rendered = render_pdf(model, kind, release=chosen)
        Path(output).write_bytes(rendered.pdf)
        self.stdout.write(
            f"{output}: {kind} of {model.slug} {chosen.label if chosen else 'draft'}, "
            f"{rendered.pages} page{'s' if rendered.pages != 1 else ''}, "
            f"{len(rendered.pdf) // 1024} kB in {time.monotonic() - started:.1f} s"
        )
