"""What the parent portal adds to the navigation and the start page (consent for now)."""

from django.urls import reverse
from django.utils.translation import gettext as _

from privacy_portal.hooks import AttentionItem, NavItem


def navigation(user):
    from consent import selectors

    if selectors.children_for_consent(user).exists():
        return [
            NavItem(
                _("Toestemming foto's"),
                reverse("portal:consent_index"),
                order=20,
                section="ouders/toestemming",
            )
        ]
    return []


def attention(user):
    """Parents: channels not yet answered this school year (no answer = no consent)."""
    from consent import selectors, services

    items = []
    for pupil in selectors.children_for_consent(user):
        # Only whoever decides is asked: a parent under 16, the pupil from 16.
        if services.pupil_decides_self(pupil) != (pupil.user_id == user.pk):
            continue
        channels = selectors.active_channels(pupil.school.foundation_id)
        statuses = services.statuses_for([pupil], channels)
        open_count = sum(1 for c in channels if not statuses[(pupil.pk, c.pk)].answered)
        if open_count:
            items.append(
                AttentionItem(
                    _("Geef uw keuze door over foto's van %(name)s") % {"name": pupil.first_name},
                    url=reverse("portal:consent_detail", args=[pupil.pk]),
                    detail=_(
                        "%(count)s kanalen nog niet beantwoord; zonder antwoord gebruikt de school geen beeld."
                    )
                    % {"count": open_count},
                )
            )
    return items
