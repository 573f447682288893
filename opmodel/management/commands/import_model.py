from __future__ import annotations

from pathlib import Path

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from opmodel.models import OperatingModel
from opmodel.services import document_import, document_import_preview
from opmodel.versions import document_check, document_parse
from opmodel.versions.documents import import_max_bytes


class Command(BaseCommand):
    help = (
        "Import a model file (YAML or JSON): a new model, or --into an existing one (the file "
        "becomes its content). --dry-run prints what would change and writes nothing."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("file")
        parser.add_argument("--into", metavar="SLUG", help="Update this model instead")
        parser.add_argument("--dry-run", action="store_true", help="Show the changes only")
        parser.add_argument("--as", dest="username", help="Record the changes as this user")

    def handle(self, *args, file: str, into: str | None, dry_run: bool, **options) -> None:
        path = Path(file)
        if not path.is_file():
            raise CommandError(f"No such file: {file}")
        if path.stat().st_size > import_max_bytes():
            raise CommandError(
                f"The file is {path.stat().st_size / 1024 / 1024:.1f} MB; the limit is "
                f"{import_max_bytes() / 1024 / 1024:.0f} MB (OPMODEL_IMPORT_MAX_BYTES)."
            )
        model = None
        if into:
            model = OperatingModel.objects.filter(slug=into).first()
            if model is None:
                raise CommandError(f"No model with the slug {into!r}.")
        actor = None
        if options.get("username"):
            actor = get_user_model().objects.filter(username=options["username"]).first()
            if actor is None:
                raise CommandError(f"No user {options['username']!r}.")
        try:
            document = document_parse(path.read_bytes())
            document_check(document)
            if dry_run:
                preview = document_import_preview(
                    document=document, actor=actor, operating_model=model
                )
                self._report(preview.diff)
                self.stdout.write("Dry run: nothing was written.")
                return
            imported = document_import(document=document, actor=actor, operating_model=model)
        except ValidationError as error:
            raise CommandError(
                "The file was not imported; nothing changed:\n  " + "\n  ".join(error.messages)
            ) from error
        verb = "Updated" if model else "Created"
        self.stdout.write(self.style.SUCCESS(f"{verb} {imported.name} (/m/{imported.slug}/)"))

    def _report(self, diff) -> None:
        if diff.empty:
            self.stdout.write("No changes.")
            return
        for change in diff.model_fields:
            self.stdout.write(f"model.{change.name}: {change.old} -> {change.new}")
        for section in diff.changed_sections:
            self.stdout.write(f"{section.section.title}: {section.summary}")
