"""Personal links in consent mails: a parent without an account answers through them.

A link is a token signed with Django's ``signing`` under a salt used for nothing else (so a
token made here is worthless anywhere else, and no other signed value is accepted here). The
token names a ``ConsentLink`` row and the parent it was made for; the row makes the link
single-use and expiring. Opening the link (a POST from its landing page, so that mail scanners
that follow links do not use it up) binds the browser session to that one parent for a short
time: the session can reach that parent's own children with parental authority and nothing
else. A pupil of 16+ (who decides alone, R4) gets a link of their own that reaches only
themself.
"""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.core import signing
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from consent.models import ConsentLink

SALT = "consent.parent-link.v1"
# How long a mailed link can be opened, and how long the session it starts lasts.
LINK_VALID_DAYS = getattr(settings, "CONSENT_LINK_VALID_DAYS", 30)
SESSION_MINUTES = 60
SESSION_KEY = "consent_link_guardian"


class LinkInvalid(Exception):
    """The link cannot be used; ``reason`` is shown to the parent."""

    def __init__(self, reason):
        super().__init__(str(reason))
        self.reason = reason


def link_create(*, guardian=None, pupil=None, notice=None) -> str:
    """Make a personal link for ``guardian`` (a parent) or ``pupil`` (a pupil of 16+, who
    decides alone) and return its path (the mail adds the site)."""
    if (guardian is None) == (pupil is None):
        raise ValueError("a personal link is for one parent or one pupil")
    link = ConsentLink.objects.create(
        guardian=guardian,
        pupil=pupil,
        notice=notice,
        expires_at=timezone.now() + timedelta(days=LINK_VALID_DAYS),
    )
    person = {"g": guardian.pk} if guardian is not None else {"p": pupil.pk}
    token = signing.dumps({"l": link.pk, **person}, salt=SALT, compress=True)
    return reverse("consent:link_open", args=[token])


def _load(token: str) -> dict:
    try:
        data = signing.loads(token, salt=SALT, max_age=timedelta(days=LINK_VALID_DAYS))
    except signing.SignatureExpired as exc:
        raise LinkInvalid(_("Deze link is verlopen.")) from exc
    except signing.BadSignature as exc:
        raise LinkInvalid(_("Deze link is niet geldig.")) from exc
    if not isinstance(data, dict) or "l" not in data or len({"g", "p"} & set(data)) != 1:
        raise LinkInvalid(_("Deze link is niet geldig."))
    return data


def link_check(token: str) -> ConsentLink:
    """The link row for a token that may still be used (for the landing page)."""
    data = _load(token)
    link = ConsentLink.objects.select_related("guardian", "pupil").filter(pk=data["l"]).first()
    _check(link, data)
    return link


def _check(link, data) -> None:
    if link is None or (link.guardian_id, link.pupil_id) != (data.get("g"), data.get("p")):
        raise LinkInvalid(_("Deze link is niet geldig."))
    if link.used_at is not None:
        raise LinkInvalid(_("Deze link is al gebruikt."))
    if link.expires_at <= timezone.now():
        raise LinkInvalid(_("Deze link is verlopen."))


def link_redeem(*, token: str, session) -> ConsentLink:
    """Use the link once: mark it used and bind ``session`` to its parent."""
    data = _load(token)
    with transaction.atomic():
        link = ConsentLink.objects.select_for_update().filter(pk=data["l"]).first()
        _check(link, data)
        link.used_at = timezone.now()
        link.save(update_fields=["used_at"])
    session.cycle_key()
    session[SESSION_KEY] = {
        "guardian": link.guardian_id,
        "pupil": link.pupil_id,
        "link": link.pk,
        "until": (timezone.now() + timedelta(minutes=SESSION_MINUTES)).isoformat(),
    }
    return link


def _session_data(session):
    from datetime import datetime

    data = session.get(SESSION_KEY)
    if not isinstance(data, dict):
        return None
    try:
        until = datetime.fromisoformat(data["until"])
    except (KeyError, TypeError, ValueError):
        return None
    if until <= timezone.now():
        session.pop(SESSION_KEY, None)
        return None
    return data


def session_guardian(session):
    """The parent this session was opened for through a link, or None when it expired."""
    from students.models import Guardian

    data = _session_data(session)
    if data is None or not data.get("guardian"):
        return None
    return Guardian.objects.filter(pk=data["guardian"]).first()


def session_pupil(session):
    """The pupil of 16+ this session was opened for through a link, or None."""
    from students.models import Pupil

    data = _session_data(session)
    if data is None or not data.get("pupil"):
        return None
    return Pupil.objects.enrolled().select_related("school").filter(pk=data["pupil"]).first()
