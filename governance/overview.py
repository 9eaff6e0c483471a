"""The foundation overview for the CvB and the FG: figures gathered from the apps that own the
data, per school and over time, next to each other.

An app contributes by defining, in ``<app>/hooks.py``::

    def foundation_figures(foundation, *, period, school_ids=None):
        from governance.overview import Figure
        return [Figure(key="agreements.unsigned", title=_("..."), per_school={school_id: 2},
                       url=reverse("agreements:dashboard"))]

or, so that its questions are asked together with every other app's (one query per step for
all apps, ``privacy_portal.hooks.run_together``; the overview's page budget of 12 queries
holds only so), as a generator that yields ``values_list`` querysets and gets their rows::

    def foundation_figures(foundation, *, period, school_ids=None):
        found = yield {"open": requests.values_list("pupil__school").annotate(n=Count("pk"))}
        return [Figure(key="portal.open", per_school=dict(found["open"]), ...)]

``period`` (a ``Period``) is the stretch of time the viewer chose; a hook counts what happened
in it (breaches reported, requests open at its end) and draws its over-time chart up to its end.
``school_ids`` is the viewer's scope: ``None`` for the whole foundation (CvB, FG), else the
directie's own schools; a hook counts nothing outside it (the totals and breakdowns too).

A figure that only knows "now" (products without agreement, consent response) sets
``snapshot=True``: a nightly job keeps its per-school values per month
(``governance.FigureSnapshot``), so that the overview can show its trend and, for a period
that ended in the past, its value at the end of that period.

A figure holds aggregates only (counts and percentages per school, per year), never names of
pupils, parents or staff; ``items`` may point at registers' pages (a reference and a link), so
that the board can follow an overdue item to where it is handled. A hook that fails is shown as
"could not be determined" and logged; it never breaks the overview.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field, replace
from datetime import date, datetime, time, timedelta

from django.utils import timezone
from django.utils.translation import gettext as _

from privacy_portal import hooks

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class FigureItem:
    """One thing behind a figure that someone can follow: an overdue breach, a product without
    agreement. ``title`` is a reference, never personal data."""

    title: str
    url: str = ""
    detail: str = ""
    school_id: int | None = None
    level: str = "warning"  # info | warning | danger


@dataclass(frozen=True)
class Figure:
    """A number per school (and over time) from one register of the foundation.

    ``per_school`` maps school ids to a count or a percentage (``unit``); ``total`` is the
    foundation's figure (the sum for counts unless given); ``over_time`` is a list of
    (label, value) pairs, oldest first; ``breakdown`` a list of (label, value) pairs (e.g.
    breaches per kind). ``good`` says which direction is good: "low" (fewer is better) or
    "high" (a response rate), or "neutral" (upcoming destructions: neither good nor bad).
    """

    key: str
    title: str
    per_school: dict = field(default_factory=dict)
    total: int | None = None
    unit: str = "count"  # count | percent
    url: str = ""
    url_roles: tuple = ()  # foundation roles that may open ``url``; empty: CvB and FG alike
    description: str = ""
    over_time: tuple = ()
    over_time_title: str = ""
    breakdown: tuple = ()
    breakdown_title: str = ""
    items: tuple = ()
    good: str = "low"
    order: int = 50
    failed: bool = False
    snapshot: bool = False
    missing_is_zero: bool = True  # False where a school without a value was not measured
    bases: dict = field(default_factory=dict)  # percent figures: the number each rate is of

    def scoped(self, school_ids) -> Figure:
        """The figure restricted to ``school_ids`` (a second guard after the hook's own filter:
        nothing of another school leaves, not even as a total)."""
        if school_ids is None:
            return self
        keep = set(school_ids)
        return replace(
            self,
            per_school={k: v for k, v in self.per_school.items() if k in keep},
            bases={k: v for k, v in self.bases.items() if k in keep},
            items=tuple(item for item in self.items if item.school_id in keep),
        )

    @property
    def foundation_total(self):
        if self.total is not None:
            return self.total
        if self.unit == "count":
            if not self.missing_is_zero and not self.per_school:
                return None
            return sum(value or 0 for value in self.per_school.values())
        return weighted_rate(self.per_school, self.bases)

    def url_for(self, foundation_roles) -> str:
        """The register's link, only for a viewer who may open it (no links to "no access")."""
        if self.url_roles and not set(self.url_roles) & set(foundation_roles):
            return ""
        return self.url

    def value_for(self, school_id: int):
        return self.per_school.get(school_id)

    def needs_attention(self, value) -> bool:
        """Whether a value is a concern: above zero for counts where fewer is better; below
        80 % for rates where more is better."""
        if value is None or self.good == "neutral":
            return False
        if self.good == "low":
            return value > 0
        return value < 80


