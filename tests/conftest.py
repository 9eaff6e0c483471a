"""Shared fixtures: a small world of two schools with a persona for every role, and clients
that are signed in with their second factor passed."""

from types import SimpleNamespace

import pytest
from django_otp.plugins.otp_totp.models import TOTPDevice

from tests import factories as f


@pytest.fixture(autouse=True)
def _media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    settings.CELERY_TASK_ALWAYS_EAGER = True


def sign_in(client, user):
    """Sign ``user`` in on ``client`` with a confirmed TOTP device, as after a real 2FA step."""
    device, _ = TOTPDevice.objects.get_or_create(
        user=user, name="test", defaults={"confirmed": True}
    )
    client.force_login(user, backend="django.contrib.auth.backends.ModelBackend")
    session = client.session
    session["otp_device_id"] = device.persistent_id
    session.save()
    return client


@pytest.fixture
def client_for(client):
    """``client_for(user)`` returns the test client signed in as that user (2FA passed)."""
    return lambda user: sign_in(client, user)


@pytest.fixture
def world(db):
    """Two schools of one foundation, and one person for every role we test against.

    School A has classes 5a (taught by ``teacher``) and 6b (taught by ``other_teacher``);
    school B has class 7c. Pupils: ``pupil`` (5a), ``pupil_other_class`` (6b),
    ``pupil_other_school`` (B, 7c).
    """
    foundation = f.FoundationFactory(name="Stichting Test")
    school = f.SchoolFactory(foundation=foundation, name="De Regenboog")
    other_school = f.SchoolFactory(foundation=foundation, name="Het Kompas")
    class_5a = f.SchoolClassFactory(school=school, name="Groep 5a")
    class_6b = f.SchoolClassFactory(school=school, name="Groep 6b")
    class_7c = f.SchoolClassFactory(school=other_school, name="Groep 7c")
    w = SimpleNamespace(
        foundation=foundation,
        school=school,
        other_school=other_school,
        class_5a=class_5a,
        class_6b=class_6b,
        class_7c=class_7c,
    )
    w.pupil = f.pupil_in_class(class_5a, first_name="Mila", last_name="Jansen")
    w.pupil_other_class = f.pupil_in_class(class_6b, first_name="Sem", last_name="Bakker")
    w.pupil_other_school = f.pupil_in_class(class_7c, first_name="Tess", last_name="Visser")
    w.directie = f.staff(school, "directie")
    w.ib = f.staff(school, "ib")
    w.administratie = f.staff(school, "administratie")
    w.concierge = f.staff(school, "concierge")
    w.teacher = f.teacher_of(class_5a)
    w.other_teacher = f.teacher_of(class_6b)
    w.teacher_other_school = f.teacher_of(class_7c)
    w.directie_other_school = f.staff(other_school, "directie")
    w.cvb = f.foundation_person(foundation, "cvb")
    w.fg = f.foundation_person(foundation, "fg")
    w.beheerder = f.foundation_person(foundation, "beheerder", is_staff=True)
    w.parent = f.parent_of(w.pupil).user
    w.parent_without_authority = f.parent_of(w.pupil, authority=False).user
    w.pupil_user = f.UserFactory()
    w.pupil.user = w.pupil_user
    w.pupil.save()
    w.outsider = f.UserFactory()
    return w


# The CI log names every browser journey that ran, so that a reader can see they did.
_journeys: list[tuple[str, str]] = []


def pytest_runtest_logreport(report):
    if report.when == "call" and "/e2e/" in report.nodeid:
        _journeys.append((report.nodeid, report.outcome))


def pytest_terminal_summary(terminalreporter):
    if _journeys:
        terminalreporter.section("Playwright journeys in Debian Chromium")
        for nodeid, outcome in sorted(_journeys):
            terminalreporter.write_line(f"{outcome.upper():8} {nodeid}")
