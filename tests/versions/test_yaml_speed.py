"""YAML is written by libyaml, byte for byte what PyYAML's own emitter writes."""

from __future__ import annotations

import copy

import pytest
import yaml

from opmodel.checks import libyaml_present
from opmodel.starters import starter_documents
from opmodel.versions import document_dump, document_parse
from opmodel.versions.documents import _Dumper, _PythonDumper

TRICKY = [
    "plain",
    "two\nlines",
    "trailing newline\n",
    "  leading spaces\nand a second line",
    "line with trailing spaces   \nnext",
    "\nstarts with a newline",
    "tabs\tinside\nand\tout",
    "ümlaut, 漢字, ‽",
    "yes",
    "null",
    "1.5",
    "- a dash",
    "key: value",
    "# a hash",
    "'quotes' and \"quotes\"",
    "x" * 300,
    "",
    "ends with a colon:",
    "carriage\r\nreturn",
    "\u2028separator",
]


def test_documents_are_written_by_libyaml_and_the_app_refuses_to_start_without_it(
    monkeypatch,
):
    assert issubclass(_Dumper, yaml.CSafeDumper)
    assert libyaml_present() == []
    monkeypatch.setattr(yaml, "__with_libyaml__", False)
    assert [m.id for m in libyaml_present()] == ["opmodel.E001"]


@pytest.mark.parametrize(
    "text", ["emoji 🦘", "next line\x85here", "𝄞 clef\nsecond line", "a back\\slash"]
)
def test_text_libyaml_would_escape_is_written_as_pure_python_writes_it(text):
    """libyaml escapes characters beyond U+FFFF and U+0085, which PyYAML's own emitter writes
    as they are: such text is written by the latter."""
    document = {"schema_version": 1, "sections": {"x": [{"text": text}]}}
    fast = document_dump(document)
    assert fast == document_dump(document, dumper=_PythonDumper)
    if "\x85" not in text:  # (YAML reads U+0085 as a line break, whoever wrote it)
        assert document_parse(fast) == document


@pytest.mark.parametrize("starter", [s.key for s in starter_documents()])
def test_libyaml_writes_the_same_bytes_as_pure_python(starter):
    document = copy.deepcopy(next(s for s in starter_documents() if s.key == starter).document)
    document["sections"]["extra.values"] = [
        {"id": i, "text": text, "number": i, "flag": i % 2 == 0, "none": None}
        for i, text in enumerate(TRICKY)
    ]
    fast = document_dump(document, "yaml")
    assert fast == document_dump(document, "yaml", dumper=_PythonDumper)
    assert document_parse(fast) == document
