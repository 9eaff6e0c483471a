"""What the base layout needs on every page."""

from django.conf import settings

from accounts import access
from privacy_portal import hooks
from privacy_portal.middleware import FORM_DRAFT_SESSION_KEY


def layout(request):
    """Navigation, mode banners, the idle time-out for the warning dialog, and a form's fields
    kept across a sign-in after that time-out (handed out once, on the page of the form)."""
    user = getattr(request, "user", None)
    signed_in = bool(user and user.is_authenticated)
    context = {
        "menu": hooks.menu(user) if signed_in else [],
        "demo_mode": settings.DEMO_MODE,
        "demo_outbox": signed_in and hooks.may_see_demo_outbox(user),
        "idle_timeout_seconds": (
            settings.STAFF_IDLE_TIMEOUT_MINUTES * 60
            if signed_in and access.summary(user).is_staff_person
            else None
        ),
    }
    if context["idle_timeout_seconds"]:
        # Two minutes' warning, or half the limit when the limit is shorter (static/js/app.js).
        context["idle_warning_seconds"] = min(120, context["idle_timeout_seconds"] // 2)
    session = getattr(request, "session", None)
    if signed_in and session is not None and FORM_DRAFT_SESSION_KEY in session:
        draft = session[FORM_DRAFT_SESSION_KEY]
        if draft.get("path") == request.path and request.method == "GET":
            context["form_draft"] = session.pop(FORM_DRAFT_SESSION_KEY)["fields"]
    return context
