"""What the students app adds to the navigation."""

from django.urls import reverse
from django.utils.translation import gettext as _

from privacy_portal.hooks import NavItem
from students import selectors


def navigation(user):
    items = []
    if selectors.staff_pupils(user).exists():
        items.append(
            NavItem(_("Leerlingen"), reverse("students:pupil_list"), order=20, section="leerlingen")
        )
    return items
