"""Parents' consent screens: per child and per channel, give or withdraw consent for pictures.

Thin views: the rules are in ``consent.services``; what a parent may reach is in
``consent.selectors`` (a child of another family is a 404).
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from consent import selectors, services


@login_required
def consent_index(request):
    children = list(selectors.children_for_consent(request.user))
    if not children:
        raise PermissionDenied
    rows = []
    for pupil in children:
        channels = selectors.active_channels(pupil.school.foundation_id, school_id=pupil.school_id)
        statuses = services.statuses_for([pupil], channels)
        rows.append(
            {
                "pupil": pupil,
                "granted": sum(1 for c in channels if statuses[(pupil.pk, c.pk)].granted),
                "unanswered": sum(1 for c in channels if not statuses[(pupil.pk, c.pk)].answered),
                "channels": len(channels),
            }
        )
    for_pupil = all(row["pupil"].user_id == request.user.pk for row in rows)
    return render(request, "portal/consent_index.html", {"rows": rows, "for_pupil": for_pupil})


def _parse_answers(post, channels) -> dict[int, bool]:
    answers = {}
    for channel in channels:
        value = post.get(f"channel-{channel.pk}")
        if value in ("ja", "nee"):
            answers[channel.pk] = value == "ja"
        elif value not in (None, ""):
            raise ValidationError(_("Kies per kanaal ‘ja’ of ‘nee’."))
    return answers


@login_required
@require_http_methods(["GET", "POST"])
def consent_detail(request, pupil_id: int):
    pupil = selectors.child_for_consent(request.user, pupil_id)
    services.channels_ensure_defaults(foundation=pupil.school.foundation)
    channels = selectors.active_channels(pupil.school.foundation_id, school_id=pupil.school_id)
    decides_self = services.pupil_decides_self(pupil)
    may_decide = (decides_self and request.user.pk == pupil.user_id) or (
        not decides_self and request.user.pk != pupil.user_id
    )
    status_code = 200
    error = None
    if request.method == "POST":
        if not may_decide:
            raise PermissionDenied
        try:
            answers = _parse_answers(request.POST, channels)
            # A double click saves the choices once: the form's one-time token
            # (privacy_portal.once).
            written = services.consents_save(actor=request.user, pupil=pupil, answers=answers)
        except ValidationError as exc:
            error = " ".join(exc.messages)
            status_code = 400
        else:
            if written:
                messages.success(request, _("Uw keuzes zijn opgeslagen en gelden vanaf nu."))
            else:
                messages.info(request, _("Er is niets gewijzigd."))
            return redirect("portal:consent_detail", pupil_id=pupil.pk)
    statuses = services.statuses_for([pupil], channels)
    own = selectors.own_latest_answers(request.user, pupil)
    rows = [
        {"channel": c, "status": statuses[(pupil.pk, c.pk)], "own": own.get(c.pk)} for c in channels
    ]
    return render(
        request,
        "portal/consent_detail.html",
        {
            "pupil": pupil,
            "rows": rows,
            "may_decide": may_decide,
            "decides_self": decides_self,
            "require_both": services.requires_both_parents(pupil.school_id),
            "history": selectors.decision_history(pupil)[:100],
            "school_year": services.current_school_year(),
            "error": error,
        },
        status=status_code,
    )
