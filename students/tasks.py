"""Background work of the students app (thin wrappers; the work is in students.imports)."""

from celery import shared_task

from students import imports


@shared_task(name="students.apply_pupil_import", acks_late=True, ignore_result=True)
def apply_pupil_import(run_id: int) -> None:
    """Apply a queued pupil import (the file waits under MEDIA_ROOT/imports/)."""
    imports.import_apply(run_id)
