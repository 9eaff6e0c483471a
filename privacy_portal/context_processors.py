from django.conf import settings

from privacy_portal import hooks


def layout(request):
    """Navigation and mode banners for the base layout."""
    user = getattr(request, "user", None)
    signed_in = bool(user and user.is_authenticated)
    return {
        "menu": hooks.menu(user) if signed_in else [],
        "demo_mode": settings.DEMO_MODE,
    }