def weighted_rate(rates: dict, bases: dict):
    """The overall percentage of per-school percentages, each weighted by its base (the number
    it is a share of); ``None`` when there is nothing to weigh."""
    pairs = [(rates.get(key), base) for key, base in bases.items() if base]
    pairs = [(rate, base) for rate, base in pairs if rate is not None]
    total = sum(base for _rate, base in pairs)
    if not total:
        return None
    return round(sum(rate * base for rate, base in pairs) / total)


# --- the period the viewer chose -------------------------------------------------------------


@dataclass(frozen=True)
class Period:
    """A stretch of days, both ends included, that the overview's figures are about."""

    start: date
    end: date
    label: str
    key: str = "custom"

    @classmethod
    def school_year(cls, start_year: int, key: str = "custom") -> Period:
        from accounts.models import school_year_label

        return cls(
            date(start_year, 8, 1),
            date(start_year + 1, 7, 31),
            _("schooljaar %(year)s") % {"year": school_year_label(start_year)},
            key,
        )

    @classmethod
    def default(cls, today: date | None = None) -> Period:
        """This school year: what the overview shows when nobody chose."""
        from accounts.models import school_year_of

        return cls.school_year(school_year_of(today or timezone.localdate()), "this_year")

    @property
    def start_at(self) -> datetime:
        return timezone.make_aware(datetime.combine(self.start, time.min))

    @property
    def end_at(self) -> datetime:
        """The first moment after the period (exclusive upper bound for timestamps)."""
        return timezone.make_aware(datetime.combine(self.end + timedelta(days=1), time.min))

    def reaches_today(self, today: date | None = None) -> bool:
        """Whether the period runs up to today or beyond: then "now" is its end value."""
        return self.end >= (today or timezone.localdate())

    def as_of(self, today: date | None = None) -> date:
        """The day whose state the period's end stands for: its end, or today if that is later."""
        return min(self.end, today or timezone.localdate())

    def months(self, today: date | None = None) -> list[date]:
        """First days of the months the period touches, up to today at the latest."""
        last = self.as_of(today).replace(day=1)
        month = self.start.replace(day=1)
        result = []
        while month <= last:
            result.append(month)
            month = (month + timedelta(days=32)).replace(day=1)
        return result

    def query(self) -> str:
        """The query string that chooses this period again (for the PDF link)."""
        from urllib.parse import urlencode

        if self.key == "custom":
            return urlencode({"periode": "custom", "van": self.start, "tot": self.end})
        return urlencode({"periode": self.key})


def figures(foundation, *, period: Period | None = None, school_ids=None) -> list[Figure]:
    """Every installed app's figures for ``foundation`` in ``period`` (this school year unless
    given), counted over ``school_ids`` only (``None``: every school), in a fixed order.

    A hook may be a generator (``yield {name: values_list queryset}`` → rows by name, then
    ``return [Figure, …]``): every app's questions of the same step are asked in one query
    (``hooks.run_together``), so the overview costs a few queries whatever the number of apps.
    A figure that only knows "now" gets its value at the end of a past period and its trend
    from the monthly snapshots (asked in the first step too)."""
    import inspect

    period = period or Period.default()
    modules, generators, result = [], [], []
    for module in hooks._hook_modules():
        function = getattr(module, "foundation_figures", None)
        if function is None:
            continue
        if inspect.isgeneratorfunction(function):
            modules.append(module)
            generators.append(function(foundation, period=period, school_ids=school_ids))
            continue
        try:
            found = function(foundation, period=period, school_ids=school_ids) or []
        except Exception:  # one broken app must not break the board's overview
            result.append(_failed(module))
        else:
            result.extend(figure.scoped(school_ids) for figure in found)
    history, *answers = hooks.run_together(
        [_snapshot_rows(foundation, period, school_ids), *generators]
    )
    if isinstance(history, Exception):
        raise history
    for module, found in zip(modules, answers, strict=True):
        if isinstance(found, Exception):
            logger.error("foundation_figures of %s failed", module.__name__, exc_info=found)
            result.append(_failed(module, logged=True))
        else:
            result.extend(figure.scoped(school_ids) for figure in found or [])
    result = [_with_history(figure, history.get(figure.key, []), period) for figure in result]
    return sorted(result, key=lambda figure: (figure.order, figure.key))


