"""YAML is written by libyaml, byte for byte what PyYAML's own emitter writes, and read in one
pass that measures and builds, exactly as the nodes measured and then PyYAML's constructor."""

from __future__ import annotations

import copy
import datetime as dt
from typing import Any

import pytest
import yaml

from bench.largemodel import build_large_model
from opmodel import parsing
from opmodel.checks import libyaml_present
from opmodel.starters import starter_documents
from opmodel.versions import document_dump, document_parse, snapshot_build
from opmodel.versions.documents import _Dumper, _PythonDumper, _str, _yaml


class _Represented(yaml.CSafeDumper):
    """libyaml's dumper with PyYAML's representer: what ``_Dumper`` wrote before it built its
    nodes directly (compared before any fallback to the pure-Python emitter)."""


_Represented.add_representer(str, _str)

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
    assert _yaml(document, _Dumper) == _yaml(document, _Represented)
    assert document_parse(fast) == document


def _parsed_the_two_pass_way(text: str) -> Any:
    """What ``parse_yaml`` gave before it built the data while measuring the nodes: the nodes
    measured, then PyYAML's constructor (the reference for every text below)."""
    loader = parsing._SafeLoader(text)
    try:
        node = loader.get_single_node()
        parsing._check_nodes(node)
        try:
            return loader.construct_document(node)
        except ValueError as exc:
            raise parsing.ParseError(
                f"a value cannot be read: {exc}", mark=node.start_mark
            ) from exc
    finally:
        loader.dispose()


HANDWRITTEN = [
    "a: &x [1, 2]\nb: *x\nc: &m {k: v}\nd: *m\n",
    "base: &b {x: 1, y: two}\nrow:\n  <<: *b\n  y: three\n",
    "many:\n  <<: [{a: 1}, {b: 2}]\n  c: 3\n",
    "n: 12\nf: 1.5\ng: .inf\no: 0o17\nx: 0x1f\nb: yes\nB: False\nz: ~\ne:\n",
    "t: 2026-01-12\nu: 2026-01-12 10:30:00\n",
    "s: !!str 12\nf: !!float 1\ni: !!int '7'\nq: '12'\nd: \"2026-13-45\"\n",
    "dup: 1\ndup: 2\n",
    "1: int key\n2.5: float key\ntrue: bool key\n~: null key\n2026-01-12: date key\n",
    "- plain\n- [nested, [deeper, {k: v}]]\n- {}\n- []\n",
    "just text",
    "42",
    "big: 1" + "0" * 5000 + "\n",
    "? [a, b]\n: unhashable key\n",
    "x: !!seq abc\n",
    "x: !!map [a, b]\n",
    "x: <<\n",
]


def _outcome(read: Any, text: str) -> tuple[str, Any]:
    try:
        return "read", read(text)
    except Exception as exc:  # each reader's error, to compare
        return type(exc).__name__, str(exc)


@pytest.mark.parametrize("text", HANDWRITTEN)
def test_yaml_is_read_as_the_two_pass_reader_read_it(text):
    """Measuring and building in one pass gives the same data, the same shared objects for
    aliases, and the same error, as measuring and then running PyYAML's constructor."""
    got, expected = _outcome(parsing.parse_yaml, text), _outcome(_parsed_the_two_pass_way, text)
    assert got == expected
    assert type(got[1]) is type(expected[1])
    if isinstance(got[1], dict) and "a" in got[1] and "b" in got[1]:
        assert (got[1]["a"] is got[1]["b"]) == (expected[1]["a"] is expected[1]["b"])


@pytest.mark.parametrize("starter", [s.key for s in starter_documents()])
def test_a_dumped_starter_is_read_as_the_two_pass_reader_read_it(starter):
    document = copy.deepcopy(next(s for s in starter_documents() if s.key == starter).document)
    document["sections"]["extra.values"] = [
        {"id": i, "text": text, "number": i, "flag": i % 2 == 0, "none": None}
        for i, text in enumerate(TRICKY)
    ]
    text = document_dump(document, "yaml")
    assert parsing.parse_yaml(text) == _parsed_the_two_pass_way(text) == document


@pytest.mark.django_db
def test_a_large_document_is_written_and_read_as_before(people):
    """A generated large model: libyaml with nodes built directly writes PyYAML's bytes, and
    the one-pass reader reads what the two-pass reader read."""
    large = build_large_model(actor=people["editor"], scale=0.05, history_rows=0)
    document = snapshot_build(large.operating_model)
    text = document_dump(document, "yaml")
    assert text == document_dump(document, "yaml", dumper=_PythonDumper)
    assert _yaml(document, _Dumper) == _yaml(document, _Represented)
    assert parsing.parse_yaml(text) == _parsed_the_two_pass_way(text) == document


def test_what_the_direct_nodes_leave_out_is_written_by_the_representer():
    """Floats, dates, tuples and a list met twice (an anchor and an alias) go the
    representer's way: the same bytes as PyYAML writes."""
    shared = [1, 2]
    document = {
        "schema_version": 1,
        "sections": {
            "x": [{"f": 1.5, "d": dt.date(2026, 1, 12), "t": (1, 2), "a": shared, "b": shared}]
        },
    }
    fast = document_dump(document)
    assert fast == document_dump(document, dumper=_PythonDumper)
    assert _yaml(document, _Dumper) == _yaml(document, _Represented)
    assert "&id001" in fast


def test_the_fast_resolver_tags_every_value_as_pyyaml_does():
    values = ["", "~", "null", "Null", "yes", "No", "on", "OFF", "true", "1", "-1", "+1", "0",
              "012", "089", "0o17", "0x1F", "0b101", "1_000", "1:30", "1.5", ".5", "1e3",
              "1.0e+3", ".inf", "-.Inf", ".NaN", "2026-01-12", "2026-1-2 10:00:00", "<<", "=",
              "!x", "&a", "*a", "Name", "name", "Text with spaces", "ümlaut"]  # fmt: skip
    fast, usual = parsing._SafeLoader(""), yaml.SafeLoader("")
    for kind in (yaml.ScalarNode, yaml.SequenceNode, yaml.MappingNode):
        for implicit in ((True, False), (False, True), (True, True), (False, False)):
            for value in values if kind is yaml.ScalarNode else [None]:
                assert fast.resolve(kind, value, implicit) == usual.resolve(kind, value, implicit)


def test_the_collector_is_paused_while_a_document_is_read_or_written_and_runs_again_after(
    monkeypatch,
):
    """Dump and parse run without garbage-collector passes (parsing.collector_paused, issue 18),
    and the collector is on again afterwards, also when the text is refused; a collector
    someone else switched off stays off."""
    import gc

    seen: list[bool] = []
    represent = _Dumper.represent
    monkeypatch.setattr(
        _Dumper,
        "represent",
        lambda self, data: seen.append(gc.isenabled()) or represent(self, data),
    )
    construct = parsing._construct
    monkeypatch.setattr(
        parsing, "_construct", lambda *args: seen.append(gc.isenabled()) or construct(*args)
    )
    assert gc.isenabled()
    text = document_dump({"schema_version": 1, "rows": [{"name": "a"}]}, "yaml")
    assert parsing.parse_yaml(text)["rows"] == [{"name": "a"}]
    assert seen == [False, False] and gc.isenabled()
    with pytest.raises(parsing.ParseError):
        parsing.parse_yaml("a: [unclosed")
    assert gc.isenabled()
    gc.disable()
    try:
        document_dump({"schema_version": 1}, "yaml")
        assert not gc.isenabled()
    finally:
        gc.enable()
