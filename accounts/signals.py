"""Signal receivers of the accounts app: the account's chosen language applies from sign-in on."""

from django.conf import settings


def apply_chosen_language(sender, request, user, **kwargs):
    """Put the account's language in the session, where ChosenLanguageMiddleware reads it."""
    language = getattr(user, "preferred_language", "")
    if request is not None and language in dict(settings.LANGUAGES):
        request.session[settings.LANGUAGE_SESSION_KEY] = language
