"""Export jobs: asking for a PDF, rendering it (called by the Celery task), retrying it.

A release's PDF is rendered once (one ``Export`` per release, kind and subject); the draft's
is rendered fresh every time. Rendering never runs inside a web request: with Redis a Celery
worker renders it; in the embedded default a background thread of the web process does, so the
page shows progress either way (``OPMODEL_EXPORTS_RUN``: celery, thread or inline).
"""

from __future__ import annotations

import datetime as dt
import logging
import threading
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.db import DatabaseError, IntegrityError, connections, transaction
from django.db.models import F, Q
from django.utils import timezone

from opmodel import events
from opmodel.models import Export, OperatingModel, Release
from opmodel.registry import registry

if TYPE_CHECKING:
    from django.contrib.auth.models import User

log = logging.getLogger(__name__)
Status = Export.Status


class ExportQueueUnavailable(Exception):
    """The broker cannot be reached: the export is recorded as failed and can be retried."""


class TransientExportError(Exception):
    """Rendering hit something that may work on a second try (the database, the storage)."""


QUEUE_DOWN = (
    "The export queue (Redis) cannot be reached, so the PDF was not started. "
    "Nothing is lost: try again in a moment."
)


def _event(export: Export) -> dict[str, Any]:
    return {
        "type": "export",
        "id": export.pk,
        "kind": export.kind,
        # what the stream needs to show it only to those who may download it
        "release": export.release_id,
        "subject": export.subject_id,
        "status": export.status,
        "progress": export.progress,
    }


def _stale_before() -> dt.datetime:
    return timezone.now() - dt.timedelta(seconds=settings.OPMODEL_EXPORT_STALE_SECONDS)


def export_is_stuck(export: Export) -> bool:
    """Queued or rendering for longer than a render can take: its worker died or the broker
    lost it, so it may be run again."""
    if export.status == Status.QUEUED:
        return export.queued_at < _stale_before()
    if export.status == Status.RENDERING:
        return export.started_at is None or export.started_at < _stale_before()
    return False


def _check_kind(operating_model: OperatingModel, kind: str, subject_id: int) -> None:
    if kind in {Export.Kind.PICTURE, Export.Kind.HANDBOOK}:
        if subject_id:
            raise ValidationError("The picture and the handbook are of the whole model.")
        return
    subject = registry.export_subject(kind)
    if kind not in Export.Kind.values or subject is None:
        raise ValidationError(f"There is no PDF of kind {kind!r}.")
    try:
        subject.name(operating_model, subject_id)
    except LookupError as exc:
        raise ValidationError(f"There is no such {subject.title.lower()} to make.") from exc


@transaction.atomic
def export_request(
    *,
    operating_model: OperatingModel,
    actor: User | None,
    kind: str,
    release: Release | None = None,
    subject_id: int = 0,
) -> Export:
    """Ask for a PDF. A release's PDF that exists (done, or on its way) is returned as it is:
    asking twice renders once; a failed one is queued again. The draft's is always new.

    Rendering starts once the transaction commits. Raises ``ExportQueueUnavailable`` (after
    recording the export as failed) when the broker is down.
    """
    _check_kind(operating_model, kind, subject_id)
    if release is not None and release.operating_model_id != operating_model.pk:
        raise ValidationError("That release belongs to another model.")
    if release is not None:
        existing = (
            Export.objects.select_for_update()
            .filter(release=release, kind=kind, subject_id=subject_id)
            .first()
        )
        if existing is not None:
            if existing.status == Status.FAILED or export_is_stuck(existing):
                return _requeue(existing)
            return existing
    _check_user_limit(actor)
    export = Export(
        operating_model=operating_model,
        release=release,
        kind=kind,
        subject_id=subject_id,
        requested_by=actor if getattr(actor, "is_authenticated", False) else None,
    )
    export.full_clean(validate_constraints=False)
    try:
        with transaction.atomic():
            export.save(force_insert=True)
    except IntegrityError:
        # Someone asked for the same release's PDF at the same moment: theirs is the one.
        return Export.objects.get(release=release, kind=kind, subject_id=subject_id)
    _announce_and_enqueue(export)
    return export


