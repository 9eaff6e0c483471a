"""R16: a departing staff member loses access at once (or on the departure date), and the task
list for what lives outside the portal is created for the directie and the office."""

from datetime import date, timedelta

import pytest
from django.contrib.auth.tokens import default_token_generator
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.utils import timezone
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode
from django_otp.plugins.otp_static.models import StaticDevice
from django_otp.plugins.otp_totp.models import TOTPDevice
from guardian.shortcuts import assign_perm

from accounts import access
from accounts.models import StaffMembership
from governance import services
from governance.models import Departure, OffboardingTask, OffboardingTaskTemplate, TaskActor
from governance.tasks import BEAT_SCHEDULE, apply_due_departures
from privacy_portal.models import JobRun
from tests import factories as f
from tests.governance.factories import record_departure, signed_in_client

pytestmark = pytest.mark.django_db

LOGIN = "/account/inloggen/"


def post_departure(client, person, schools, day, **extra):
    data = {
        "person": person.pk,
        "schools": [s.pk for s in schools],
        "departure_date": day.isoformat(),
        "confirm": "on",
        **extra,
    }
    return client.post(reverse("governance:departure_create"), data)


def can_sign_in(user) -> bool:
    response = Client().post(LOGIN, {"username": user.email, "password": f.PASSWORD})
    return response.status_code == 302


# --- Access ends -----------------------------------------------------------------------------


def test_directie_records_departure_today_and_the_teacher_can_no_longer_sign_in(world, client_for):
    assert can_sign_in(world.teacher)
    response = post_departure(
        client_for(world.directie), world.teacher, [world.school], timezone.localdate()
    )
    departure = Departure.objects.get(person=world.teacher)
    assert response.status_code == 302
    assert response["Location"] == reverse("governance:departure_detail", args=[departure.pk])
    assert departure.status == Departure.Status.APPLIED
    world.teacher.refresh_from_db()
    assert not world.teacher.is_active
    assert not world.teacher.has_usable_password()
    assert not can_sign_in(world.teacher)


def test_open_session_of_departed_teacher_is_refused_on_the_next_request(world):
    teacher_browser = signed_in_client(world.teacher)
    assert teacher_browser.get("/").status_code == 200
    record_departure(world.directie, world.teacher, [world.school])
    response = teacher_browser.get("/")
    assert response.status_code == 302
    assert response["Location"].startswith(LOGIN)
    assert Departure.objects.get(person=world.teacher).sessions_ended == 1


def _plain_urls(resolver=None, prefix=""):
    """Every URL of the site that takes no arguments."""
    resolver = resolver or get_resolver()
    for entry in resolver.url_patterns:
        route = str(entry.pattern)
        if isinstance(entry, URLResolver):
            yield from _plain_urls(entry, prefix + route)
        elif isinstance(entry, URLPattern) and "<" not in route and "(?P" not in route:
            yield "/" + prefix + route.lstrip("^").rstrip("$")


# Public pages (sign-in, forgotten password), POST-only sign-out, and the admin (own login).
OPEN_URLS = (
    "/account/inloggen/",
    "/account/uitloggen/",
    "/account/wachtwoord-vergeten/",
    "/account/wachtwoord-herstellen/",
    "/i18n/",
    "/favicon.ico",
    "/beheer/",
    "/ouders/uitnodiging/",  # a parent's invitation works by its token, not by a session
    # The pages of the personal consent link: public, reach only the parent the link was for.
    "/toestemming/ouder/",
)


def _is_public(url: str) -> bool:
    """Pages anybody may open without signing in, as listed once for the whole site in
    tests/test_url_walk.py (e.g. the parents' pages opened by a signed link)."""
    from django.urls import Resolver404, resolve

    from tests.test_url_walk import PUBLIC

    try:
        return resolve(url).view_name in PUBLIC
    except Resolver404:
        return False


