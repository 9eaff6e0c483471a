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
