"""A decision a parent can act on: per-field reasons in the mail, a granted objection that
changes something, and paper paths for parents without an account."""

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.urls import reverse

from portal import selectors, services
from tests import factories as f
from tests.agreements import factories as af

pytestmark = pytest.mark.django_db


@pytest.fixture
def product_use(world):
    supplier = af.supplier(world.beheerder, world.foundation)
    product = af.product(world.beheerder, supplier)
    return af.product_in_use(world.directie, world.school, product)


def test_closing_mail_gives_the_decision_and_reason_per_field(
    world, django_capture_on_commit_callbacks
):
    request = services.parent_request_create(
        actor=world.parent,
        pupil=world.pupil,
        kind="correctie",
        corrections={"phone": "0687654321", "city": "Breda"},
    )
    phone, city = request.corrections.order_by("field_name")[::-1]
    with django_capture_on_commit_callbacks(execute=True):
        services.correction_decide(actor=world.administratie, item=phone, accept=True)
        services.correction_decide(
            actor=world.administratie,
            item=city,
            accept=False,
            reason="Volgens de BRP woont u nog in Tilburg.",
        )
    closing = [m for m in mail.outbox if world.parent.email in m.to][-1]
    assert "1 van 2 correcties overgenomen" in closing.body
    assert "Woonplaats: afgewezen. Reden: Volgens de BRP woont u nog in Tilburg." in closing.body
    assert "Telefoon thuis: overgenomen" in closing.body
    assert "0687654321" not in closing.body  # decisions, not values


def test_refusal_reason_is_on_the_parents_request_page(client_for, world):
    request = services.parent_request_create(
        actor=world.parent, pupil=world.pupil, kind="correctie", corrections={"city": "Breda"}
    )
    services.correction_decide(
        actor=world.administratie,
        item=request.corrections.get(),
        accept=False,
        reason="Volgens de BRP woont u nog in Tilburg.",
    )
    body = client_for(world.parent).get(reverse("portal:request_detail", args=[request.pk])).text
    assert "Volgens de BRP woont u nog in Tilburg." in body
    assert "<table" not in body  # stacked cards, not a wide table


def test_granted_objection_stops_the_supplier_and_the_portal_shows_it(
    client_for, world, product_use
):
    request = services.parent_request_create(
        actor=world.parent,
        pupil=world.pupil,
        kind="bezwaar",
        description="Ik wil niet dat Rekentuin gegevens van mijn kind krijgt.",
    )
    assert [r["use_id"] for r in selectors.data_recipients(world.pupil)] == [product_use.pk]
    services.request_decide(
        actor=world.directie,
        request=request,
        granted=True,
        decision="Uw bezwaar is toegewezen; uw kind oefent op papier.",
        product_use_id=product_use.pk,
    )
    assert selectors.data_recipients(world.pupil) == []
    # Another child at the same school still uses the product.
    assert selectors.data_recipients(world.pupil_other_class) != []
    body = client_for(world.parent).get(reverse("portal:child_detail", args=[world.pupil.pk])).text
    assert "Gevolgen van uw bezwaar" in body
    assert "ontvangt geen gegevens van uw kind meer" in body


def test_granted_objection_must_say_what_changes(world, product_use):
    request = services.parent_request_create(
        actor=world.parent, pupil=world.pupil, kind="bezwaar", description="Geen foto's."
    )
    with pytest.raises(ValidationError):
        services.request_decide(actor=world.directie, request=request, granted=True, decision="Ja.")
    with pytest.raises(ValidationError):  # a product of another school is not this child's
        services.request_decide(
            actor=world.directie,
            request=request,
            granted=True,
            decision="Ja.",
            product_use_id=product_use.pk + 999,
        )
    services.request_decide(
        actor=world.directie,
        request=request,
        granted=True,
        decision="Ja.",
        effect="Foto's van uw kind gaan niet meer op de website.",
    )
    assert request.effects.get().description.startswith("Foto's")


def test_transfer_mail_to_a_parent_without_account_offers_a_paper_copy(
    world, django_capture_on_commit_callbacks
):
    from tests.transfers.factories import compile_dossier
    from transfers import services as transfer_services

    guardian = f.parent_of(world.pupil, with_account=False)
    guardian.email = "zonder-account@example.org"
    guardian.save()
    dossier = compile_dossier(world.ib, world.pupil)
    with django_capture_on_commit_callbacks(execute=True):
        transfer_services.dossier_offer(actor=world.ib, dossier=dossier)
    by_address = {m.to[0]: m.body for m in mail.outbox}
    assert "papieren" in by_address["zonder-account@example.org"]
    assert "/overdracht/" not in by_address["zonder-account@example.org"]
    assert "papieren" not in by_address[world.parent.guardian.email]


def test_parent_without_authority_reads_why_in_parents_words(client_for, world):
    client = client_for(world.parent_without_authority)
    for url in (reverse("home"), reverse("portal:index")):
        body = client.get(url).text
        assert "zonder ouderlijk gezag" in body
        assert "gezagsregister" in body
        assert "rol in een school" not in body
