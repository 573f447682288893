from __future__ import annotations

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import ngettext

from opmodel.services.exports import exports_prune


class Command(BaseCommand):
    help = (
        "Delete draft and failed PDF exports finished more than --days ago, with their files, "
        "and export files no export names. A release's PDF is kept (it is the cache). Run it "
        "daily (cron, or a scheduled container)."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument(
            "--days",
            type=int,
            default=settings.OPMODEL_EXPORT_KEEP_DAYS,
            help=f"Keep what finished within this many days "
            f"(default: OPMODEL_EXPORT_KEEP_DAYS, {settings.OPMODEL_EXPORT_KEEP_DAYS})",
        )

    def handle(self, *args, days: int, **options) -> None:
        if days < 0:
            raise CommandError("--days cannot be negative.")
        pruned = exports_prune(keep_days=days)
        self.stdout.write(
            f"Deleted {pruned.exports} export{'s' if pruned.exports != 1 else ''} "
            f"and {pruned.files} file{'s' if pruned.files != 1 else ''} "
            f"(kept what finished in the last {days} {ngettext('day', 'days', days)}, "
            "and every release's PDF)."
        )
