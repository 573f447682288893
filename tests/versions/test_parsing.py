"""The operating model as code, before any database: unreadable files, the size limit, the
document checker and the loader's reference resolver. No test here touches the database, so
they run once, on SQLite (tests/versions/test_documents.py, marked ``engine``, loads and
exports through it on both engines)."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError

from canvas.models import Stage
from opmodel.versions import document_check, document_parse
from tests.versions.test_documents import _doc

BAD = [
    ("not yaml", b"sections: [unclosed\n  - {", "Not valid YAML: line"),
    ("not text", b"\xff\xfe\x00binary\x00\x81", "not UTF-8 text"),
    ("a list", b"- 1\n- 2\n", "must be a mapping"),
    ("empty", b"   \n", "The file is empty"),
    ("bad json", b'{"schema_version": 1,', "Not valid JSON: line 1"),
]


@pytest.mark.parametrize(("name", "content", "message"), BAD, ids=[b[0] for b in BAD])
def test_unreadable_files_are_refused(name, content, message):
    with pytest.raises(ValidationError) as caught:
        document_parse(content)
    assert message in " ".join(caught.value.messages)


def test_a_50_mb_file_is_refused_before_it_is_parsed():
    with pytest.raises(ValidationError) as caught:
        document_parse(b"x" * (50 * 1024 * 1024))
    assert "The file is 50.0 MB; the limit is 2 MB." in caught.value.messages


def test_a_dangling_reference_is_refused_with_its_path():
    # Level 1 rows do not refer to each other; the loader's resolver is shared by every level,
    # so prove it on a section whose field points at a stage.
    from types import SimpleNamespace

    from django.db import models

    from opmodel.services.documents import _resolve

    field = models.ForeignKey(Stage, on_delete=models.CASCADE)
    field.set_attributes_from_name("stage")
    fake_model = SimpleNamespace(_meta=SimpleNamespace(get_field=lambda name: field))
    section = SimpleNamespace(
        key="journeys.steps", fields=["stage"], model=fake_model, model_field=lambda name: field
    )
    ids = {(Stage, "build"): 41}
    assert _resolve(section, 0, {"stage": "build"}, ids) == {"stage": 41}
    with pytest.raises(ValidationError) as caught:
        _resolve(section, 3, {"stage": "biuld"}, ids)
    assert caught.value.messages[0].startswith("journeys.steps[3].stage: no stage with id 'biuld'")


def test_document_check_reports_every_problem():
    document = _doc(
        canvas__stages=[{"name": "A", "x": 1}, {"name": "B", "y": 2}],
        canvas__skills="nope",
    )
    with pytest.raises(ValidationError) as caught:
        document_check(document)
    assert len(caught.value.messages) == 3
