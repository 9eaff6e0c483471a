"""Linking an account to a child happens only when the invitee accepts through the mailed link;
a staff account of the school needs the directie's confirmation (no self-escalation)."""

import pytest
from django.core.exceptions import PermissionDenied
from django.urls import reverse

from accounts import access
from portal import services
from portal.models import Invitation
from students import services as student_services
from students.models import Guardian, GuardianLink
from tests import factories as f

pytestmark = pytest.mark.django_db


def _mailed_path(mailoutbox) -> str:
    link = next(
        line for line in mailoutbox[-1].body.splitlines() if "/ouders/uitnodiging/" in line
    ).strip()
    return link.replace("http://127.0.0.1:8000", "")


def _edit_email(client, pupil, guardian, email):
    return client.post(
        reverse("students:guardian_edit", args=[pupil.pk, guardian.pk]),
        {
            "first_name": guardian.first_name,
            "last_name": guardian.last_name,
            "email": email,
            "phone": guardian.phone,
        },
    )


def test_administratie_cannot_become_parent_of_pupil(
    client_for, world, mailoutbox, django_capture_on_commit_callbacks
):
    guardian = Guardian.objects.get(user=world.parent)
    old_email = guardian.email
    client = client_for(world.administratie)
    with django_capture_on_commit_callbacks(execute=True):
        assert (
            _edit_email(client, world.pupil, guardian, world.administratie.email).status_code == 302
        )
        response = client.post(
            reverse("portal:staff_invite", args=[world.pupil.pk, guardian.pk]), follow=True
        )
    assert response.status_code == 200
    # Sending the invitation linked nothing.
    assert not access.is_parent_with_authority(world.administratie, world.pupil)
    # The real parent's old address was told about the change.
    assert any(old_email in mail.to for mail in mailoutbox)
    # Even accepting through the mailed link does not link a staff account of the school.
    with django_capture_on_commit_callbacks(execute=True):
        client.get(_mailed_path(mailoutbox), follow=True)
        response = client.post(reverse("portal:invitation_continue"), follow=True)
    assert response.status_code == 200
    invitation = Invitation.objects.get(user=world.administratie)
    assert invitation.status == Invitation.Status.AWAITING_CONFIRMATION
    assert not access.is_parent_with_authority(world.administratie, world.pupil)
    assert client.get(reverse("portal:child_detail", args=[world.pupil.pk])).status_code == 404
    # The invitee cannot confirm itself; the directie is asked.
    confirm = reverse("portal:staff_invitation_confirm", args=[world.pupil.pk, invitation.pk])
    assert client.post(confirm).status_code == 404
    with pytest.raises(PermissionDenied):
        services.invitation_confirm(actor=world.administratie, invitation=invitation)
    assert any(world.directie.email in mail.to for mail in mailoutbox)
    guardian.refresh_from_db()
    assert guardian.user == world.parent


def test_directie_confirms_a_staff_member_who_really_is_the_parent(
    client_for, world, mailoutbox, django_capture_on_commit_callbacks
):
    guardian = f.parent_of(world.pupil, with_account=False)
    guardian.email = world.teacher.email
    guardian.save()
    with django_capture_on_commit_callbacks(execute=True):
        invitation = services.guardian_invite(actor=world.administratie, guardian=guardian)
    invitation = services.invitation_accept(invitation=invitation, user=world.teacher)
    assert invitation.status == Invitation.Status.AWAITING_CONFIRMATION
    response = client_for(world.directie).post(
        reverse("portal:staff_invitation_confirm", args=[world.pupil.pk, invitation.pk])
    )
    assert response.status_code == 302
    invitation.refresh_from_db()
    assert invitation.status == Invitation.Status.ACCEPTED
    assert invitation.confirmed_by == world.directie
    assert access.is_parent_with_authority(world.teacher, world.pupil)


def test_invitation_to_an_existing_account_links_only_after_signing_in_and_accepting(
    client, client_for, world, mailoutbox, django_capture_on_commit_callbacks
):
    existing = f.UserFactory()
    guardian = f.parent_of(world.pupil_other_class, with_account=False)
    guardian.email = existing.email
    guardian.save()
    with django_capture_on_commit_callbacks(execute=True):
        services.guardian_invite(actor=world.administratie, guardian=guardian)
    guardian.refresh_from_db()
    assert guardian.user is None
    assert not access.is_parent_with_authority(existing, world.pupil_other_class)
    # Anonymous: the link asks to sign in first, and links nothing.
    response = client.get(_mailed_path(mailoutbox), follow=True)
    assert response.status_code == 403
    assert not access.is_parent_with_authority(existing, world.pupil_other_class)
    # Signed in as someone else: still nothing.
    other = client_for(world.outsider)
    other.get(_mailed_path(mailoutbox), follow=True)
    assert other.post(reverse("portal:invitation_continue")).status_code == 403
    # Signed in as the invitee, accepting links the account.
    own = client_for(existing)
    own.get(_mailed_path(mailoutbox), follow=True)
    assert own.post(reverse("portal:invitation_continue")).status_code == 302
    assert access.is_parent_with_authority(existing, world.pupil_other_class)


