"""The functional administrator maintains the organisation; every change names its actor."""

import pytest
from auditlog.models import LogEntry
from django.urls import reverse

from accounts import access
from privacy_portal.audit import access_records_for, record_access

pytestmark = pytest.mark.django_db


def test_administrator_changes_a_school_in_the_admin_and_the_audit_log_names_them(
    client_for, world
):
    client = client_for(world.beheerder)
    url = reverse("admin:accounts_school_change", args=[world.school.pk])
    assert client.get(url).status_code == 200
    response = client.post(
        url,
        {
            "foundation": world.foundation.pk,
            "name": "De Regenboog (nieuw)",
            "brin": world.school.brin,
            "street_address": "",
            "postal_code": "1234 AB",
            "city": "Breda",
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    entry = LogEntry.objects.get_for_object(world.school).latest("timestamp")
    assert entry.actor == world.beheerder
    assert "name" in entry.changes_dict


def test_administrator_cannot_open_pupil_files_in_the_admin(client_for, world):
    client = client_for(world.beheerder)
    # Pupils are not in the admin at all any more (privacy_portal.admin_lockdown).
    response = client.get("/beheer/students/pupil/")
    assert response.status_code == 404
    assert not access.visible_pupils(world.beheerder).exists()


def test_teacher_is_not_let_into_the_admin(client_for, world):
    response = client_for(world.teacher).get(reverse("admin:accounts_school_changelist"))
    assert response.status_code == 302
    assert "/beheer/login/" in response["Location"]


def test_membership_added_in_the_admin_takes_effect_at_once(client_for, world):
    client = client_for(world.beheerder)
    response = client.post(
        reverse("admin:accounts_staffmembership_add"),
        {
            "user": world.outsider.pk,
            "school": world.school.pk,
            "role": "ib",
            "start_date": "2020-01-01",
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    assert access.can_see_pupil(world.outsider, world.pupil)


def test_access_record_names_reader_and_what_was_read_but_not_the_data(world):
    record_access(actor=world.ib, instance=world.pupil, what="care")
    entry = access_records_for(world.pupil).get()
    assert entry.actor == world.ib
    assert entry.action == LogEntry.Action.ACCESS
    assert entry.additional_data == {"what": "care"}


def test_changing_a_pupil_is_recorded_with_old_and_new_values(world):
    from auditlog.context import set_actor

    with set_actor(world.administratie):
        world.pupil.last_name = "Jansen-de Vries"
        world.pupil.save()
    entry = (
        LogEntry.objects.get_for_object(world.pupil)
        .filter(action=LogEntry.Action.UPDATE)
        .latest("timestamp")
    )
    assert entry.actor == world.administratie
    assert entry.changes_dict["last_name"] == ["Jansen", "Jansen-de Vries"]
