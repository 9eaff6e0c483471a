"""Other apps offer their actions on the staff pupil page through the pupil_actions hook."""

import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db


def test_directie_sees_invite_parents_and_transfer_dossier_on_the_pupil_page(client_for, world):
    body = (
        client_for(world.directie)
        .get(reverse("students:pupil_detail", args=[world.pupil.pk]))
        .content.decode()
    )
    assert reverse("portal:staff_guardians", args=[world.pupil.pk]) in body
    assert reverse("transfers:dossier_create", args=[world.pupil.pk]) in body


def test_teacher_sees_neither_action(client_for, world):
    body = (
        client_for(world.teacher)
        .get(reverse("students:pupil_detail", args=[world.pupil.pk]))
        .content.decode()
    )
    assert reverse("portal:staff_guardians", args=[world.pupil.pk]) not in body
    assert reverse("transfers:dossier_create", args=[world.pupil.pk]) not in body
