"""The data migration that brings existing consent data under the new rules: existing answers
keep counting (they were given on the text parents saw then), and each answer gets its source."""

import importlib

import pytest
from django.apps import apps

from consent import services
from consent.models import ChannelText, ConsentDecision
from tests.consent.factories import channels

pytestmark = pytest.mark.django_db

migration = importlib.import_module("consent.migrations.0003_existing_texts_and_sources")


def test_existing_versions_become_initial_and_editorial_and_answers_keep_counting(world):
    website = channels(world.foundation)["website"]
    ChannelText.objects.filter(channel=website).update(scope="editorial")  # as before scopes
    ChannelText.objects.create(channel=website, version=2, text="Tweede tekst.")
    online = services.consent_decide(
        actor=world.parent, pupil=world.pupil, channel=website, granted=True
    )
    paper = services.consent_record_paper_answer(
        actor=world.administratie,
        pupil=world.pupil,
        guardian=world.parent.guardian,
        channel=website,
        granted=True,
    )
    ConsentDecision.objects.update(source="online")  # the column's default before the migration

    migration.forwards(apps, None)

    scopes = dict(ChannelText.objects.filter(channel=website).values_list("version", "scope"))
    assert scopes == {1: "initial", 2: "editorial"}
    online.refresh_from_db()
    paper.refresh_from_db()
    assert (online.source, paper.source) == ("online", "paper")
    assert services.statuses_for([world.pupil], [website])[(world.pupil.pk, website.pk)].granted


def test_beeldmateriaal_is_a_registry_category_with_consent_as_its_basis():
    from students import registry

    category = registry.get_category(services.MEDIA_CATEGORY_KEY)
    assert category.legal_basis == registry.LegalBasis.CONSENT
    assert set(category.purposes) == {
        registry.Purpose.PUPIL_NEWS,
        registry.Purpose.SCHOOL_ACTIVITIES,
    }
    # Products and the record of processing choose categories from the registry.
    assert services.MEDIA_CATEGORY_KEY in dict(registry.category_choices())
