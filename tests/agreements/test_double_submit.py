"""Agreements under double clicks and two people at once (issue 24): every creating and
state-changing form carries a one-time token, so a second submit of the same page creates
nothing twice and shows the first result; a decision on a state someone else already changed
gets a clear message, never an error page."""

import re
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from agreements import services
from agreements.models import (
    Agreement,
    AgreementEvent,
    AgreementState,
    Deviation,
    ProductUse,
    Supplier,
)
from privacy_portal.models import OutboxMail
from tests.agreements import factories as af
from tests.factories import PASSWORD

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("fast_pdf")]
S = AgreementState
REPEATED = "Dit formulier was al verstuurd"


def url(name, *args):
    return reverse(f"agreements:{name}", args=args)


def token_on(client, page_url) -> str:
    page = client.get(page_url).content.decode()
    return re.search(r'name="form_token" value="([^"]+)"', page).group(1)


def twice(client, post_url, data):
    first = client.post(post_url, data)
    second = client.post(post_url, data, follow=True)
    return first, second


@pytest.fixture
def submitted(world, draft):
    return services.agreement_submit(actor=world.directie, agreement=draft)


SUPPLIER = {
    "name": "Klasbord B.V.",
    "legal_form": "B.V.",
    "kvk_number": "87654321",
    "street_address": "Dorpsstraat 2",
    "postal_code": "1234 AB",
    "city": "Zwolle",
    "contact_name": "A. Bakker",
    "contact_email": "privacy@klasbord.example",
    "breach_contact": "security@klasbord.example",
}


def test_a_double_submitted_supplier_is_added_once(world, client_for):
    client = client_for(world.beheerder)
    data = {**SUPPLIER, "form_token": token_on(client, url("supplier_create"))}
    first, second = twice(client, url("supplier_create"), data)
    assert first.status_code == 302
    assert Supplier.objects.filter(name="Klasbord B.V.").count() == 1
    assert second.redirect_chain[-1][0] == first["Location"]
    assert REPEATED in second.content.decode()


def test_a_double_submitted_agreement_is_drafted_once(world, client_for, reg):
    client = client_for(world.directie)
    form_url = url("agreement_create", reg.supplier.pk)
    data = {
        "products": [reg.product.pk],
        "schools": [world.school.pk],
        "model_version": "2.0",
        "start_date": "2026-03-01",
        "linked_to_contract": "on",
        "form_token": token_on(client, form_url),
    }
    first, second = twice(client, form_url, data)
    assert first.status_code == 302, first.content.decode()[:2000]
    assert Agreement.objects.count() == 1
    assert REPEATED in second.content.decode()


def test_a_double_submitted_product_use_is_recorded_once(world, client_for, reg):
    client = client_for(world.directie)
    form_url = url("product_use_create", world.other_school.pk)
    client = client_for(world.directie_other_school)
    data = {
        "product": reg.product.pk,
        "start_date": "2026-09-01",
        "categories": ["identification"],
        "form_token": token_on(client, form_url),
    }
    first, _second = twice(client, form_url, data)
    assert first.status_code == 302, first.content.decode()[:2000]
    assert ProductUse.objects.filter(school=world.other_school).count() == 1


def test_a_double_submitted_deviation_is_listed_once(world, client_for, draft):
    client = client_for(world.directie)
    data = {
        "article": "12.3",
        "description": "Bewaartermijn logbestanden 6 maanden.",
        "motivation": "Nodig voor beveiligingsonderzoek.",
        "form_token": token_on(client, url("agreement_detail", draft.pk)),
    }
    first, second = twice(client, url("deviation_add", draft.pk), data)
    assert first.status_code == 302
    assert Deviation.objects.filter(agreement=draft).count() == 1
    assert REPEATED in second.content.decode()


