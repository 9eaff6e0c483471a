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

The token is claimed in the same transaction as the object it creates (a unique row in
``FormToken``): a twin submit that arrives while the first is still working waits on the
unique index and, once the first commits, finds the token used. Tokens hold no personal data
and are deleted after two days by the job reaper. A form posted without a token (a page from
before this change) works as before.
"""

from dataclasses import dataclass
from datetime import timedelta

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.shortcuts import redirect
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
    if not token:
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
