"""A release's snapshot is compressed with lz4 on PostgreSQL (issue 18).

A large model's snapshot is about 1 MB of jsonb, which PostgreSQL compresses when it stores it
out of line (TOAST); its default, pglz, took about a quarter of the INSERT of a release. lz4
writes it faster and reads it back faster, for a slightly larger value. Only values written
after the change use it (PostgreSQL reads both), and a server built without lz4 keeps pglz:
nothing the application reads changes. Other databases have nothing to change.
"""

from django.db import DatabaseError, migrations, transaction


def _compression(method: str):
    def run(apps, schema_editor):
        connection = schema_editor.connection
        if connection.vendor != "postgresql":
            return
        table = schema_editor.quote_name(apps.get_model("opmodel", "Release")._meta.db_table)
        try:
            with transaction.atomic(using=connection.alias):
                schema_editor.execute(
                    f"ALTER TABLE {table} ALTER COLUMN snapshot SET COMPRESSION {method}"
                )
        except DatabaseError:  # a server without lz4: pglz stays
            pass

    return run


class Migration(migrations.Migration):
    dependencies = [
        ("opmodel", "0008_webhook_events"),
    ]

    operations = [
        migrations.RunPython(_compression("lz4"), _compression("default")),
    ]