def test_departed_teacher_with_an_open_session_is_refused_at_every_url(world):
    teacher_browser = signed_in_client(world.teacher)
    record_departure(world.directie, world.teacher, [world.school])
    urls = [u for u in _plain_urls() if not u.startswith(OPEN_URLS) and not _is_public(u)]
    assert {"/organisatie/fg/", "/groepen/", "/account/", "/account/tweestaps/"} <= set(urls)
    for url in urls:
        response = teacher_browser.get(url)
        assert response.status_code == 302, url
        assert response["Location"].startswith(LOGIN), url
    # The admin refuses too (it sends to its own login page).
    response = teacher_browser.get("/beheer/")
    assert response.status_code == 302 and "login" in response["Location"]
    # URLs with an object in them as well.
    class_url = reverse("accounts:class_detail", args=[world.class_5a.pk])
    assert teacher_browser.get(class_url)["Location"].startswith(LOGIN)


def test_departed_teacher_loses_every_role_group_and_object_permission(world):
    assign_perm("accounts.pupil_basic", world.teacher, world.class_6b)
    assign_perm("accounts.pupil_basic", world.teacher, world.school)
    assert set(access.visible_pupils(world.teacher)) == {world.pupil, world.pupil_other_class}
    record_departure(world.directie, world.teacher, [world.school])
    world.teacher.refresh_from_db()
    assert not world.teacher.groups.filter(role_group__isnull=False).exists()
    assert not world.teacher.groups.exists()
    assert not access.visible_pupils(world.teacher).exists()
    # Even if the account were switched on again, no permission would be left.
    world.teacher.is_active = True
    assert not access.visible_pupils(world.teacher).exists()
    assert not access.visible_classes(world.teacher).exists()


def test_departure_deletes_two_factor_devices_and_revokes_reset_links(world):
    TOTPDevice.objects.create(user=world.teacher, name="phone", confirmed=True)
    StaticDevice.objects.create(user=world.teacher, name="backup")
    token = default_token_generator.make_token(world.teacher)
    uid = urlsafe_base64_encode(force_bytes(world.teacher.pk))
    record_departure(world.directie, world.teacher, [world.school])
    world.teacher.refresh_from_db()
    assert not TOTPDevice.objects.filter(user=world.teacher).exists()
    assert not StaticDevice.objects.filter(user=world.teacher).exists()
    assert not default_token_generator.check_token(world.teacher, token)
    response = Client().get(
        reverse("accounts:password_reset_confirm", args=[uid, token]), follow=True
    )
    assert not response.context["validlink"]


def test_partial_departure_keeps_the_role_at_the_other_school_but_ends_sessions(world):
    person = f.teacher_of(world.class_5a)
    f.services.staff_membership_create(
        user=person, school=world.other_school, role="ib", start_date=date(2020, 1, 1)
    )
    browser = signed_in_client(person)
    token = default_token_generator.make_token(person)
    departure = record_departure(world.directie, person, [world.school])
    person.refresh_from_db()
    assert person.is_active and not departure.account_deactivated
    assert set(access.visible_pupils(person)) == {world.pupil_other_school}
    assert browser.get("/")["Location"].startswith(LOGIN)
    assert not default_token_generator.check_token(person, token)


def test_future_departure_leaves_access_until_the_date_and_the_job_applies_it(world, time_machine):
    today = timezone.localdate()
    leaving = today + timedelta(days=10)
    departure = record_departure(world.directie, world.teacher, [world.school], day=leaving)
    assert departure.status == Departure.Status.SCHEDULED
    assert access.visible_pupils(world.teacher).exists()
    assert can_sign_in(world.teacher)
    # A run before the date changes nothing.
    assert apply_due_departures() == 0

    time_machine.move_to(leaving + timedelta(hours=12))
    browser = signed_in_client(world.teacher)
    assert apply_due_departures() == 1
    assert apply_due_departures() == 0  # idempotent
    runs = JobRun.objects.filter(job="governance.apply_due_departures")
    assert runs.count() == 3 and all(r.status == JobRun.Status.SUCCEEDED for r in runs)
    world.teacher.refresh_from_db()
    assert not world.teacher.is_active
    assert browser.get("/")["Location"].startswith(LOGIN)
    assert not can_sign_in(world.teacher)


def test_future_departure_ends_roles_on_the_date_even_before_the_job_runs(world, time_machine):
    leaving = timezone.localdate() + timedelta(days=3)
    record_departure(world.directie, world.teacher, [world.school], day=leaving)
    membership = StaffMembership.objects.get(user=world.teacher)
    assert membership.end_date == leaving - timedelta(days=1)
    class_url = reverse("accounts:class_detail", args=[world.class_5a.pk])
    assert signed_in_client(world.teacher).get(class_url).status_code == 200
    time_machine.move_to(leaving + timedelta(hours=1))
    # The job has not run yet; the dated membership already stops the access.
    assert signed_in_client(world.teacher).get(class_url).status_code == 404
    assert not access.school_roles(world.teacher)
    assert not access.visible_pupils(world.teacher).exists()


