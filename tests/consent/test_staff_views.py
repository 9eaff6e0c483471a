"""Staff screens: the class photo list (screen and PDF), "may I publish this?", a pupil's
history, the two-parent setting and the channel texts; with access as a matrix."""

import subprocess
from pathlib import Path

import pytest
from auditlog.models import LogEntry
from django.core.exceptions import ValidationError
from django.urls import reverse

from consent import services
from consent.models import ChannelText, ConsentDecision, SchoolConsentSetting
from tests import factories as f
from tests.consent.factories import channels

pytestmark = pytest.mark.django_db

# persona -> status for class 5a's overview (taught by ``teacher``)
CLASS_5A_ACCESS = {
    "directie": 200,
    "ib": 200,
    "administratie": 200,
    "concierge": 200,
    "teacher": 200,
    "other_teacher": 404,
    "teacher_other_school": 404,
    "directie_other_school": 404,
    "cvb": 404,
    "fg": 404,
    "parent": 404,
    "parent_without_authority": 404,
    "pupil_user": 404,
    "outsider": 404,
}


@pytest.mark.parametrize("persona", sorted(CLASS_5A_ACCESS))
@pytest.mark.parametrize(
    "name", ["consent:class_overview", "consent:class_pdf", "consent:publish_check"]
)
def test_class_pages_are_only_for_staff_who_see_the_class(world, client_for, persona, name):
    response = client_for(getattr(world, persona)).get(reverse(name, args=[world.class_5a.pk]))
    assert response.status_code == CLASS_5A_ACCESS[persona]


@pytest.mark.parametrize("persona", sorted(CLASS_5A_ACCESS))
def test_pupil_history_is_only_for_staff_who_see_the_pupil(world, client_for, persona):
    response = client_for(getattr(world, persona)).get(
        reverse("consent:pupil_history", args=[world.pupil.pk])
    )
    assert response.status_code == CLASS_5A_ACCESS[persona]


@pytest.mark.parametrize(
    "url",
    [
        lambda w: reverse("consent:class_list"),
        lambda w: reverse("consent:class_overview", args=[w.class_5a.pk]),
        lambda w: reverse("consent:class_pdf", args=[w.class_5a.pk]),
        lambda w: reverse("consent:pupil_history", args=[w.pupil.pk]),
        lambda w: reverse("consent:school_settings", args=[w.school.pk]),
        lambda w: reverse("consent:channel_list"),
        lambda w: reverse("portal:consent_index"),
        lambda w: reverse("portal:consent_detail", args=[w.pupil.pk]),
    ],
)
def test_anonymous_visitors_are_sent_to_sign_in(world, client, url):
    response = client.get(url(world))
    assert response.status_code == 302
    assert "/account/inloggen/" in response["Location"]


def test_teacher_lists_only_own_classes(world, client_for):
    response = client_for(world.teacher).get(reverse("consent:class_list"))
    assert response.status_code == 200
    assert world.class_5a.name in response.text
    assert world.class_6b.name not in response.text


def test_teacher_sees_granted_and_refused_per_channel(world, client_for):
    ch = channels(world.foundation)
    services.consent_decide(
        actor=world.parent, pupil=world.pupil, channel=ch["website"], granted=True
    )
    response = client_for(world.teacher).get(
        reverse("consent:class_overview", args=[world.class_5a.pk])
    )
    rows = response.context["rows"]
    keys = [c.key for c in response.context["channels"]]
    mila = next(r for r in rows if r.pupil == world.pupil)
    assert mila.statuses[keys.index("website")].granted
    assert not mila.statuses[keys.index("sociale-media")].granted
    assert "geen antwoord" in response.text


def test_overview_sorts_pupils_without_consent_first(world, client_for):
    ch = channels(world.foundation)
    other = f.pupil_in_class(world.class_5a, first_name="Aart", last_name="Aalders")
    services.consent_decide(
        actor=f.parent_of(other).user, pupil=other, channel=ch["website"], granted=True
    )
    client = client_for(world.teacher)
    by_name = client.get(reverse("consent:class_overview", args=[world.class_5a.pk]))
    assert [r.pupil for r in by_name.context["rows"]] == [other, world.pupil]
    by_website = client.get(
        reverse("consent:class_overview", args=[world.class_5a.pk]) + "?sorteer=website"
    )
    assert [r.pupil for r in by_website.context["rows"]] == [world.pupil, other]
    nonsense = client.get(
        reverse("consent:class_overview", args=[world.class_5a.pk]) + "?sorteer=%3Cscript%3E"
    )
    assert nonsense.status_code == 200


