"""A pupil's own page (role leerling): their name, group, consent choices made for them, the
dossier entries meant for them, and how to ask a question. Nothing of classmates."""

from datetime import date

import pytest
from django.urls import reverse
from django.utils import timezone

from accounts.roles import Audience, Sensitivity
from consent import services as consent_services
from portal import hooks
from students.models import DossierEntry
from tests import factories as f
from tests.consent.factories import channels

pytestmark = pytest.mark.django_db


def _entry(pupil, title, audience, **kwargs):
    return DossierEntry.objects.create(
        pupil=pupil,
        category="results",
        title=title,
        body=kwargs.pop("body", ""),
        audience=audience,
        sensitivity=Sensitivity.SENSITIVE,
        **kwargs,
    )


def test_pupil_sees_name_group_and_entries_for_pupils_only(client_for, world):
    _entry(world.pupil, "Jouw rapport van groep 5", Audience.LEERLING, body="Goed gedaan!")
    _entry(world.pupil, "Verslag voor de IB-er", Audience.IB)
    _entry(world.pupil_other_class, "Rapport van een ander kind", Audience.LEERLING)
    classmate = f.pupil_in_class(world.class_5a, first_name="Klasgenoot", last_name="Pietersen")
    body = client_for(world.pupil_user).get(reverse("portal:pupil_home")).text
    assert "Hoi Mila!" in body
    assert world.class_5a.name in body
    assert "Jouw rapport van groep 5" in body and "Goed gedaan!" in body
    assert "Verslag voor de IB-er" not in body
    assert "Rapport van een ander kind" not in body
    assert classmate.first_name not in body and classmate.last_name not in body
    assert "juf of meester" in body  # how to ask a question


def test_pupil_sees_the_consent_choices_their_parents_made(client_for, world):
    channel = channels(world.foundation)["website"]
    consent_services.consent_decide(
        actor=world.parent, pupil=world.pupil, channel=channel, granted=True
    )
    body = client_for(world.pupil_user).get(reverse("portal:pupil_home")).text
    assert "Je ouders kiezen" in body
    assert channel.name in body
    assert "mag wel" in body


def test_pupil_of_16_chooses_themself(client_for, world):
    today = timezone.localdate()
    world.pupil.date_of_birth = date(today.year - 17, 1, 1)
    world.pupil.save()
    channels(world.foundation)
    body = client_for(world.pupil_user).get(reverse("portal:pupil_home")).text
    assert "kies je zelf" in body
    assert reverse("portal:consent_detail", args=[world.pupil.pk]) in body


def test_only_a_pupil_has_a_pupil_page(client_for, world):
    for persona in (world.parent, world.directie, world.outsider):
        assert client_for(persona).get(reverse("portal:pupil_home")).status_code == 404


def test_menu_speaks_to_the_pupil_not_about_uw_kind(client_for, world):
    labels = [item.label for item in hooks.navigation(world.pupil_user)]
    assert "Mijn pagina" in labels
    assert "Foto's van mij" in labels
    assert "Toestemming foto's" not in labels
    body = client_for(world.pupil_user).get(reverse("portal:consent_index")).text
    assert "uw kind" not in body
