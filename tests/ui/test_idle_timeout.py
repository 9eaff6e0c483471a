"""The idle time-out loses no work (WCAG 2.2.1): staff pages carry the warning dialog, "Blijf
ingelogd" renews the clock, and a form posted after the time-out comes back after signing in, on
the page of the form and never on the address it posts to."""

import time

import pytest
from django.urls import reverse

from privacy_portal.middleware import FORM_DRAFT_SESSION_KEY

pytestmark = pytest.mark.django_db


def _expire_idle_clock(client, settings):
    session = client.session
    session["last_seen"] = time.time() - settings.STAFF_IDLE_TIMEOUT_MINUTES * 60 - 5
    session.save()


def test_staff_pages_carry_the_idle_warning_and_parents_pages_do_not(world, client_for, settings):
    body = client_for(world.directie).get("/").content.decode()
    assert 'id="idle-warning"' in body
    assert f'data-timeout="{settings.STAFF_IDLE_TIMEOUT_MINUTES * 60}"' in body
    assert "Blijf ingelogd" in body
    assert "over 2 minuten uitgelogd" in body
    body = client_for(world.parent).get("/").content.decode()
    assert 'id="idle-warning"' not in body


def test_stay_signed_in_renews_the_idle_clock(world, client_for):
    client = client_for(world.teacher)
    session = client.session
    session["last_seen"] = time.time() - 600
    session.save()
    response = client.post(reverse("session_keepalive"))
    assert response.status_code == 204
    assert time.time() - client.session["last_seen"] < 5


def test_a_form_posted_after_the_time_out_comes_back_after_signing_in(world, client_for, settings):
    client = client_for(world.fg)
    form_page = reverse("breaches:report")
    _expire_idle_clock(client, settings)
    response = client.post(
        form_page,
        {"summary": "Laptop kwijt in de trein", "csrfmiddlewaretoken": "x"},
        HTTP_REFERER=f"http://testserver{form_page}",
    )
    assert response.status_code == 302
    assert (
        response["Location"] == f"{reverse('accounts:login')}?next={form_page.replace('/', '%2F')}"
    )
    draft = client.session[FORM_DRAFT_SESSION_KEY]
    assert draft["fields"] == {"summary": ["Laptop kwijt in de trein"]}

    client_for(world.fg)  # signs in again on the same session, as the login page does
    body = client.get(form_page).content.decode()
    assert "Laptop kwijt in de trein" in body
    assert "Wat u had ingevuld is teruggezet" in body
    # Handed out once: a reload shows the empty form again.
    assert "Laptop kwijt in de trein" not in client.get(form_page).content.decode()


def test_after_the_time_out_the_sign_in_never_returns_to_a_post_only_address(
    world, client_for, settings
):
    client = client_for(world.fg)
    _expire_idle_clock(client, settings)
    response = client.post(
        "/datalekken/1/beoordelen/", {}, HTTP_REFERER="http://testserver/datalekken/1/"
    )
    assert "beoordelen" not in response["Location"]
    assert "next=%2Fdatalekken%2F1%2F" in response["Location"]
