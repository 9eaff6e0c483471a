"""Replace the GIN index of 0004 by one btree expression index per parent field name.

The purge's "earlier deleted" lookup (``retention.plan.earlier_deleted``) asks, per audited
relation, which delete records name one of a batch's parent ids: ``(changes -> 'pupil' ->> 0)
= ANY(ids)``. A GIN containment test answered the index part fast but rechecked every row found
against every id of the batch (O(rows × ids)); a btree on the expression answers ``= ANY``
natively. One index per field name that a deletion-plan relation uses (``plan.
EARLIER_DELETED_FIELDS``; ``tests/retention/test_plan.py`` fails when a relation's field has
none), partial on delete records only, so its size follows the number of rows deleted by hand.
PostgreSQL only: SQLite (a first look) reads the delete records of the model.
"""

from django.db import migrations

FIELDS = ("pupil", "guardian", "notice", "request", "dossier")


def create(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute("DROP INDEX IF EXISTS auditlog_delete_changes_gin")
    for name in FIELDS:
        schema_editor.execute(
            f"CREATE INDEX IF NOT EXISTS auditlog_delete_{name} ON auditlog_logentry "
            f"(content_type_id, ((changes -> '{name}') ->> 0)) WHERE action = 2"
        )


def drop(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for name in FIELDS:
        schema_editor.execute(f"DROP INDEX IF EXISTS auditlog_delete_{name}")


class Migration(migrations.Migration):
    dependencies = [("retention", "0005_processor_confirmation_file")]

    operations = [migrations.RunPython(create, drop)]
