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


def _menu_urls(context) -> set[str]:
    """The addresses in the person's menu: the navigation hooks offer an item only to those its
    view lets in, so they are the one source for "may this person open that list"."""
    from privacy_portal import hooks

    menu = context.get("menu")
    if menu is None:
        menu = hooks.menu(context.get("user"))
    urls = set()
    for entry in menu:
        for item in getattr(entry, "items", None) or [entry]:
            urls.add(item.url)
    return urls


@register.simple_tag(takes_context=True)
def evidence_link(context, url: str) -> str:
    """The evidence's list link, only when it is one of the person's own menu destinations: a
    teacher reading the checklist is not shown links that would answer "Geen toegang"."""
    user = context.get("user")
    if not url or user is None:
        return ""
    if url.startswith("/beheer/"):  # the admin guards itself: functional administrators only
        return url if user.is_staff else ""
    return url if url.split("?")[0] in _menu_urls(context) else ""