def test_beat_schedule_names_the_real_task():
    from celery import current_app

    import governance.tasks  # noqa: F401

    for entry in BEAT_SCHEDULE.values():
        assert entry["task"] in current_app.tasks


# --- Arrivals --------------------------------------------------------------------------------


def test_a_new_role_gives_no_access_before_its_start_date(world, time_machine):
    newcomer = f.UserFactory()
    start = timezone.localdate() + timedelta(days=5)
    f.services.staff_membership_create(
        user=newcomer, school=world.school, role="leerkracht", start_date=start
    )
    f.services.class_assignment_create(user=newcomer, school_class=world.class_5a, start_date=start)
    browser = signed_in_client(newcomer)
    class_url = reverse("accounts:class_detail", args=[world.class_5a.pk])
    assert browser.get(class_url).status_code == 404
    assert b"Groep 5a" not in browser.get(reverse("accounts:class_list")).content
    assert not access.visible_pupils(newcomer).exists()

    time_machine.move_to(start + timedelta(hours=10))
    response = signed_in_client(newcomer).get(class_url)
    assert response.status_code == 200
    assert b"Mila" in response.content


def test_directie_cannot_record_the_departure_of_staff_at_another_school(world, client_for):
    client = client_for(world.directie)
    response = post_departure(
        client, world.teacher_other_school, [world.school], timezone.localdate()
    )
    assert response.status_code == 400
    assert "Kies een medewerker van uw school." in response.content.decode()
    response = post_departure(client, world.teacher, [world.other_school], timezone.localdate())
    assert response.status_code == 400
    assert "Kies alleen scholen waarvoor u vertrek mag vastleggen." in response.content.decode()
    world.teacher_other_school.refresh_from_db()
    assert world.teacher_other_school.is_active
    assert not Departure.objects.exists()


def test_departure_form_with_bad_input_gives_400_with_dutch_messages(world, client_for):
    client = client_for(world.directie)
    url = reverse("governance:departure_create")
    response = client.post(url, {"person": world.teacher.pk, "schools": [world.school.pk]})
    assert response.status_code == 400
    content = response.content.decode()
    assert "Vul een datum in." in content
    assert "Bevestig dat u het vertrek wilt vastleggen." in content
    response = client.post(
        url,
        {
            "person": world.teacher.pk,
            "schools": [world.school.pk],
            "departure_date": "31-02-2026",
            "confirm": "on",
        },
    )
    assert response.status_code == 400 and "Vul een geldige datum in." in response.content.decode()
    far = timezone.localdate() + timedelta(days=400)
    response = post_departure(client, world.teacher, [world.school], far)
    assert response.status_code == 400
    assert "meer dan een jaar in de toekomst" in response.content.decode()
    response = client.post(
        url,
        {"person": "abc", "schools": ["x"], "departure_date": "2026-01-01", "confirm": "on"},
    )
    assert response.status_code == 400
    assert "Kies een medewerker van uw school." in response.content.decode()
    assert not Departure.objects.exists()
    world.teacher.refresh_from_db()
    assert world.teacher.is_active


def test_directie_cannot_record_own_departure(world, client_for):
    response = post_departure(
        client_for(world.directie), world.directie, [world.school], timezone.localdate()
    )
    assert response.status_code == 400
    assert not Departure.objects.exists()


def test_people_without_the_right_cannot_record_departures(world):
    for persona in ["teacher", "ib", "cvb", "fg", "parent", "outsider"]:
        client = signed_in_client(getattr(world, persona))
        assert client.get(reverse("governance:departure_list")).status_code == 403, persona
        assert client.get(reverse("governance:departure_create")).status_code == 403, persona


def test_anonymous_is_sent_to_login(world):
    response = Client().get(reverse("governance:departure_list"))
    assert response.status_code == 302 and response["Location"].startswith(LOGIN)


