"""A secret address leaves the school in a transfer dossier only by an explicit decision of the
directie, with a reason (issue 14): the decision is recorded (who, when, why) in the audit log
and shown on the dossier; only then does the receiving school get the address; the parents see
that it was included, but not the address itself (the other parent must not learn it)."""

import json
import subprocess

import pytest
from auditlog.models import LogEntry
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from privacy_portal.audit import access_records_for
from tests.transfers.factories import compile_dossier
from transfers import exports, services

pytestmark = pytest.mark.django_db

ADDRESS = "Schuilweg 3"
PHONE = "0655554444"
REASON = "De moeder vraagt het zelf: de nieuwe school moet haar kunnen bereiken."
CATEGORIES = ["identification", "contact", "parents"]


@pytest.fixture
def secret(world):
    world.pupil.street_address = ADDRESS
    world.pupil.city = "Schuilhaven"
    world.pupil.phone = PHONE
    world.pupil.contact_is_secret = True
    world.pupil.save()
    world.dossier = compile_dossier(world.ib, world.pupil, category_keys=CATEGORIES)
    return world


def _decide(client, dossier, include="yes", reason=REASON):
    return client.post(
        reverse("transfers:dossier_secret_contact", args=[dossier.pk]),
        {"include": include, "reason": reason},
    )


def test_without_a_decision_the_receiving_school_does_not_get_the_secret_address(secret):
    content = json.dumps(services.dossier_preview(secret.dossier))
    assert ADDRESS not in content
    assert PHONE not in content
    assert services.dossier_preview(secret.dossier)["secret_contact"] is None


def test_directie_decides_with_a_reason_and_then_the_next_school_gets_the_address(
    secret, client_for
):
    response = _decide(client_for(secret.directie), secret.dossier)
    assert response.status_code == 302
    secret.dossier.refresh_from_db()
    content = services.dossier_preview(secret.dossier)
    assert ADDRESS in json.dumps(content)
    assert PHONE in json.dumps(content)
    assert content["secret_contact"]["reason"] == REASON
    assert content["secret_contact"]["decided_by"] == str(secret.directie)
    # What is frozen at the offer, and so exported to OSO after the hand-over, carries it too.
    services.dossier_offer(actor=secret.ib, dossier=secret.dossier)
    assert ADDRESS in exports.export_bytes(secret.dossier).decode()


def test_the_decision_is_in_the_audit_log_with_who_and_why(secret, client_for):
    _decide(client_for(secret.directie), secret.dossier)
    entry = (
        LogEntry.objects.get_for_object(secret.dossier)
        .filter(action=LogEntry.Action.UPDATE)
        .latest("timestamp")
    )
    assert entry.actor == secret.directie
    assert REASON in json.dumps(entry.changes_dict)
    assert "secret_contact_decided_at" in entry.changes_dict


def test_the_dossier_page_shows_the_decision(secret, client_for):
    client = client_for(secret.directie)
    _decide(client, secret.dossier)
    page = client.get(reverse("transfers:dossier_detail", args=[secret.dossier.pk])).content
    page = page.decode()
    assert "Het geheime adres gaat mee naar de nieuwe school." in page
    assert REASON in page
    assert ADDRESS in page  # the directie may read it


def test_parents_see_that_it_was_included_but_never_the_address(secret, client_for):
    _decide(client_for(secret.directie), secret.dossier)
    secret.dossier.refresh_from_db()
    services.dossier_offer(actor=secret.ib, dossier=secret.dossier)
    client = client_for(secret.parent)
    page = client.get(reverse("transfers:parent_detail", args=[secret.dossier.pk]))
    text = page.content.decode()
    assert page.status_code == 200
    assert "Het geheime adres gaat mee naar de nieuwe school." in text
    assert REASON in text
    assert ADDRESS not in text
    assert PHONE not in text
    pdf = subprocess.run(
        ["pdftotext", "-", "-"],
        input=exports.render_dossier_pdf(secret.dossier, for_parents=True),
        capture_output=True,
        check=True,
    ).stdout.decode()
    assert ADDRESS not in pdf
    assert "geheime adres gaat mee" in " ".join(pdf.split())


def test_reading_a_dossier_that_carries_the_secret_address_records_it(secret, client_for):
    client = client_for(secret.directie)
    _decide(client, secret.dossier)
    client.get(reverse("transfers:dossier_detail", args=[secret.dossier.pk]))
    record = access_records_for(secret.pupil).first()
    assert "contact" in record.additional_data["categories"]


def test_ib_may_not_decide_to_send_the_secret_address(secret, client_for):
    assert _decide(client_for(secret.ib), secret.dossier).status_code == 403
    with pytest.raises(PermissionDenied):
        services.dossier_secret_contact_decide(
            actor=secret.ib, dossier=secret.dossier, include=True, reason=REASON
        )
    assert ADDRESS not in json.dumps(services.dossier_preview(secret.dossier))


def test_a_decision_without_a_reason_is_refused(secret, client_for):
    response = _decide(client_for(secret.directie), secret.dossier, reason="nodig")
    assert response.status_code == 400
    secret.dossier.refresh_from_db()
    assert secret.dossier.secret_contact_decided_at is None


def test_the_decision_can_be_withdrawn_while_the_dossier_is_a_draft(secret, client_for):
    client = client_for(secret.directie)
    _decide(client, secret.dossier)
    assert _decide(client, secret.dossier, include="no", reason="").status_code == 302
    secret.dossier.refresh_from_db()
    assert ADDRESS not in json.dumps(services.dossier_preview(secret.dossier))


def test_no_decision_once_offered_to_the_parents(secret):
    services.dossier_offer(actor=secret.ib, dossier=secret.dossier)
    with pytest.raises(ValidationError):
        services.dossier_secret_contact_decide(
            actor=secret.directie, dossier=secret.dossier, include=True, reason=REASON
        )


def test_no_decision_for_a_pupil_whose_address_is_not_secret(secret):
    secret.pupil.contact_is_secret = False
    secret.pupil.save()
    with pytest.raises(ValidationError):
        services.dossier_secret_contact_decide(
            actor=secret.directie, dossier=secret.dossier, include=True, reason=REASON
        )
