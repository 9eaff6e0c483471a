"""The start page, the FG's list of undelivered mail, the demo outbox, and the error pages."""

import logging

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse, HttpResponseServerError
from django.shortcuts import redirect, render
from django.template import loader
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_http_methods, require_POST

from accounts import access
from privacy_portal import hooks


@login_required
def home(request):
    roles = access.role_summary(request.user)
    return render(
        request,
        "home.html",
        {
            "roles": roles,
            "attention_items": hooks.attention(request.user),
            # Apps explain in the user's own words why the start page is empty for them (the
            # page shows these only to someone without a role, so only they are asked).
            "welcome_notes": [] if roles else hooks.collect("welcome_note", request.user),
        },
    )


@login_required
@require_POST
def session_keepalive(request):
    """ "Blijf ingelogd" in the idle warning: any signed-in request renews the idle clock, so this
    only has to answer."""
    return HttpResponse(status=204)


@login_required
@require_http_methods(["GET", "POST"])
def outbox_failed(request):
    """Mails the outbox gave up on: what kind, when, why (no content, no addresses shown), and
    a button to try them again once the mail server works."""
    from privacy_portal import mail
    from privacy_portal.models import OutboxMail

    if not hooks.may_see_outbox(request.user):
        raise PermissionDenied(_("Alleen de FG ziet de niet-afgeleverde e-mails."))
    if request.method == "POST":
        count = mail.retry_failed()
        messages.success(
            request,
            ngettext(
                "%(count)s e-mail wordt opnieuw verstuurd.",
                "%(count)s e-mails worden opnieuw verstuurd.",
                count,
            )
            % {"count": count},
        )
        return redirect("outbox_failed")
    failed = OutboxMail.objects.filter(status=OutboxMail.Status.FAILED).order_by("-created_at")
    return render(request, "outbox_failed.html", {"mails": failed[:200]})


@login_required
def demo_outbox(request):
    """Demo mode: the mails the demo would have sent, newest first, with their links, so that a
    demo user can follow an invitation. Not there outside demo mode (404): real mails keep no
    copy once delivered (``privacy_portal.mail``)."""
    from privacy_portal.models import OutboxMail

    if not hooks.may_see_demo_outbox(request.user):
        if not settings.DEMO_MODE:
            raise Http404
        raise PermissionDenied(_("De e-mails van de demo zijn voor de demo-medewerkers."))
    mails = OutboxMail.objects.exclude(body="").order_by("-created_at", "-pk")[:100]
    return render(request, "demo_outbox.html", {"mails": mails})


def bad_request(request, exception=None):
    return render(request, "400.html", status=400)


def permission_denied_reason(exception) -> str:
    """The reason a PermissionDenied carries, when the code gave one in words for the user.

    Services and views raise ``PermissionDenied(_("…"))`` with a translated sentence that tells
    this person what is missing (e.g. "Log in met tweestapsverificatie om te ondertekenen");
    the 403 page shows it instead of a generic text. A bare PermissionDenied (or one carrying
    something that is not a sentence, such as an exception object) shows the generic text.
    """
    if exception is None or not exception.args:
        return ""
    reason = exception.args[0]
    if not isinstance(reason, str | Promise):
        return ""
    return str(reason).strip()


def permission_denied(request, exception=None):
    return render(request, "403.html", {"reason": permission_denied_reason(exception)}, status=403)


def page_not_found(request, exception=None):
    return render(request, "404.html", status=404)


# The last resort when even 500.html cannot be rendered (say, a static-files manifest that is
# missing): still our own page in Dutch, never a server's bare error.
BARE_500 = (
    '<!DOCTYPE html><html lang="nl"><head><meta charset="utf-8">'
    "<title>Er ging iets mis · Privacyportaal</title></head><body><main>"
    "<h1>Er ging iets mis</h1><p>Er is een fout opgetreden aan onze kant. Probeer het later "
    "opnieuw; blijft het misgaan, meld het dan bij de beheerder.</p>"
    '<p><a href="/">Terug naar de startpagina</a></p></main></body></html>'
)


def server_error(request):
    # No request context: the layout's context processors may be what failed.
    try:
        return HttpResponseServerError(loader.get_template("500.html").render())
    except Exception:
        logging.getLogger(__name__).exception("the 500 page itself failed")
        return HttpResponseServerError(BARE_500)


def csrf_failure(request, reason=""):
    return render(request, "403_csrf.html", status=403)
