"""Hardening that holds for every page: guessable passwords, lockout that nobody can aim at
someone else, headers on responses with pupil data, and bad input answered with a 4xx."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from tests.factories import PASSWORD

pytestmark = pytest.mark.django_db


def _login(client, user, password=PASSWORD, address="127.0.0.1"):
    return client.post(
        reverse("accounts:login"),
        {"username": user.email, "password": password},
        REMOTE_ADDR=address,
    )


@pytest.mark.parametrize(
    "password", ["Wachtwoord123", "Welkom2026!!", "Jansen-2026!", "Mila!Jansen1"]
)
def test_common_and_name_based_passwords_are_refused(client_for, world, password):
    world.teacher.first_name, world.teacher.last_name = "Mila", "Jansen"
    world.teacher.save()
    response = client_for(world.teacher).post(
        reverse("accounts:password_change"),
        {"old_password": PASSWORD, "new_password1": password, "new_password2": password},
    )
    assert response.status_code == 400
    world.teacher.refresh_from_db()
    assert world.teacher.check_password(PASSWORD)


def test_a_stranger_cannot_lock_out_the_cvb_from_another_address(client, world, settings):
    for _ in range(settings.AXES_FAILURE_LIMIT + 2):
        _login(client, world.cvb, "fout", address="203.0.113.9")
    assert _login(client, world.cvb, address="203.0.113.9").status_code == 403
    assert _login(client, world.cvb, address="198.51.100.20").status_code == 302


def test_guessing_at_one_account_from_one_address_is_locked(client, world, settings):
    for _ in range(settings.AXES_FAILURE_LIMIT):
        _login(client, world.teacher, "fout", address="203.0.113.9")
    assert _login(client, world.teacher, address="203.0.113.9").status_code == 403


def test_pages_with_pupil_data_are_not_stored_and_have_a_permissions_policy(client_for, world):
    response = client_for(world.ib).get(reverse("students:pupil_detail", args=[world.pupil.pk]))
    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"]
    assert "camera=()" in response["Permissions-Policy"]


def test_an_upload_over_the_cap_is_refused_before_it_is_read(client_for, world, settings):
    settings.MAX_UPLOAD_MEGABYTES = 1
    big = SimpleUploadedFile("groot.pdf", b"%PDF-1.4\n" + b"0" * (2 * 1024 * 1024))
    response = client_for(world.ib).post(
        reverse("students:dossier_entry_create", args=[world.pupil.pk]),
        {"title": "x", "category": "care", "document": big},
    )
    assert response.status_code == 413
    assert "te groot" in response.content.decode()


@pytest.mark.parametrize(
    "value", ["\x00", "a\x00b", "9" * 40, "-" + "9" * 25, "x" * 100_000, "1" * 300]
)
def test_bad_values_in_a_search_are_a_4xx(client_for, world, value):
    response = client_for(world.directie).get(reverse("students:pupil_list"), {"q": value})
    assert 400 <= response.status_code < 500