def test_departure_outside_the_directies_schools_is_404(world, client_for):
    departure = record_departure(world.directie, world.teacher, [world.school])
    client = client_for(world.directie_other_school)
    assert (
        client.get(reverse("governance:departure_detail", args=[departure.pk])).status_code == 404
    )
    task = departure.tasks.first()
    assert client.post(reverse("governance:task_complete", args=[task.pk])).status_code == 404


# --- The task list ---------------------------------------------------------------------------


def test_departure_creates_the_default_task_list_for_directie_and_office(world, client_for):
    departure = record_departure(world.directie, world.teacher, [world.school])
    keys = list(departure.tasks.values_list("key", flat=True))
    assert keys == ["pupil-administration", "mail-account", "ministry-systems", "equipment"]
    equipment = departure.tasks.get(key="equipment")
    assert equipment.due_date == departure.departure_date + timedelta(days=7)
    for person in (world.directie, world.beheerder):
        response = client_for(person).get(
            reverse("governance:departure_detail", args=[departure.pk])
        )
        assert response.status_code == 200
        assert "Mail-/Office365-account sluiten" in response.content.decode()


def test_mail_task_is_reported_by_directie_and_done_by_the_office(world, client_for):
    departure = record_departure(world.directie, world.teacher, [world.school])
    task = departure.tasks.get(key="mail-account")
    office = client_for(world.beheerder)
    # The office cannot close it before the directie reported it.
    response = office.post(reverse("governance:task_complete", args=[task.pk]))
    assert response.status_code == 400
    assert "Deze taak moet eerst gemeld worden." in response.content.decode()
    directie = signed_in_client(world.directie)
    assert directie.post(reverse("governance:task_report", args=[task.pk])).status_code == 302
    task.refresh_from_db()
    assert task.status == OffboardingTask.Status.REPORTED and task.reported_by == world.directie
    # Now it is the office's turn, not the directie's.
    assert directie.post(reverse("governance:task_complete", args=[task.pk])).status_code == 403
    assert office.post(reverse("governance:task_complete", args=[task.pk])).status_code == 302
    task.refresh_from_db()
    assert task.status == OffboardingTask.Status.DONE
    assert task.done_by == world.beheerder and task.done_at is not None


def test_overdue_tasks_show_on_the_start_page_of_who_must_act(world, client_for, time_machine):
    record_departure(world.directie, world.teacher, [world.school])
    time_machine.move_to(timezone.now() + timedelta(days=2))
    directie_home = signed_in_client(world.directie).get("/").content.decode()
    assert (
        "Taak bij vertrek is over tijd: Inactief zetten in de leerlingenadministratie"
        in directie_home
    )
    assert "Apparatuur innemen" not in directie_home  # due after 7 days, and the office's task
    office_home = signed_in_client(world.beheerder).get("/").content.decode()
    assert "Inactief zetten" not in office_home
    assert "Mail-/Office365-account sluiten" not in office_home  # not reported yet
    other_home = signed_in_client(world.directie_other_school).get("/").content.decode()
    assert "over tijd" not in other_home


def test_office_configures_the_task_list_of_the_foundation(world, client_for):
    client = client_for(world.beheerder)
    url = reverse("governance:task_template_list")
    assert client.get(url).status_code == 200
    response = client.post(
        url, {"title": "Sleutels innemen", "owner": TaskActor.DIRECTIE, "due_days": "1"}
    )
    assert response.status_code == 302
    equipment = OffboardingTaskTemplate.objects.get(foundation=world.foundation, key="equipment")
    client.post(reverse("governance:task_template_toggle", args=[equipment.pk]))
    departure = record_departure(world.directie, world.teacher, [world.school])
    titles = set(departure.tasks.values_list("title", flat=True))
    assert "Sleutels innemen" in titles
    assert "Apparatuur innemen en wissen" not in titles
    response = client.post(url, {"title": "", "owner": "iemand", "due_days": "-1"})
    assert response.status_code == 400
    assert "Vul de taak in." in response.content.decode()


def test_directie_cannot_configure_the_task_list(world, client_for):
    assert (
        client_for(world.directie).get(reverse("governance:task_template_list")).status_code == 403
    )


