"""No dead ends: every menu item and every link on a persona's pages opens for that persona.

Walks the demo world (every app filled) as each demo login: the start page, every page its menu
links to, and every link on those pages. A link that answers 403 or 404 to the person it is shown
to is a dead end; an error is a defect. Downloads are left out for speed (their views have tests
of their own)."""

import re
from collections import defaultdict
from html.parser import HTMLParser
from urllib.parse import urldefrag, urlsplit

import pytest
from django.core.management import call_command

from accounts.models import User
from tests.conftest import sign_in

pytestmark = pytest.mark.django_db

SKIP_PREFIXES = ("/static/", "/media/", "/account/uitloggen", "/i18n/", "/beheer/")
SKIP_SUFFIXES = (".pdf", ".csv", ".zip", ".json", ".png", ".svg")


class _Links(HTMLParser):
    def __init__(self):
        super().__init__()
        self.hrefs: list[str] = []

    def handle_starttag(self, tag, attrs):
        if tag == "a":
            href = dict(attrs).get("href") or ""
            self.hrefs.append(href)


def _internal_links(html: str) -> list[str]:
    parser = _Links()
    parser.feed(html)
    links = []
    for href in parser.hrefs:
        href, _ = urldefrag(href)
        parts = urlsplit(href)
        if not href or parts.scheme or parts.netloc or not parts.path.startswith("/"):
            continue
        if parts.path.startswith(SKIP_PREFIXES) or parts.path.endswith(SKIP_SUFFIXES):
            continue
        links.append(href)
    return links


@pytest.fixture
def demo_world(settings):
    settings.DEMO_MODE = True
    call_command("seed_demo", stdout=open("/dev/null", "w"))  # noqa: SIM115
    return User.objects.filter(email__endswith="@demo.privacyportaal.nl", is_active=True)


def test_every_link_a_persona_is_shown_opens_for_that_persona(client, demo_world):
    dead_ends: dict[str, list[str]] = defaultdict(list)
    for user in demo_world:
        client.logout()
        sign_in(client, user)
        seen: set[str] = set()
        frontier = [("/", "")]
        for depth in range(3):
            next_frontier = []
            for url, found_on in frontier:
                shape = re.sub(r"\d+", "N", url)
                if shape in seen:
                    continue
                seen.add(shape)
                response = client.get(url)
                if response.status_code in (301, 302):
                    continue
                if response.status_code != 200:
                    dead_ends[user.email].append(f"{url} → {response.status_code} (on {found_on})")
                    continue
                if depth < 2 and "text/html" in response.get("Content-Type", ""):
                    next_frontier.extend(
                        (link, url) for link in _internal_links(response.content.decode())
                    )
            frontier = next_frontier
    assert not dead_ends, "\n".join(
        f"{email}: {', '.join(urls)}" for email, urls in sorted(dead_ends.items())
    )