def _requeue(export: Export) -> Export:
    Export.objects.filter(pk=export.pk).update(
        status=Status.QUEUED,
        progress=0,
        error="",
        queued_at=timezone.now(),
        started_at=None,
        finished_at=None,
    )
    export.refresh_from_db()
    _announce_and_enqueue(export)
    return export


@transaction.atomic
def export_retry(*, export: Export, actor: User | None) -> Export:
    """Run a failed (or stuck) export again."""
    locked = Export.objects.select_for_update().get(pk=export.pk)
    if locked.status == Status.DONE:
        return locked
    if locked.status != Status.FAILED and not export_is_stuck(locked):
        raise ValidationError("This export is still being rendered.")
    return _requeue(locked)


def _announce_and_enqueue(export: Export) -> None:
    events.publish_on_commit(export.operating_model.channel, _event(export))
    export_id = export.pk
    transaction.on_commit(lambda: export_dispatch(export_id))


def export_dispatch(export_id: int) -> None:
    """Start rendering, the way the settings say (after the request's transaction)."""
    mode = settings.OPMODEL_EXPORTS_RUN
    if mode == "inline":
        export_render(export_id=export_id)
    elif mode == "thread":
        _pool().submit(_render_in_thread, export_id)
    else:
        from opmodel.tasks import export_render_task

        try:
            export_render_task.apply_async(
                (export_id,), queue=settings.OPMODEL_EXPORTS_QUEUE, retry=False
            )
        except Exception as exc:
            log.warning("export %s not queued: broker unreachable", export_id, exc_info=True)
            export_fail(export_id=export_id, error=QUEUE_DOWN)
            raise ExportQueueUnavailable(QUEUE_DOWN) from exc


_pool_lock = threading.Lock()
_executor: ThreadPoolExecutor | None = None


def _pool() -> ThreadPoolExecutor:
    """The web process's few render threads (``OPMODEL_EXPORT_THREADS``, without Redis): a
    burst of requests waits its turn in the queue instead of starting a thread each and
    starving one another (and the web requests) of the CPU."""
    global _executor  # one pool per process, made on first use
    with _pool_lock:
        if _executor is None:
            _executor = ThreadPoolExecutor(
                max_workers=settings.OPMODEL_EXPORT_THREADS, thread_name_prefix="export"
            )
        return _executor


def _check_user_limit(actor: User | None) -> None:
    """Without Redis the web process renders: one person may have only so many PDFs on their
    way at once (``OPMODEL_EXPORT_PER_USER``)."""
    if settings.OPMODEL_EXPORTS_RUN != "thread" or not getattr(actor, "is_authenticated", False):
        return
    pending = [
        e
        for e in Export.objects.filter(
            requested_by=actor, status__in=[Status.QUEUED, Status.RENDERING]
        )
        if not export_is_stuck(e)
    ]
    if len(pending) >= settings.OPMODEL_EXPORT_PER_USER:
        raise ValidationError(
            f"You already have {len(pending)} PDFs on their way: wait for one to finish."
        )


def _render_in_thread(export_id: int) -> None:
    try:
        export_render(export_id=export_id)
    except Exception:
        log.exception("export %s failed", export_id)
    finally:
        connections.close_all()  # this thread's connections only


def export_fail(*, export_id: int, error: str) -> None:
    Export.objects.filter(pk=export_id).exclude(status=Status.DONE).update(
        status=Status.FAILED, error=error[:2000], finished_at=timezone.now()
    )
    export = Export.objects.select_related("operating_model").filter(pk=export_id).first()
    if export is not None:
        events.broadcaster().publish(export.operating_model.channel, _event(export))


def _claim(export_id: int) -> bool:
    """Mark the export as rendering, if it is waiting (or stuck). Idempotent: a done export,
    or one another worker is rendering right now, is left alone."""
    claimable = Q(status=Status.QUEUED) | Q(status=Status.RENDERING, started_at__lt=_stale_before())
    return bool(
        Export.objects.filter(claimable, pk=export_id).update(
            status=Status.RENDERING,
            progress=5,
            started_at=timezone.now(),
            attempts=F("attempts") + 1,
            error="",
        )
    )


