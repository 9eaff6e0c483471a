"""One-time form tokens: a creating form submitted twice (a double click, a reload, a retry
after a slow answer) creates one object, and the second submit is shown the first result.

How a creating form adopts it (three lines):

1. in its template, next to ``{% csrf_token %}``: ``{% load once %}{% form_token %}`` (a hidden
   field with a fresh random token, rendered anew with every page);
2. in its view, instead of calling the service directly::

       outcome = once.submit_once(
           request, "portal.request_new",
           lambda: services.parent_request_create(...),
           url=lambda obj: reverse("portal:request_detail", args=[obj.pk]),
       )
       if outcome.repeated:
           return once.show_first_result(request, outcome)
       obj = outcome.result  # the first submit: as before

3. nothing else: a ValidationError from the service propagates as before and frees the token,
   so the corrected form can be sent again. A token that someone else used raises a
   ValidationError too (a 400 with a message, never their result).

Every other form is covered without its own code: ``static/js/app.js`` gives every POST form a
fresh token when its page loads, and ``OnceMiddleware`` guards every POST that carries one. It
claims the token before the view runs and keeps the claim only when the view answers with a
redirect (the sign that something was done): a twin submit then waits for the first to finish
and is sent to the same place. Any other answer (a form with errors, a download, a refusal)
frees the token, so the same page can be sent again. When the middleware holds the token,
``submit_once`` leaves it to the middleware and simply runs the action.

The token is claimed in the same transaction as the object it creates (a unique row in
``FormToken``): a twin submit that arrives while the first is still working waits on the
unique index and, once the first commits, finds the token used. Tokens hold no personal data
and are deleted after two days by the job reaper. A form posted without a token (a page from
before this change) works as before.
"""

import time
from dataclasses import dataclass
from datetime import timedelta

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.shortcuts import redirect, render
from django.urls import Resolver404, resolve
from django.utils import timezone
from django.utils.translation import gettext as _

from privacy_portal.models import FormToken

FIELD = "form_token"
KEEP = timedelta(days=2)


@dataclass
class Outcome:
    result: object = None
    repeated: bool = False
    url: str = ""


def _token(request) -> str:
    token = (request.POST.get(FIELD) or "").strip()
    return token if 16 <= len(token) <= 64 else ""


def _previous(token: str, form: str, user_id) -> FormToken | None:
    return FormToken.objects.filter(token=token, form=form, user_id=user_id).first()


def submit_once(request, form: str, action, *, url) -> Outcome:
    """Run ``action()`` once per token of ``form``; ``url(result)`` is where the first result
    is shown. A repeat returns ``Outcome(repeated=True, url=...)`` and runs nothing."""
    token = _token(request)
    user_id = request.user.pk if request.user.is_authenticated else None
    if not token or getattr(request, "_once_claimed_by_middleware", False):
        return Outcome(result=action())
    previous = _previous(token, form, user_id)
    if previous is not None:
        return Outcome(repeated=True, url=previous.result_url)
    try:
        with transaction.atomic():
            # Claimed first: a twin submit blocks here until we commit or roll back.
            claim = FormToken.objects.create(token=token, form=form, user_id=user_id)
            result = action()
            claim.result_url = url(result)[:500]
            claim.save(update_fields=["result_url"])
    except IntegrityError:
        previous = _previous(token, form, user_id)
        if previous is None:
            # Used by someone else or on another form: show nothing of it, ask for a fresh page.
            raise ValidationError(
                _("Dit formulier is al gebruikt. Laad de pagina opnieuw en vul het opnieuw in.")
            ) from None
        return Outcome(repeated=True, url=previous.result_url)
    return Outcome(result=result, url=claim.result_url)


def show_first_result(request, outcome: Outcome):
    """The answer to a repeated submit: the first result, with a word on why."""
    messages.info(
        request,
        _("Dit formulier was al verstuurd; u ziet het resultaat. Er is niets dubbel opgeslagen."),
    )
    return redirect(outcome.url or "/")


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
                    return show_first_result(
                        request, Outcome(repeated=True, url=existing.result_url)
                    )
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
        request._once_claimed_by_middleware = True
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
