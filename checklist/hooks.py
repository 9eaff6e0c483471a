"""What the checklist adds to the navigation, the start page, and its own evidence."""

from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from checklist import builtin_evidence, selectors
from privacy_portal.hooks import AttentionItem, NavItem


def checklist_evidence():
    return builtin_evidence.providers()


def navigation(user):
    from accounts import access

    facts = access.summary(user)  # the views check access; the menu only needs roles
    if facts.school_roles or facts.has_foundation_role("cvb", "fg", "beheerder"):
        return [
            NavItem(
                _("Checklist privacy"), reverse("checklist:index"), order=60, group="Organisatie"
            )
        ]
    return []


def attention(user):
    from checklist.models import ActionItem, Answer, ChecklistRound

    items = []
    open_rounds = ChecklistRound.objects.filter(
        status=ChecklistRound.Status.OPEN, school__in=selectors.staff_schools(user).values("pk")
    ).select_related("school", "template")
    for checklist_round in open_rounds:
        total = checklist_round.template.items.count()
        answered = Answer.objects.filter(round=checklist_round, user=user).count()
        if answered < total:
            items.append(
                AttentionItem(
                    _("Vul de Checklist privacy %(year)s in")
                    % {"year": checklist_round.school_year_label},
                    url=reverse("checklist:round_detail", args=[checklist_round.pk]),
                    detail=_("%(school)s: %(answered)s van %(total)s vragen beantwoord.")
                    % {"school": checklist_round.school.name, "answered": answered, "total": total},
                    level="warning",
                )
            )
    today = timezone.localdate()
    overdue = (
        ActionItem.objects.exclude(status=ActionItem.Status.DONE)
        .filter(due_date__lt=today)
        .filter(Q(owner=user) | Q(round__school__in=selectors.directie_schools(user).values("pk")))
        .select_related("item", "round__school")
    )
    for action in overdue[:20]:
        items.append(
            AttentionItem(
                _("Actiepunt checklist over tijd: %(item)s") % {"item": str(action.item)[:70]},
                url=reverse("checklist:action_edit", args=[action.pk]),
                detail=_("%(school)s, uiterlijk %(due)s")
                % {"school": action.round.school.name, "due": date_format(action.due_date)},
                level="danger",
            )
        )
    return items


def seed_demo(demo):
    """Demo: this school year's checklist round is open at De Regenboog."""
    from checklist import services
    from checklist.models import ChecklistRound

    school = demo.schools["regenboog"]
    if not ChecklistRound.objects.filter(school=school, school_year=demo.year).exists():
        services.round_open(
            actor=demo.people["directie.regenboog"], school=school, school_year=demo.year
        )
    return []
