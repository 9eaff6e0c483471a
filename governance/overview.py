"""The foundation overview for the CvB and the FG: figures gathered from the apps that own the
data, per school and over time, next to each other.

An app contributes by defining, in ``<app>/hooks.py``::

    def foundation_figures(foundation):
        from governance.overview import Figure
        return [Figure(key="agreements.unsigned", title=_("..."), per_school={school_id: 2},
                       url=reverse("agreements:dashboard"))]

A figure holds aggregates only (counts and percentages per school, per year), never names of
pupils, parents or staff; ``items`` may point at registers' pages (a reference and a link), so
that the board can follow an overdue item to where it is handled. A hook that fails is shown as
"could not be determined" and logged; it never breaks the overview.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field

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

    @property
    def foundation_total(self):
        if self.total is not None or self.unit != "count":
            return self.total
        return sum(value or 0 for value in self.per_school.values())

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


def figures(foundation) -> list[Figure]:
    """Every installed app's figures for ``foundation``, in a fixed order."""
    result = []
    for module in hooks._hook_modules():
        function = getattr(module, "foundation_figures", None)
        if function is None:
            continue
        try:
            result.extend(function(foundation) or [])
        except Exception:  # one broken app must not break the board's overview
            logger.exception("foundation_figures of %s failed", module.__name__)
            result.append(
                Figure(
                    key=f"{module.__name__}.failed",
                    title=_("Kon niet worden bepaald (fout in %(app)s)")
                    % {"app": module.__name__.split(".")[0]},
                    failed=True,
                    order=999,
                )
            )
    return sorted(result, key=lambda figure: (figure.order, figure.key))
