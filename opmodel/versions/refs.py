"""Naming a version of a model: ``draft``, a release (``v3``) or a moment (``2027-03-01T09:30``)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ObjectDoesNotExist, ValidationError
from django.utils import timezone

from opmodel.models import OperatingModel, Release

from .snapshots import snapshot_as_of, snapshot_build

DRAFT = "draft"


@dataclass(frozen=True)
class Version:
    ref: str
    label: str
    document: dict[str, Any]
    at: dt.datetime | None  # when this version was the model (None: now, the draft)
    release: Release | None = None


def parse_moment(text: str) -> dt.datetime:
    try:
        moment = dt.datetime.fromisoformat(text)
    except ValueError as exc:
        raise ValidationError(f"{text!r} is not a date and time (e.g. 2027-03-01T09:30)") from exc
    return timezone.make_aware(moment) if timezone.is_naive(moment) else moment


def version_get(operating_model: OperatingModel, ref: str) -> Version:
    """The document of the version ``ref`` names; ``ValidationError`` if it names nothing."""
    ref = (ref or DRAFT).strip()
    if ref == DRAFT:
        return Version(DRAFT, "Live draft", snapshot_build(operating_model), None)
    if ref[:1] in "vV" and ref[1:].isdigit():
        try:
            release = operating_model.releases.get(number=int(ref[1:]))
        except ObjectDoesNotExist as exc:
            raise ValidationError(f"There is no release {ref}.") from exc
        return Version(
            f"v{release.number}",
            f"v{release.number} · {release.title}",
            release.snapshot,
            release.published_at,
            release,
        )
    moment = parse_moment(ref)
    label = "As of " + timezone.localtime(moment).strftime("%d %b %Y %H:%M")
    return Version(ref, label, snapshot_as_of(operating_model, moment), moment)