def test_departure_list_runs_a_bounded_number_of_queries(
    world, client_for, django_assert_max_num_queries
):
    for _ in range(8):
        person = f.staff(world.school, "concierge")
        services.departure_record(
            actor=world.beheerder,
            person=person,
            schools=[world.school],
            departure_date=timezone.localdate() + timedelta(days=30),
        )
    client = client_for(world.directie)
    with django_assert_max_num_queries(25):
        response = client.get(reverse("governance:departure_list"))
    assert response.status_code == 200
    assert response.content.decode().count("badge--warn") == 8
    response = client.get(reverse("governance:departure_list"), {"q": "zzzz-niemand"})
    assert "Er zijn geen vertrekken gevonden." in response.content.decode()


def test_the_office_is_mailed_when_a_departure_is_recorded(
    world, django_capture_on_commit_callbacks, mailoutbox
):
    with django_capture_on_commit_callbacks(execute=True):
        departure = record_departure(world.directie, world.teacher, [world.school])
    assert len(mailoutbox) == 1
    message = mailoutbox[0]
    assert message.to == [world.beheerder.email]  # not the directie who recorded it
    assert "takenlijst" in message.subject
    assert reverse("governance:departure_detail", args=[departure.pk]) in message.body


def test_a_second_scheduled_departure_for_the_same_school_is_refused(world, client_for):
    later = timezone.localdate() + timedelta(days=20)
    record_departure(world.directie, world.teacher, [world.school], day=later)
    response = post_departure(client_for(world.beheerder), world.teacher, [world.school], later)
    assert response.status_code == 400
    assert "al een vertrek van deze school gepland" in response.content.decode()
    assert Departure.objects.count() == 1


def test_one_failing_departure_does_not_stop_the_others_and_the_run_shows_failed(
    world, time_machine, monkeypatch
):
    leaving = timezone.localdate() + timedelta(days=2)
    first = record_departure(world.directie, world.teacher, [world.school], day=leaving)
    second = record_departure(world.directie, world.other_teacher, [world.school], day=leaving)
    real_apply = services.departure_apply

    def flaky(*, departure, day=None):
        if departure.pk == first.pk:
            raise RuntimeError("boom")
        return real_apply(departure=departure, day=day)

    monkeypatch.setattr(services, "departure_apply", flaky)
    time_machine.move_to(leaving + timedelta(hours=1))
    with pytest.raises(RuntimeError):
        apply_due_departures()
    run = JobRun.objects.get(job="governance.apply_due_departures")
    assert run.status == JobRun.Status.FAILED
    second.refresh_from_db()
    first.refresh_from_db()
    assert second.status == Departure.Status.APPLIED
    assert first.status == Departure.Status.SCHEDULED


def test_departing_teacher_who_is_also_a_parent_keeps_only_the_parent_access(world):
    guardian = f.GuardianFactory(user=world.teacher)
    from students.models import GuardianLink

    GuardianLink.objects.create(
        guardian=guardian, pupil=world.pupil_other_school, has_parental_authority=True
    )
    departure = record_departure(world.directie, world.teacher, [world.school])
    world.teacher.refresh_from_db()
    assert world.teacher.is_active and not departure.account_deactivated
    assert set(access.visible_pupils(world.teacher)) == {world.pupil_other_school}
    assert not world.teacher.groups.filter(role_group__isnull=False).exists()
    assert not access.visible_classes(world.teacher).exists()


GOVERNANCE_URLS = [
    ("departure_list", []),
    ("departure_create", []),
    ("departure_detail", [1]),
    ("task_template_list", []),
    ("fg_page", []),
    ("fg_register", []),
    ("fg_deregister", [1]),
    ("protocol_list", []),
    ("protocol_create", []),
    ("protocol_detail", [1]),
    ("protocol_file", [1]),
    ("disposal_list", []),
    ("disposal_create", []),
    ("disposal_certificate", [1]),
    ("overview", []),
    ("overview_pdf", []),
]


def test_every_governance_page_sends_anonymous_visitors_to_login(db):
    from governance.urls import urlpatterns

    assert {name for name, _ in GOVERNANCE_URLS} | {
        "task_report",
        "task_complete",
        "task_template_toggle",
        "protocol_consent",
    } == {p.name for p in urlpatterns}
    client = Client()
    for name, args in GOVERNANCE_URLS:
        response = client.get(reverse(f"governance:{name}", args=args))
        assert response.status_code == 302, name
        assert response["Location"].startswith(LOGIN), name
