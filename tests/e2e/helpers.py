"""Steps that many journeys share."""

from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from tests.factories import PASSWORD


def confirmed_totp_device(user) -> TOTPDevice:
    device, _ = TOTPDevice.objects.get_or_create(
        user=user, name="e2e", defaults={"confirmed": True}
    )
    return device


def current_code(device: TOTPDevice) -> str:
    return f"{totp(device.bin_key, step=device.step, t0=device.t0, digits=device.digits):06d}"


def sign_in(page, user, *, password: str = PASSWORD) -> None:
    """Sign in through the real login page and pass the second step when it is asked for."""
    device = confirmed_totp_device(user)
    page.goto("/account/inloggen/")
    page.get_by_label("E-mailadres").fill(user.email)
    page.get_by_label("Wachtwoord").fill(password)
    page.get_by_role("button", name="Inloggen").click()
    if "/account/tweestaps/" in page.url:
        page.get_by_label("Code uit uw authenticator-app").fill(current_code(device))
        page.get_by_role("button", name="Verder").click()


def menu(page, label: str) -> None:
    """Follow a main-menu item, opening its group (a closed <details> list) first."""
    page.evaluate(
        """label => {
            for (const link of document.querySelectorAll("nav.main-nav a")) {
                const group = link.closest("details");
                if (group && link.textContent.trim() === label) { group.open = true; }
            }
        }""",
        label,
    )
    page.locator("nav.main-nav").get_by_role("link", name=label, exact=True).click()
