"""Rich text that people type (descriptions, notes, comments): Markdown rendered, then sanitised.

Markdown may produce any HTML (raw HTML passes through), so the output is cleaned with nh3
(ammonia) against a small allowlist: no scripts, no event handlers, no style, no ``hx-*``
attributes, no SVG, and links only to http(s) and mailto. The result is safe to mark safe.
"""

from __future__ import annotations

import functools
import threading

import markdown as md
import nh3
from django.utils.safestring import SafeString, mark_safe

ALLOWED_TAGS = {
    "p",
    "br",
    "strong",
    "em",
    "b",
    "i",
    "code",
    "pre",
    "blockquote",
    "ul",
    "ol",
    "li",
    "a",
    "h3",
    "h4",
    "hr",
    "del",
}
ALLOWED_ATTRIBUTES = {"a": {"href", "title"}}
URL_SCHEMES = {"http", "https", "mailto"}


_local = threading.local()


def _converter() -> md.Markdown:
    # Building a Markdown instance is most of the cost of a short text: one per thread, reset.
    converter = getattr(_local, "converter", None)
    if converter is None:
        converter = _local.converter = md.Markdown(extensions=["sane_lists"], output_format="html")
    return converter


def render_markdown(text: str | None) -> SafeString:
    """Markdown to sanitised HTML (an empty string for empty input)."""
    if not text:
        return mark_safe("")  # noqa: S308 - constant
    return mark_safe(_render(text))  # noqa: S308 - sanitised by nh3 in _render


@functools.lru_cache(maxsize=4096)
def _render(text: str) -> str:
    html = _converter().reset().convert(text)
    return nh3.clean(
        html,
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes=URL_SCHEMES,
        link_rel="noopener noreferrer nofollow",
        strip_comments=True,
    )
