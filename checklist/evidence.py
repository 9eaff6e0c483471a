"""Evidence the system judges itself, contributed by each app without the checklist knowing how.

An app adds evidence by defining, in ``<app>/hooks.py``::

    from checklist.evidence import Evidence, EvidenceProvider, Verdict

    def checklist_evidence():
        return [EvidenceProvider(key="verwerkersovereenkomsten", name="agreements.coverage",
                                 judge=_judge_agreements)]

    def _judge_agreements(school, school_year) -> Evidence:
        ...
        return Evidence(Verdict.NOT_OK, _("2 programma's zonder getekende overeenkomst"), url)

``key`` is the stable key of a checklist item (``ChecklistItem.key``; the keys in use are listed in
docs/checklist.md). Several providers may judge one key: the worst verdict wins (niet OK over
onbekend over OK) and their summaries are shown together. A provider that fails is shown as
"onbekend" and logged; it never breaks the round page.
"""

import logging
from collections.abc import Callable
from dataclasses import dataclass, field

from django.utils.translation import gettext as _

from checklist.models import Verdict
from privacy_portal import hooks

logger = logging.getLogger(__name__)

__all__ = ["Evidence", "EvidenceProvider", "Verdict", "providers", "judge"]


@dataclass(frozen=True)
class Evidence:
    """A verdict on one item for one school and school year, with a short Dutch summary and a
    link to the list it was judged from (no personal data in the summary: counts, not names)."""

    verdict: str
    summary: str
    url: str = ""
    parts: tuple = field(default=(), compare=False)

    @property
    def contradicts_ok(self) -> bool:
        return self.verdict == Verdict.NOT_OK


@dataclass(frozen=True)
class EvidenceProvider:
    key: str  # the checklist item key this evidence is about
    name: str  # a stable, unique name of the provider, e.g. "accounts.departed_staff"
    judge: Callable[..., Evidence]  # (school, school_year) -> Evidence


_SEVERITY = {Verdict.OK: 0, Verdict.UNKNOWN: 1, Verdict.NOT_OK: 2}


def providers() -> dict[str, list[EvidenceProvider]]:
    """Every installed app's providers, by item key."""
    result: dict[str, list[EvidenceProvider]] = {}
    for provider in hooks.collect("checklist_evidence"):
        result.setdefault(provider.key, []).append(provider)
    return result


def _run(provider: EvidenceProvider, school, school_year: int) -> Evidence:
    try:
        return provider.judge(school, school_year)
    except Exception:  # a broken provider must not break the checklist
        logger.exception("checklist evidence provider %s failed", provider.name)
        return Evidence(Verdict.UNKNOWN, _("Kon niet worden bepaald (fout in de controle)."))


def combine(results: list[Evidence]) -> Evidence:
    if len(results) == 1:
        return results[0]
    worst = max(results, key=lambda e: _SEVERITY.get(e.verdict, 1))
    return Evidence(
        worst.verdict,
        " ".join(e.summary for e in results),
        worst.url or next((e.url for e in results if e.url), ""),
        parts=tuple(results),
    )


def judge(school, school_year: int, keys=None) -> dict[str, Evidence]:
    """The combined evidence per item key for ``school`` in ``school_year``.

    A judge that serves several items (departed staff: still active, and logins stopped) runs
    once: its verdict is kept for the other items, so the round page and the PDF ask each
    question once, not once per item."""
    result: dict[str, Evidence] = {}
    verdicts: dict = {}

    def run(provider):
        if provider.judge not in verdicts:
            verdicts[provider.judge] = _run(provider, school, school_year)
        return verdicts[provider.judge]

    for key, key_providers in providers().items():
        if keys is not None and key not in keys:
            continue
        result[key] = combine([run(p) for p in key_providers])
    return result
