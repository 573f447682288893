"""Pruning old exports: draft and failed PDFs go with their files after OPMODEL_EXPORT_KEEP_DAYS,
a release's PDF stays (it is the cache), and files no export names are swept up."""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path

import pytest
from django.core.files.base import ContentFile
from django.core.management import call_command
from django.utils import timezone

from opmodel.models import Export
from opmodel.services import release_publish
from opmodel.services.exports import Pruned, exports_prune
from tests.exports.conftest import FAKE_PDF

pytestmark = [pytest.mark.engine, pytest.mark.django_db]
Status = Export.Status
NOW = timezone.now()


def _export(om, *, release=None, status=Status.DONE, days_ago: int, kind="picture") -> Export:
    export = Export.objects.create(operating_model=om, release=release, kind=kind, status=status)
    export.finished_at = NOW - dt.timedelta(days=days_ago)
    if status == Status.DONE:
        export.file.save("x.pdf", ContentFile(FAKE_PDF), save=False)
    export.save()
    return export


def _orphan(media: Path, om, name: str, age: dt.timedelta) -> Path:
    path = media / "exports" / str(om.pk) / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(FAKE_PDF)
    stamp = (NOW - age).timestamp()
    os.utime(path, (stamp, stamp))
    return path


def test_old_drafts_and_failures_go_with_their_files_and_releases_stay(om, people, media):
    release = release_publish(operating_model=om, actor=people["facilitator"], title="v1")
    old_draft = _export(om, days_ago=40)
    new_draft = _export(om, days_ago=3, kind="handbook")
    old_release = _export(om, release=release, days_ago=400)
    old_failure = _export(om, release=release, status=Status.FAILED, days_ago=40, kind="handbook")
    old_file = Path(old_draft.file.path)
    lost = _orphan(media, om, "lost.pdf", dt.timedelta(days=40))
    young = _orphan(media, om, "young.pdf", dt.timedelta(days=3))

    pruned = exports_prune(keep_days=30, now=NOW)

    assert pruned.exports == 2 and pruned.files == 2  # the old draft's file and the orphan
    assert set(Export.objects.values_list("pk", flat=True)) == {new_draft.pk, old_release.pk}
    assert not Export.objects.filter(pk=old_failure.pk).exists()
    assert not old_file.exists() and not lost.exists()
    assert young.exists()
    for kept in Export.objects.all():
        assert Path(kept.file.path).read_bytes() == FAKE_PDF
    assert exports_prune(keep_days=30, now=NOW) == Pruned(0, 0)  # nothing left to prune


def test_a_file_being_written_is_never_taken_for_an_orphan(om, media):
    lost = _orphan(media, om, "lost.pdf", dt.timedelta(hours=2))
    writing = _orphan(media, om, "being-written.pdf", dt.timedelta(minutes=10))  # no row yet
    assert exports_prune(keep_days=0, now=NOW) == Pruned(0, 1)
    assert not lost.exists() and writing.exists()


def test_the_command_says_what_it_deleted_and_refuses_negative_days(om, media, capsys):
    _export(om, days_ago=10)
    call_command("prune_exports", "--days", "7")
    assert "Deleted 1 export and 1 file" in capsys.readouterr().out
    assert not Export.objects.exists()
    with pytest.raises(Exception, match="cannot be negative"):
        call_command("prune_exports", "--days", "-1")
