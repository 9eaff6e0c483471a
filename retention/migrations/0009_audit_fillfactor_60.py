"""Leave two fifths of every new audit-log page free (fillfactor 60, was 75).

A purge scrubs every audit row of a pupil in one transaction, and rows written together sit on
the same page: with a quarter free, the scrubbed versions of a page full of small rows did not
all fit, and a quarter of the scrubs (100,000-pupil benchmark) became non-HOT updates that add
an entry to each of the table's ten indexes, six times the cost of a HOT one. With 40 % free the
scrubbed versions of a whole page fit, so every scrub is a HOT update. The price is a table about
a quarter larger on disk. Existing pages keep their density until rewritten (``VACUUM FULL
auditlog_logentry`` in a quiet hour). PostgreSQL only.
"""

from django.db import migrations


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("ALTER TABLE auditlog_logentry SET (fillfactor = 60)")


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("ALTER TABLE auditlog_logentry SET (fillfactor = 75)")


class Migration(migrations.Migration):
    dependencies = [("retention", "0008_deleted_child_side_table")]

    operations = [migrations.RunPython(forwards, backwards, elidable=False)]
