"""The pages a parent reaches through the personal link in a consent mail, without an account.

The link opens a landing page; its button uses the link once and binds the browser session to
that parent (or that pupil of 16+, who then sees only themself) for a short time
(``consent.links``). The form then shows the parent's own
children with parental authority, and nothing else: there is no pupil id in any URL here, so
no other family's child can be asked for. Beside the form the parent can ask for an account.
"""

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from consent import links, selectors, services


def _invalid(request, reason, status):
    return render(request, "consent/link_invalid.html", {"reason": reason}, status=status)


@require_http_methods(["GET", "POST"])
def link_open(request, token: str):
    """GET shows where the link leads (mail scanners that follow links do not use it up);
    the button (POST) uses it and opens the form."""
    try:
        if request.method == "POST":
            links.link_redeem(token=token, session=request.session)
            return redirect("consent:link_form")
        link = links.link_check(token)
    except links.LinkInvalid as exc:
        return _invalid(request, exc.reason, 400)
    return render(
        request,
        "consent/link_open.html",
        {"person": link.guardian or link.pupil, "for_pupil": link.pupil_id is not None},
    )


def _answers_of(post, children_rows) -> dict[int, dict[int, bool]]:
    result: dict[int, dict[int, bool]] = {}
    for row in children_rows:
        pupil = row["pupil"]
        for channel_row in row["channels"]:
            value = post.get(f"c-{pupil.pk}-{channel_row['channel'].pk}")
            if value in ("ja", "nee"):
                result.setdefault(pupil.pk, {})[channel_row["channel"].pk] = value == "ja"
            elif value not in (None, ""):
                raise ValidationError(_("Kies per kanaal ‘ja’ of ‘nee’."))
    return result


def _children_rows(guardian):
    rows = []
    for pupil in selectors.children_for_guardian(guardian):
        decides_self = services.pupil_decides_self(pupil)
        channels = selectors.active_channels(pupil.school.foundation_id, school_id=pupil.school_id)
        statuses = services.statuses_for([pupil], channels)
        own = services.own_latest_answers(pupil, guardian=guardian)
        rows.append(
            {
                "pupil": pupil,
                "decides_self": decides_self,
                "channels": [
                    {
                        "channel": c,
                        "status": statuses[(pupil.pk, c.pk)],
                        "own": own.get(c.pk),
                        "field": f"c-{pupil.pk}-{c.pk}",
                    }
                    for c in channels
                ],
            }
        )
    return rows


def _own_rows(pupil):
    """The one row of a pupil of 16+ who opened their own link: only themself, and only while
    they decide alone."""
    if not services.pupil_decides_self(pupil):
        return []
    channels = selectors.active_channels(pupil.school.foundation_id, school_id=pupil.school_id)
    statuses = services.statuses_for([pupil], channels)
    own = services.own_latest_answers(pupil, as_pupil=True)
    return [
        {
            "pupil": pupil,
            "decides_self": False,  # answered on this form, by the pupil
            "channels": [
                {
                    "channel": c,
                    "status": statuses[(pupil.pk, c.pk)],
                    "own": own.get(c.pk),
                    "field": f"c-{pupil.pk}-{c.pk}",
                }
                for c in channels
            ],
        }
    ]


def _save_link_answers(guardian, answers, by_pk) -> int:
    """Every child's answers of one link form, in one transaction (all or nothing)."""
    from django.db import transaction

    written = 0
    with transaction.atomic():
        for pupil_id, child_answers in answers.items():
            if by_pk[pupil_id]["decides_self"]:
                continue
            if guardian is None:
                written += services.consents_save_by_pupil_link(
                    pupil=by_pk[pupil_id]["pupil"], answers=child_answers
                )
                continue
            written += services.consents_save_by_link(
                guardian=guardian, pupil=by_pk[pupil_id]["pupil"], answers=child_answers
            )
    return written


@require_http_methods(["GET", "POST"])
def link_form(request):
    """The consent form of the parent the session was opened for, for all their children; or
    of the pupil of 16+ it was opened for, for themself."""
    guardian = links.session_guardian(request.session)
    pupil = None if guardian is not None else links.session_pupil(request.session)
    if guardian is None and pupil is None:
        return _invalid(
            request,
            _("Deze pagina is alleen te openen via de persoonlijke link in uw e-mail."),
            403,
        )
    rows = _children_rows(guardian) if guardian is not None else _own_rows(pupil)
    error = None
    status = 200
    if request.method == "POST":
        try:
            answers = _answers_of(request.POST, rows)
            by_pk = {row["pupil"].pk: row for row in rows}
            written = _save_link_answers(guardian, answers, by_pk)
        except (ValidationError, PermissionDenied) as exc:
            error = " ".join(getattr(exc, "messages", [str(exc)]))
            status = 400
        else:
            if written and pupil is not None:
                messages.success(request, _("Je keuzes zijn opgeslagen en gelden vanaf nu."))
            elif written:
                messages.success(request, _("Uw keuzes zijn opgeslagen en gelden vanaf nu."))
            else:
                messages.info(request, _("Er is niets gewijzigd."))
            return redirect("consent:link_form")
    return render(
        request,
        "consent/link_form.html",
        {
            "guardian": guardian,
            "for_pupil": pupil is not None,
            "rows": rows,
            "error": error,
            "school_year": services.current_school_year(),
            "category": services.media_category(),
            "has_account": bool(
                guardian is not None and guardian.user_id and guardian.user.has_usable_password()
            ),
        },
        status=status,
    )


@require_http_methods(["POST"])
def link_invite(request):
    """The account invitation offered beside the form: mailed to the address the school has."""
    guardian = links.session_guardian(request.session)
    if guardian is None:
        return _invalid(
            request,
            _("Deze pagina is alleen te openen via de persoonlijke link in uw e-mail."),
            403,
        )
    try:
        services.guardian_account_invite(guardian=guardian)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(
            request,
            _("U krijgt een e-mail met een link om een wachtwoord te kiezen voor uw account."),
        )
    return redirect("consent:link_form")
