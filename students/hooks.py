"""What the students app adds to the navigation."""

from django.urls import reverse
from django.utils.translation import gettext as _

from privacy_portal.hooks import NavItem
from students import selectors


def navigation(user):
    items = []
    if selectors.staff_pupils(user).exists():
        items.append(
            NavItem(
                _("Leerlingenlijst"), reverse("students:pupil_list"), order=5, group="Leerlingen"
            )
        )
    if selectors.may_read_any_access_records(user):
        items.append(
            NavItem(
                _("Inzageregistratie"),
                reverse("students:access_overview"),
                order=60,
                group="Registers",
            )
        )
    if selectors.register_foundation(user) is not None:
        items.append(
            NavItem(
                _("Verwerkingsregister"),
                reverse("students:register"),
                order=70,
                group="Registers",
            )
        )
    return items
