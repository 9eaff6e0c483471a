"""One way to show a list: read the search text from the query string, filter, cut into pages.

The register lists of the apps (suppliers, products, agreements, departures, the equipment log,
consent's classes) share it, so that a search box and the page links behave alike everywhere:
the search text is ``?q=`` (trimmed, at most 100 characters), the page is ``?pagina=`` (a page
number that is not one shows the first or the last page, never an error).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import reduce
from operator import or_

from django.core.paginator import Page, Paginator
from django.db.models import Q

QUERY = "q"
PAGE = "pagina"
MAX_QUERY = 100
PER_PAGE = 25


def search_text(request) -> str:
    """The search text of the request: trimmed and cut to ``MAX_QUERY`` characters."""
    return request.GET.get(QUERY, "").strip()[:MAX_QUERY]


def paginate(request, items, per_page: int = PER_PAGE) -> Page:
    """The requested page of ``items`` (a queryset or a list)."""
    return Paginator(items, per_page).get_page(request.GET.get(PAGE))


def matching(queryset, query: str, fields):
    """``queryset`` narrowed to rows where one of ``fields`` contains ``query`` (any case)."""
    if not query or not fields:
        return queryset
    return queryset.filter(reduce(or_, (Q(**{f"{name}__icontains": query}) for name in fields)))


@dataclass(frozen=True)
class ListPage:
    """A searched, paginated list: ``page`` to render, ``query`` to put back in the box."""

    page: Page
    query: str


def list_page(request, queryset, *, fields=(), per_page: int = PER_PAGE) -> ListPage:
    """Search ``queryset`` on ``fields`` with the request's text, and take the requested page."""
    query = search_text(request)
    return ListPage(paginate(request, matching(queryset, query, fields), per_page), query)
