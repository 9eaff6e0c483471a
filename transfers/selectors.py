"""Reads of transfer dossiers that apply the access policy (R10, R11).

Staff: the IB-er and the directie of the pupil's school see and compile its transfer dossiers;
nobody else among staff (a dossier outside that scope is a 404; a pupil the user may see but not
compile for is a 403 in the view). Parents: only the dossiers of their own children for whom they
hold parental authority, and only once offered to them (a draft does not exist for them).
"""

from __future__ import annotations

from django.db.models import Exists, OuterRef, Q, QuerySet
from django.http import Http404
from django.utils.translation import gettext_lazy as _

from accounts import access
from accounts.roles import SchoolRole
from students.models import GuardianLink, Pupil
from transfers.models import ParentReview, TransferDossier

COMPILER_ROLES = (SchoolRole.IB, SchoolRole.DIRECTIE)


def compiler_schools(user):
    return access.schools_with_role(user, *COMPILER_ROLES)


def staff_dossiers(user) -> QuerySet[TransferDossier]:
    """Transfer dossiers of pupils at schools where the user is IB-er or directie today."""
    if not (user and user.is_authenticated):
        return TransferDossier.objects.none()
    return TransferDossier.objects.filter(pupil__school__in=compiler_schools(user).values("pk"))


def staff_dossier_list(user, *, query: str = "", state: str = "") -> QuerySet[TransferDossier]:
    dossiers = staff_dossiers(user).select_related("pupil", "pupil__school")
    for word in (query or "").split()[:5]:
        dossiers = dossiers.filter(
            Q(pupil__first_name__icontains=word)
            | Q(pupil__last_name__icontains=word)
            | Q(destination_name__icontains=word)
        )
    if state:
        dossiers = dossiers.filter(state=state)
    return dossiers.order_by("-created_at", "-pk")


def staff_dossier_or_404(user, pk) -> TransferDossier:
    try:
        return staff_dossiers(user).select_related("pupil", "pupil__school").get(pk=pk)
    except (TransferDossier.DoesNotExist, ValueError, TypeError) as exc:
        raise Http404 from exc


def compilable_pupils(user, *, query: str = "") -> QuerySet[Pupil]:
    """Pupils the user may compile a transfer dossier for, searchable by name or number."""
    pupils = Pupil.objects.filter(school__in=compiler_schools(user).values("pk")).select_related(
        "school"
    )
    for word in (query or "").split()[:5]:
        pupils = pupils.filter(
            Q(first_name__icontains=word)
            | Q(last_name__icontains=word)
            | Q(administration_number=word)
        )
    open_dossier = TransferDossier.objects.filter(pupil=OuterRef("pk")).exclude(
        state=TransferDossier.State.HANDED_OVER
    )
    return pupils.annotate(has_open_dossier=Exists(open_dossier)).order_by(
        "last_name", "first_name", "pk"
    )


def may_override(user, dossier) -> bool:
    """Only the directie may hand over without all parents' signatures (with a reason)."""
    return access.has_school_role(user, dossier.pupil.school, SchoolRole.DIRECTIE)


def may_decide_secret_contact(user, dossier) -> bool:
    """Only the directie decides that a secret address goes to the receiving school."""
    return access.has_school_role(user, dossier.pupil.school, SchoolRole.DIRECTIE)


# --- Parents ---------------------------------------------------------------------------------


def parent_dossiers(user) -> QuerySet[TransferDossier]:
    """Offered (or later) dossiers of the user's own children with parental authority."""
    if not (user and user.is_authenticated):
        return TransferDossier.objects.none()
    own_child = GuardianLink.objects.filter(
        pupil=OuterRef("pupil_id"), guardian__user=user, has_parental_authority=True
    )
    return TransferDossier.objects.filter(Exists(own_child)).exclude(
        state=TransferDossier.State.DRAFT
    )


def parent_dossier_or_404(user, pk) -> TransferDossier:
    try:
        return parent_dossiers(user).select_related("pupil", "pupil__school").get(pk=pk)
    except (TransferDossier.DoesNotExist, ValueError, TypeError) as exc:
        raise Http404 from exc


def parent_review(user, dossier) -> ParentReview | None:
    """The signing row of this parent for this dossier (None if they were not asked)."""
    return dossier.reviews.filter(guardian__user=user).select_related("guardian").first()


def awaiting_parent(user) -> QuerySet[TransferDossier]:
    """Dossiers the parent still has to read and sign."""
    return parent_dossiers(user).filter(
        state=TransferDossier.State.OFFERED,
        reviews__guardian__user=user,
        reviews__signed_at__isnull=True,
    )


# --- Access records --------------------------------------------------------------------------


ACCESS_LABELS = {
    "transfer_dossier:view": _("bekeken"),
    "transfer_dossier:pdf": _("PDF gedownload"),
    "transfer_dossier:export": _("exportbestand voor OSO gedownload"),
    "transfer_dossier:hand_over": _("overgedragen"),
}


def access_records(dossier, limit: int = 200) -> list[dict]:
    """Who viewed or exported this dossier, newest first (written by ``transfers.services``)."""
    from privacy_portal.audit import access_records_for

    return [
        {
            "timestamp": record.timestamp,
            "actor": record.actor,
            "label": ACCESS_LABELS.get((record.additional_data or {}).get("what"), "—"),
        }
        for record in access_records_for(dossier)[:limit]
    ]
