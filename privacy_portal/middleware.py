"""Hardening that holds for every response, so that no view can forget it.

- ``BadInputMiddleware``: an upload over ``MAX_UPLOAD_MEGABYTES`` is refused with a 413
  before it is read (one cap for every upload, ``privacy_portal.uploads``); a parameter with a NUL byte, an absurdly long query value, or a
  number too large for any database integer is refused with a 400 before a view or form sees
  it (such values make databases raise, i.e. a 500, and no real form needs them). Forms still
  bound their own fields; this is the floor beneath them.
- ``MethodNotAllowedPageMiddleware`` and ``KeepFormAfterTimeoutMiddleware``: no blank 405 page,
  and no form lost to the idle time-out.
- ``PrivacyHeadersMiddleware``: ``Cache-Control: no-store`` on every response Django renders
  (pages and exports carry pupil data and schools share PCs; static files are served before
  this by whitenoise and stay cacheable), and a ``Permissions-Policy`` that switches off the
  browser features the portal never uses.
"""

import re

from django.conf import settings
from django.shortcuts import render
from django.utils.cache import patch_cache_control
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _

from privacy_portal import uploads

MAX_QUERY_VALUE = 2000
# A floor far above any form's own bound: the forms refuse long text with their own message
# (pupil texts 5,000, dossier notes 20,000, breach descriptions 5,000 characters).
MAX_FORM_VALUE = 1_000_000
# Longer than any 64-bit integer: no field of the portal takes such a number.
_HUGE_NUMBER = re.compile(r"^\s*[-+]?\d{19,}\s*$")

PERMISSIONS_POLICY = ", ".join(
    f"{feature}=()"
    for feature in (
        "accelerometer",
        "autoplay",
        "camera",
        "display-capture",
        "geolocation",
        "gyroscope",
        "magnetometer",
        "microphone",
        "midi",
        "payment",
        "publickey-credentials-get",
        "usb",
        "xr-spatial-tracking",
    )
)


def _bad_value(value: str, *, max_length: int | None) -> bool:
    if "\x00" in value:
        return True
    if max_length is not None and len(value) > max_length:
        return True
    return bool(_HUGE_NUMBER.match(value)) if len(value) < 200 else value.strip().isdigit()


def refusal(request):
    for _key, values in request.GET.lists():
        if any(_bad_value(v, max_length=MAX_QUERY_VALUE) for v in values):
            return True
    if request.method == "POST" and request.content_type in (
        "application/x-www-form-urlencoded",
        "multipart/form-data",
    ):
        for key, values in request.POST.lists():
            if "\x00" in key or any(_bad_value(v, max_length=MAX_FORM_VALUE) for v in values):
                return True
    return False


class BadInputMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        # A page in the layout, not bare text: a parent who picked too large a photo must be
        # able to read what happened and find the way back.
        if uploads.request_too_large(request):
            message = _("Het bestand is te groot (maximaal %(mb)s MB).") % {
                "mb": settings.MAX_UPLOAD_MEGABYTES
            }
            return render(request, "bad_input.html", {"message": message}, status=413)
        if refusal(request):
            message = _(
                "Het formulier bevat een ongeldige waarde (te lang, te groot of met "
                "verboden tekens)."
            )
            return render(request, "bad_input.html", {"message": message}, status=400)
        return self.get_response(request)


class PrivacyHeadersMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        patch_cache_control(response, no_store=True, private=True)
        response.headers.setdefault("Permissions-Policy", PERMISSIONS_POLICY)
        return response


class MethodNotAllowedPageMiddleware:
    """Django answers a GET on a POST-only view with an empty 405. A person can land there, for
    example after signing in again with the form's address as ``next``; give them a real page with
    a way back instead of a blank screen."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if response.status_code != 405 or response.content or request.method not in ("GET", "HEAD"):
            return response
        referer = request.headers.get("Referer", "")
        back_url = (
            referer
            if referer
            and url_has_allowed_host_and_scheme(
                referer, allowed_hosts={request.get_host()}, require_https=request.is_secure()
            )
            else ""
        )
        page = render(request, "405.html", {"back_url": back_url}, status=405)
        if "Allow" in response:
            page["Allow"] = response["Allow"]
        return page


FORM_DRAFT_SESSION_KEY = "form_draft"
# Fields that must never be replayed into a page: tokens and secrets.
_NOT_KEPT = {"csrfmiddlewaretoken", "password", "password1", "password2", "otp_token", "code"}


class KeepFormAfterTimeoutMiddleware:
    """A form posted just after the idle time-out signed the person out is not lost.

    Placed before ``IdleSessionTimeoutMiddleware``: when that middleware ends the session on a
    POST, the posted fields (no files, no tokens) are kept in the fresh anonymous session, and the
    sign-in sends the person back to the page of the form (the Referer), never to the POST-only
    address. ``context_processors.layout`` hands the kept fields to that page once, and
    ``static/js/app.js`` fills them in. They live in the session table, never in the browser."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        was_signed_in = request.method == "POST" and request.user.is_authenticated
        response = self.get_response(request)
        if not was_signed_in or request.user.is_authenticated or response.status_code != 302:
            return response
        from django.urls import reverse

        login_url = reverse("accounts:login")
        if not response["Location"].startswith(login_url):
            return response
        referer = request.headers.get("Referer", "")
        if not url_has_allowed_host_and_scheme(
            referer, allowed_hosts={request.get_host()}, require_https=request.is_secure()
        ):
            return response
        from urllib.parse import urlencode, urlsplit

        parts = urlsplit(referer)
        form_page = parts.path + (f"?{parts.query}" if parts.query else "")
        fields = {
            name: request.POST.getlist(name)
            for name in request.POST
            if name not in _NOT_KEPT and len(request.POST.getlist(name)) <= 200
        }
        request.session[FORM_DRAFT_SESSION_KEY] = {"path": parts.path, "fields": fields}
        response["Location"] = f"{login_url}?{urlencode({'next': form_page})}"
        return response


class DemoSiteUrlMiddleware:
    """In demo mode, links in mails written during a request use the address the request came
    in on (``privacy_portal.mail.site_url``), so that a demo user can click through an
    invitation whatever host and port the demo runs on. Does nothing outside demo mode: there
    the Host header cannot be trusted for links and ``SITE_URL`` decides."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        from privacy_portal.mail import _request_site_url

        if not settings.DEMO_MODE:
            return self.get_response(request)
        token = _request_site_url.set(f"{request.scheme}://{request.get_host()}")
        try:
            return self.get_response(request)
        finally:
            _request_site_url.reset(token)
