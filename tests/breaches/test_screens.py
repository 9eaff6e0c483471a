"""Screens of one breach: what the reporter sees, and the FG's measure and letter steps over HTTP."""

from datetime import date

import pytest

from breaches.models import FollowUpMeasure, SubjectLetter
from tests.breaches.factories import assess, report_breach

pytestmark = pytest.mark.django_db


@pytest.fixture
def breach(world):
    return report_breach(world.teacher, world.school)


def test_reporter_sees_the_clock_but_not_the_fg_steps(world, breach, client_for):
    page = client_for(world.teacher).get(f"/datalekken/{breach.pk}/").content.decode()
    assert "om te melden bij de AP" in page
    assert "Beoordeling vastleggen" not in page
    assert "melding-ap.pdf" not in page


def test_fg_sees_the_assessment_form_on_a_new_report(world, breach, client_for):
    page = client_for(world.fg).get(f"/datalekken/{breach.pk}/").content.decode()
    assert "Beoordeling vastleggen" in page


def test_fg_adds_a_measure_with_owner_and_due_date(world, breach, client_for):
    response = client_for(world.fg).post(
        f"/datalekken/{breach.pk}/maatregelen/",
        {
            "m-description": "Versleutelde usb-sticks uitdelen",
            "m-owner": world.directie.pk,
            "m-due_date": "2026-12-31",
        },
    )
    assert response.status_code == 302
    measure = FollowUpMeasure.objects.get()
    assert (measure.owner, measure.due_date) == (world.directie, date(2026, 12, 31))


def test_measure_owner_outside_the_school_is_refused(world, breach, client_for):
    response = client_for(world.fg).post(
        f"/datalekken/{breach.pk}/maatregelen/",
        {
            "m-description": "x",
            "m-owner": world.directie_other_school.pk,
            "m-due_date": "2026-12-31",
        },
    )
    assert response.status_code == 400
    assert not FollowUpMeasure.objects.exists()


def test_letter_cannot_be_generated_before_the_assessment(world, breach, client_for):
    response = client_for(world.fg).post(f"/datalekken/{breach.pk}/brief/maken/", follow=True)
    assert "pas na de beoordeling" in response.content.decode()
    assert not SubjectLetter.objects.exists()


def test_fg_generates_and_edits_the_letter(world, breach, client_for):
    assess(breach, world.fg)
    client = client_for(world.fg)
    response = client.post(f"/datalekken/{breach.pk}/brief/maken/")
    assert response.status_code == 302
    page = client.get(f"/datalekken/{breach.pk}/brief/").content.decode()
    assert "Beste ouder/verzorger" in page
    response = client.post(
        f"/datalekken/{breach.pk}/brief/", {"subject": "Datalek", "body": "Beste ouders, ..."}
    )
    assert response.status_code == 302
    assert SubjectLetter.objects.get().body == "Beste ouders, ..."


def test_letter_goes_to_parents_with_authority_of_the_chosen_class(
    world, breach, client_for, django_capture_on_commit_callbacks
):
    from django.core import mail

    from breaches import services
    from tests.factories import parent_of

    assess(breach, world.fg)
    letter = services.letter_draft(breach=breach, actor=world.fg)
    services.letter_update(letter=letter, actor=world.fg, subject="Datalek", body="Tekst.")
    no_authority = parent_of(world.pupil, authority=False)
    other_class = parent_of(world.pupil_other_class)
    with_authority = world.pupil.guardian_links.filter(has_parental_authority=True).first()
    client = client_for(world.fg)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            f"/datalekken/{breach.pk}/brief/versturen/", {"classes": [world.class_5a.pk]}
        )
    assert response.status_code == 302
    sent_to = set(letter.recipients.values_list("email", flat=True))
    assert with_authority.guardian.email in sent_to
    assert no_authority.email not in sent_to and other_class.email not in sent_to
    assert len(mail.outbox) == len(sent_to)
