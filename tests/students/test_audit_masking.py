"""The audit log is no unguarded copy of special-category data: protected values are masked as
they change, and the migration masked what was written before."""

import importlib

import pytest
from auditlog.context import set_actor
from auditlog.models import LogEntry
from django.apps import apps as django_apps
from django.contrib.contenttypes.models import ContentType

from accounts.roles import Audience, Sensitivity
from students import services
from students.models import DossierEntry

pytestmark = pytest.mark.django_db

BSN = "111222333"
MEDICAL = "Diabetes type 1, insulinepomp"
CARE_TITLE = "Vermoeden van huiselijk geweld"
CARE_BODY = "Gesprek met Veilig Thuis gevoerd"
ADDRESS = "Geheimelaan 7"


def _whole_log() -> str:
    return "\n".join(
        f"{e.changes} {e.changes_text} {e.object_repr} {e.additional_data}"
        for e in LogEntry.objects.all()
    )


def test_new_changes_keep_no_bsn_medical_text_address_or_dossier_text(world):
    services.pupil_update(
        actor=world.ib,
        pupil=world.pupil,
        category_key="medical",
        data={"medical_information": MEDICAL},
    )
    services.pupil_update(
        actor=world.administratie,
        pupil=world.pupil,
        category_key="citizen_number",
        data={"citizen_number": BSN},
    )
    services.pupil_update(
        actor=world.administratie,
        pupil=world.pupil,
        category_key="contact",
        data={"street_address": ADDRESS},
    )
    services.dossier_entry_create(
        actor=world.ib,
        pupil=world.pupil,
        category_key="care",
        kind="note",
        title=CARE_TITLE,
        body=CARE_BODY,
        audience=Audience.IB,
        sensitivity=Sensitivity.VERY_SENSITIVE,
    )
    log = _whole_log()
    for secret in (BSN, MEDICAL, CARE_TITLE, CARE_BODY, ADDRESS):
        assert secret not in log
    # The trail still says which fields changed.
    entry = LogEntry.objects.get_for_object(world.pupil).filter(changes__has_key="citizen_number")
    assert entry.exists()


def test_the_migration_masks_entries_written_in_clear_before(world):
    pupil_type = ContentType.objects.get_for_model(world.pupil)
    entry_type = ContentType.objects.get_for_model(DossierEntry)
    with set_actor(world.ib):
        LogEntry.objects.create(
            content_type=pupil_type,
            object_pk=str(world.pupil.pk),
            object_id=world.pupil.pk,
            object_repr=str(world.pupil),
            action=LogEntry.Action.UPDATE,
            changes={
                "citizen_number": ["", BSN],
                "medical_information": ["", MEDICAL],
                "last_name": ["Jansen", "Jansen-de Vries"],
            },
        )
        LogEntry.objects.create(
            content_type=entry_type,
            object_pk="77",
            object_id=77,
            object_repr=CARE_TITLE,
            action=LogEntry.Action.CREATE,
            changes={"title": ["None", CARE_TITLE], "body": ["None", CARE_BODY]},
        )
    assert BSN in _whole_log()
    migration = importlib.import_module(
        "students.migrations.0004_mask_protected_values_in_audit_log"
    )
    migration.mask_existing_entries(django_apps, None)
    log = _whole_log()
    for secret in (BSN, MEDICAL, CARE_TITLE, CARE_BODY):
        assert secret not in log
    assert "Jansen-de Vries" in log  # what is not protected stays readable
