"""What the agreements app adds to the navigation and to "what needs my attention"."""

from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from agreements import selectors
from privacy_portal.hooks import AttentionItem, NavItem


def navigation(user):
    if not selectors.may_view_register(user):
        return []
    return [
        NavItem(_("Verwerkers"), reverse("agreements:dashboard"), order=30, section="verwerkers")
    ]


def attention(user):
    items = []
    awaiting = selectors.agreements_awaiting(user).count()
    if awaiting:
        items.append(
            AttentionItem(
                ngettext(
                    "%(n)s verwerkersovereenkomst wacht op uw ondertekening",
                    "%(n)s verwerkersovereenkomsten wachten op uw ondertekening",
                    awaiting,
                )
                % {"n": awaiting},
                url=f"{reverse('agreements:agreement_list')}?status=submitted",
                level="warning",
            )
        )
    schools = list(selectors.directie_schools(user))
    for school in schools:
        coverage = selectors.coverage(user, school=school)
        missing = len(coverage.missing)
        if missing:
            items.append(
                AttentionItem(
                    ngettext(
                        "%(school)s: %(n)s product in gebruik zonder actieve verwerkersovereenkomst",
                        "%(school)s: %(n)s producten in gebruik zonder actieve verwerkersovereenkomst",
                        missing,
                    )
                    % {"school": school.name, "n": missing},
                    url=f"{reverse('agreements:dashboard')}?school={school.pk}",
                    detail=_(
                        "Elk product dat leerlinggegevens uitwisselt, heeft een door het CvB ondertekende overeenkomst nodig."
                    ),
                    level="danger",
                )
            )
        widening = sum(1 for row in coverage.rows if row.widening_unapproved)
        if widening:
            items.append(
                AttentionItem(
                    _(
                        "%(school)s: nieuwe privacybijsluiter verruimt de verwerking; uw instemming is nodig"
                    )
                    % {"school": school.name},
                    url=f"{reverse('agreements:dashboard')}?school={school.pk}",
                    level="warning",
                )
            )
    return items
