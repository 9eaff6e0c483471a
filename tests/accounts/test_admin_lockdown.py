"""No self-escalation through the web admin, and no pupil data around the access gate."""

import pytest
from django.contrib import admin
from django.urls import reverse

from accounts.models import FoundationRole, StaffMembership
from privacy_portal import admin_lockdown

pytestmark = pytest.mark.django_db


def _user_form(user, **changes):
    data = {
        "email": user.email,
        "first_name": user.first_name,
        "last_name": user.last_name,
        "is_active": "on",
        "is_staff": "on",
        "is_superuser": "on",
        "groups": [],
        "user_permissions": [],
        "date_joined_0": "2020-01-01",
        "date_joined_1": "00:00:00",
        **changes,
    }
    for prefix in ("staff_memberships", "class_assignments", "foundation_roles"):
        data.update({f"{prefix}-TOTAL_FORMS": "0", f"{prefix}-INITIAL_FORMS": "0"})
    return data


def test_beheerder_cannot_make_itself_superuser(client_for, world):
    client = client_for(world.beheerder)
    url = reverse("admin:accounts_user_change", args=[world.beheerder.pk])
    response = client.post(url, _user_form(world.beheerder))
    assert response.status_code == 403
    world.beheerder.refresh_from_db()
    assert not world.beheerder.is_superuser


def test_beheerder_cannot_make_someone_else_superuser_or_staff(client_for, world):
    client = client_for(world.beheerder)
    url = reverse("admin:accounts_user_change", args=[world.outsider.pk])
    response = client.post(url, _user_form(world.outsider))
    assert response.status_code in (200, 302)
    world.outsider.refresh_from_db()
    assert not world.outsider.is_superuser
    assert not world.outsider.is_staff
    assert not world.outsider.groups.exists()
    assert not world.outsider.user_permissions.exists()


def test_beheerder_cannot_give_itself_a_school_role(client_for, world):
    client = client_for(world.beheerder)
    response = client.post(
        reverse("admin:accounts_staffmembership_add"),
        {
            "user": world.beheerder.pk,
            "school": world.school.pk,
            "role": "directie",
            "start_date": "2020-01-01",
        },
    )
    assert response.status_code == 403
    assert not StaffMembership.objects.filter(user=world.beheerder).exists()
    response = client.post(
        reverse("admin:accounts_foundationrole_add"),
        {
            "user": world.beheerder.pk,
            "foundation": world.foundation.pk,
            "role": "fg",
            "start_date": "2020-01-01",
        },
    )
    assert response.status_code == 403
    assert not FoundationRole.objects.filter(user=world.beheerder, role="fg").exists()


def test_beheerder_cannot_set_someone_elses_password(client_for, world):
    client = client_for(world.beheerder)
    url = reverse("admin:auth_user_password_change", args=[world.cvb.pk])
    response = client.post(url, {"password1": "Overname-2026!x", "password2": "Overname-2026!x"})
    assert response.status_code == 403
    world.cvb.refresh_from_db()
    assert not world.cvb.check_password("Overname-2026!x")


def test_beheerder_cannot_add_a_second_factor_to_another_account(client_for, world):
    client = client_for(world.beheerder)
    assert client.get("/beheer/otp_totp/totpdevice/add/").status_code == 403


@pytest.mark.parametrize(
    "path",
    [
        "/beheer/students/pupil/",
        "/beheer/students/guardian/",
        "/beheer/students/dossierentry/",
        "/beheer/auditlog/logentry/",
        "/beheer/auth/group/",
        "/beheer/consent/consentdecision/",
        "/beheer/portal/parentrequest/",
        "/beheer/transfers/transferdossier/",
    ],
)
def test_pupil_data_and_audit_log_are_not_browsable_in_the_admin(client_for, world, path):
    world.beheerder.is_superuser = True  # even a superuser made on the command line
    world.beheerder.save()
    assert client_for(world.beheerder).get(path).status_code == 404


def test_no_admin_model_leads_to_pupil_data():
    for model in admin.site._registry:
        assert not admin_lockdown.leads_to_pupil_data(model), model._meta.label
        assert model._meta.label not in admin_lockdown.ALSO_HIDDEN


@pytest.mark.parametrize(
    "query",
    [
        "?term=%00&app_label=accounts&model_name=staffmembership&field_name=user",
        "?term=a&app_label=accounts&model_name=staffmembership&field_name=user&page=zz",
        "?term=a&app_label=accounts&model_name=staffmembership&field_name=user&page=99999999999999999999999",
        "?term=a&app_label=nope&model_name=x&field_name=y",
        "?term=" + "x" * 100_000 + "&app_label=accounts&model_name=staffmembership&field_name=user",
        "?app_label=accounts&model_name=classassignment&field_name=school_class&term=%FF%FE",
    ],
)
def test_admin_autocomplete_answers_garbage_without_a_500(client_for, world, query):
    response = client_for(world.beheerder).get("/beheer/autocomplete/" + query)
    assert response.status_code < 500


def test_deleting_a_class_in_the_admin_counts_its_pupils_but_never_names_them(client_for, world):
    # Django's delete confirmation lists every row that goes along or stands in the way: for a
    # class, its enrolments, each printed with the pupil's name (found by
    # tests/test_url_persona_sweep.py).
    url = reverse("admin:accounts_schoolclass_delete", args=[world.class_5a.pk])
    page = client_for(world.beheerder).get(url).content.decode()
    assert "Groep 5a" in page
    assert world.pupil.first_name not in page
    assert world.pupil.last_name not in page
    assert "1 ander gegeven verwijst hiernaar" in page