def _fill_class(world, size, school_class=None):
    teacher = None
    if school_class is None:
        school_class = f.SchoolClassFactory(school=world.school, name=f"Groep {size}")
        teacher = f.teacher_of(school_class)
    ch = channels(world.foundation)
    for i in range(size):
        pupil = f.pupil_in_class(school_class)
        parent = f.parent_of(pupil)
        if i % 3 == 0:
            for key in ("website", "nieuwsbrief", "schoolgids"):
                services.consent_decide(
                    actor=parent.user, pupil=pupil, channel=ch[key], granted=True
                )
        elif i % 3 == 1:
            services.consent_decide(
                actor=parent.user, pupil=pupil, channel=ch["sociale-media"], granted=True
            )
            services.consent_withdraw(actor=parent.user, pupil=pupil, channel=ch["sociale-media"])
    return school_class, teacher


def test_class_overview_runs_the_same_bounded_number_of_queries_for_30_and_300_pupils(
    world, client_for, django_assert_max_num_queries
):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    school_class, teacher = _fill_class(world, 30)
    client = client_for(teacher)
    url = reverse("consent:class_overview", args=[school_class.pk])
    client.get(url)  # warm-up: session, default channels
    with django_assert_max_num_queries(25), CaptureQueriesContext(connection) as small:
        response = client.get(url)
    assert len(response.context["rows"]) == 30
    _fill_class(world, 270, school_class=school_class)
    # Warm again: filling may take over a minute, and the session's idle timestamp is written
    # at most once a minute (docs/performance.md), which would add one query to one side.
    client.get(url)
    with django_assert_max_num_queries(25), CaptureQueriesContext(connection) as large:
        response = client.get(url)
    assert len(response.context["rows"]) == 300
    assert len(large) == len(small)


def test_class_pdf_is_one_page_with_the_print_date(world, client_for, tmp_path):
    school_class, teacher = _fill_class(world, 30)
    response = client_for(teacher).get(reverse("consent:class_pdf", args=[school_class.pk]))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    # Keep a copy for people to look at (var/screenshots/consent-class-list.pdf).
    out = Path(__file__).resolve().parents[2] / "var" / "screenshots"
    out.mkdir(parents=True, exist_ok=True)
    (out / "consent-class-list.pdf").write_bytes(response.content)
    pdf = tmp_path / "fotolijst.pdf"
    pdf.write_bytes(response.content)
    info = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True, check=True).stdout
    assert int(info.split("Pages:")[1].split()[0]) == 1
    text = subprocess.run(
        ["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True, check=True
    ).stdout
    assert "Afgedrukt op" in text
    assert "Sociale media" in text
    # The download is recorded as an export of personal data.
    assert LogEntry.objects.filter(
        action=LogEntry.Action.ACCESS, additional_data__what="export:consent-pdf"
    ).exists()


def test_pdf_of_an_unusually_large_class_takes_at_most_two_pages(world, client_for, tmp_path):
    school_class, teacher = _fill_class(world, 60)
    response = client_for(teacher).get(reverse("consent:class_pdf", args=[school_class.pk]))
    pdf = tmp_path / "groot.pdf"
    pdf.write_bytes(response.content)
    info = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True, check=True).stdout
    # A class of 60 is unusual; it may take two pages but never more.
    assert int(info.split("Pages:")[1].split()[0]) <= 2


def test_publish_check_says_no_and_names_the_pupils_without_consent(world, client_for):
    ch = channels(world.foundation)
    other = f.pupil_in_class(world.class_5a, first_name="Aart", last_name="Aalders")
    services.consent_decide(
        actor=f.parent_of(other).user, pupil=other, channel=ch["sociale-media"], granted=True
    )
    client = client_for(world.teacher)
    url = reverse("consent:publish_check", args=[world.class_5a.pk])
    only_other = client.get(url, {"channel": "sociale-media", "pupils": [other.pk]})
    assert only_other.context["result"]["allowed"] is True
    both = client.get(url, {"channel": "sociale-media", "pupils": [other.pk, world.pupil.pk]})
    assert both.context["result"]["allowed"] is False
    assert both.context["result"]["blocked"] == [world.pupil]
    assert "Nee: niet publiceren" in both.text
    website = client.get(url, {"channel": "website", "pupils": [other.pk]})
    assert website.context["result"]["allowed"] is False


def test_publish_check_refuses_pupils_of_another_class_and_bad_input(world, client_for):
    channels(world.foundation)
    client = client_for(world.teacher)
    url = reverse("consent:publish_check", args=[world.class_5a.pk])
    foreign = client.get(url, {"channel": "website", "pupils": [world.pupil_other_class.pk]})
    assert foreign.status_code == 400
    assert foreign.context["result"] is None
    assert (
        client.get(url, {"channel": "bestaat-niet", "pupils": [world.pupil.pk]}).status_code == 400
    )
    empty = client.get(url, {"channel": "website"})
    assert empty.status_code == 400
    assert "Kies de leerlingen" in empty.text