def _failed(module, *, logged: bool = False) -> Figure:
    if not logged:
        logger.exception("foundation_figures of %s failed", module.__name__)
    return Figure(
        key=f"{module.__name__}.failed",
        title=_("Kon niet worden bepaald (fout in %(app)s)")
        % {"app": module.__name__.split(".")[0]},
        failed=True,
        order=999,
    )


def _snapshot_rows(foundation, period: Period, school_ids):
    """The monthly snapshots over the period, every key's at once (only snapshot figures have
    them), asked with the apps' first questions: key -> [(school_id, month, value, base)]."""
    from governance.models import FigureSnapshot

    today = timezone.localdate()
    rows = FigureSnapshot.objects.filter(
        foundation=foundation,
        month__gte=period.start.replace(day=1),
        month__lte=period.as_of(today).replace(day=1),
    )
    if school_ids is not None:
        rows = rows.filter(school_id__in=school_ids)
    found = yield {
        "rows": rows.order_by().values_list("key", "school_id", "month", "value", "base")
    }
    history: dict[str, list] = {}
    for key, *row in found["rows"]:
        history.setdefault(key, []).append(row)
    return history


def _with_history(figure: Figure, rows, period: Period) -> Figure:
    """For a snapshot figure: its monthly trend over the period and, for a period that ended
    before today, the values of its last month instead of today's."""
    if figure.failed or not figure.snapshot:
        return figure
    today = timezone.localdate()
    by_month: dict[date, tuple[dict, dict]] = {}
    for school_id, month, value, base in rows:
        values, bases = by_month.setdefault(month, ({}, {}))
        values[school_id], bases[school_id] = value, base
    if period.reaches_today(today):
        # Today's live values stand for the current month (its snapshot may be a day old).
        by_month[today.replace(day=1)] = (dict(figure.per_school), dict(figure.bases))
    else:
        last = by_month.get(period.end.replace(day=1), ({}, {}))
        figure = replace(
            figure,
            per_school=last[0],
            bases=last[1],
            total=None,
            items=(),
            missing_is_zero=False,
            description=" ".join(
                [
                    figure.description,
                    _("Stand aan het eind van de periode (de meting van die maand)."),
                ]
            ).strip(),
        )
    trend = []
    for month in period.months(today):
        values, bases = by_month.get(month, ({}, {}))
        if not values:
            value = None
        elif figure.unit == "count":
            value = sum(v or 0 for v in values.values())
        else:
            value = weighted_rate(values, bases)
        trend.append((month_label(month), value))
    return replace(
        figure,
        over_time=tuple(trend),
        over_time_title=figure.over_time_title or _("Verloop per maand"),
    )


def month_label(month: date) -> str:
    from django.utils.formats import date_format

    return date_format(month, "M Y")


def snapshot_figures(foundation, *, today: date | None = None) -> int:
    """Keep this month's value of every snapshot figure per school (idempotent: a second run in
    the same month overwrites the row with the newer value, so the row holds the month's last
    value). Returns the number of rows written."""
    from governance.models import FigureSnapshot

    today = today or timezone.localdate()
    month = today.replace(day=1)
    written = 0
    for figure in figures(foundation, period=Period.default(today)):
        if figure.failed or not figure.snapshot:
            continue
        for school in foundation.schools.all():
            FigureSnapshot.objects.update_or_create(
                foundation=foundation,
                school=school,
                key=figure.key,
                month=month,
                defaults={
                    "value": figure.per_school.get(school.pk),
                    "base": figure.bases.get(school.pk),
                },
            )
            written += 1
    return written
