"""What the consent app adds to the navigation and the start page."""

from django.urls import reverse
from django.utils.translation import gettext as _

from accounts import access
from accounts.roles import SchoolRole
from privacy_portal.hooks import AttentionItem, NavItem


def navigation(user):
    if access.visible_classes(user).exists() or access.foundations_for(user).exists():
        return [
            NavItem(
                _("Toestemming beeld"),
                reverse("consent:class_list"),
                order=30,
                group="Leerlingen",
            )
        ]
    return []


def attention(user):
    """Directie: this school year's reminder (R8) has not reached every parent yet."""
    from consent import selectors

    items = []
    for school in access.schools_with_role(user, SchoolRole.DIRECTIE):
        numbers = selectors.consent_numbers(school=school)
        if numbers["reminder_parents"] and not numbers["reminder_done"]:
            items.append(
                AttentionItem(
                    _("Jaarlijkse herinnering toestemming beeldmateriaal nog niet aan alle ouders"),
                    url=reverse("consent:school_settings", args=[school.pk]),
                    detail=_("%(sent)s van %(total)s ouders herinnerd (%(school)s).")
                    % {
                        "sent": numbers["reminder_sent"],
                        "total": numbers["reminder_parents"],
                        "school": school.name,
                    },
                    level="warning",
                )
            )
    return items
