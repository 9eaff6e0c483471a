"""One-time form tokens: a form submitted twice (a double click, a reload, a retry after a slow
answer) does its work once, and the second submit is shown the first result.

One mechanism, on every form that posts, with or without JavaScript:

1. the token: every ``<form method="post">`` renders ``{% form_token %}`` next to
   ``{% csrf_token %}`` (``privacy_portal/templatetags/once.py``, a built-in tag, so no
   ``{% load %}``): a hidden field with a fresh random token, rendered anew with every page
   (pages are ``no-store``, so a page from the browser's history is fetched again).
   ``tests/reliability/test_once_everywhere.py`` checks that no template's POST form lacks it;
2. the guard: ``OnceMiddleware`` guards every POST that carries a token. It claims the token
   before the view runs and keeps the claim only when the view answers with a redirect (the sign
   that something was done). A twin submit waits up to ``WAIT_FOR_FIRST`` seconds for the first
   to finish and is sent to the same place, with a word on why; while the first is still
   running it gets a 409 asking to look again. Any other answer (a form with errors, a
   download, a refusal) frees the token, so the corrected page can be sent again. Someone
   else's token, or another form's, is refused (400) and shows nothing of theirs.

Views need no code of their own: they call their services directly. Exempt are the sign-in,
sign-out and second-factor forms (namespaces ``accounts`` and ``admin``) and the session
keep-alive and language switch (see ``EXEMPT_*`` below). A POST without a token (a client that
is not a page of ours) works as before, unguarded.

The claim is a unique row in ``FormToken``, committed on its own before the view runs (not part
of the view's transaction, so views keep their own transactions and their mails and jobs leave
on their own commit). Tokens hold no personal data and are deleted after two days by the job
reaper.
"""

import time
from datetime import timedelta

from django.contrib import messages
from django.db import IntegrityError
from django.shortcuts import redirect, render
from django.urls import Resolver404, resolve
from django.utils import timezone
from django.utils.translation import gettext as _

from privacy_portal.models import FormToken

FIELD = "form_token"
KEEP = timedelta(days=2)


def _token(request) -> str:
    token = (request.POST.get(FIELD) or "").strip()
    return token if 16 <= len(token) <= 64 else ""


def _show_first_result(request, url: str):
    """The answer to a repeated submit: the first result, with a word on why."""
    messages.info(
        request,
        _("Dit formulier was al verstuurd; u ziet het resultaat. Er is niets dubbel opgeslagen."),
    )
    return redirect(url or "/")


def forget_old(now=None) -> int:
    """Delete tokens older than two days (called by the job reaper)."""
    now = now or timezone.now()
    deleted, _counts = FormToken.objects.filter(created_at__lt=now - KEEP).delete()
    return deleted


# Sign-in, sign-out and second-factor forms are never replayed: a repeated sign-in must be
# checked again (and counted by django-axes), not redirected. The session keep-alive and the
# language switch post the same form more than once from one page by design.
EXEMPT_NAMESPACES = {"accounts", "admin"}
EXEMPT_VIEWS = {"session_keepalive", "set_language"}
# How long a twin submit waits for the first to finish before asking the person to look again.
WAIT_FOR_FIRST = 10.0
_POLL = 0.1


def _site_form_name(request) -> str | None:
    """The name a POST's token is claimed under, or None when this address is exempt."""
    try:
        match = resolve(request.path_info)
    except Resolver404:
        return None
    if match.namespace in EXEMPT_NAMESPACES or match.view_name in EXEMPT_VIEWS:
        return None
    return f"site:{match.view_name}"[:100]


def _refused(request, message, status):
    return render(request, "bad_input.html", {"message": message}, status=status)


def _wait_for_first(token: str):
    """The finished claim of a twin submit, or None when the first gave its token back."""
    deadline = time.monotonic() + WAIT_FOR_FIRST
    while True:
        claim = FormToken.objects.filter(token=token).first()
        if claim is None or claim.result_url:
            return claim
        if time.monotonic() >= deadline:
            return claim
        time.sleep(_POLL)


class OnceMiddleware:
    """Every POST with a form token runs once (see the module's docstring).

    The claim is its own committed row, not part of the view's transaction: views keep their
    own transactions and their mails and jobs leave on their own commit, as before."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.method != "POST":
            return self.get_response(request)
        token = _token(request)
        form = _site_form_name(request) if token else None
        if form is None:
            return self.get_response(request)
        user_id = request.user.pk if request.user.is_authenticated else None
        claim = None
        for _attempt in range(2):
            existing = _wait_for_first(token)
            if existing is not None:
                if existing.form != form or existing.user_id != user_id:
                    # Someone else's token, or another form's: show nothing of theirs.
                    return _refused(
                        request,
                        _(
                            "Dit formulier is al gebruikt. Laad de pagina opnieuw en vul het opnieuw in."
                        ),
                        400,
                    )
                if existing.result_url:
                    return _show_first_result(request, existing.result_url)
                return _refused(
                    request,
                    _(
                        "Dit formulier wordt nog verwerkt. Kijk over een moment of het gelukt is, "
                        "voordat u het opnieuw verstuurt."
                    ),
                    409,
                )
            try:
                claim = FormToken.objects.create(token=token, form=form, user_id=user_id)
                break
            except IntegrityError:
                continue  # a twin claimed it between our look and our claim: wait for it
        if claim is None:
            return self.get_response(request)
        try:
            response = self.get_response(request)
        except BaseException:
            FormToken.objects.filter(pk=claim.pk).delete()
            raise
        location = response.get("Location", "") if response.status_code in (301, 302, 303) else ""
        if location and _after_sign_in(location):
            location = ""
        if location:
            FormToken.objects.filter(pk=claim.pk).update(result_url=location[:500])
        else:
            FormToken.objects.filter(pk=claim.pk).delete()
        return response


def _after_sign_in(location: str) -> bool:
    """A redirect to the sign-in page did nothing: the person must send the form again."""
    from django.urls import reverse

    return location.startswith(reverse("accounts:login"))
