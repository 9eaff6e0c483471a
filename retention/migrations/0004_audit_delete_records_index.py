"""An index for the purge's "earlier deleted" lookup (``retention.plan.earlier_deleted``).

Rows deleted one by one (with auditlog on) leave a delete record whose ``changes`` name the
parent's id (``{"pupil": ["5", "None"]}``). The purge finds them by containment
(``changes @> ANY(...)``); this partial GIN index holds only delete records, so the lookup is an
index probe per id instead of a read of every delete record ever written. PostgreSQL only:
SQLite (a first look) has no such index and reads the delete records of the model.
"""

from django.db import migrations

INDEX = "auditlog_delete_changes_gin"


def create(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute(
        f"CREATE INDEX IF NOT EXISTS {INDEX} ON auditlog_logentry "
        "USING gin (changes jsonb_path_ops) WHERE action = 2"
    )


def drop(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute(f"DROP INDEX IF EXISTS {INDEX}")


class Migration(migrations.Migration):
    dependencies = [
        ("retention", "0003_spelling_and_plurals"),
        ("auditlog", "0017_add_actor_email"),
    ]

    operations = [migrations.RunPython(create, drop)]
