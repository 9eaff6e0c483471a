"""The start page and the error pages."""

from django.contrib.auth.decorators import login_required
from django.http import HttpResponseServerError
from django.shortcuts import render
from django.template import loader

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


def bad_request(request, exception=None):
    return render(request, "400.html", status=400)


def permission_denied(request, exception=None):
    return render(request, "403.html", status=403)


def page_not_found(request, exception=None):
    return render(request, "404.html", status=404)


def server_error(request):
    # No request context: the layout's context processors may be what failed.
    return HttpResponseServerError(loader.get_template("500.html").render())


def csrf_failure(request, reason=""):
    return render(request, "403_csrf.html", status=403)
