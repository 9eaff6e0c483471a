"""Cross-cutting response middleware of the project itself (not of one app)."""

from django.shortcuts import render
from django.utils.http import url_has_allowed_host_and_scheme


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
