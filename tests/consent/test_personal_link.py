"""Every parent can answer: the personal link in a consent mail opens that parent's form for
their own children without an account. It is signed for this purpose only, works once,
expires, and never reaches another family's child."""

import re
from datetime import timedelta

import pytest
import time_machine
from django.core import signing
from django.urls import reverse
from django.utils import timezone

from consent import links, services
from consent.models import ConsentDecision, ConsentLink
from tests import factories as f
from tests.consent.factories import channels

pytestmark = pytest.mark.django_db


@pytest.fixture
def family(world):
    """A parent without an account, with authority over two children at two schools."""
    guardian = f.parent_of(world.pupil_other_class, with_account=False)
    from students.models import GuardianLink

    GuardianLink.objects.create(guardian=guardian, pupil=world.pupil_other_school)
    return guardian


def mailed_link(mail) -> str:
    match = re.search(r"https?://[^/\s]+(/toestemming/ouder/[^/\s]+/)", mail.body)
    assert match, mail.body
    return match.group(1)


def open_link(client, path):
    landing = client.get(path)
    assert landing.status_code == 200
    return client.post(path)


def test_the_request_mail_carries_a_link_that_opens_the_form_without_an_account(
    world, family, client, mailoutbox, django_capture_on_commit_callbacks
):
    channels(world.foundation)
    with django_capture_on_commit_callbacks(execute=True):
        services.consent_requests_send(pupil_ids=[world.pupil_other_class.pk])
    mail = next(m for m in mailoutbox if m.to == [family.email])
    assert "Met vriendelijke groet,\n" + world.school.name in mail.body
    assert "Website van de school: geen antwoord" in mail.body  # the current choices
    response = open_link(client, mailed_link(mail))
    assert response.status_code == 302 and response["Location"] == reverse("consent:link_form")
    form = client.get(response["Location"])
    assert form.status_code == 200
    assert world.pupil_other_class.first_name in form.text
    assert world.pupil_other_school.first_name in form.text
    assert "Stuur mij een uitnodiging" in form.text  # the account offered beside it


def test_answers_through_the_link_count_and_record_their_source(world, family, client, client_for):
    ch = channels(world.foundation)
    path = links.link_create(guardian=family)
    open_link(client, path)
    child = world.pupil_other_class
    data = {f"c-{child.pk}-{c.pk}": "ja" for c in ch.values()}
    response = client.post(reverse("consent:link_form"), data)
    assert response.status_code == 302
    decisions = ConsentDecision.objects.filter(pupil=child)
    assert decisions.count() == len(ch)
    assert {d.source for d in decisions} == {"link"}
    assert {d.guardian_id for d in decisions} == {family.pk}
    statuses = services.statuses_for([child], ch.values())
    assert all(s.granted for s in statuses.values())
    history = client_for(world.directie).get(reverse("consent:pupil_history", args=[child.pk]))
    assert "via persoonlijke link" in history.text


def test_the_link_works_once(world, family, client):
    path = links.link_create(guardian=family)
    assert open_link(client, path).status_code == 302
    again = client.__class__()
    assert again.get(path).status_code == 400
    assert again.post(path).status_code == 400
    assert "al gebruikt" in again.post(path).text
    assert again.get(reverse("consent:link_form")).status_code == 403


def test_the_link_expires(world, family, client):
    path = links.link_create(guardian=family)
    with time_machine.travel(timezone.now() + timedelta(days=links.LINK_VALID_DAYS, hours=1)):
        response = client.post(path)
        assert response.status_code == 400
        assert "verlopen" in response.text
    assert ConsentLink.objects.get().used_at is None


def test_the_session_it_opens_ends(world, family, client):
    open_link(client, links.link_create(guardian=family))
    later = timezone.now() + timedelta(minutes=links.SESSION_MINUTES + 1)
    with time_machine.travel(later):
        assert client.get(reverse("consent:link_form")).status_code == 403


def test_a_token_signed_for_another_purpose_is_refused(world, family, client):
    link = ConsentLink.objects.create(
        guardian=family, expires_at=timezone.now() + timedelta(days=1)
    )
    for token in (
        signing.dumps({"l": link.pk, "g": family.pk}),  # no salt
        signing.dumps({"l": link.pk, "g": family.pk}, salt="portal.invitation"),
        signing.dumps({"l": link.pk, "g": family.pk}, salt=links.SALT)[:-2] + "xx",
    ):
        path = reverse("consent:link_open", args=[token])
        assert client.post(path).status_code == 400
    assert ConsentLink.objects.get().used_at is None


def test_a_token_naming_another_parents_link_is_refused(world, family, client):
    other = f.parent_of(world.pupil, with_account=False)
    path = links.link_create(guardian=other)
    link = ConsentLink.objects.get(guardian=other)
    forged = signing.dumps({"l": link.pk, "g": family.pk}, salt=links.SALT)
    assert client.post(reverse("consent:link_open", args=[forged])).status_code == 400
    assert open_link(client, path).status_code == 302


def test_the_link_cannot_reach_another_familys_child(world, family, client):
    ch = channels(world.foundation)
    open_link(client, links.link_create(guardian=family))
    form = client.get(reverse("consent:link_form"))
    assert world.pupil.first_name not in form.text
    # Posting answers for a child of another family writes nothing for that child.
    stranger = world.pupil
    response = client.post(
        reverse("consent:link_form"), {f"c-{stranger.pk}-{ch['website'].pk}": "ja"}
    )
    assert response.status_code == 302
    assert not ConsentDecision.objects.filter(pupil=stranger).exists()
    # And the service refuses a parent without authority outright.
    from django.core.exceptions import PermissionDenied

    from consent.services import consents_save_by_link

    with pytest.raises(PermissionDenied):
        consents_save_by_link(guardian=family, pupil=stranger, answers={ch["website"].pk: True})


def test_a_parent_without_authority_reaches_no_child_through_a_link(world, client):
    guardian = world.parent_without_authority.guardian
    open_link(client, links.link_create(guardian=guardian))
    form = client.get(reverse("consent:link_form"))
    assert form.status_code == 200
    assert world.pupil.first_name not in form.text


def test_the_account_invitation_beside_the_form_goes_to_the_schools_address(
    world, family, client, mailoutbox, django_capture_on_commit_callbacks
):
    open_link(client, links.link_create(guardian=family))
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("consent:link_invite"))
    assert response.status_code == 302
    assert [m.to for m in mailoutbox] == [[family.email]]
    # Nothing is linked before the parent accepts through the mailed link (issue 14): the
    # invitation holds the account to link, without a password yet.
    family.refresh_from_db()
    assert family.user is None
    invitation = family.invitations.get()
    assert invitation.invited_by is None and not invitation.user.has_usable_password()
    # Once a day at most.
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("consent:link_invite"))
    assert len(mailoutbox) == 1
