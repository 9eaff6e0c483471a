"""Every form that posts is guarded, with one mechanism and without JavaScript: each POST form
renders a one-time token (``{% form_token %}``) and ``privacy_portal.once.OnceMiddleware`` runs a
token once. Views have no code of their own for it."""

import re
from pathlib import Path

import pytest
from django.conf import settings
from django.urls import reverse

from governance.models import ProtocolVersion
from privacy_portal.models import FormToken

pytestmark = pytest.mark.django_db

TOKEN = "a1" * 16


def test_a_double_submitted_emergency_contact_is_added_once(world, client_for):
    client = client_for(world.administratie)
    url = reverse("students:emergency_contact_create", args=[world.pupil.pk])
    data = {"name": "Buurvrouw Els", "phone": "06 12345678", "form_token": TOKEN}
    first = client.post(url, data)
    second = client.post(url, data, follow=True)
    assert first.status_code == 302
    assert world.pupil.emergency_contacts.count() == 1
    assert second.redirect_chain[0][0] == first["Location"]
    assert "Dit formulier was al verstuurd" in second.content.decode()


def test_a_double_submitted_protocol_version_is_created_once(world, client_for):
    client = client_for(world.cvb)
    url = reverse("governance:protocol_create")
    data = {"label": "2026-1", "title": "Privacyprotocol", "text": "Tekst", "form_token": TOKEN}
    assert client.post(url, data).status_code == 302
    # Without the guard the second submit would be refused as a duplicate label (400).
    assert client.post(url, data).status_code == 302
    assert ProtocolVersion.objects.count() == 1


def test_a_form_with_errors_gives_its_token_back_for_the_corrected_form(world, client_for):
    client = client_for(world.administratie)
    url = reverse("students:emergency_contact_create", args=[world.pupil.pk])
    refused = client.post(url, {"name": "Buurvrouw Els", "phone": "12", "form_token": TOKEN})
    assert refused.status_code == 400
    assert not FormToken.objects.exists()
    corrected = {"name": "Buurvrouw Els", "phone": "06 12345678", "form_token": TOKEN}
    assert client.post(url, corrected).status_code == 302
    assert world.pupil.emergency_contacts.count() == 1


def test_another_persons_token_is_refused_and_shows_nothing_of_theirs(world, client_for):
    url = reverse("students:emergency_contact_create", args=[world.pupil.pk])
    data = {"name": "Buurvrouw Els", "phone": "06 12345678", "form_token": TOKEN}
    client_for(world.administratie).post(url, data)
    response = client_for(world.directie).post(url, data)
    assert response.status_code == 400
    assert "Dit formulier is al gebruikt" in response.content.decode()
    assert world.pupil.emergency_contacts.count() == 1


def test_a_token_still_being_worked_on_asks_to_look_again_instead_of_running_twice(
    world, client_for, monkeypatch
):
    from privacy_portal import once

    monkeypatch.setattr(once, "WAIT_FOR_FIRST", 0.2)
    url = reverse("students:emergency_contact_create", args=[world.pupil.pk])
    FormToken.objects.create(
        token=TOKEN, form="site:students:emergency_contact_create", user_id=world.administratie.pk
    )  # the first submit is still running
    data = {"name": "Buurvrouw Els", "phone": "06 12345678", "form_token": TOKEN}
    response = client_for(world.administratie).post(url, data)
    assert response.status_code == 409
    assert not world.pupil.emergency_contacts.exists()


def test_sign_in_is_never_replayed_from_a_token(world, client):
    FormToken.objects.create(token=TOKEN, form="site:accounts:login", result_url="/elders/")
    response = client.post(
        reverse("accounts:login"),
        {"username": world.teacher.email, "password": "wrong", "form_token": TOKEN},
    )
    assert response.status_code != 302 or response["Location"] != "/elders/"


def test_a_post_without_a_token_works_as_before(world, client_for):
    client = client_for(world.administratie)
    url = reverse("students:emergency_contact_create", args=[world.pupil.pk])
    data = {"name": "Buurvrouw Els", "phone": "06 12345678"}
    client.post(url, data)
    client.post(url, data)
    assert world.pupil.emergency_contacts.count() == 2
    assert not FormToken.objects.exists()


def test_every_post_form_in_the_templates_renders_its_token():
    """The token is in the HTML, so the guard works without JavaScript: a form that posts
    without ``{% form_token %}`` would be unguarded."""
    missing = []
    for template in sorted(Path(settings.BASE_DIR, "templates").rglob("*.html")):
        text = template.read_text()
        for form in re.findall(r"<form\b[^>]*>.*?</form>", text, flags=re.S | re.I):
            if re.search(r"method=[\"']?post", form, flags=re.I) and "{% form_token %}" not in form:
                missing.append(f"{template.name}: {form[:80]}")
    assert missing == []


def test_a_page_without_javascript_gets_its_token_from_the_server_and_is_guarded(world, client_for):
    """As a browser without JavaScript sends it: the token the page rendered, twice."""
    client = client_for(world.administratie)
    url = reverse("students:emergency_contact_create", args=[world.pupil.pk])
    page = client.get(url).content.decode()
    token = re.search(r'name="form_token" value="([^"]+)"', page).group(1)
    data = {"name": "Buurvrouw Els", "phone": "06 12345678", "form_token": token}
    first = client.post(url, data)
    second = client.post(url, data)
    assert first.status_code == second.status_code == 302
    assert second["Location"] == first["Location"]
    assert world.pupil.emergency_contacts.count() == 1
