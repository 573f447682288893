"""Publishing releases: numbered, immutable snapshots of a whole model."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.db import transaction
from django.db.models import Max
from django.urls import reverse
from django.utils import timezone

from opmodel.models import OperatingModel, Release, Webhook
from opmodel.selectors import model_health
from opmodel.services.webhooks import model_data, public_url, webhook_dispatch
from opmodel.versions.snapshots import snapshot_build

if TYPE_CHECKING:
    from django.contrib.auth.models import User


@transaction.atomic
def release_publish(
    *, operating_model: OperatingModel, actor: User | None, title: str, notes: str = ""
) -> Release:
    """Publish the live draft as the next release (v1, v2, ...).

    The snapshot is built from the registry inside the transaction that numbers it, with the
    model's row locked, so two facilitators publishing at once get two numbers and each release
    holds exactly the draft it was published from. A release is never changed afterwards.
    """
    OperatingModel.objects.select_for_update().filter(pk=operating_model.pk).first()
    top = Release.objects.filter(operating_model=operating_model).aggregate(top=Max("number"))
    release = Release(
        operating_model=operating_model,
        number=(top["top"] or 0) + 1,
        title=title.strip(),
        notes=notes.strip(),
        snapshot=snapshot_build(operating_model),
        # Its health as published: the release's PDFs show these, not the draft's of the day.
        health=[
            {
                "check": f.check,
                "severity": str(f.severity),
                "message": f.message,
                "section": f.section,
            }
            for f in model_health(operating_model)
        ],
        published_by=actor,
        published_at=timezone.now(),
    )
    # The snapshot and the findings are built above from the database, not typed: checking
    # that they encode as JSON would encode the whole model once more (~12 % of publishing a
    # large model, issue 18), and saving encodes them anyway (a value JSON cannot hold fails
    # there, in this transaction). The model and the number are checked above too: the model's
    # row is locked in this transaction and the number is the next one under that lock, so
    # asking the database again whether the model and the publisher exist and whether the
    # number is free (three queries) could only say yes; the database's own constraints stay.
    release.full_clean(exclude=["snapshot", "health", "operating_model", "published_by"])
    release.save(force_insert=True)
    webhook_dispatch(
        operating_model=operating_model,
        event=Webhook.Event.RELEASE_PUBLISHED,
        data={
            "model": model_data(operating_model),
            "summary": f"release {release.label} “{release.title}” published",
            "release": {"number": release.number, "label": release.label, "title": release.title},
            "url": public_url(
                reverse("release-detail", args=[operating_model.slug, release.number])
            ),
        },
    )
    return release
