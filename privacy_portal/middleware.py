"""Hardening that holds for every response, so that no view can forget it.

- ``BadInputMiddleware``: an upload over ``MAX_UPLOAD_MEGABYTES`` is refused with a 413
  before it is read (one cap for every upload, ``privacy_portal.uploads``); a parameter with a NUL byte, an absurdly long query value, or a
  number too large for any database integer is refused with a 400 before a view or form sees
  it (such values make databases raise, i.e. a 500, and no real form needs them). Forms still
  bound their own fields; this is the floor beneath them.
- ``PrivacyHeadersMiddleware``: ``Cache-Control: no-store`` on every response Django renders
  (pages and exports carry pupil data and schools share PCs; static files are served before
  this by whitenoise and stay cacheable), and a ``Permissions-Policy`` that switches off the
  browser features the portal never uses.
"""

import re

from django.conf import settings
from django.http import HttpResponse, HttpResponseBadRequest
from django.utils.cache import patch_cache_control
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
        if uploads.request_too_large(request):
            return HttpResponse(
                _("Het bestand is te groot (maximaal %(mb)s MB).")
                % {"mb": settings.MAX_UPLOAD_MEGABYTES},
                status=413,
                content_type="text/plain; charset=utf-8",
            )
        if refusal(request):
            return HttpResponseBadRequest(
                _(
                    "Het formulier bevat een ongeldige waarde (te lang, te groot of met "
                    "verboden tekens)."
                ),
                content_type="text/plain; charset=utf-8",
            )
        return self.get_response(request)


class PrivacyHeadersMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        patch_cache_control(response, no_store=True, private=True)
        response.headers.setdefault("Permissions-Policy", PERMISSIONS_POLICY)
        return response
