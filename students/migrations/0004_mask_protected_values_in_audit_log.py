"""Mask what the audit log copied in clear before the field policy masked it.

From now on django-auditlog masks the registry's ``audit_masked`` fields as they change; this
migration does the same for the entries already written: BSN, health data, contact details
(possibly secret), dossier titles and texts, proposed corrections and parents' remarks. A
dossier entry's ``object_repr`` was its title and becomes "<kind> <id>"; the titles listed in a
transfer dossier's m2m change are masked. The lists are frozen here on purpose (a migration
must not change when the registry does later).
"""

from django.db import migrations

MASK = "••••••"
MASKED = {
    ("students", "pupil"): [
        "allergies",
        "citizen_number",
        "city",
        "contact_is_secret",
        "emergency_instructions",
        "medical_information",
        "phone",
        "postal_code",
        "street_address",
    ],
    ("students", "dossierentry"): ["body", "document_name", "title"],
    ("portal", "correctionitem"): ["old_value", "new_value"],
    ("transfers", "parentreview"): ["remarks"],
}
M2M_OF_DOSSIER_ENTRIES = {("transfers", "transferdossier"): ["entries"]}


def _mask(value):
    return "" if value in (None, "", "None") else MASK


def mask_existing_entries(apps, schema_editor):
    LogEntry = apps.get_model("auditlog", "LogEntry")
    ContentType = apps.get_model("contenttypes", "ContentType")
    for (app_label, model), fields in {**MASKED, **M2M_OF_DOSSIER_ENTRIES}.items():
        content_type = ContentType.objects.filter(app_label=app_label, model=model).first()
        if content_type is None:
            continue
        entries = LogEntry.objects.filter(content_type=content_type)
        for entry in entries.iterator(chunk_size=500):
            changes = entry.changes if isinstance(entry.changes, dict) else None
            touched = False
            for name in fields:
                if not changes or name not in changes:
                    continue
                value = changes[name]
                if isinstance(value, dict) and "objects" in value:
                    value["objects"] = [MASK for _ in value["objects"]]
                elif isinstance(value, list):
                    changes[name] = [_mask(v) for v in value]
                else:
                    changes[name] = _mask(value)
                touched = True
            update = {}
            if touched:
                update["changes"] = changes
                update["changes_text"] = ""
            if (app_label, model) == ("students", "dossierentry"):
                update["object_repr"] = f"dossierstuk {entry.object_id or entry.object_pk}"
            if update:
                LogEntry.objects.filter(pk=entry.pk).update(**update)


class Migration(migrations.Migration):
    dependencies = [
        ("students", "0003_import_runs_in_the_background"),
        ("auditlog", "0017_add_actor_email"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [migrations.RunPython(mask_existing_entries, migrations.RunPython.noop)]
