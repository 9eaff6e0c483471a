"""How apps contribute to shared screens without the core knowing their internals.

An app may define, in ``<app>/hooks.py``:

- ``navigation(user) -> list[NavItem]``: entries for the main navigation;
- ``attention(user) -> list[AttentionItem]``: "what needs my attention" on the start page.

Later apps (the checklist) add hook names of their own through ``collect``. The retention app
collects ``retention_holds(pupil_ids) -> {pupil id: reason}`` (``collect_mapping``),
``retention_processors(pupil_ids)`` and ``retention_purge(day) -> {count key: n}``; see
``docs/architecture.md``.
"""

from dataclasses import dataclass
from importlib import import_module

from django.apps import apps
from django.utils.translation import gettext_noop


@dataclass(frozen=True)
class NavItem:
    label: str
    url: str
    order: int = 50
    section: str = ""  # "active" marker: the first path segment this item owns
    group: str = ""  # one of NAV_GROUPS; empty: a top-level item


# The main menu's groups, in order; each opens as a list (a <details> element, no script).
# Marked for the catalogue here; translated when the menu is built (menu() below).
NAV_GROUPS = [gettext_noop("Leerlingen"), gettext_noop("Registers"), gettext_noop("Organisatie")]


@dataclass(frozen=True)
class NavGroup:
    label: str
    items: list


@dataclass(frozen=True)
class AttentionItem:
    title: str
    url: str = ""
    detail: str = ""
    level: str = "info"  # info | warning | danger
    due: object = None


def _hook_modules():
    for config in apps.get_app_configs():
        if config.name == __package__:  # this module is the collector, not a contributor
            continue
        try:
            yield import_module(f"{config.name}.hooks")
        except ModuleNotFoundError as exc:
            if exc.name != f"{config.name}.hooks":
                raise


def collect(hook: str, *args, **kwargs) -> list:
    results: list = []
    for module in _hook_modules():
        function = getattr(module, hook, None)
        if function is not None:
            results.extend(function(*args, **kwargs) or [])
    return results


def collect_mapping(hook: str, *args, **kwargs) -> dict:
    """Like ``collect`` for hooks that answer with a mapping (e.g. ``retention_holds``): the
    answers merged; for the same key the first app's value (in INSTALLED_APPS order) counts."""
    merged: dict = {}
    for module in _hook_modules():
        function = getattr(module, hook, None)
        if function is not None:
            for key, value in (function(*args, **kwargs) or {}).items():
                merged.setdefault(key, value)
    return merged


def navigation(user) -> list[NavItem]:
    return sorted(collect("navigation", user), key=lambda item: (item.order, item.label))


def menu(user) -> list:
    """Top-level items and groups in menu order: [NavItem | NavGroup, ...]."""
    from django.utils.translation import gettext as _

    items = navigation(user)
    top = [item for item in items if not item.group]
    groups = [
        NavGroup(_(name), [item for item in items if item.group == name])
        for name in NAV_GROUPS
        if any(item.group == name for item in items)
    ]
    tail = [item for item in top if item.order >= 90]
    return [item for item in top if item.order < 90] + groups + tail


def attention(user) -> list[AttentionItem]:
    return collect("attention", user) + _undelivered_mail(user)


def may_see_outbox(user) -> bool:
    """The FG (and the functional admin) watch the mail that could not be delivered."""
    from accounts import access

    return access.summary(user).has_foundation_role("fg", "beheerder")


def _undelivered_mail(user) -> list[AttentionItem]:
    """The core's own start-page item: mails the outbox gave up on (one count query)."""
    from django.urls import reverse
    from django.utils.translation import ngettext

    from privacy_portal.models import OutboxMail

    if not may_see_outbox(user):
        return []
    # A failed mail whose content was cleared after 30 days can no longer be sent: no item.
    count = (
        OutboxMail.objects.filter(status=OutboxMail.Status.FAILED).exclude(recipients=[]).count()
    )
    if not count:
        return []
    return [
        AttentionItem(
            ngettext(
                "%(count)s e-mail kon niet worden afgeleverd",
                "%(count)s e-mails konden niet worden afgeleverd",
                count,
            )
            % {"count": count},
            url=reverse("outbox_failed"),
            level="danger",
        )
    ]
