"""The start page and the error pages."""

from django.contrib.auth.decorators import login_required
from django.http import HttpResponse, HttpResponseServerError
from django.shortcuts import render
from django.template import loader
from django.utils.functional import Promise
from django.views.decorators.http import require_POST

from accounts import access
from privacy_portal import hooks


@login_required
def home(request):
    return render(
        request,
        "home.html",
        {
            "roles": access.role_summary(request.user),
            "attention_items": hooks.attention(request.user),
            # Apps explain in the user's own words why the start page is empty for them.
            "welcome_notes": hooks.collect("welcome_note", request.user),
        },
    )


@login_required
@require_POST
def session_keepalive(request):
    """ "Blijf ingelogd" in the idle warning: any signed-in request renews the idle clock, so this
    only has to answer."""
    return HttpResponse(status=204)


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


def server_error(request):
    # No request context: the layout's context processors may be what failed.
    return HttpResponseServerError(loader.get_template("500.html").render())


def csrf_failure(request, reason=""):
    return render(request, "403_csrf.html", status=403)