def test_staff_see_the_full_history_of_a_pupil(world, client_for):
    ch = channels(world.foundation)
    services.consent_decide(
        actor=world.parent, pupil=world.pupil, channel=ch["sociale-media"], granted=True
    )
    services.consent_withdraw(actor=world.parent, pupil=world.pupil, channel=ch["sociale-media"])
    response = client_for(world.teacher).get(
        reverse("consent:pupil_history", args=[world.pupil.pk])
    )
    assert response.status_code == 200
    assert len(response.context["history"]) == 2
    assert world.parent.guardian.first_name in response.text
    assert (
        client_for(world.other_teacher)
        .get(reverse("consent:pupil_history", args=[world.pupil.pk]))
        .status_code
        == 404
    )


def test_school_setting_directie_only(world, client_for):
    url = reverse("consent:school_settings", args=[world.school.pk])
    assert client_for(world.teacher).get(url).status_code == 403
    assert client_for(world.directie_other_school).get(url).status_code == 404
    client = client_for(world.directie)
    assert client.get(url).status_code == 200
    # Switching the rule shows its consequence first and changes nothing yet.
    response = client.post(url, {"form": "rule", "require_both_parents": "on"})
    assert response.status_code == 200
    assert "Eerst bevestigen" in response.text
    assert not SchoolConsentSetting.objects.filter(
        school=world.school, require_both_parents=True
    ).exists()
    response = client.post(url, {"form": "rule", "require_both_parents": "on", "confirmed": "on"})
    assert response.status_code == 302
    assert SchoolConsentSetting.objects.get(school=world.school).require_both_parents


def test_beheerder_edits_a_text_as_a_new_version(world, client_for):
    ch = channels(world.foundation)
    url = reverse("consent:channel_edit", args=[ch["website"].pk])
    assert client_for(world.directie).get(url).status_code == 403
    client = client_for(world.beheerder)
    assert client.get(reverse("consent:channel_list")).status_code == 200
    bad = client.post(url, {"text": ""})
    assert bad.status_code == 400
    assert client.post(url, {"text": "Nieuwe tekst voor de website."}).status_code == 400
    assert (
        client.post(
            url, {"text": "Nieuwe tekst voor de website.", "scope": "editorial"}
        ).status_code
        == 302
    )
    assert list(
        ChannelText.objects.filter(channel=ch["website"]).values_list("version", flat=True)
    ) == [2, 1]
    other = channels(f.FoundationFactory())["website"]
    assert client.get(reverse("consent:channel_edit", args=[other.pk])).status_code == 404


def test_administration_records_a_paper_answer_that_counts_at_once(world, client_for):
    ch = channels(world.foundation)
    url = reverse("consent:pupil_history", args=[world.pupil.pk])
    data = {f"a-{world.parent.guardian.pk}-{ch['schoolgids'].pk}": "ja"}
    assert client_for(world.teacher).post(url, data).status_code == 403
    client = client_for(world.administratie)
    assert client.post(url, data).status_code == 302
    decision = ConsentDecision.objects.get()
    assert decision.granted and decision.guardian == world.parent.guardian
    assert decision.decided_by == world.administratie
    assert services.statuses_for([world.pupil], [ch["schoolgids"]])[
        (world.pupil.pk, ch["schoolgids"].pk)
    ].granted
    assert "op papier, ingevoerd door" in client.get(url).text


def test_paper_answer_of_a_parent_without_authority_is_refused(world, client_for):
    ch = channels(world.foundation)
    url = reverse("consent:pupil_history", args=[world.pupil.pk])
    response = client_for(world.administratie).post(
        url,
        {f"a-{world.parent_without_authority.guardian.pk}-{ch['website'].pk}": "ja"},
    )
    assert response.status_code == 400
    assert not ConsentDecision.objects.exists()
    with pytest.raises(ValidationError):
        services.consent_record_paper_answer(
            actor=world.administratie,
            pupil=world.pupil,
            guardian=world.parent_without_authority.guardian,
            channel=ch["website"],
            granted=True,
        )


def test_admin_keeps_decisions_out_and_shows_channels(world, client_for):
    """Consent decisions are pupil data: not in the admin (privacy_portal.admin_lockdown)."""
    ch = channels(world.foundation)
    services.consent_decide(
        actor=world.parent, pupil=world.pupil, channel=ch["website"], granted=True
    )
    world.beheerder.is_superuser = True
    world.beheerder.save()
    client = client_for(world.beheerder)
    assert client.get("/beheer/consent/consentdecision/").status_code == 404
    assert (
        client.get(reverse("admin:consent_channel_change", args=[ch["website"].pk])).status_code
        == 200
    )
    assert client.get("/beheer/consent/consentdecision/add/").status_code == 404
