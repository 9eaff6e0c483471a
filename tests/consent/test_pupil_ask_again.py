"""A pupil of 16 or older decides alone (R4): after a widening of a channel's text the pupil,
not the parents, is asked again, through the outbox, with a personal link of their own that
reaches only themself."""

import re
from datetime import date

import pytest
from django.urls import reverse

from consent import links, services
from consent.models import ConsentDecision, ConsentLink, ParentNotice
from privacy_portal.models import OutboxMail
from tests import factories as f
from tests.consent.factories import channels
from tests.consent.test_text_scope import widen

pytestmark = pytest.mark.django_db


@pytest.fixture
def teen(world):
    pupil = f.pupil_in_class(world.class_5a, first_name="Noor", date_of_birth=date(2008, 1, 1))
    pupil.user = f.UserFactory(email="noor@leerling.example")
    pupil.save()
    f.parent_of(pupil)
    return pupil


def mailed_link(mail) -> str:
    match = re.search(r"https?://[^/\s]+(/toestemming/ouder/[^/\s]+/)", mail.body)
    assert match, mail.body
    return match.group(1)


def test_a_pupil_of_16_is_asked_again_after_a_widening_and_the_parents_are_not(
    world, teen, mailoutbox, django_capture_on_commit_callbacks
):
    social = channels(world.foundation)["sociale-media"]
    services.consent_decide(actor=teen.user, pupil=teen, channel=social, granted=True)

    with django_capture_on_commit_callbacks(execute=True):
        new = widen(world, social)

    notice = ParentNotice.objects.get(kind="ask_again", pupil=teen)
    assert notice.guardian is None and notice.text == new and notice.sent_at
    # The mail left through the outbox, to the pupil only, with a personal link.
    assert OutboxMail.objects.filter(template="consent/email/ask_again_pupil").count() == 1
    mails = [m for m in mailoutbox if m.to == ["noor@leerling.example"]]
    assert len(mails) == 1
    assert "Ook op TikTok" in mails[0].body and "jou" in mails[0].body
    parents = set(teen.guardian_links.values_list("guardian__email", flat=True))
    assert not any(set(m.to) & parents for m in mailoutbox)
    link = ConsentLink.objects.get(pupil=teen)
    assert link.guardian is None and link.notice == notice
    # A second run asks nobody twice.
    with django_capture_on_commit_callbacks(execute=True):
        assert services.consent_ask_again_send(text_id=new.pk) == 0


def test_the_pupils_link_opens_a_form_for_themself_only_and_records_the_answer(
    world, teen, client, mailoutbox, django_capture_on_commit_callbacks
):
    ch = channels(world.foundation)
    social = ch["sociale-media"]
    services.consent_decide(actor=teen.user, pupil=teen, channel=social, granted=True)
    with django_capture_on_commit_callbacks(execute=True):
        widen(world, social)
    mail = next(m for m in mailoutbox if m.to == ["noor@leerling.example"])
    path = mailed_link(mail)
    landing = client.get(path)
    assert landing.status_code == 200 and "Noor" in landing.text
    assert client.post(path).status_code == 302
    form = client.get(reverse("consent:link_form"))
    assert form.status_code == 200
    assert "Foto's en video's van jou" in form.text
    assert world.pupil.first_name not in form.text  # nobody else
    assert "Stuur mij een uitnodiging" not in form.text

    response = client.post(reverse("consent:link_form"), {f"c-{teen.pk}-{social.pk}": "ja"})
    assert response.status_code == 302
    decision = ConsentDecision.objects.filter(pupil=teen).latest("decided_at", "pk")
    assert decision.by_pupil and decision.guardian is None and decision.source == "link"
    assert services.statuses_for([teen], [social])[(teen.pk, social.pk)].granted


def test_a_pupils_link_cannot_answer_for_another_pupil(world, teen, client):
    ch = channels(world.foundation)
    client.post(links.link_create(pupil=teen))
    other = world.pupil
    response = client.post(reverse("consent:link_form"), {f"c-{other.pk}-{ch['website'].pk}": "ja"})
    assert response.status_code == 302  # the unknown field is ignored
    assert not ConsentDecision.objects.filter(pupil=other).exists()


def test_a_pupil_under_16_has_no_link_form(world, client):
    client.post(links.link_create(pupil=world.pupil))
    page = client.get(reverse("consent:link_form"))
    assert page.status_code == 200
    assert f"c-{world.pupil.pk}-" not in page.text
