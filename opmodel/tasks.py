"""Celery tasks of the core: thin, they take ids and call a service."""

from __future__ import annotations

from typing import Any

from celery import shared_task
from django.conf import settings
from django.utils import timezone

from opmodel.models import Export
from opmodel.services.exports import TransientExportError, export_fail, export_render

MAX_RETRIES = 4


@shared_task(bind=True, acks_late=True, reject_on_worker_lost=True, max_retries=MAX_RETRIES)
def export_render_task(self: Any, export_id: int) -> None:
    """Render one export. Acknowledged late, so a worker killed mid-render leaves the message
    to be redelivered (the export is then stuck in "rendering" and claimed again once stale).
    Transient errors are retried with exponential backoff (2, 4, 8, 16 s)."""
    try:
        export = export_render(export_id=export_id)
    except TransientExportError as exc:
        if self.request.retries >= MAX_RETRIES:
            export_fail(export_id=export_id, error=f"Gave up after {MAX_RETRIES} retries: {exc}")
            return
        raise self.retry(exc=exc, countdown=2 ** (self.request.retries + 1)) from exc
    if export is not None and export.status == Export.Status.RENDERING:
        # Someone else holds it: a worker rendering it now, or one that died mid-render (its
        # pool process killed, the message handed back at once). Come back when a holder would
        # count as lost; by then it is done, or it is taken again: never "rendering" forever.
        wait = settings.OPMODEL_EXPORT_STALE_SECONDS
        if export.started_at is not None:
            held = (timezone.now() - export.started_at).total_seconds()
            wait = max(1, int(settings.OPMODEL_EXPORT_STALE_SECONDS - held) + 1)
        raise self.retry(countdown=wait)


@shared_task(bind=True, acks_late=True, max_retries=settings.OPMODEL_WEBHOOK_RETRIES)
def webhook_deliver_task(self: Any, delivery_id: int) -> None:
    """Send one webhook delivery; retried with exponential backoff (``OPMODEL_WEBHOOK_BACKOFF``
    seconds times 1, 2, 4 ...: 2, 4, 8 s by default), recorded after the last try
    (opmodel.services.webhooks)."""
    from opmodel.services.webhooks import DeliveryFailed, delivery_send

    retries = self.request.retries
    final = retries >= settings.OPMODEL_WEBHOOK_RETRIES
    try:
        delivery_send(delivery_id=delivery_id, final=final)
    except DeliveryFailed as exc:
        countdown = settings.OPMODEL_WEBHOOK_BACKOFF * 2**retries
        raise self.retry(exc=exc, countdown=countdown, max_retries=retries + 1) from exc


@shared_task(acks_late=True)
def webhook_changes_task(operating_model_id: int) -> None:
    """Send a model's batch of changes (and the health findings they made or resolved)."""
    from opmodel.services.webhooks import changes_flush

    changes_flush(operating_model_id=operating_model_id)
