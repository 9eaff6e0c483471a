"""R18: the foundation records its FG; the FG cannot be CvB or directie (purposes and means);
every staff member and parent can see who the FG is and how to reach them."""

from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from governance import services
from governance.models import FgRegistration
from tests import factories as f
from tests.governance.factories import signed_in_client

pytestmark = pytest.mark.django_db

URL = "/organisatie/fg/vastleggen/"


def fg_data(**extra):
    return {
        "kind": FgRegistration.Kind.HIRED,
        "name": "Anna de Vries",
        "organisation": "Privacy Advies BV",
        "email": "fg@privacyadvies.example",
        "phone": "030 123 45 67",
        "reachability": "Maandag en donderdag",
        "registered_with_ap_on": "2024-03-01",
        **extra,
    }


def test_cvb_records_a_hired_fg(world, client_for):
    response = client_for(world.cvb).post(URL, fg_data())
    assert response.status_code == 302
    fg = FgRegistration.objects.get()
    assert fg.name == "Anna de Vries" and fg.recorded_by == world.cvb
    assert fg.conflict_reason == ""


def test_fg_cannot_also_be_a_member_of_the_cvb(world, client_for):
    response = client_for(world.beheerder).post(
        URL, fg_data(kind="internal", person=world.cvb.pk, email=world.cvb.email)
    )
    assert response.status_code == 400
    content = response.content.decode()
    assert "Deze persoon is ook College van Bestuur" in content
    assert "mag niet zelf doel en middelen" in content
    assert not FgRegistration.objects.exists()


def test_fg_cannot_be_directie_even_when_only_matched_by_email(world):
    with pytest.raises(ValidationError) as error:
        services.fg_register(
            actor=world.cvb,
            foundation=world.foundation,
            kind="internal",
            name="Directeur",
            email=world.directie.email.upper(),
        )
    assert "Directie – De Regenboog" in str(error.value)


def test_insisting_without_a_reason_is_still_refused(world, client_for):
    response = client_for(world.cvb).post(
        URL, fg_data(kind="internal", person=world.directie.pk, insist="on", conflict_reason=" ")
    )
    assert response.status_code == 400
    assert not FgRegistration.objects.exists()


def test_foundation_may_insist_with_a_reason_and_then_sees_a_warning(world, client_for):
    client = client_for(world.cvb)
    response = client.post(
        URL,
        fg_data(
            kind="internal",
            person=world.directie.pk,
            insist="on",
            conflict_reason="Tijdelijk, tot 1 augustus; werving loopt.",
        ),
    )
    assert response.status_code == 302
    fg = FgRegistration.objects.get()
    assert fg.conflict_reason == "Tijdelijk, tot 1 augustus; werving loopt."
    page = client.get(reverse("governance:fg_page")).content.decode()
    assert "Let op: functiecombinatie" in page
    assert "Tijdelijk, tot 1 augustus" in page


@pytest.mark.parametrize(
    "persona",
    ["teacher", "concierge", "directie_other_school", "fg", "cvb", "parent", "pupil_user"],
)
def test_everyone_at_the_foundation_sees_who_the_fg_is(world, client_for, persona):
    registration = services.fg_register(
        actor=world.cvb, foundation=world.foundation, **_service_data()
    )
    # The registration decides who is FG: the "fg" persona is the registered FG's account
    # (world.fg's hand-granted role ended when Anna was recorded; see test_fg_role.py).
    person = registration.person if persona == "fg" else getattr(world, persona)
    client = client_for(person)
    response = client.get(reverse("governance:fg_page"))
    assert response.status_code == 200
    content = response.content.decode()
    assert "Anna de Vries" in content and "fg@privacyadvies.example" in content
    assert "030 123 45 67" in content
    home = client.get("/").content.decode()
    assert 'href="/organisatie/fg/"' in home  # the link in the navigation


def test_outsider_and_parent_without_authority_do_not_see_the_fg_page(world, client_for):
    assert client_for(world.outsider).get(reverse("governance:fg_page")).status_code == 403
    assert Client().get(reverse("governance:fg_page")).status_code == 302


def _service_data(**extra):
    data = fg_data(**extra)
    data["registered_with_ap_on"] = timezone.localdate() - timedelta(days=30)
    return data


def test_only_cvb_and_office_record_the_fg(world):
    for persona in ["directie", "teacher", "fg", "parent"]:
        assert signed_in_client(getattr(world, persona)).post(URL, fg_data()).status_code == 403
    assert not FgRegistration.objects.exists()


def test_a_second_fg_needs_the_first_to_be_deregistered(world, client_for):
    first = services.fg_register(actor=world.cvb, foundation=world.foundation, **_service_data())
    client = client_for(world.cvb)
    response = client.post(URL, fg_data(name="Bert", email="bert@example.org"))
    assert response.status_code == 400
    assert "Er is al een FG geregistreerd" in response.content.decode()
    deregister = reverse("governance:fg_deregister", args=[first.pk])
    assert client.get(deregister).status_code == 200
    response = client.post(deregister, {"deregistered_on": timezone.localdate().isoformat()})
    assert response.status_code == 302
    assert client.post(URL, fg_data(name="Bert", email="bert@example.org")).status_code == 302
    assert FgRegistration.objects.filter(deregistered_on__isnull=True).get().name == "Bert"


def test_fg_form_with_bad_input_gives_400_with_dutch_messages(world, client_for):
    client = client_for(world.cvb)
    tomorrow = (timezone.localdate() + timedelta(days=1)).isoformat()
    response = client.post(URL, fg_data(email="geen-adres", registered_with_ap_on="gisteren"))
    assert response.status_code == 400
    content = response.content.decode()
    assert "Vul een geldig e-mailadres in." in content and "Vul een geldige datum in." in content
    response = client.post(URL, fg_data(registered_with_ap_on=tomorrow))
    assert response.status_code == 400
    assert "Deze datum ligt in de toekomst." in response.content.decode()
    assert not FgRegistration.objects.exists()


def test_fg_registration_of_another_foundation_is_404(world, client_for):
    other = f.FoundationFactory()
    other_cvb = f.foundation_person(other, "cvb")
    registration = services.fg_register(actor=other_cvb, foundation=other, **_service_data())
    response = client_for(world.cvb).get(
        reverse("governance:fg_deregister", args=[registration.pk])
    )
    assert response.status_code == 404


def test_cvb_without_fg_sees_an_attention_item(world, client_for):
    home = client_for(world.cvb).get("/").content.decode()
    assert "Er is geen FG vastgelegd" in home


def test_fg_account_and_email_are_both_checked_for_the_conflict(world):
    with pytest.raises(ValidationError) as error:
        services.fg_register(
            actor=world.cvb,
            foundation=world.foundation,
            kind="internal",
            person=world.teacher,  # no conflict by account ...
            name="Iemand",
            email=world.cvb.email,  # ... but the e-mail address is a CvB member's
        )
    assert "College van Bestuur" in str(error.value)
