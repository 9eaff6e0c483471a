"""Small, strict parsers for settings taken from the environment.

Each helper raises ImproperlyConfigured on a value it cannot understand, so that a typo in a
deployment stops the process at start instead of running with a surprising default.
"""

import os
from urllib.parse import parse_qs, unquote, urlparse

from django.core.exceptions import ImproperlyConfigured

_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off", ""}


def env_str(name: str, default: str | None = None) -> str | None:
    return os.environ.get(name, default)


def env_bool(name: str, default: bool = False) -> bool:
    raw = os.environ.get(name)
    if raw is None:
        return default
    value = raw.strip().lower()
    if value in _TRUE:
        return True
    if value in _FALSE:
        return False
    raise ImproperlyConfigured(f"{name} must be a boolean (1/0, true/false), not {raw!r}")


def env_int(name: str, default: int, *, minimum: int | None = None) -> int:
    raw = os.environ.get(name)
    if raw is None or raw.strip() == "":
        return default
    try:
        value = int(raw)
    except ValueError as exc:
        raise ImproperlyConfigured(f"{name} must be a whole number, not {raw!r}") from exc
    if minimum is not None and value < minimum:
        raise ImproperlyConfigured(f"{name} must be at least {minimum}, not {value}")
    return value


def env_list(name: str, default: list[str]) -> list[str]:
    raw = os.environ.get(name)
    if raw is None:
        return default
    return [item.strip() for item in raw.split(",") if item.strip()]


def email_settings_from_url(url: str) -> dict:
    """Turn EMAIL_URL into Django e-mail settings.

    Accepted: ``console://``, ``locmem://``, ``dummy://``,
    ``smtp://user:password@host:587?tls=1`` and ``smtps://user:password@host:465``.
    """
    parsed = urlparse(url)
    backends = {
        "console": "django.core.mail.backends.console.EmailBackend",
        "locmem": "django.core.mail.backends.locmem.EmailBackend",
        "dummy": "django.core.mail.backends.dummy.EmailBackend",
        "smtp": "django.core.mail.backends.smtp.EmailBackend",
        "smtps": "django.core.mail.backends.smtp.EmailBackend",
    }
    if parsed.scheme not in backends:
        raise ImproperlyConfigured(
            f"EMAIL_URL scheme must be one of {', '.join(sorted(backends))}, not {parsed.scheme!r}"
        )
    result = {"EMAIL_BACKEND": backends[parsed.scheme]}
    if parsed.scheme in {"smtp", "smtps"}:
        if not parsed.hostname:
            raise ImproperlyConfigured("EMAIL_URL for smtp needs a host name")
        query = parse_qs(parsed.query)
        result.update(
            EMAIL_HOST=parsed.hostname,
            EMAIL_PORT=parsed.port or (465 if parsed.scheme == "smtps" else 25),
            EMAIL_HOST_USER=unquote(parsed.username or ""),
            EMAIL_HOST_PASSWORD=unquote(parsed.password or ""),
            EMAIL_USE_SSL=parsed.scheme == "smtps",
            EMAIL_USE_TLS=query.get("tls", ["0"])[0].lower() in _TRUE,
        )
    return result
