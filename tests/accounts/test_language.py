"""The language switch: each language named in itself, a translated label, ``lang`` on <html>
that matches the content, and the choice remembered on the account and applied at sign-in."""

import re

import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse

from tests.factories import PASSWORD

pytestmark = pytest.mark.django_db


def _switch(client, language, next_url="/"):
    return client.post(reverse("set_language"), {"language": language, "next": next_url})


def _html_lang(response):
    return re.search(r'<html lang="([^"]+)"', response.content.decode()).group(1)


def test_the_switch_names_each_language_in_itself_in_both_languages(client):
    for chosen in ["nl", "en"]:
        client.cookies[settings.LANGUAGE_COOKIE_NAME] = chosen
        page = client.get(reverse("accounts:login")).content.decode()
        assert '<option value="nl" lang="nl"' in page
        assert ">Nederlands</option>" in page
        assert '<option value="en" lang="en"' in page
        assert ">English</option>" in page
        assert "Engels" not in page


def test_the_switch_label_is_translated_in_english_mode(client):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    page = client.get(reverse("accounts:login")).content.decode()
    assert '<label for="language">Language</label>' in page
    assert '<label for="language">Taal</label>' not in page


def test_html_lang_follows_the_chosen_language(client):
    assert _html_lang(client.get(reverse("accounts:login"))) == "nl"
    _switch(client, "en")
    response = client.get(reverse("accounts:login"))
    assert _html_lang(response) == "en"
    assert response.headers["Content-Language"] == "en"


def test_switching_while_signed_in_is_remembered_on_the_account(client_for, world):
    client = client_for(world.parent)
    response = _switch(client, "en", next_url="/")
    assert response.status_code == 302
    world.parent.refresh_from_db()
    assert world.parent.preferred_language == "en"


def test_the_accounts_language_applies_at_sign_in_on_a_new_device(world):
    world.parent.preferred_language = "en"
    world.parent.save()
    fresh = Client()  # no language cookie: another device
    response = fresh.post(
        reverse("accounts:login"), {"username": world.parent.email, "password": PASSWORD}
    )
    assert response.status_code == 302
    page = fresh.get(response["Location"], follow=True)
    assert _html_lang(page) == "en"


def test_the_accounts_language_wins_over_an_old_cookie_after_sign_in(world):
    world.parent.preferred_language = "nl"
    world.parent.save()
    device = Client()
    device.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    device.post(reverse("accounts:login"), {"username": world.parent.email, "password": PASSWORD})
    assert _html_lang(device.get(reverse("home"), follow=True)) == "nl"


def test_an_unknown_language_changes_nothing_and_is_no_error(client_for, world):
    client = client_for(world.parent)
    response = _switch(client, "xx")
    assert response.status_code == 302
    world.parent.refresh_from_db()
    assert world.parent.preferred_language == ""
    assert _html_lang(client.get(reverse("home"), follow=True)) == "nl"


def test_the_switch_only_accepts_post(client):
    assert client.get(reverse("set_language")).status_code == 405
