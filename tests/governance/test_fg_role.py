"""R18: the FG registration is the source of truth for who acts as FG in the portal.

Recording an FG gives that person's account the FG role (an invitation when the FG has no
account yet); deregistering ends it; breach mails and the 72-hour reminders go to whoever holds
the role on that day."""

from datetime import timedelta

import pytest
from django.core import mail
from django.utils import timezone

from accounts import access
from accounts.models import FoundationRole, User
from accounts.roles import FoundationRoleKind
from governance import services
from tests.breaches.factories import report_breach

pytestmark = pytest.mark.django_db

FG = FoundationRoleKind.FG


def _register(world, **extra):
    data = {
        "kind": "hired",
        "name": "Anna de Vries",
        "organisation": "Privacy Advies BV",
        "email": "anna@privacyadvies.example",
        "phone": "030 123 45 67",
        "registered_with_ap_on": timezone.localdate() - timedelta(days=3),
        **extra,
    }
    return services.fg_register(actor=world.cvb, foundation=world.foundation, **data)


def _fgs(world):
    return set(access.users_with_foundation_role(world.foundation, FG))


def test_recording_an_external_fg_creates_an_invited_account_with_the_fg_role(
    world, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        registration = _register(world)
    anna = User.objects.get(email="anna@privacyadvies.example")
    assert registration.person == anna
    assert not anna.has_usable_password()
    assert _fgs(world) == {anna}
    invitation = [m for m in mail.outbox if m.to == [anna.email]]
    assert len(invitation) == 1
    assert "/account/wachtwoord-herstellen/" in invitation[0].body


def test_recording_an_fg_links_the_existing_account_by_email_without_an_invitation(
    world, django_capture_on_commit_callbacks
):
    ib = world.ib  # an IB-er of a school may be the FG: no purposes and means
    with django_capture_on_commit_callbacks(execute=True):
        registration = _register(world, kind="internal", email=ib.email.upper(), name="IB")
    assert registration.person == ib
    assert ib in _fgs(world)
    assert not [m for m in mail.outbox if m.to == [ib.email]]


def test_recording_an_fg_ends_a_role_the_registration_does_not_name(world):
    assert world.fg in _fgs(world)  # granted by hand, without a registration
    _register(world)
    assert world.fg not in _fgs(world)
    role = FoundationRole.objects.get(user=world.fg, role=FG)
    assert role.end_date == timezone.localdate() - timedelta(days=1)


def test_deregistering_the_fg_ends_the_role_from_the_deregistration_date(world):
    registration = _register(world, kind="internal", person=world.fg, email=world.fg.email)
    today = timezone.localdate()
    services.fg_deregister(actor=world.cvb, registration=registration, deregistered_on=today)
    assert world.fg not in _fgs(world)
    assert world.fg in set(
        access.users_with_foundation_role(world.foundation, FG, day=today - timedelta(days=1))
    )


def test_after_an_fg_change_the_new_fg_gets_the_next_breach_mail_and_the_old_one_does_not(
    world, client_for, django_capture_on_commit_callbacks
):
    old = _register(world, kind="internal", person=world.fg, email=world.fg.email)
    services.fg_deregister(actor=world.cvb, registration=old, deregistered_on=timezone.localdate())
    _register(world)
    anna = User.objects.get(email="anna@privacyadvies.example")
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        breach = report_breach(world.teacher, world.school)
    recipients = {address for message in mail.outbox for address in message.to}
    assert anna.email in recipients
    assert world.fg.email not in recipients
    # The old FG's account no longer opens the breach; the new FG's does.
    assert client_for(world.fg).get(f"/datalekken/{breach.pk}/").status_code == 404
    assert client_for(anna).get(f"/datalekken/{breach.pk}/").status_code == 200


def test_the_fg_is_never_the_controller_even_by_email_of_a_new_account(world):
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError):
        _register(world, kind="internal", email=world.cvb.email)
    assert world.cvb not in _fgs(world)


def test_the_invited_fg_chooses_a_password_through_the_link(
    world, client, django_capture_on_commit_callbacks
):
    import re

    with django_capture_on_commit_callbacks(execute=True):
        _register(world)
    body = next(m.body for m in mail.outbox if m.to == ["anna@privacyadvies.example"])
    link = re.search(r"/account/wachtwoord-herstellen/\S+/", body).group(0)
    form_page = client.get(link, follow=True)
    assert form_page.status_code == 200
    response = client.post(
        form_page.redirect_chain[-1][0] if form_page.redirect_chain else link,
        {"new_password1": "Zomer-Privacy-2026!x", "new_password2": "Zomer-Privacy-2026!x"},
    )
    assert response.status_code == 302
    assert User.objects.get(email="anna@privacyadvies.example").has_usable_password()
