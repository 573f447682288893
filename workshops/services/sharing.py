"""Socialise: share links to the draft, comments on it, and the summary email."""

from __future__ import annotations

import hmac
import secrets
from typing import TYPE_CHECKING

from django.core import signing
from django.core.exceptions import ValidationError
from django.core.mail import EmailMultiAlternatives
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from ..live import room_event
from ..models import Comment, CommentStatus, ShareLink, Workshop

if TYPE_CHECKING:
    from django.contrib.auth.models import User

SALT = "workshops.share"


def share_token(link: ShareLink) -> str:
    return signing.dumps({"s": link.pk, "n": link.nonce}, salt=SALT, compress=True)


def share_url(link: ShareLink, base_url: str = "") -> str:
    path = reverse(
        "share-public",
        kwargs={"slug": link.workshop.operating_model.slug, "token": share_token(link)},
    )
    return base_url.rstrip("/") + path


def share_link_check(token: str) -> ShareLink | None:
    """The live share link a token names, or None (tampered, unknown or revoked)."""
    try:
        data = signing.loads(token, salt=SALT)
        pk, nonce = int(data["s"]), str(data["n"])
    except (signing.BadSignature, KeyError, TypeError, ValueError):
        return None
    link = (
        ShareLink.objects.select_related("workshop__operating_model")
        .filter(pk=pk, revoked_at__isnull=True)
        .first()
    )
    if link is None or not hmac.compare_digest(link.nonce, nonce):
        return None
    return link


@transaction.atomic
def share_link_create(*, workshop: Workshop, actor: User | None) -> ShareLink:
    """A read-and-comment link to the draft for people without an account (revocable)."""
    return ShareLink.objects.create(
        workshop=workshop, nonce=secrets.token_urlsafe(24), created_by=actor
    )


@transaction.atomic
def share_link_revoke(*, link: ShareLink, actor: User | None) -> None:
    ShareLink.objects.filter(pk=link.pk, revoked_at__isnull=True).update(revoked_at=timezone.now())


@transaction.atomic
def comment_add(
    *,
    workshop: Workshop,
    text: str,
    actor: User | None = None,
    share_link: ShareLink | None = None,
    author_name: str = "",
    section: str = "",
    part_id: int | None = None,
) -> Comment:
    """A comment on the draft, from a member or from someone holding a share link."""
    from .room import item_label

    if actor is None and share_link is None:
        raise ValidationError("Comments come from members or share-link holders.")
    label = item_label(workshop, section, part_id, focused=False)
    comment = Comment(
        workshop=workshop,
        author=actor,
        author_name=author_name.strip()[:80],
        share_link=share_link,
        section=section,
        part_id=part_id or None,
        part_label=label,
        text=text.strip(),
    )
    comment.full_clean()
    comment.save()
    room_event(workshop, ["comments"], actor)
    return comment


@transaction.atomic
def comment_resolve(*, comment: Comment, actor: User | None) -> Comment:
    comment.status = CommentStatus.RESOLVED
    comment.save(update_fields=["status"])
    room_event(comment.workshop, ["comments"], actor)
    return comment


def summary_send(*, workshop: Workshop, base_url: str) -> int:
    """Email every attendee the workshop summary and the link to comment on the draft."""
    from ..selectors import workshop_summary

    summary = workshop_summary(workshop)
    base = base_url.rstrip("/")
    slug = workshop.operating_model.slug
    context = {
        "workshop": workshop,
        "summary": summary,
        "summary_url": base + reverse("workshop-summary", kwargs={"slug": slug, "pk": workshop.pk}),
        "share_url": base + reverse("workshop-share", kwargs={"slug": slug, "pk": workshop.pk}),
    }
    recipients = [a.user.email for a in summary.attendees if a.user.email]
    if not recipients:
        return 0
    message = EmailMultiAlternatives(
        subject=f"Summary: {workshop.title} — please check the draft",
        body=render_to_string("workshops/email/summary.txt", context),
        to=[],
        bcc=recipients,
    )
    message.attach_alternative(
        render_to_string("workshops/email/summary.html", context), "text/html"
    )
    message.send()
    return len(recipients)
