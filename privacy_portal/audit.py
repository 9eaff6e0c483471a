"""The second audit layer: named events for reads, exports and downloads of personal data.

Field changes are recorded by django-auditlog itself. Reads of very sensitive data and
exports are written here as auditlog ACCESS entries carrying what was read in
``additional_data`` (a category key, an export kind), never the data itself.
"""

from auditlog.models import LogEntry


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


def access_records_for(instance):
    return (
        LogEntry.objects.get_for_object(instance)
        .filter(action=LogEntry.Action.ACCESS)
        .select_related("actor")
        .order_by("-timestamp")
    )
