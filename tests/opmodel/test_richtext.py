"""User text is rendered from Markdown and sanitised: an XSS corpus comes out inert."""

from __future__ import annotations

import sys
import time
from html.parser import HTMLParser

import pytest
from django.urls import reverse

from canvas.models import Purpose, Stage
from opmodel.richtext import TEXT_MAX_LENGTH, _render, render_markdown

XSS = [
    "<script>alert(1)</script>",
    "<img src=x onerror=alert(1)>",
    "[click](javascript:alert(1))",
    '<a href="javascript:alert(1)">x</a>',
    '<div hx-get="/admin/" hx-trigger="load">x</div>',
    '<button hx-post="/m/x/s/canvas-stages/1/delete/">x</button>',
    "<svg><script>alert(1)</script></svg>",
    '<svg onload="alert(1)"><circle r="5"/></svg>',
    '<iframe src="https://evil.example"></iframe>',
    '<p style="background:url(javascript:alert(1))">x</p>',
    '<a href="data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==">x</a>',
    "<math><mtext><table><mglyph><style><img src=x onerror=alert(1)>",
    '<details open ontoggle="alert(1)">x</details>',
    "<form action=/logout method=post><button>x</button></form>",
]
DANGEROUS = [
    "<script",
    "onerror",
    "javascript:",
    "hx-",
    "<svg",
    "onload",
    "<iframe",
    "style=",
    "data:text",
    "ontoggle",
    "<form",
    "<math",
]


class _Markup(HTMLParser):
    """The markup of a fragment (its tags and attributes), without its text: a payload shown
    as text is inert."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.markup: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.markup.append(f"<{tag} " + " ".join(f"{k}={v}" for k, v in attrs))

    def handle_comment(self, data: str) -> None:
        self.markup.append(f"<!--{data}")


@pytest.mark.parametrize("payload", XSS)
def test_markdown_rendering_makes_every_payload_inert(payload):
    parser = _Markup()
    parser.feed(str(render_markdown(payload)))
    markup = " ".join(parser.markup).lower()
    for marker in DANGEROUS:
        assert marker not in markup, (payload, markup)


def test_markdown_keeps_ordinary_formatting():
    html = str(render_markdown("**Lean** and *agile*\n\n- one\n- [two](https://example.org)"))
    assert "<strong>Lean</strong>" in html and "<em>agile</em>" in html
    assert '<a href="https://example.org" rel="noopener noreferrer nofollow">two</a>' in html


class _Elements(HTMLParser):
    """Every element inside <main> with its attributes."""

    def __init__(self) -> None:
        super().__init__()
        self.inside = False
        self.elements: list[tuple[str, dict[str, str]]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "main":
            self.inside = True
        if self.inside:
            self.elements.append((tag, {k: v or "" for k, v in attrs}))


def assert_inert(html: str) -> None:
    parser = _Elements()
    parser.feed(html)
    assert parser.elements, "no <main> found"
    for tag, attrs in parser.elements:
        assert tag not in {"script", "iframe", "math", "details", "object", "embed"}, tag
        assert not (tag == "form" and attrs.get("action") == "/logout"), attrs
        for name, value in attrs.items():
            assert not name.startswith("on"), (tag, name)
            if name in {"href", "src", "action", "formaction", "xlink:href", "srcdoc", "style"}:
                lowered = value.lower()
                assert "javascript:" not in lowered and "alert(1)" not in lowered, (tag, name)
                assert "data:text" not in lowered, (tag, name)
            if name.startswith("hx-"):
                assert value not in {"/admin/", "load"} and "/m/x/" not in value, (tag, name)


@pytest.mark.django_db
@pytest.mark.parametrize("payload", XSS)
def test_payloads_are_inert_on_the_canvas_and_the_picture(payload, small_om, people, client_for):
    Purpose.objects.filter(operating_model=small_om).update(overview=payload, mission=payload)
    Stage.objects.filter(operating_model=small_om).update(description=payload, name=payload)
    for user in ("viewer", "editor"):
        client = client_for(people[user])
        for page in ("canvas", "picture"):
            response = client.get(reverse(page, args=[small_om.slug]))
            assert response.status_code == 200
            assert_inert(response.content.decode())


# ---------- time linear in the input (the class of "Markdown is quadratic") ----------

# Each unit repeated is a known pathological input of some Markdown engine: unclosed brackets
# and link openers, emphasis runs, entity starts, HTML starts, backslashes, nested containers.
ADVERSARIAL = [
    "[",
    "![[",
    "[a](",
    "](<",
    "*a_",
    "a_b*",
    "**a",
    "~~a",
    "&#",
    "<a ",
    "\\",
    "> ",
    "- ",
]


def _text(unit: str, size: int) -> str:
    return (unit * (size // len(unit) + 1))[:size]


def _lines_run(text: str) -> int:
    """Lines of Python the renderer executes for ``text``: a measure of its work that, unlike a
    clock, does not depend on the machine's load (the C parts, nh3 and re, are not counted)."""
    count = 0

    def local(frame, event, arg):
        nonlocal count
        count += event == "line"
        return local

    sys.settrace(lambda frame, event, arg: local)
    try:
        _render.__wrapped__(text)
    finally:
        sys.settrace(None)
    return count


@pytest.mark.parametrize("unit", ADVERSARIAL)
def test_the_markdown_engine_does_linear_work(unit):
    small, large = _lines_run(_text(unit, 300)), _lines_run(_text(unit, 3000))
    assert large <= 12 * small, (unit, small, large)  # 10x the text, ~10x the work


def _cpu_seconds(text: str) -> float:
    best = float("inf")
    for _ in range(3):
        start = time.process_time()
        _render.__wrapped__(text)
        best = min(best, time.process_time() - start)
    return best


@pytest.mark.parametrize("unit", ["[", "*a_", "&#"])
def test_rendering_10k_100k_and_1m_characters_grows_linearly(unit):
    small, medium, large = (_cpu_seconds(_text(unit, n)) for n in (10_000, 100_000, 1_000_000))
    # Linear: 10x the text costs at most ~10x (slack for timer noise on tiny times).
    assert medium <= 15 * small + 0.05, (unit, small, medium)
    assert large <= 15 * medium + 0.05, (unit, medium, large)
    assert large < 2.0, (unit, large)  # 1M characters: well within a request


def test_text_past_the_limit_is_shown_escaped_without_markdown():
    text = "**not bold** <b>x</b>\n\nnext" + "x" * TEXT_MAX_LENGTH
    html = str(render_markdown(text))
    assert html.startswith("<p>**not bold** &lt;b&gt;x&lt;/b&gt;</p><p>next")
