"""How PostgreSQL stores a release's snapshot: lz4, read back as it was written (issue 18)."""

from __future__ import annotations

import pytest
from django.db import connection

from opmodel.models import Release
from opmodel.services import release_publish
from opmodel.versions import snapshot_build

pytestmark = [pytest.mark.postgres, pytest.mark.django_db]


@pytest.fixture(autouse=True)
def _postgres_only():
    if connection.vendor != "postgresql":
        pytest.fail("this test needs PostgreSQL: run it in the PostgreSQL pass")


def test_a_release_snapshot_is_compressed_with_lz4_and_reads_back_unchanged(om, people):
    release = release_publish(operating_model=om, actor=people["facilitator"], title="Stored")
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT pg_column_compression(snapshot) FROM opmodel_release WHERE id = %s",
            [release.pk],
        )
        assert cursor.fetchone() == ("lz4",)
    assert Release.objects.get(pk=release.pk).snapshot == snapshot_build(om)
