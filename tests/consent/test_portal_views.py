"""Parents' consent screens in the portal: their own children only, changes count at once."""

from datetime import date

import pytest
from django.urls import reverse

from consent import services
from consent.models import ConsentDecision
from tests import factories as f
from tests.consent.factories import channels

pytestmark = pytest.mark.django_db


def status(pupil, channel):
    return services.statuses_for([pupil], [channel])[(pupil.pk, channel.pk)]


def test_parent_sees_own_child_and_unanswered_channels(world, client_for):
    channels(world.foundation)
    response = client_for(world.parent).get(reverse("portal:consent_index"))
    assert response.status_code == 200
    assert world.pupil.first_name in response.text
    assert "7 kanalen nog niet beantwoord" in response.text


@pytest.mark.parametrize(
    "persona", ["parent_without_authority", "outsider", "teacher", "directie", "pupil_user"]
)
def test_only_parents_with_authority_reach_a_childs_consent_page(world, client_for, persona):
    response = client_for(getattr(world, persona)).get(
        reverse("portal:consent_detail", args=[world.pupil.pk])
    )
    # The pupil (under 16) may look at their own page but not decide.
    expected = 200 if persona == "pupil_user" else 404
    assert response.status_code == expected
    if expected == 200:
        assert response.context["may_decide"] is False


def test_child_of_another_family_is_a_404(world, client_for):
    other_child = f.pupil_in_class(world.class_5a)
    f.parent_of(other_child)
    client = client_for(world.parent)
    assert client.get(reverse("portal:consent_detail", args=[other_child.pk])).status_code == 404
    ch = channels(world.foundation)
    post = client.post(
        reverse("portal:consent_detail", args=[other_child.pk]),
        {f"channel-{ch['website'].pk}": "ja"},
    )
    assert post.status_code == 404
    assert not ConsentDecision.objects.exists()


def test_parent_grants_and_withdraws_and_it_counts_at_once(world, client_for):
    ch = channels(world.foundation)
    client = client_for(world.parent)
    url = reverse("portal:consent_detail", args=[world.pupil.pk])
    response = client.post(
        url,
        {f"channel-{ch['website'].pk}": "ja", f"channel-{ch['sociale-media'].pk}": "ja"},
    )
    assert response.status_code == 302
    assert status(world.pupil, ch["sociale-media"]).granted
    client.post(
        url, {f"channel-{ch['website'].pk}": "ja", f"channel-{ch['sociale-media'].pk}": "nee"}
    )
    assert status(world.pupil, ch["website"]).granted
    assert not status(world.pupil, ch["sociale-media"]).granted
    page = client.get(url)
    assert len(page.context["history"]) == 3
    decision = ConsentDecision.objects.filter(channel=ch["sociale-media"]).first()
    assert decision.guardian == world.parent.guardian
    assert decision.decided_by == world.parent
    assert decision.text.version == 1


def test_bad_answer_is_a_400_and_changes_nothing(world, client_for):
    ch = channels(world.foundation)
    response = client_for(world.parent).post(
        reverse("portal:consent_detail", args=[world.pupil.pk]),
        {f"channel-{ch['website'].pk}": "misschien", f"channel-{ch['nieuwsbrief'].pk}": "ja"},
    )
    assert response.status_code == 400
    assert "Kies per kanaal" in response.text
    assert not ConsentDecision.objects.exists()


def test_parent_of_a_pupil_of_16_cannot_decide_but_the_pupil_can(world, client_for):
    channels(world.foundation)
    teen = f.pupil_in_class(world.class_5a, date_of_birth=date(2009, 1, 1))
    teen.user = f.UserFactory()
    teen.save()
    parent = f.parent_of(teen).user
    ch = channels(world.foundation)
    url = reverse("portal:consent_detail", args=[teen.pk])
    parent_client = client_for(parent)
    assert parent_client.get(url).context["may_decide"] is False
    assert parent_client.post(url, {f"channel-{ch['website'].pk}": "ja"}).status_code == 403
    teen_client = client_for(teen.user)
    assert teen_client.post(url, {f"channel-{ch['website'].pk}": "ja"}).status_code == 302
    assert status(teen, ch["website"]).granted


def test_parent_navigation_and_attention(world, client_for):
    channels(world.foundation)
    response = client_for(world.parent).get(reverse("home"))
    assert reverse("portal:consent_index") in response.text
    assert "Geef uw keuze door over foto" in response.text


def test_a_pupil_under_16_is_not_asked_to_decide(world, client_for):
    channels(world.foundation)
    response = client_for(world.pupil_user).get(reverse("home"))
    assert "Geef uw keuze door over foto" not in response.text
