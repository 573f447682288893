"""What ``import_backstage`` and ``import_team_api`` share: read, plan, print, apply."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import ngettext

from opmodel.models import OperatingModel
from teams.importing import (
    DEFAULT_TEAM_TYPES,
    Bundle,
    ImportPlan,
    backstage_read,
    file_access,
    import_plan,
    sources_from_paths,
    team_api_read,
)
from teams.services import import_apply

if TYPE_CHECKING:
    from django.contrib.auth.models import User


class ImportCommand(BaseCommand):
    kind = ""
    what = ""

    def add_arguments(self, parser) -> None:
        parser.add_argument(
            "paths", nargs="+", metavar="PATH", help=f"{self.what} (files or folders)"
        )
        parser.add_argument(
            "--into", metavar="SLUG", required=True, help="The model to import into"
        )
        parser.add_argument("--dry-run", action="store_true", help="Print the plan, write nothing")
        parser.add_argument("--as", dest="username", help="Record the changes as this user")
        parser.add_argument(
            "--strict",
            action="store_true",
            help="Refuse on warnings too (an owner not found, a URL Location target, ...): for CI",
        )
        if self.kind == "backstage":
            parser.add_argument(
                "--team-types",
                default=",".join(DEFAULT_TEAM_TYPES),
                help="Group spec.type values that are squads (default: %(default)s)",
            )

    def handle(
        self, *args: Any, paths: list[str], into: str, dry_run: bool, **options: Any
    ) -> None:
        model = OperatingModel.objects.filter(slug=into).first()
        if model is None:
            raise CommandError(f"No model with the slug {into!r}.")
        actor = self.actor(options.get("username"))
        bundle = self.read(paths, strict=bool(options.get("strict")), options=options)
        plan = import_plan(model, bundle)
        self.print_plan(plan)
        if plan.empty:
            self.stdout.write("Nothing to change.")
            return
        if dry_run:
            self.stdout.write("Dry run: nothing was written.")
            return
        try:
            applied = import_apply(operating_model=model, bundle=bundle, actor=actor)
        except ValidationError as error:
            raise CommandError("Nothing was imported:\n  " + "\n  ".join(error.messages)) from error
        self.stdout.write(
            self.style.SUCCESS(
                f"Imported into {model.name}: {len(applied.steps)} "
                f"{ngettext('change', 'changes', len(applied.steps))}."
            )
        )

    def actor(self, username: str | None) -> User | None:
        """The user ``--as`` names (None without it)."""
        if not username:
            return None
        actor = get_user_model().objects.filter(username=username).first()
        if actor is None:
            raise CommandError(f"No user {username!r}.")
        return actor

    def read(self, paths: list[str], *, strict: bool, options: dict[str, Any]) -> Bundle:
        """The files at ``paths`` read into a bundle (unreadable paths: a CommandError)."""
        try:
            sources = sources_from_paths(paths)
            if self.kind != "backstage":
                return team_api_read(sources, strict=strict)
            opener, globber = file_access(paths)
            return backstage_read(
                sources,
                team_types=str(options.get("team_types") or "").split(","),
                strict=strict,
                opener=opener,
                globber=globber,
            )
        except ValidationError as error:
            raise CommandError(" ".join(error.messages)) from error

    def print_plan(self, plan: ImportPlan) -> None:
        """Print what is skipped, the warnings and the plan; refuse a plan with problems."""
        for note in plan.skipped:
            self.stdout.write(f"Skipped: {note}")
        for warning in plan.warnings:
            self.stdout.write(f"Warning: {warning}")
        self.stdout.write(
            f"Read {len(plan.files)} file{'s' if len(plan.files) != 1 else ''}"
            + (f"; skipped {plan.summary}." if plan.summary else ".")
        )
        for line in plan.lines():  # the rest of the plan, problems or not
            self.stdout.write(line)
        if plan.problems:
            raise CommandError(
                f"Nothing was imported: {len(plan.problems)} problem"
                f"{'s' if len(plan.problems) > 1 else ''}:\n  "
                + "\n  ".join(str(p) for p in plan.problems)
            )
