"""The second audit layer: named events for reads, exports and downloads of personal data.

Field changes are recorded by django-auditlog itself. Reads of very sensitive data and
exports are written here as auditlog ACCESS entries carrying what was read in
``additional_data`` (a category key, an export kind), never the data itself.
"""

from auditlog.cid import get_cid
from auditlog.models import LogEntry
from django.contrib.contenttypes.models import ContentType
from django.db.models.signals import pre_save
from django.utils.encoding import smart_str


def record_access(*, actor, instance, what: str, **details) -> LogEntry:
    """Record that ``actor`` read ``what`` (a registry category key, 'dossier', 'export:pdf')."""
    return LogEntry.objects.log_create(
        instance,
        force_log=True,
        action=LogEntry.Action.ACCESS,
        actor=actor if getattr(actor, "is_authenticated", False) else None,
        changes=None,
        additional_data={"what": what, **details},
    )


def record_accesses(*, actor, instance, whats) -> list[LogEntry]:
    """Record several reads of ``instance`` at once (the very sensitive categories shown on one
    page) with a single INSERT: the same entries ``record_access`` writes one by one.

    ``bulk_create`` skips ``pre_save``; auditlog fills the actor's address and port in a
    ``pre_save`` receiver (its middleware's context), so the signal is sent here per entry.
    """
    whats = list(whats)
    if not whats:
        return []
    content_type = ContentType.objects.get_for_model(instance)
    actor = actor if getattr(actor, "is_authenticated", False) else None
    entries = []
    for what in whats:
        entry = LogEntry(
            content_type=content_type,
            object_pk=str(instance.pk),
            object_id=instance.pk if isinstance(instance.pk, int) else None,
            object_repr=smart_str(instance),
            serialized_data=None,
            action=LogEntry.Action.ACCESS,
            actor=actor,
            changes=None,
            additional_data={"what": what},
            cid=get_cid(),
        )
        pre_save.send(
            sender=LogEntry, instance=entry, raw=False, using="default", update_fields=None
        )
        entries.append(entry)
    return LogEntry.objects.bulk_create(entries)


def access_records_for(instance):
    return (
        LogEntry.objects.get_for_object(instance)
        .filter(action=LogEntry.Action.ACCESS)
        .select_related("actor")
        .order_by("-timestamp")
    )
