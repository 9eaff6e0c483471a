"""What the accounts app adds to the navigation and the start page."""

from django.conf import settings
from django.urls import reverse
from django.utils.translation import gettext as _

from accounts import access
from privacy_portal.hooks import AttentionItem, NavItem


def navigation(user):
    items = [NavItem(_("Start"), reverse("home"), order=0)]
    if access.summary(user).capabilities & access.PUPIL_CAPABILITIES:
        items.append(
            NavItem(_("Mijn groepen"), reverse("accounts:class_list"), order=10, group="Leerlingen")
        )
    if user.is_staff:
        items.append(NavItem(_("Beheer"), reverse("admin:index"), order=90, section="beheer"))
    items.append(
        NavItem(_("Mijn account"), reverse("accounts:account"), order=95, section="account")
    )
    return items


def attention(user):
    from django_otp.plugins.otp_totp.models import TOTPDevice

    items = []
    demo_bypass = settings.DEMO_MODE and user.is_demo_account
    if (
        access.summary(user).is_staff_person
        and not demo_bypass
        # The access summary lists the confirmed devices: no query of its own.
        and not any(
            device.startswith(f"{TOTPDevice.model_label()}/")
            for device in access.summary(user).devices
        )
    ):
        items.append(
            AttentionItem(
                _("Stel tweestapsverificatie in"),
                url=reverse("accounts:otp_setup"),
                detail=_("Voor medewerkers is inloggen met een tweede stap verplicht."),
                level="warning",
            )
        )
    return items
