"""Template helpers of the checklist: protocol references and small percentage bars."""

from django import template

from checklist import charts, protocol

register = template.Library()


@register.filter
def paragraph_label(ref: str) -> str:
    return protocol.label(ref)


@register.filter
def paragraph_known(ref: str) -> bool:
    return protocol.is_known(ref)


@register.filter
def percent_bar(value):
    return charts.bar(value)


@register.filter
def verdict_badge(verdict: str) -> str:
    return {"ok": "badge--ok", "not_ok": "badge--bad"}.get(verdict, "badge--warn")


@register.filter
def verdict_label(verdict: str) -> str:
    from checklist.models import Verdict

    try:
        return Verdict(verdict).label
    except ValueError:
        return verdict


@register.simple_tag(takes_context=True)
def evidence_link(context, url: str) -> str:
    """The evidence's list link, or "" when it points into the admin and the user has no access
    there (directie and teachers are not functional administrators)."""
    user = context.get("user")
    if not url:
        return ""
    if url.startswith("/beheer/") and not (user and user.is_staff):
        return ""
    return url
