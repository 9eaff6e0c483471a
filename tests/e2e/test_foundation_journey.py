"""Journey: a teacher signs in, passes the second factor, and sees only their own classes."""

import pytest

from tests.e2e.helpers import confirmed_totp_device, current_code
from tests.factories import PASSWORD

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_teacher_signs_in_with_2fa_and_sees_only_own_classes(page, screenshot, world):
    device = confirmed_totp_device(world.teacher)

    page.goto("/")
    assert "/account/inloggen/" in page.url
    page.get_by_label("E-mailadres").fill(world.teacher.email)
    page.get_by_label("Wachtwoord").fill("verkeerd-wachtwoord")
    page.get_by_role("button", name="Inloggen").click()
    assert page.get_by_text(
        "Deze combinatie van e-mailadres en wachtwoord kennen we niet"
    ).is_visible()
    screenshot("foundation-login-wrong-password")

    page.get_by_label("Wachtwoord").fill(PASSWORD)
    page.get_by_role("button", name="Inloggen").click()
    page.wait_for_url("**/account/tweestaps/**")
    page.get_by_label("Code uit uw authenticator-app").fill(current_code(device))
    screenshot("foundation-2fa-step")
    page.get_by_role("button", name="Verder").click()

    page.get_by_role("heading", name=f"Welkom, {world.teacher.first_name}").wait_for()
    screenshot("foundation-start-page-teacher")
    page.get_by_role("link", name="Mijn groepen").click()
    page.get_by_role("heading", name="Mijn groepen").wait_for()
    assert page.get_by_role("link", name="Groep 5a").is_visible()
    assert page.get_by_text("Groep 6b").count() == 0
    assert page.get_by_text("Groep 7c").count() == 0
    page.get_by_role("link", name="Groep 5a").click()
    assert page.get_by_text("Mila Jansen").is_visible()
    assert page.get_by_text("Sem Bakker").count() == 0
    screenshot("foundation-teacher-class")

    # Another class's URL is not found, and says so in Dutch.
    page.goto(f"/groepen/{world.class_6b.pk}/")
    assert page.get_by_role("heading", name="Pagina niet gevonden").is_visible()


def test_teacher_without_device_enrols_with_a_local_qr_code(page, screenshot, world):
    page.goto("/account/inloggen/")
    page.get_by_label("E-mailadres").fill(world.other_teacher.email)
    page.get_by_label("Wachtwoord").fill(PASSWORD)
    page.get_by_role("button", name="Inloggen").click()
    page.wait_for_url("**/account/tweestaps/instellen/**")
    assert page.locator(".qr svg").is_visible()
    screenshot("foundation-2fa-enrolment")