def export_render(*, export_id: int) -> Export | None:
    """Render the export's PDF and store it (what the Celery task calls).

    Idempotent: an export that is done, failed or being rendered by someone else is not
    rendered again. Progress is saved and announced on the model's live channel as it goes.
    A database or storage hiccup raises ``TransientExportError`` (the export waits in the queue
    again, for the task to retry); anything else marks the export failed with the error.
    """
    from opmodel.exports import render_pdf  # WeasyPrint loads only where PDFs are rendered

    if not _claim(export_id):
        return Export.objects.filter(pk=export_id).first()
    export = Export.objects.select_related("operating_model", "release").get(pk=export_id)
    channel = export.operating_model.channel
    events.broadcaster().publish(channel, _event(export))

    def progress(percent: int) -> None:
        export.progress = max(export.progress, min(99, percent))
        Export.objects.filter(pk=export_id).update(progress=export.progress)
        events.broadcaster().publish(channel, _event(export))

    try:
        rendered = render_pdf(
            export.operating_model,
            export.kind,
            release=export.release,
            subject_id=export.subject_id,
            progress=progress,
        )
        export.file.save(f"{export.kind}.pdf", ContentFile(rendered.pdf), save=False)
    except (DatabaseError, OSError) as exc:
        Export.objects.filter(pk=export_id).update(status=Status.QUEUED, progress=0)
        raise TransientExportError(str(exc)) from exc
    except Exception as exc:
        log.exception("export %s failed", export_id)
        export_fail(export_id=export_id, error=f"{type(exc).__name__}: {exc}")
        export.refresh_from_db()
        return export
    Export.objects.filter(pk=export_id).update(
        status=Status.DONE,
        progress=100,
        file=export.file.name,
        pages=rendered.pages,
        finished_at=timezone.now(),
    )
    export.refresh_from_db()
    events.broadcaster().publish(channel, _event(export))
    return export


# ---------- pruning ----------

EXPORTS_DIR = "exports"
# A file younger than this may belong to a render whose row is not saved yet: never an orphan.
ORPHAN_GRACE = dt.timedelta(hours=1)


@dataclass(frozen=True)
class Pruned:
    exports: int
    files: int


def exports_prune(*, keep_days: int | None = None, now: dt.datetime | None = None) -> Pruned:
    """Delete what nobody will download again, and its files: draft PDFs and failed exports
    that finished more than ``keep_days`` ago (a release's PDF stays: asking for it again must
    not render it again). Then files under ``exports/`` that no export names (deleting a model
    deletes its exports' rows, not their files)."""
    keep = settings.OPMODEL_EXPORT_KEEP_DAYS if keep_days is None else keep_days
    now = now or timezone.now()
    cutoff = now - dt.timedelta(days=keep)
    old = Export.objects.filter(finished_at__lt=cutoff).filter(
        Q(release__isnull=True) | Q(status=Status.FAILED)
    )
    files = 0
    for export in old.exclude(file="").only("pk", "file").iterator():
        export.file.delete(save=False)
        files += 1
    deleted, _ = old.delete()
    files += _delete_orphans(min(cutoff, now - ORPHAN_GRACE))
    log.info("Pruned %s exports and %s files", deleted, files)
    return Pruned(deleted, files)


def _delete_orphans(before: dt.datetime) -> int:
    from django.core.files.storage import default_storage

    if not default_storage.exists(EXPORTS_DIR):
        return 0
    named = set(Export.objects.exclude(file="").values_list("file", flat=True))
    deleted = 0
    folders, _files = default_storage.listdir(EXPORTS_DIR)
    for folder in folders:
        _sub, names = default_storage.listdir(f"{EXPORTS_DIR}/{folder}")
        for name in names:
            path = f"{EXPORTS_DIR}/{folder}/{name}"
            if path not in named and default_storage.get_modified_time(path) < before:
                default_storage.delete(path)
                deleted += 1
    return deleted