def test_a_double_click_on_submit_offers_the_agreement_once_with_one_mail(world, client_for, draft):
    client = client_for(world.directie)
    data = {"form_token": token_on(client, url("agreement_detail", draft.pk))}
    mails = OutboxMail.objects.count()
    first, second = twice(client, url("agreement_submit", draft.pk), data)
    assert first.status_code == 302
    assert AgreementEvent.objects.filter(agreement=draft, to_state=S.SUBMITTED).count() == 1
    assert OutboxMail.objects.count() == mails + 1
    assert REPEATED in second.content.decode()


def test_a_double_click_on_new_version_makes_one_new_version(world, client_for, draft):
    signed = af.sign_by_both(
        world.cvb, services.agreement_submit(actor=world.directie, agreement=draft)
    )
    client = client_for(world.directie)
    data = {"form_token": token_on(client, url("agreement_detail", signed.pk))}
    first, second = twice(client, url("agreement_new_version", signed.pk), data)
    new = Agreement.objects.get(previous=signed)
    assert first["Location"] == url("agreement_detail", new.pk)
    assert second.redirect_chain[-1][0] == first["Location"]
    assert Agreement.objects.filter(lineage=signed.lineage).count() == 2


def test_a_double_submitted_signature_signs_once(world, client_for, submitted):
    client = client_for(world.cvb)
    data = {
        "confirmation": PASSWORD,
        "agree": "on",
        "form_token": token_on(client, url("agreement_sign", submitted.pk)),
    }
    first = client.post(url("agreement_sign", submitted.pk), data)
    assert first.status_code == 302
    second = client.post(url("agreement_sign", submitted.pk), data, follow=True)
    assert second.status_code == 200  # not an error page
    signings = AgreementEvent.objects.filter(
        agreement=submitted, from_state=S.SUBMITTED, to_state=S.AWAITING_PROCESSOR
    )
    assert signings.count() == 1


def test_returning_an_agreement_another_cvb_member_just_signed_gives_a_clear_message(
    world, client_for, submitted
):
    client = client_for(world.cvb)
    token = token_on(client, url("agreement_return", submitted.pk))  # the page read before
    af.sign_by_cvb(world.cvb, submitted)  # meanwhile someone signs
    response = client.post(
        url("agreement_return", submitted.pk),
        {"reason": "Bijlage 2 ontbreekt.", "form_token": token},
    )
    assert response.status_code == 400
    assert "kan niet naar" in response.content.decode()
    submitted.refresh_from_db()
    assert submitted.state == S.AWAITING_PROCESSOR and submitted.returned_reason == ""


def test_submitting_an_agreement_that_is_already_submitted_says_so(world, client_for, submitted):
    response = client_for(world.directie).post(url("agreement_submit", submitted.pk), follow=True)
    assert response.status_code == 200
    assert "kan niet naar" in response.content.decode()
    assert AgreementEvent.objects.filter(agreement=submitted, to_state=S.SUBMITTED).count() == 1


def test_ending_a_product_use_someone_already_ended_says_so(world, client_for, reg):
    client = client_for(world.directie)
    token = token_on(client, url("product_detail", reg.product.pk))  # the page read before
    yesterday = timezone.localdate() - timedelta(days=1)
    services.product_use_end(actor=world.directie, use=reg.use, end_date=yesterday)  # meanwhile
    response = client.post(url("product_use_end", reg.use.pk), {"form_token": token}, follow=True)
    assert response.status_code == 200
    assert "was al niet meer in gebruik" in response.content.decode()
    reg.use.refresh_from_db()
    assert reg.use.end_date == yesterday


def test_a_deviation_cannot_be_added_once_the_agreement_is_submitted(world, draft):
    services.agreement_submit(actor=world.directie, agreement=draft)
    stale = Agreement.objects.get(pk=draft.pk)
    stale.state = S.DRAFT  # the copy the other form was rendered from
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError):
        services.deviation_add(
            actor=world.directie,
            agreement=stale,
            article="3",
            description="x",
            motivation="y",
        )
    assert not Deviation.objects.filter(agreement=draft).exists()
