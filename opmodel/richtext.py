"""Rich text that people type (descriptions, notes, comments): Markdown rendered, then sanitised.

Markdown may produce any HTML (raw HTML passes through), so the output is cleaned with nh3
(ammonia) against a small allowlist: no scripts, no event handlers, no style, no ``hx-*``
attributes, no SVG, and links only to http(s) and mailto. The result is safe to mark safe.

Rendering time must grow linearly with the text, whatever a person types: Python-Markdown took
46 s for 16,000 ``[`` (quadratic), so the renderer is markdown-it-py (CommonMark, built against
pathological inputs, nesting capped at 20 levels), every text field is held to
``TEXT_MAX_LENGTH`` characters (``opmodel.models.BoundedText`` and the forms), and a longer
text (one stored before the limit) is shown as plain paragraphs, escaped, without Markdown.
``tests/opmodel/test_richtext.py`` renders adversarial inputs of 10k, 100k and 1M characters
and checks that the time grows linearly.
"""

from __future__ import annotations

import functools
import threading

import nh3
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe
from markdown_it import MarkdownIt

# The longest text any field holds (characters); documented in docs/threat-model.md.
TEXT_MAX_LENGTH = 10_000

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


def _converter() -> MarkdownIt:
    # One parser per thread (building one is most of the cost of a short text).
    converter = getattr(_local, "converter", None)
    if converter is None:
        converter = _local.converter = MarkdownIt("commonmark", {"html": True})
    return converter


def _plain(text: str) -> str:
    """Text as escaped paragraphs, no Markdown: linear, for what is past the limit."""
    paragraphs = (p.strip() for p in text.replace("\r\n", "\n").split("\n\n"))
    return "".join(f"<p>{escape(p).replace(chr(10), '<br>')}</p>" for p in paragraphs if p)


def render_markdown(text: str | None) -> SafeString:
    """Markdown to sanitised HTML (an empty string for empty input)."""
    if not text:
        return mark_safe("")
    return mark_safe(_render(text))  # noqa: S308 - sanitised by nh3 in _render


@functools.lru_cache(maxsize=4096)
def _render(text: str) -> str:
    if len(text) > TEXT_MAX_LENGTH:
        return _plain(text)  # escaped: nothing to sanitise (nh3 is superlinear on some input)
    html = _converter().render(text)
    return nh3.clean(
        html,
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes=URL_SCHEMES,
        link_rel="noopener noreferrer nofollow",
        strip_comments=True,
    )
