"""What the retention app adds to the navigation and the start page, and the hook the pupil page
can use to show removal dates (``pupil_removal_dates``)."""

from datetime import timedelta

from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from privacy_portal.hooks import AttentionItem, Counts, NavItem, resolve
from retention import rules, selectors
from retention.models import Hold


def navigation(user):
    from accounts import access

    facts = access.summary(user)  # the views check access; the menu only needs roles
    if facts.has_school_role("directie") or facts.has_foundation_role("fg"):
        return [
            NavItem(
                _("Bewaartermijnen"),
                reverse("retention:preview"),
                order=60,
                group="Registers",
            )
        ]
    return []


def attention(user):
    return resolve(attention_parts(user))


def attention_parts(user):
    """For whoever oversees retention (directie, FG): a purge run in trouble, pupils awaiting a
    decision, holds ending soon and processors that did not confirm destruction. All counted
    with every app's counts; the troubled run is read only when there is one."""
    from accounts import access
    from accounts.roles import FoundationRoleKind, SchoolRole

    facts = access.summary(user)
    if not (
        facts.school_ids_with_role(SchoolRole.DIRECTIE)
        or facts.foundations_by_role.get(FoundationRoleKind.FG)
    ):
        return []  # no query: cannot oversee retention
    today = timezone.localdate()
    schools = selectors.retention_schools(user)
    queries = {
        "schools": schools,
        "trouble": selectors.purge_trouble_runs(),
        "reviews": selectors.open_reviews(user),
        "ending": Hold.objects.filter(
            kind=Hold.Kind.HOLD,
            lifted_at__isnull=True,
            pupil__isnull=False,
            ends_on__range=(today, today + timedelta(days=14)),
            school__in=schools.values("pk"),
        ),
        "unconfirmed": selectors.processor_confirmations(user).filter(
            confirmed_at__isnull=True, requested_at__lte=timezone.now() - timedelta(days=14)
        ),
    }
    return [Counts(queries, _attention_items)]


def _attention_items(numbers):
    if not numbers["schools"]:  # selectors.may_oversee_retention
        return []
    items = []
    trouble = selectors.purge_trouble() if numbers["trouble"] else None
    if trouble is not None:
        if trouble.status == trouble.Status.RUNNING or trouble.note:
            title = _("De vernietigingsronde van %(day)s is gestopt zonder af te ronden") % {
                "day": date_format(trouble.day)
            }
        else:
            title = _("De vernietigingsronde van %(day)s is mislukt") % {
                "day": date_format(trouble.day)
            }
        failed = len(trouble.failures or [])
        detail = (
            ngettext(
                "%(count)s leerling kon niet worden vernietigd; de andere wel.",
                "%(count)s leerlingen konden niet worden vernietigd; de andere wel.",
                failed,
            )
            % {"count": failed}
            if failed
            else _(
                "Gegevens waarvan de bewaartermijn verstreken is, blijven staan tot een ronde slaagt."
            )
        )
        items.append(
            AttentionItem(title, url=reverse("retention:report"), detail=detail, level="danger")
        )
    reviews = numbers["reviews"]
    if reviews:
        items.append(
            AttentionItem(
                ngettext(
                    "%(count)s leerling wacht op uw besluit over vernietiging",
                    "%(count)s leerlingen wachten op uw besluit over vernietiging",
                    reviews,
                )
                % {"count": reviews},
                url=reverse("retention:preview"),
                detail=_("Tot u besluit slaat de vernietigingsronde deze leerlingen over."),
                level="warning",
            )
        )
    ending = numbers["ending"]
    if ending:
        items.append(
            AttentionItem(
                ngettext(
                    "%(count)s bewaarplicht loopt binnen twee weken af",
                    "%(count)s bewaarplichten lopen binnen twee weken af",
                    ending,
                )
                % {"count": ending},
                url=reverse("retention:preview"),
                level="info",
            )
        )
    unconfirmed = numbers["unconfirmed"]
    if unconfirmed:
        items.append(
            AttentionItem(
                ngettext(
                    "%(count)s verwerker heeft de vernietiging nog niet bevestigd",
                    "%(count)s verwerkers hebben de vernietiging nog niet bevestigd",
                    unconfirmed,
                )
                % {"count": unconfirmed},
                url=reverse("retention:report"),
                detail=_("Vraag de schriftelijke bevestiging op (verwerkersovereenkomst art. 12)."),
                level="warning",
            )
        )
    return items


def reap_jobs(*, now):
    """The job reaper's hook (privacy_portal.jobs.reap): purge runs whose worker died."""
    from retention.services import purge_runs_reap

    return purge_runs_reap(now=now)


def pupil_removal_dates(pupil) -> list[rules.Removal]:
    """For the pupil page (students app): when each part of this pupil's data is removed."""
    return rules.removal_dates(pupil)


def checklist_evidence():
    """Checklist items on §10.3: no pupil past its retention date still waits for the purge
    (pupils under a legal hold do not count: keeping them is a recorded decision)."""
    from django.utils import timezone

    from checklist.evidence import Evidence, EvidenceProvider, Verdict

    def provider(key, due, label):
        def judge(school, school_year):
            count = due(timezone.localdate(), [school.foundation_id]).filter(school=school).count()
            if count:
                return Evidence(
                    Verdict.NOT_OK,
                    ngettext(
                        "%(count)s leerling voorbij de bewaartermijn van %(part)s nog niet vernietigd.",
                        "%(count)s leerlingen voorbij de bewaartermijn van %(part)s nog niet vernietigd.",
                        count,
                    )
                    % {"count": count, "part": label},
                    url=reverse("retention:preview"),
                )
            return Evidence(
                Verdict.OK,
                _("Niemand voorbij de bewaartermijn van %(part)s.") % {"part": label},
                url=reverse("retention:preview"),
            )

        return EvidenceProvider(key=key, name=f"retention.{key}", judge=judge)

    return [
        provider(
            "bewaartermijn-administratie", selectors.administration_due, _("de administratie")
        ),
        provider("bewaartermijn-dossier", selectors.dossier_due, _("het dossier")),
    ]


def foundation_figures(foundation, *, period=None, school_ids=None):
    """For the foundation overview (governance.overview): per school, the pupils whose
    administration or dossier is due for destruction within the preview period (or already
    due). Counts only, over ``school_ids`` (``None``: every school). It looks ahead from today
    whatever period is chosen: what was destroyed before is in the destruction records."""
    from django.db.models import Count

    from governance.overview import Figure

    horizon = timezone.localdate() + timedelta(days=selectors.PREVIEW_DAYS)

    # One aggregate: the two "due" conditions as subqueries, not the pupils' ids in Python.
    # (The foundation's policy is read once for both conditions.)
    due = selectors.due_either(horizon, [foundation.pk]).filter(school__foundation=foundation)
    if school_ids is not None:
        due = due.filter(school__in=school_ids)
    # Asked with the other apps' questions in one query (governance.overview.figures).
    found = yield {"per_school": due.values_list("school").annotate(n=Count("pk")).order_by()}
    per_school = dict(found["per_school"])
    return [
        Figure(
            key="retention.upcoming",
            title=_("Vernietiging in de komende %(days)s dagen") % {"days": selectors.PREVIEW_DAYS},
            per_school=per_school,
            url=reverse("retention:preview"),
            url_roles=("fg",),  # the preview is the directie's and the FG's, not the CvB's
            description=_(
                "Leerlingen van wie administratie of dossier binnenkort vernietigd wordt "
                "(vanaf vandaag gerekend, welke periode ook gekozen is)."
            ),
            good="neutral",
            order=60,
        )
    ]
