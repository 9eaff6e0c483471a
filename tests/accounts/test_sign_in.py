"""Sign-in, the second factor, lockout, idle sessions, password age and error pages (R14)."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from tests.factories import PASSWORD

pytestmark = pytest.mark.django_db


def _code(device):
    return f"{totp(device.bin_key, step=device.step, t0=device.t0, digits=device.digits):06d}"


def _login(client, user, password=PASSWORD):
    return client.post(reverse("accounts:login"), {"username": user.email, "password": password})


def test_wrong_password_gives_401_with_a_dutch_message(client, world):
    response = _login(client, world.teacher, "fout-wachtwoord")
    assert response.status_code == 401
    assert (
        "Deze combinatie van e-mailadres en wachtwoord kennen we niet" in response.content.decode()
    )
    assert "_auth_user_id" not in client.session


def test_login_accepts_email_in_any_case(client, world):
    world.parent.email = "ouder@thuis.example"
    world.parent.save()
    response = client.post(
        reverse("accounts:login"), {"username": "Ouder@Thuis.Example", "password": PASSWORD}
    )
    assert response.status_code == 302


def test_account_is_locked_after_repeated_failures(client, world, settings):
    for _ in range(settings.AXES_FAILURE_LIMIT):
        _login(client, world.teacher, "fout")
    response = _login(client, world.teacher)  # even the right password is refused now
    assert response.status_code == 403
    assert "tijdelijk geblokkeerd" in response.content.decode()


def test_staff_member_without_device_is_sent_to_2fa_enrolment(client, world):
    _login(client, world.teacher)
    response = client.get(reverse("accounts:class_list"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:otp_setup"))


def test_enrolment_shows_a_locally_rendered_qr_code(client, world):
    _login(client, world.teacher)
    response = client.get(reverse("accounts:otp_setup"))
    body = response.content.decode()
    assert response.status_code == 200
    assert "<svg" in body
    assert "http" not in body.split("<svg", 1)[1].split("</svg>", 1)[0].replace(
        "http://www.w3.org", ""
    )


def test_enrolment_with_the_right_code_confirms_the_device(client, world):
    _login(client, world.teacher)
    client.get(reverse("accounts:otp_setup"))
    device = TOTPDevice.objects.get(user=world.teacher)
    response = client.post(reverse("accounts:otp_setup"), {"token": _code(device)})
    assert response.status_code == 302
    device.refresh_from_db()
    assert device.confirmed
    assert client.get(reverse("accounts:class_list")).status_code == 200


def test_staff_member_with_device_must_pass_the_second_step(client, world, time_machine):
    time_machine.move_to(timezone.now())
    device = TOTPDevice.objects.create(user=world.teacher, name="app", confirmed=True)
    _login(client, world.teacher)
    response = client.get(reverse("accounts:class_list"))
    assert response["Location"].startswith(reverse("accounts:otp_verify"))
    wrong = client.post(reverse("accounts:otp_verify"), {"token": "000000"})
    assert wrong.status_code == 401
    assert "Deze code klopt niet" in wrong.content.decode()
    time_machine.shift(timedelta(seconds=5))  # django-otp throttles right after a failure
    right = client.post(
        reverse("accounts:otp_verify") + "?next=/groepen/",
        {"token": _code(device), "next": "/groepen/"},
    )
    assert right.status_code == 302
    assert right["Location"] == "/groepen/"


def test_malformed_totp_code_gives_a_clear_message(client, world):
    TOTPDevice.objects.create(user=world.teacher, name="app", confirmed=True)
    _login(client, world.teacher)
    response = client.post(reverse("accounts:otp_verify"), {"token": "12ab"})
    assert response.status_code == 401
    assert "6 cijfers" in response.content.decode()


def test_parent_signs_in_without_a_second_factor(client, world):
    _login(client, world.parent)
    assert client.get(reverse("home")).status_code == 200


def test_demo_account_skips_2fa_only_in_demo_mode(client, world, settings):
    world.teacher.is_demo_account = True
    world.teacher.save()
    settings.DEMO_MODE = False
    _login(client, world.teacher)
    assert client.get(reverse("home")).status_code == 302
    settings.DEMO_MODE = True
    assert client.get(reverse("home")).status_code == 200


def test_idle_staff_session_ends_after_the_timeout(client_for, world, settings, time_machine):
    client = client_for(world.teacher)
    time_machine.move_to(timezone.now())
    assert client.get(reverse("home")).status_code == 200
    time_machine.shift(timedelta(minutes=settings.STAFF_IDLE_TIMEOUT_MINUTES + 1))
    response = client.get(reverse("accounts:class_list"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:login"))
    assert "_auth_user_id" not in client.session


def test_active_staff_session_continues(client_for, world, settings, time_machine):
    client = client_for(world.teacher)
    time_machine.move_to(timezone.now())
    for _ in range(3):
        time_machine.shift(timedelta(minutes=settings.STAFF_IDLE_TIMEOUT_MINUTES - 1))
        assert client.get(reverse("home")).status_code == 200


def test_staff_with_an_old_password_must_change_it(client_for, world, settings):
    type(world.teacher).objects.filter(pk=world.teacher.pk).update(
        password_changed_at=timezone.now()
        - timedelta(days=settings.STAFF_PASSWORD_MAX_AGE_DAYS + 1)
    )
    client = client_for(world.teacher)
    response = client.get(reverse("home"))
    assert response["Location"] == reverse("accounts:password_change")
    changed = client.post(
        reverse("accounts:password_change"),
        {
            "old_password": PASSWORD,
            "new_password1": "Nieuw-Wachtwoord-42!",
            "new_password2": "Nieuw-Wachtwoord-42!",
        },
    )
    assert changed.status_code == 302
    assert client.get(reverse("home")).status_code == 200


def test_a_simple_password_is_refused(client_for, world):
    client = client_for(world.teacher)
    response = client.post(
        reverse("accounts:password_change"),
        {
            "old_password": PASSWORD,
            "new_password1": "alleenkleineletters",
            "new_password2": "alleenkleineletters",
        },
    )
    assert response.status_code == 400
    assert "minstens drie van" in response.content.decode()


def test_password_reset_sends_a_dutch_mail_with_a_working_link(client, world, mailoutbox):
    client.post(reverse("accounts:password_reset"), {"email": world.teacher.email})
    assert len(mailoutbox) == 1
    mail = mailoutbox[0]
    assert "Nieuw wachtwoord" in mail.subject
    link = next(
        line for line in mail.body.splitlines() if "/account/wachtwoord-herstellen/" in line
    )
    response = client.get(link.strip().replace("http://testserver", ""), follow=True)
    assert "Nieuw wachtwoord instellen" in response.content.decode()


def test_password_reset_for_an_unknown_address_reveals_nothing(client, db, mailoutbox):
    response = client.post(reverse("accounts:password_reset"), {"email": "niemand@nergens.example"})
    assert response.status_code == 302
    assert mailoutbox == []


def test_anonymous_visitor_is_sent_to_login(client, db):
    response = client.get(reverse("accounts:class_list"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:login"))


def test_unknown_url_gives_a_dutch_404(client_for, world):
    response = client_for(world.teacher).get("/bestaat-niet/")
    assert response.status_code == 404
    assert "Pagina niet gevonden" in response.content.decode()


def test_class_of_another_teacher_is_404(client_for, world):
    response = client_for(world.teacher).get(
        reverse("accounts:class_detail", args=[world.class_6b.pk])
    )
    assert response.status_code == 404


def test_forbidden_admin_gives_a_dutch_403_or_login(client_for, world):
    response = client_for(world.teacher).get("/beheer/")
    # The Django admin sends non-staff users to its own login; the teacher is not let in.
    assert response.status_code in (302, 403)
    assert "/beheer/login/" in response.get("Location", "/beheer/login/")


def test_permission_denied_renders_the_dutch_403_page(rf, db):
    from privacy_portal.views import permission_denied

    response = permission_denied(rf.get("/"))
    assert response.status_code == 403
    assert "Geen toegang" in response.content.decode()


def test_expired_form_gives_a_dutch_403(world):
    from django.test import Client

    client = Client(enforce_csrf_checks=True)
    response = client.post(
        reverse("accounts:login"), {"username": world.teacher.email, "password": PASSWORD}
    )
    assert response.status_code == 403
    assert "Formulier verlopen" in response.content.decode()


def test_teacher_sees_only_own_classes_on_my_classes(client_for, world):
    body = client_for(world.teacher).get(reverse("accounts:class_list")).content.decode()
    assert "Groep 5a" in body
    assert "Groep 6b" not in body
    assert "Groep 7c" not in body


def test_class_page_lists_the_pupils(client_for, world):
    body = (
        client_for(world.teacher)
        .get(reverse("accounts:class_detail", args=[world.class_5a.pk]))
        .content.decode()
    )
    assert "Mila Jansen" in body
    assert "Sem Bakker" not in body


@pytest.mark.parametrize("pupil_count", [10, 200])
def test_class_pages_run_a_bounded_number_of_queries(
    client_for, world, django_assert_max_num_queries, pupil_count
):
    from tests.factories import pupil_in_class

    for _ in range(pupil_count):
        pupil_in_class(world.class_5a)
    client = client_for(world.directie)
    with django_assert_max_num_queries(30):
        assert client.get(reverse("accounts:class_list")).status_code == 200
    with django_assert_max_num_queries(30):
        response = client.get(reverse("accounts:class_detail", args=[world.class_5a.pk]))
    assert response.status_code == 200
    assert response.content.decode().count("<li>") >= pupil_count


def test_parent_who_set_up_2fa_is_asked_for_the_code(client, world):
    TOTPDevice.objects.create(user=world.parent, name="app", confirmed=True)
    _login(client, world.parent)
    response = client.get(reverse("home"))
    assert response["Location"].startswith(reverse("accounts:otp_verify"))


def test_interface_is_dutch_even_for_an_english_browser(client, db):
    response = client.get(reverse("accounts:login"), HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9")
    assert "Inloggen" in response.content.decode()
    assert response["Content-Language"] == "nl"


def test_english_can_be_chosen_with_the_language_switch(client, db):
    client.post(reverse("set_language"), {"language": "en", "next": "/account/inloggen/"})
    body = client.get(reverse("accounts:login")).content.decode()
    assert "Sign in" in body
    assert "Forgot your password?" in body
