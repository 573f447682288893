"""What a browser sends when a form is submitted as it is shown: the HTML form's fields, with
each input type's value sanitised the way the HTML standard says (an ``<input type=date>``
holding ``01/09/2025`` sends nothing), so a test can submit a form exactly as a user would."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from html.parser import HTMLParser

_DATE = re.compile(r"^\d{4,}-\d{2}-\d{2}$")
_DATETIME = re.compile(r"^\d{4,}-\d{2}-\d{2}[T ]\d{2}:\d{2}(:\d{2}(\.\d{1,3})?)?$")
_TIME = re.compile(r"^\d{2}:\d{2}(:\d{2}(\.\d{1,3})?)?$")
_NUMBER = re.compile(r"^-?(\d+(\.\d+)?|\.\d+)([eE][-+]?\d+)?$")
_SKIPPED_TYPES = {"submit", "button", "reset", "image", "file"}


def sanitise(input_type: str, value: str) -> str:
    """The value a browser keeps for an ``<input>`` of this type (HTML's value sanitisation)."""
    if input_type in {"text", "search", "tel", "password", "hidden", ""}:
        return value if input_type == "hidden" else value.replace("\r", "").replace("\n", "")
    if input_type in {"email", "url"}:
        return value.replace("\r", "").replace("\n", "").strip()
    if input_type == "number":
        return value if _NUMBER.match(value) else ""
    if input_type == "date":
        return value if _DATE.match(value) else ""
    if input_type == "datetime-local":
        return value.replace(" ", "T") if _DATETIME.match(value) else ""
    if input_type == "time":
        return value if _TIME.match(value) else ""
    return value


@dataclass
class _Select:
    name: str
    multiple: bool
    options: list[tuple[str, bool]] = field(default_factory=list)


class _FormParser(HTMLParser):
    def __init__(self, selector: str | None) -> None:
        super().__init__(convert_charrefs=True)
        self.selector = selector
        self.depth = 0  # > 0 inside the form we want
        self.found = False
        self.fields: list[tuple[str, str]] = []
        self.select: _Select | None = None
        self.option: tuple[str | None, bool] | None = None
        self.option_text = ""
        self.textarea: str | None = None
        self.textarea_text = ""
        self.action = ""

    def _matches(self, attrs: dict[str, str | None]) -> bool:
        if self.selector is None:
            return True
        if self.selector.startswith("#"):
            return attrs.get("id") == self.selector[1:]
        if self.selector.startswith("."):
            return self.selector[1:] in (attrs.get("class") or "").split()
        return (attrs.get("action") or "") == self.selector

    def handle_starttag(self, tag: str, raw: list[tuple[str, str | None]]) -> None:
        attrs = dict(raw)
        if tag == "form":
            if self.depth:
                self.depth += 1
            elif not self.found and self._matches(attrs):
                self.found = True
                self.depth = 1
                self.action = attrs.get("action") or ""
            return
        if not self.depth or "disabled" in attrs:
            return
        name = attrs.get("name")
        if tag == "input" and name:
            kind = (attrs.get("type") or "text").lower()
            if kind in _SKIPPED_TYPES:
                return
            if kind in {"checkbox", "radio"}:
                if "checked" in attrs:
                    self.fields.append((name, attrs.get("value") or "on"))
                return
            self.fields.append((name, sanitise(kind, attrs.get("value") or "")))
        elif tag == "select" and name:
            self.select = _Select(name, "multiple" in attrs)
        elif tag == "option" and self.select is not None:
            self.option = (attrs.get("value"), "selected" in attrs)
            self.option_text = ""
        elif tag == "textarea" and name:
            self.textarea = name
            self.textarea_text = ""

    def handle_data(self, data: str) -> None:
        if self.textarea is not None:
            self.textarea_text += data
        elif self.option is not None:
            self.option_text += data

    def _close_option(self) -> None:
        if self.option is not None and self.select is not None:
            value, selected = self.option
            text = " ".join(self.option_text.split())
            self.select.options.append((text if value is None else value, selected))
        self.option = None

    def handle_endtag(self, tag: str) -> None:
        if tag == "form" and self.depth:
            self.depth -= 1
        elif tag == "option":
            self._close_option()
        elif tag == "select" and self.select is not None:
            self._close_option()
            chosen = [v for v, selected in self.select.options if selected]
            if not self.select.multiple and not chosen and self.select.options:
                chosen = [self.select.options[0][0]]  # a drop-down always shows one option
            if not self.select.multiple:
                chosen = chosen[-1:]
            self.fields += [(self.select.name, v) for v in chosen]
            self.select = None
        elif tag == "textarea" and self.textarea is not None:
            text = self.textarea_text
            if text.startswith("\n"):  # the parser drops one newline after <textarea>
                text = text[1:]
            self.fields.append((self.textarea, text.replace("\r\n", "\n")))
            self.textarea = None


@dataclass
class BrowserForm:
    action: str
    fields: list[tuple[str, str]]

    def data(self) -> dict[str, list[str]]:
        """The fields as Django's test client posts them (a list per name)."""
        out: dict[str, list[str]] = {}
        for name, value in self.fields:
            out.setdefault(name, []).append(value)
        return out


def browser_form(html: str, selector: str | None = None) -> BrowserForm:
    """The first form in ``html`` (or the one matching ``#id``, ``.class`` or its action), as a
    browser would submit it untouched."""
    parser = _FormParser(selector)
    parser.feed(html)
    parser.close()
    if not parser.found:
        raise LookupError(f"no form {selector or ''} in the page")
    return BrowserForm(parser.action, parser.fields)
