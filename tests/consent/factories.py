"""Helpers for consent tests: channels of a foundation, and a second parent."""

from consent import services
from consent.models import Channel


def channels(foundation) -> dict[str, Channel]:
    """The foundation's default channels by key (website, sociale-media, ...)."""
    services.channels_ensure_defaults(foundation=foundation)
    return {c.key: c for c in Channel.objects.filter(foundation=foundation)}
