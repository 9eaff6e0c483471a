"""How apps contribute to shared screens without the core knowing their internals.

An app may define, in ``<app>/hooks.py``:

- ``navigation(user) -> list[NavItem]``: entries for the main navigation;
- ``attention(user) -> list[AttentionItem]``: "what needs my attention" on the start page;
- ``attention_parts(user) -> list[AttentionItem | Counts]``: the same, with the counting
  questions left open, so that the start page asks every app's counts in **one** query
  (``Counts``; an app with this hook defines ``attention`` as ``resolve(attention_parts(user))``).

Later apps (the checklist) add hook names of their own through ``collect``. The retention app
collects ``retention_holds(pupil_ids) -> {pupil id: reason}`` (``collect_mapping``),
``retention_processors(pupil_ids)`` and ``retention_purge(day) -> {count key: n}``; see
``docs/architecture.md``.
"""

from collections.abc import Callable
from dataclasses import dataclass, field
from importlib import import_module

from django.apps import apps
from django.core.exceptions import EmptyResultSet
from django.db import connection
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


@dataclass(frozen=True)
class Counts:
    """A hook's counting questions, answered together with every other app's in one query.

    ``queries`` maps a name to a queryset whose rows are counted; ``then(numbers)`` gets the
    counts by name and returns the items. It may fetch the few rows it shows, but should only
    do so when a count says there is something to show: the start page's query budget (12,
    docs/performance.md) holds because quiet apps cost nothing beyond their share of the one
    count query.
    """

    queries: dict
    then: Callable[[dict], list] = field(compare=False)


def count_together(querysets: list) -> list[int]:
    """``[qs.count() for qs in querysets]`` in one round trip:
    ``SELECT (SELECT COUNT(*) FROM (…)), (SELECT COUNT(*) FROM (…)), …``.

    Each queryset is compiled by Django (parameters stay parameters); ordering and
    ``select_related`` are dropped as they do not change the number of rows. A queryset that
    cannot match anything (``none()``, ``pk__in=[]``) counts 0 without SQL.
    """
    numbers: list = [0] * len(querysets)
    parts, params, positions = [], [], []
    for position, queryset in enumerate(querysets):
        query = queryset.query.chain()
        query.select_related = False
        query.clear_ordering(force=False)  # kept only where a slice needs it
        try:
            sql, query_params = query.sql_with_params()
        except EmptyResultSet:
            continue
        # Django compiled the SQL; the values stay parameters.
        parts.append(f"(SELECT COUNT(*) FROM ({sql}) counted_{position})")  # noqa: S608
        params.extend(query_params)
        positions.append(position)
    if parts:
        with connection.cursor() as cursor:
            cursor.execute("SELECT " + ", ".join(parts), params)
            for position, number in zip(positions, cursor.fetchone(), strict=True):
                numbers[position] = number
    return numbers


def resolve(parts: list) -> list:
    """Items and ``Counts`` in order → items, all counts asked in one query."""
    pending = [part for part in parts if isinstance(part, Counts)]
    querysets = [queryset for part in pending for queryset in part.queries.values()]
    numbers = iter(count_together(querysets))
    answers = {id(part): {name: next(numbers) for name in part.queries} for part in pending}
    items: list = []
    for part in parts:
        if isinstance(part, Counts):
            items.extend(part.then(answers[id(part)]) or [])
        else:
            items.append(part)
    return items


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
    """Every app's start-page items; the counts of all apps in one query (``Counts``)."""
    parts: list = []
    for module in _hook_modules():
        function = getattr(module, "attention_parts", None) or getattr(module, "attention", None)
        if function is not None:
            parts.extend(function(user) or [])
    return resolve(parts + _undelivered_mail(user))


def may_see_outbox(user) -> bool:
    """The FG (and the functional admin) watch the mail that could not be delivered."""
    from accounts import access

    return access.summary(user).has_foundation_role("fg", "beheerder")


def may_see_demo_outbox(user) -> bool:
    """Demo mode only: staff and the functional admin read the mails the demo "sent"."""
    from django.conf import settings

    from accounts import access

    return bool(
        settings.DEMO_MODE
        and getattr(user, "is_authenticated", False)
        and access.summary(user).is_staff_person
    )


def _undelivered_mail(user) -> list:
    """The core's own start-page item: mails the outbox gave up on (a count)."""
    from django.urls import reverse
    from django.utils.translation import ngettext

    from privacy_portal.models import OutboxMail

    if not may_see_outbox(user):
        return []

    def then(numbers):
        count = numbers["failed"]
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

    # A failed mail whose content was cleared after 30 days can no longer be sent: no item.
    failed = OutboxMail.objects.filter(status=OutboxMail.Status.FAILED).exclude(recipients=[])
    return [Counts({"failed": failed}, then)]
