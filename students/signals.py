"""Housekeeping, not business rules: a dossier document goes from disk when its row goes,
also when the row is removed by a cascade (a pupil purged by the retention job), and only once
the deletion has been committed."""

from django.db import transaction
from django.db.models.signals import post_delete
from django.dispatch import receiver

from students.models import DossierEntry


@receiver(post_delete, sender=DossierEntry, dispatch_uid="students_delete_dossier_document")
def delete_dossier_document(sender, instance, **kwargs):
    if not instance.document:
        return
    storage, name = instance.document.storage, instance.document.name
    transaction.on_commit(lambda: storage.exists(name) and storage.delete(name))
