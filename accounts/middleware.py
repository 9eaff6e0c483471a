"""Request-time guards for R14 (sessions, passwords) and two-factor sign-in, and the per-request
access scope that keeps every page's fixed cost at a few queries (docs/performance.md)."""

import time
from datetime import timedelta
from functools import partial
from urllib.parse import urlencode

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import timezone
from django.utils.functional import SimpleLazyObject
from django.utils.translation import gettext as _
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.middleware import OTPMiddleware

from accounts import access
from accounts.services import sync_user_groups

# Paths that stay reachable while a sign-in is incomplete (2FA, expired password).
_OPEN_PREFIXES = ("/static/", "/account/", "/i18n/", "/favicon.ico")


def _is_open(path: str) -> bool:
    return path.startswith(_OPEN_PREFIXES)


# The idle timer's timestamp is written to the session at most this often: writing it on every
# request cost an UPDATE of the session row per page. The timeout is therefore exact to within
# this many seconds (a session may end up to a minute early), well inside R14's 15 minutes.
LAST_SEEN_RESOLUTION_SECONDS = 60


class AccessScopeMiddleware:
    """Keeps each person's access summary (roles, capabilities, the ids of the schools and
    classes they reach, two-factor devices) for the length of one request: one query per page
    instead of one per question. Install before every middleware that asks ``accounts.access``."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        with access.request_scope():
            return self.get_response(request)


class SessionOTPMiddleware(OTPMiddleware):
    """django-otp's middleware, without loading the device row on every request.

    The session keeps the device's persistent id (as django-otp does); this checks it against
    the confirmed devices of the person that the access summary already lists, and loads the
    device object only if a view actually uses it. A device that was deleted or belongs to
    someone else no longer verifies the session, exactly as in django-otp.
    """

    def _verify_user_sync(self, request, user):
        self._init_user_fields(user)
        if user.is_authenticated:
            persistent_id = request.session.get(DEVICE_ID_SESSION_KEY)
            if persistent_id:
                persistent_id = self._normalize_persistent_id(persistent_id)
                if persistent_id in access.summary(user).devices:
                    user.otp_device = SimpleLazyObject(
                        partial(self._device_from_persistent_id, persistent_id)
                    )
                else:
                    del request.session[DEVICE_ID_SESSION_KEY]
        return user


def _has_device(user) -> bool:
    """``django_otp.user_has_device`` from the access summary (no query of its own)."""
    return bool(access.summary(user).devices)


def requires_two_factor(request) -> bool:
    """Staff, board and FG must sign in with a second factor (demo accounts in demo mode
    excepted); a parent who chose to set one up is asked for it too."""
    cached = getattr(request, "_requires_two_factor", None)
    if cached is None:
        user = request.user
        demo_bypass = settings.DEMO_MODE and user.is_demo_account
        cached = (access.summary(user).is_staff_person and not demo_bypass) or _has_device(user)
        request._requires_two_factor = cached
    return cached


class IdleSessionTimeoutMiddleware:
    """Ends a staff session after STAFF_IDLE_TIMEOUT_MINUTES without a request (R14)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = request.user
        if user.is_authenticated and not request.path.startswith("/static/"):
            now = time.time()
            last_seen = request.session.get("last_seen")
            limit = settings.STAFF_IDLE_TIMEOUT_MINUTES * 60
            if last_seen and now - last_seen > limit and access.summary(user).is_staff_person:
                logout(request)
                messages.info(
                    request,
                    _("U bent automatisch uitgelogd na %(minutes)s minuten zonder activiteit.")
                    % {"minutes": settings.STAFF_IDLE_TIMEOUT_MINUTES},
                )
                return redirect(f"{reverse('accounts:login')}?{urlencode({'next': request.path})}")
            if not last_seen or now - last_seen >= LAST_SEEN_RESOLUTION_SECONDS:
                request.session["last_seen"] = now
        return self.get_response(request)


class AccessSyncMiddleware:
    """Once a day per person, bring role groups in line with dated memberships.

    Memberships start and end on dates; this makes a membership that ended yesterday stop
    granting access on the first request today, even before the nightly job ran.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = request.user
        if user.is_authenticated and user.access_synced_on != timezone.localdate():
            sync_user_groups(user)
        return self.get_response(request)


class TwoFactorRequiredMiddleware:
    """Sends staff who have not passed the second factor to enrolment or verification."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = request.user
        if (
            user.is_authenticated
            and not _is_open(request.path)
            and not user.is_verified()
            and requires_two_factor(request)
        ):
            target = "accounts:otp_verify" if _has_device(user) else "accounts:otp_setup"
            return redirect(f"{reverse(target)}?{urlencode({'next': request.get_full_path()})}")
        return self.get_response(request)


class PasswordExpiryMiddleware:
    """Staff change their password at least every STAFF_PASSWORD_MAX_AGE_DAYS days (R14)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = request.user
        max_age = settings.STAFF_PASSWORD_MAX_AGE_DAYS
        if (
            max_age
            and user.is_authenticated
            and not _is_open(request.path)
            and user.password_changed_at
            and user.password_changed_at < timezone.now() - timedelta(days=max_age)
            and not (settings.DEMO_MODE and user.is_demo_account)
            and access.summary(user).is_staff_person
        ):
            messages.warning(
                request,
                _("Uw wachtwoord is ouder dan %(days)s dagen. Kies een nieuw wachtwoord.")
                % {"days": max_age},
            )
            return redirect("accounts:password_change")
        return self.get_response(request)


class ChosenLanguageMiddleware:
    """Dutch for everyone, unless the person chose English with the switch in the footer.

    The browser's language is deliberately not followed: only part of the interface has an
    English translation, and Django's own texts (month names, form errors) would otherwise turn
    English inside Dutch pages for a teacher whose browser happens to be English.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        from django.utils import translation

        # The account's choice (put in the session at sign-in and when switching) wins over the
        # cookie, so a person gets their language on any device they sign in on.
        code = None
        if getattr(request, "session", None) is not None:
            code = request.session.get(settings.LANGUAGE_SESSION_KEY)
        if code not in dict(settings.LANGUAGES):
            code = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME)
        if code not in dict(settings.LANGUAGES):
            code = settings.LANGUAGE_CODE
        translation.activate(code)
        request.LANGUAGE_CODE = code
        response = self.get_response(request)
        response.headers.setdefault("Content-Language", code)
        return response
