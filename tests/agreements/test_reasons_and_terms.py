"""Every 403 page shows the reason the code gave, in words for that person; the word
"bewerkersovereenkomst" from the protocol finds the agreements as "verwerkersovereenkomst" does."""

import pytest
from django.core.exceptions import PermissionDenied
from django.test import RequestFactory
from django.urls import reverse

from agreements import services
from privacy_portal.views import permission_denied
from tests.agreements import factories as af

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("fast_pdf")]


@pytest.fixture
def submitted(world, draft):
    return services.agreement_submit(actor=world.directie, agreement=draft)


def test_demo_board_member_without_2fa_sees_why_signing_is_refused(
    world, client, submitted, settings
):
    settings.DEMO_MODE = True
    world.cvb.is_demo_account = True
    world.cvb.save(update_fields=["is_demo_account"])
    client.force_login(world.cvb, backend="django.contrib.auth.backends.ModelBackend")
    url = reverse("agreements:agreement_sign", args=[submitted.pk])
    for response in (client.get(url), client.post(url, {"confirmation": "x", "agree": "on"})):
        assert response.status_code == 403
        body = response.content.decode()
        assert "Log in met tweestapsverificatie om te ondertekenen." in body
        assert "Neem contact op met de directie van uw school." not in body
    submitted.refresh_from_db()
    assert submitted.state == "submitted"


def test_a_refusal_without_words_shows_the_general_text(world, client_for, submitted):
    # The agreement_return view raises a bare PermissionDenied for the directie.
    response = client_for(world.directie).get(
        reverse("agreements:agreement_return", args=[submitted.pk])
    )
    assert response.status_code == 403
    assert "U heeft geen toegang tot deze pagina" in response.content.decode()


def test_the_403_page_shows_the_reason_it_was_given(world):
    request = RequestFactory().get("/")
    request.user = world.teacher
    response = permission_denied(request, PermissionDenied("Alleen de directie kan dit."))
    assert response.status_code == 403
    assert "Alleen de directie kan dit." in response.content.decode()
    response = permission_denied(request, PermissionDenied(ValueError("intern")))
    assert "intern" not in response.content.decode()


def test_the_register_search_finds_agreements_by_the_old_and_the_new_word(
    world, client_for, reg, submitted
):
    client = client_for(world.directie)
    for word in ("bewerkersovereenkomst", "Verwerkersovereenkomst", "Rekentuin Online"):
        body = client.get(reverse("agreements:agreement_list"), {"q": word}).content.decode()
        assert reverse("agreements:agreement_detail", args=[submitted.pk]) in body, word
    body = client.get(reverse("agreements:agreement_list"), {"q": "Klasbord"}).content.decode()
    assert reverse("agreements:agreement_detail", args=[submitted.pk]) not in body
    body = client.get(reverse("agreements:supplier_list"), {"q": "bewerkersovereenkomst"})
    assert "Rekentuin" in body.content.decode()


def test_the_term_is_introduced_with_its_old_name(world, client_for, reg):
    body = client_for(world.directie).get(reverse("agreements:agreement_list")).content.decode()
    assert "Verwerkersovereenkomst (voorheen bewerkersovereenkomst)" in body


def test_processor_countersigned_form_refuses_other_schools_with_a_reason(
    world, client_for, submitted
):
    agreement = af.sign_by_cvb(world.cvb, submitted)
    response = client_for(world.ib).get(
        reverse("agreements:agreement_countersigned", args=[agreement.pk])
    )
    assert response.status_code == 403
    assert "Alleen de directie van de school of het bestuursbureau" in response.content.decode()
