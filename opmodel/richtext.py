"""Rich text that people type (descriptions, notes, comments): Markdown rendered, then sanitised.

Markdown may produce any HTML (raw HTML passes through), so the output is cleaned with nh3
(ammonia) against a small allowlist: no scripts, no event handlers, no style, no ``hx-*``
attributes, no SVG, and links only to http(s) and mailto. The result is safe to mark safe.
"""

from __future__ import annotations

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


def render_markdown(text: str | None) -> SafeString:
    """Markdown to sanitised HTML (an empty string for empty input)."""
    if not text:
        return mark_safe("")  # noqa: S308 - constant
    html = md.markdown(text, extensions=["sane_lists"], output_format="html")
    cleaned = nh3.clean(
        html,
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes=URL_SCHEMES,
        link_rel="noopener noreferrer nofollow",
        strip_comments=True,
    )
    return mark_safe(cleaned)  # noqa: S308 - sanitised by nh3 just above
