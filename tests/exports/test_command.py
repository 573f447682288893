"""``manage.py export_pdf``: a release's or the draft's PDF to a file, in process."""

from __future__ import annotations

import pytest
from django.core.management import CommandError, call_command

from opmodel.services import release_publish

pytestmark = [pytest.mark.engine, pytest.mark.django_db]


def test_export_pdf_writes_the_release_picture_to_a_file(small_om, people, tmp_path, capsys):
    release_publish(operating_model=small_om, actor=people["facilitator"], title="v1")
    target = tmp_path / "picture.pdf"
    call_command("export_pdf", small_om.slug, "--release", "1", "-o", str(target))
    assert target.read_bytes().startswith(b"%PDF-")
    out = capsys.readouterr().out
    assert f"picture of {small_om.slug} v1, 1 page," in out


def test_export_pdf_names_what_it_cannot_find(small_om, tmp_path):
    with pytest.raises(CommandError, match="No model with the slug"):
        call_command("export_pdf", "nope", "-o", str(tmp_path / "x.pdf"))
    with pytest.raises(CommandError, match="has no release v4"):
        call_command("export_pdf", small_om.slug, "--release", "4", "-o", str(tmp_path / "x.pdf"))
    assert not (tmp_path / "x.pdf").exists()
