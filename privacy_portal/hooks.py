"""How apps contribute to shared screens without the core knowing their internals.

An app may define, in ``<app>/hooks.py``:

- ``navigation(user) -> list[NavItem]``: entries for the main navigation;
- ``attention(user) -> list[AttentionItem]``: "what needs my attention" on the start page;
- ``attention_parts(user) -> list[AttentionItem | Counts | Rows]``: the same, with the
  counting questions (``Counts``) and the few rows an item shows (``Rows``) left open, so that
  the start page asks every app's questions in **one** query (an app with this hook defines
  ``attention`` as ``resolve(attention_parts(user))``).

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


@dataclass(frozen=True)
class Rows:
    """Like ``Counts``, for a hook that needs a few rows, not only a number: ``queries`` maps a
    name to a ``values_list`` queryset, ``then(rows)`` gets the rows (tuples) by name. Asked in
    the same one query as every app's counts (``fetch_together``), so an item that shows a few
    numbers per school costs no query of its own."""

    queries: dict
    then: Callable[[dict], list] = field(compare=False)


def count_together(querysets: list) -> list[int]:
    """``[qs.count() for qs in querysets]`` in one round trip:
    ``SELECT (SELECT COUNT(*) FROM (…)), (SELECT COUNT(*) FROM (…)), …``.

    Each queryset is compiled by Django (parameters stay parameters); ordering and
    ``select_related`` are dropped as they do not change the number of rows. A queryset that
    cannot match anything (``none()``, ``pk__in=[]``) counts 0 without SQL.
    """
    return ask_together([("count", queryset) for queryset in querysets])


def fetch_together(querysets: list) -> list[list[tuple]]:
    """``[list(qs) for qs in querysets]`` of ``values_list`` querysets in one round trip:
    ``SELECT (SELECT json_agg(json_build_array(…)) FROM (…) q), …`` (``json_group_array``
    on SQLite). Each row comes back as a tuple in the queryset's column order; dates,
    timestamps, decimals, booleans and JSON are converted back through the columns' fields.

    For figures and numbers (ids, counts, keys, names, dates), not for model instances: a
    queryset that cannot match anything (``none()``, ``pk__in=[]``) gives ``[]`` without SQL.
    """
    return ask_together([("rows", queryset) for queryset in querysets])


def ask_together(questions: list) -> list:
    """``count_together`` and ``fetch_together`` in one: ``[("count" | "rows", queryset)]``
    → ``[number | rows]``, every question in one ``SELECT (…), (…), …``."""
    import json

    answers: list = [0 if kind == "count" else [] for kind, _queryset in questions]
    parts, params, wanted = [], [], []
    postgres = connection.vendor == "postgresql"
    for position, (kind, queryset) in enumerate(questions):
        query = queryset.query.chain()
        if kind == "count":
            query.select_related = False
            query.clear_ordering(force=False)  # kept only where a slice needs it
        compiler = query.get_compiler(queryset.db)
        try:
            sql, query_params = compiler.as_sql(with_col_aliases=kind == "rows")
        except EmptyResultSet:
            continue
        # Django compiled the SQL; the values stay parameters.
        if kind == "count":
            parts.append(f"(SELECT COUNT(*) FROM ({sql}) counted_{position})")  # noqa: S608
            wanted.append((position, None))
        else:
            columns = [(alias, expression) for expression, _sql, alias in compiler.select]
            names = ", ".join(
                f"fetched_{position}.{connection.ops.quote_name(alias)}" for alias, _ in columns
            )
            if postgres:
                rows = f"COALESCE(json_agg(json_build_array({names})), '[]')"
            else:
                rows = f"json_group_array(json_array({names}))"
            parts.append(f"(SELECT {rows} FROM ({sql}) fetched_{position})")  # noqa: S608
            wanted.append((position, [expression.output_field for _a, expression in columns]))
        params.extend(query_params)
    if not parts:
        return answers
    with connection.cursor() as cursor:
        cursor.execute("SELECT " + ", ".join(parts), params)
        found = cursor.fetchone()
    for (position, fields), answer in zip(wanted, found, strict=True):
        if fields is None:
            answers[position] = answer
            continue
        rows = json.loads(answer) if isinstance(answer, str) else (answer or [])
        answers[position] = [
            tuple(_from_json(f, value) for f, value in zip(fields, row, strict=True))
            for row in rows
        ]
    return answers


def _from_json(output_field, value):
    """A column's value as its field reads it (JSON knows numbers, strings and booleans)."""
    import datetime
    import decimal
    import json

    from django.utils import timezone
    from django.utils.dateparse import parse_datetime

    if value is None:
        return None
    kind = output_field.get_internal_type()
    if kind == "DateTimeField":
        moment = parse_datetime(str(value).replace(" ", "T"))
        if moment is not None and timezone.is_naive(moment):  # SQLite keeps UTC without zone
            moment = moment.replace(tzinfo=datetime.UTC)
        return moment
    if kind == "DateField":
        return datetime.date.fromisoformat(str(value)[:10])
    if kind in ("BooleanField", "NullBooleanField"):
        return bool(value)
    if kind == "DecimalField":
        return decimal.Decimal(str(value))
    if kind == "JSONField" and isinstance(value, str):
        return json.loads(value)
    return value


def run_together(generators: list) -> list:
    """Drive generator hooks in lockstep, every step's questions in one query.

    Each generator yields ``{name: values_list queryset}`` and is sent back
    ``{name: [row tuples]}`` (``fetch_together``); what it returns is its answer. All
    generators that ask in the same step are answered by one query, so N apps with k steps
    cost k queries, not N × k. An exception inside a generator is its answer (the caller
    decides what a failed hook means); the others go on.
    """
    answers: list = [None] * len(generators)
    asked: dict[int, dict] = {}

    def advance(index, value=None, error=None):
        try:
            questions = generators[index].throw(error) if error else generators[index].send(value)
        except StopIteration as stop:
            answers[index] = stop.value
        except Exception as exc:  # the caller decides what a failed hook means
            answers[index] = exc
        else:
            asked[index] = dict(questions or {})

    for index in range(len(generators)):
        advance(index)
    while asked:
        step = sorted(asked.items())
        asked.clear()
        flat = [(index, name, qs) for index, questions in step for name, qs in questions.items()]
        try:
            rows = fetch_together([qs for _index, _name, qs in flat])
        except Exception as exc:  # one app's broken question: every asker of this step fails
            for index, _questions in step:
                advance(index, error=exc)
            continue
        found: dict[int, dict] = {index: {} for index, _questions in step}
        for (index, name, _qs), result in zip(flat, rows, strict=True):
            found[index][name] = result
        for index, _questions in step:
            advance(index, found[index])
    return answers


def resolve(parts: list) -> list:
    """Items, ``Counts`` and ``Rows`` in order → items, every count and every row set asked in
    one query."""
    pending = [part for part in parts if isinstance(part, Counts | Rows)]
    questions = [
        ("count" if isinstance(part, Counts) else "rows", queryset)
        for part in pending
        for queryset in part.queries.values()
    ]
    found = iter(ask_together(questions))
    answers = {id(part): {name: next(found) for name in part.queries} for part in pending}
    items: list = []
    for part in parts:
        if isinstance(part, Counts | Rows):
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
