"""User text is rendered from Markdown and sanitised: an XSS corpus comes out inert."""

from __future__ import annotations

from html.parser import HTMLParser

import pytest
from django.urls import reverse

from canvas.models import Purpose, Stage
from opmodel.richtext import render_markdown

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


@pytest.mark.parametrize("payload", XSS)
def test_markdown_rendering_makes_every_payload_inert(payload):
    html = str(render_markdown(payload)).lower()
    for marker in DANGEROUS:
        assert marker not in html, (payload, html)


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
