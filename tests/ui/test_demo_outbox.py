"""Demo mode: the mails the demo "sent" are on a page for the demo's staff, and their links use
the address the demo is opened on, so that a demo user can click through an invitation. Outside
demo mode there is no such page and delivered mails keep no copy."""

import pytest
from django.urls import reverse

from privacy_portal import mail as outbox
from privacy_portal.models import OutboxMail
from tests import factories as f

pytestmark = pytest.mark.django_db

LOCMEM = "django.core.mail.backends.locmem.EmailBackend"


def _invite(client, world, django_capture_on_commit_callbacks, **extra):
    guardian = f.parent_of(world.pupil, with_account=False)
    url = reverse("portal:staff_invite", args=[world.pupil.pk, guardian.pk])
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url, **extra)
    assert response.status_code == 302
    return guardian


def test_in_demo_mode_an_invitation_links_to_the_address_the_demo_runs_on(
    world, client_for, settings, django_capture_on_commit_callbacks, mailoutbox
):
    settings.DEMO_MODE = True
    settings.EMAIL_BACKEND = LOCMEM
    settings.ALLOWED_HOSTS = ["demo.test"]
    client = client_for(world.administratie)
    _invite(client, world, django_capture_on_commit_callbacks, HTTP_HOST="demo.test:8123")
    assert "http://demo.test:8123/ouders/uitnodiging/" in mailoutbox[-1].body
    assert "127.0.0.1:8000" not in mailoutbox[-1].body


def test_outside_demo_mode_mail_links_come_from_site_url_whatever_the_host_header(
    world, client_for, settings, django_capture_on_commit_callbacks, mailoutbox
):
    settings.SITE_URL = "https://privacy.example.nl"
    settings.EMAIL_BACKEND = LOCMEM
    settings.ALLOWED_HOSTS = ["demo.test", "testserver"]
    client = client_for(world.administratie)
    _invite(client, world, django_capture_on_commit_callbacks, HTTP_HOST="demo.test:8123")
    assert "https://privacy.example.nl/ouders/uitnodiging/" in mailoutbox[-1].body
    assert "demo.test" not in mailoutbox[-1].body
    assert OutboxMail.objects.get().body == ""  # delivered: no copy kept


def test_demo_staff_read_the_sent_invitation_and_can_follow_its_link(
    world, client_for, settings, django_capture_on_commit_callbacks
):
    settings.DEMO_MODE = True
    settings.EMAIL_BACKEND = LOCMEM
    client = client_for(world.administratie)
    guardian = _invite(client, world, django_capture_on_commit_callbacks)
    assert OutboxMail.objects.get().status == OutboxMail.Status.SENT
    page = client_for(world.directie).get(reverse("demo_outbox")).content.decode()
    assert guardian.email in page
    assert '<a href="http://testserver/ouders/uitnodiging/' in page
    home = client_for(world.directie).get("/").content.decode()
    assert f'href="{reverse("demo_outbox")}"' in home


def test_parents_do_not_see_the_demo_outbox(world, client_for, settings):
    settings.DEMO_MODE = True
    assert client_for(world.parent).get(reverse("demo_outbox")).status_code == 403
    assert (
        f'href="{reverse("demo_outbox")}"' not in client_for(world.parent).get("/").content.decode()
    )


def test_there_is_no_demo_outbox_outside_demo_mode(world, client_for):
    assert client_for(world.directie).get(reverse("demo_outbox")).status_code == 404


def test_outside_demo_mode_a_delivered_mail_is_forgotten(settings):
    settings.EMAIL_BACKEND = LOCMEM
    mail = OutboxMail.objects.create(
        template="t", subject="Onderwerp", body="Tekst", recipients=["a@example.nl"]
    )
    outbox.deliver(mail.pk)
    mail.refresh_from_db()
    assert (mail.subject, mail.body, mail.recipients) == ("", "", [])
