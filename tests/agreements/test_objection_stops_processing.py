"""A granted objection against a product (art. 21 AVG) acts on the agreements: the product's data
flow for that pupil stops, the agreement page shows it, and the supplier is mailed through the
outbox to stop and remove the data (model art. 9). The portal reaches agreements through the
``objection_granted`` hook, in the decision's transaction."""

import pytest
from django.urls import reverse

from agreements.models import ProcessingStop
from portal import services as portal_services
from privacy_portal.models import OutboxMail
from tests.agreements import factories as af

pytestmark = pytest.mark.django_db


def objection(world):
    return portal_services.parent_request_create(
        actor=world.parent,
        pupil=world.pupil,
        kind="bezwaar",
        description="Ik wil niet dat Rekentuin gegevens van mijn kind krijgt.",
    )


def grant(world, request, use, **kwargs):
    return portal_services.request_decide(
        actor=world.directie,
        request=request,
        granted=True,
        decision="Uw bezwaar is toegewezen; uw kind oefent op papier.",
        product_use_id=use.pk,
        **kwargs,
    )


def test_a_granted_objection_stops_the_flow_and_mails_the_supplier_through_the_outbox(
    world, reg, mailoutbox, django_capture_on_commit_callbacks
):
    from agreements.hooks import data_recipients

    request = objection(world)
    with django_capture_on_commit_callbacks(execute=True):
        grant(world, request, reg.use)

    stop = ProcessingStop.objects.get()
    assert stop.pupil == world.pupil and stop.product_use == reg.use
    assert stop.reference == request.reference and stop.recorded_by == world.directie
    assert stop.supplier_mailed_to == reg.supplier.contact_email
    # The agreements' own answer to "who receives this child's data" leaves the product out.
    assert data_recipients(world.pupil) == []
    assert [r["use_id"] for r in data_recipients(world.pupil_other_class)] == [reg.use.pk]
    assert OutboxMail.objects.filter(template="agreements/email/processing_stop").count() == 1
    mail = next(m for m in mailoutbox if m.to == [reg.supplier.contact_email])
    assert request.reference in mail.subject and str(world.pupil) in mail.body
    assert "verwijderen" in mail.body


def test_the_agreement_page_shows_the_objection_without_the_pupils_name(
    world, reg, client_for, fast_pdf
):
    agreement = af.draft_agreement(world.directie, reg.supplier, [reg.product], [world.school])
    request = objection(world)
    grant(world, request, reg.use)
    page = client_for(world.directie).get(
        reverse("agreements:agreement_detail", args=[agreement.pk])
    )
    assert page.status_code == 200
    assert "verwerking gestopt" in page.text and request.reference in page.text
    assert world.pupil.last_name not in page.text


def test_a_refused_objection_stops_nothing_and_mails_no_supplier(world, reg, mailoutbox):
    request = objection(world)
    portal_services.request_decide(
        actor=world.directie, request=request, granted=False, decision="Nodig voor het onderwijs."
    )
    assert not ProcessingStop.objects.exists()
    assert not OutboxMail.objects.filter(template="agreements/email/processing_stop").exists()


def test_recording_the_stop_twice_mails_once(world, reg, django_capture_on_commit_callbacks):
    from agreements.services import processing_stop_record

    grant(world, objection(world), reg.use)
    processing_stop_record(
        actor=world.directie, pupil=world.pupil, product_use_id=reg.use.pk, reference="VZ-X"
    )
    assert ProcessingStop.objects.count() == 1
    assert OutboxMail.objects.filter(template="agreements/email/processing_stop").count() == 1
