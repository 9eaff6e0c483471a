"""Walks the whole URL configuration: every view refuses anonymous visitors (except the few public
pages listed here), and no view answers a signed-in person without any role, or a made-up id,
with a server error or with somebody else's data."""

import re

import pytest
from django.urls import URLPattern, URLResolver, get_resolver

pytestmark = pytest.mark.django_db

# Pages anybody may open without signing in.
PUBLIC = {
    "accounts:login",
    "accounts:password_reset",
    "accounts:password_reset_done",
    "accounts:password_reset_confirm",
    "accounts:password_reset_complete",
    "accounts:logout",
    "set_language",
    "portal:invitation_accept",  # the link in a parent's invitation e-mail
    # The personal link in consent mails and the pages it opens for that one parent.
    "consent:link_open",
    "consent:link_form",
    "consent:link_invite",
    "agreements:processor_sign",  # the personal link mailed to the processor's signatory
}
# Pages every signed-in person may open, whatever their roles.
FOR_EVERYONE = {
    "home",
    "accounts:account",
    "accounts:password_change",
    "accounts:otp_setup",
    "accounts:otp_verify",
    "accounts:class_list",
}
# URL name prefixes served by third-party packages with their own guards.
THIRD_PARTY = ("admin:",)


def _walk(resolver, prefix="", namespace=""):
    for pattern in resolver.url_patterns:
        if isinstance(pattern, URLResolver):
            ns = pattern.namespace or ""
            yield from _walk(
                pattern, prefix + str(pattern.pattern), f"{namespace}{ns}:" if ns else namespace
            )
        elif isinstance(pattern, URLPattern) and pattern.name:
            yield f"{namespace}{pattern.name}", prefix + str(pattern.pattern)


def _concrete(route: str) -> str:
    """Fill every converter with an id that does not exist."""
    route = re.sub(r"<int:[^>]+>", "999999", route)
    route = re.sub(r"<uuid:[^>]+>", "00000000-0000-0000-0000-000000000000", route)
    route = re.sub(r"<(str|slug|path):[^>]+>", "bestaat-niet", route)
    route = re.sub(r"<[^>]+>", "bestaat-niet", route)
    return "/" + route.lstrip("^").rstrip("$")


ROUTES = sorted(
    (name, _concrete(route))
    for name, route in _walk(get_resolver())
    if not name.startswith(THIRD_PARTY)
)


def test_the_walk_finds_the_views():
    names = {name for name, _ in ROUTES}
    assert {"home", "accounts:login", "accounts:class_detail"} <= names


PROTECTED = [(name, url) for name, url in ROUTES if name not in PUBLIC]
ROLE_BOUND = [(name, url) for name, url in PROTECTED if name not in FOR_EVERYONE]


@pytest.mark.parametrize(("name", "url"), PROTECTED, ids=[name for name, _ in PROTECTED])
def test_anonymous_visitor_is_sent_to_login(client, name, url):
    response = client.get(url)
    assert response.status_code in (302, 404, 405), f"{name} {url} gave {response.status_code}"
    if response.status_code == 302:
        assert "/account/inloggen/" in response["Location"] or "/account/" in response["Location"]


@pytest.mark.parametrize(("name", "url"), ROLE_BOUND, ids=[name for name, _ in ROLE_BOUND])
def test_person_without_roles_gets_no_data_and_no_server_error(client_for, world, name, url):
    response = client_for(world.outsider).get(url)
    assert response.status_code < 500, f"{name} {url} gave {response.status_code}"
    if "999999" in url or "bestaat-niet" in url:
        assert response.status_code in (302, 400, 403, 404, 405), (
            f"{name} {url} gave {response.status_code}"
        )