def test_invitation_link_works_once_and_not_after_the_email_changed(
    client, world, mailoutbox, django_capture_on_commit_callbacks
):
    guardian = f.parent_of(world.pupil, with_account=False)
    with django_capture_on_commit_callbacks(execute=True):
        services.guardian_invite(actor=world.administratie, guardian=guardian)
    path = _mailed_path(mailoutbox)
    with django_capture_on_commit_callbacks(execute=True):
        student_services.guardian_update(
            actor=world.administratie,
            pupil=world.pupil,
            guardian=guardian,
            data={"email": "ander@thuis.example"},
        )
    assert client.get(path).status_code == 404
    assert client.get(reverse("portal:invitation_continue")).status_code == 404
    assert client.get("/ouders/uitnodiging/" + "x" * 500 + "/").status_code == 404


def test_duplicate_guardian_emails_for_two_children_become_one_parent(
    client, world, mailoutbox, django_capture_on_commit_callbacks
):
    """One parent stored twice (two children): the second invitation is no 500, and after
    accepting both the parent reaches both children through one guardian record."""
    first = f.parent_of(world.pupil, with_account=False)
    second = f.parent_of(world.pupil_other_class, with_account=False)
    second.email = first.email
    second.save()
    for guardian in (first, second):
        with django_capture_on_commit_callbacks(execute=True):
            services.guardian_invite(actor=world.administratie, guardian=guardian)
        response = client.get(_mailed_path(mailoutbox), follow=True)
        assert response.status_code == 200
        if guardian is first:
            response = client.post(
                reverse("portal:invitation_continue"),
                {"new_password1": "Thuis-Wachtwoord-7!", "new_password2": "Thuis-Wachtwoord-7!"},
                follow=True,
            )
        else:
            response = client.post(reverse("portal:invitation_continue"), follow=True)
        assert response.status_code == 200
    user = Guardian.objects.get(email=first.email).user
    assert Guardian.objects.filter(email=first.email).count() == 1
    assert access.is_parent_with_authority(user, world.pupil)
    assert access.is_parent_with_authority(user, world.pupil_other_class)


def test_editing_an_email_to_a_siblings_parent_merges_the_records(client_for, world):
    first = f.parent_of(world.pupil, with_account=False)
    second = f.parent_of(world.pupil_other_class, with_account=False)
    response = _edit_email(
        client_for(world.administratie), world.pupil_other_class, second, first.email.upper()
    )
    assert response.status_code == 302
    assert not Guardian.objects.filter(pk=second.pk).exists()
    assert set(GuardianLink.objects.filter(guardian=first).values_list("pupil", flat=True)) == {
        world.pupil.pk,
        world.pupil_other_class.pk,
    }


def test_editing_an_email_never_hands_an_existing_parent_account_another_child(client_for, world):
    parent_guardian = Guardian.objects.get(user=world.parent)
    other = f.parent_of(world.pupil_other_class, with_account=False)
    _edit_email(client_for(world.administratie), world.pupil_other_class, other, world.parent.email)
    assert not access.is_parent_with_authority(world.parent, world.pupil_other_class)
    assert Guardian.objects.filter(pk=other.pk).exists()
    assert parent_guardian.links.count() == 1


def test_the_parents_of_a_pupil_are_listed_in_dutch_name_order(client_for, world):
    world.pupil.guardian_links.all().delete()
    for first, prefix, last in [
        ("Noor", "", "Yilmaz"),
        ("Pieter", "van den", "Berg"),
        ("Anna", "", "Berg"),
    ]:
        guardian = f.GuardianFactory(first_name=first, surname_prefix=prefix, last_name=last)
        GuardianLink.objects.create(
            guardian=guardian, pupil=world.pupil, has_parental_authority=True
        )
    page = (
        client_for(world.directie)
        .get(reverse("portal:staff_guardians", args=[world.pupil.pk]))
        .content.decode()
    )
    # Surname without the tussenvoegsel, then first name: "van den Berg" under B, before Yilmaz.
    assert page.index("Anna") < page.index("Pieter") < page.index("Noor")
