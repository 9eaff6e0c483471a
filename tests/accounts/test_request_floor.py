"""What every request costs before the view (issue 16): the session is not written on every
page, the second factor is checked against the access summary instead of loading the device,
the access summary is one query, PostgreSQL runs without JIT, and the error and PDF plumbing
does not add noise or failures of its own."""

import json
import logging
import os
import subprocess
import sys
from datetime import timedelta

import pytest
from django.db import connection
from django.template import loader
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts import access
from tests.accounts.test_settings import PRODUCTION_ENV, ROOT
from tests.conftest import sign_in

pytestmark = pytest.mark.django_db


def _session_writes(context) -> int:
    return sum(
        1
        for query in context.captured_queries
        if query["sql"].startswith(("UPDATE", "INSERT")) and "django_session" in query["sql"]
    )


def test_the_session_is_written_at_most_once_a_minute(client_for, world, time_machine):
    client = client_for(world.teacher)
    time_machine.move_to(timezone.now())
    client.get(reverse("home"))
    with CaptureQueriesContext(connection) as within_a_minute:
        time_machine.shift(timedelta(seconds=30))
        assert client.get(reverse("home")).status_code == 200
    assert _session_writes(within_a_minute) == 0
    with CaptureQueriesContext(connection) as after_a_minute:
        time_machine.shift(timedelta(seconds=31))
        assert client.get(reverse("home")).status_code == 200
    assert _session_writes(after_a_minute) == 1


def test_idle_timeout_still_ends_a_session_whose_last_seen_was_not_rewritten(
    client_for, world, settings, time_machine
):
    client = client_for(world.teacher)
    time_machine.move_to(timezone.now())
    client.get(reverse("home"))
    time_machine.shift(timedelta(seconds=20))
    client.get(reverse("home"))  # not written: within the minute
    time_machine.shift(timedelta(minutes=settings.STAFF_IDLE_TIMEOUT_MINUTES, seconds=-10))
    response = client.get(reverse("accounts:class_list"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:login"))


def test_the_access_summary_is_one_query(world):
    with CaptureQueriesContext(connection) as context:
        facts = access.summary(world.teacher)
    assert len(context.captured_queries) == 1
    assert facts.class_ids_with("pupil_basic") == {world.class_5a.pk}
    assert facts.school_roles == {world.school.pk: {"leerkracht"}}


def test_the_access_summary_is_computed_once_per_request(client_for, world):
    client = client_for(world.directie)
    client.get(reverse("home"))
    with CaptureQueriesContext(connection) as context:
        client.get(reverse("students:pupil_detail", args=[world.pupil.pk]))
    summaries = [q for q in context.captured_queries if "scope_kind" in q["sql"]]
    assert len(summaries) == 1


def test_a_session_whose_device_was_deleted_is_no_longer_verified(client_for, world):
    """The device is no longer loaded per request; deleting it must still end the second
    factor of every session that used it."""
    client = client_for(world.directie)
    assert client.get(reverse("home")).status_code == 200
    TOTPDevice.objects.filter(user=world.directie).delete()
    response = client.get(reverse("home"))
    assert response.status_code == 302
    assert reverse("accounts:otp_setup") in response["Location"]
    assert "otp_device_id" not in client.session


def test_a_session_cannot_borrow_the_device_of_another_person(client, world):
    """An attacker who signed in with a password only and planted someone else's device id in
    their session is not verified."""
    sign_in(client, world.ib)
    ib_device = TOTPDevice.objects.get(user=world.ib)
    client.force_login(world.directie, backend="django.contrib.auth.backends.ModelBackend")
    session = client.session
    session["otp_device_id"] = ib_device.persistent_id
    session.save()
    response = client.get(reverse("students:pupil_list"))
    assert response.status_code == 302
    assert reverse("accounts:otp_setup") in response["Location"]


def test_an_unconfirmed_device_does_not_verify_a_session(client, world):
    sign_in(client, world.directie)
    TOTPDevice.objects.filter(user=world.directie).update(confirmed=False)
    response = client.get(reverse("students:pupil_list"))
    assert response.status_code == 302


def test_the_application_asks_postgresql_for_jit_off():
    script = (
        "import django, json; django.setup(); from django.conf import settings; "
        "print(json.dumps(settings.DATABASES['default'].get('OPTIONS', {})))"
    )
    env = dict(PRODUCTION_ENV, DATABASE_URL="postgres://app@db.example:5432/privacyportaal")
    full_env = {k: v for k, v in os.environ.items() if k not in {"DEBUG", "DEMO_MODE"}}
    full_env.update(env)
    result = subprocess.run(
        [sys.executable, "-c", script],
        cwd=ROOT,
        env=full_env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    assert "-c jit=off" in json.loads(result.stdout.strip().splitlines()[-1])["options"]


def test_connections_run_without_jit_on_postgresql():
    if connection.vendor != "postgresql":
        pytest.skip("PostgreSQL only (CI)")
    with connection.cursor() as cursor:
        cursor.execute("SHOW jit")
        assert cursor.fetchone()[0] == "off"


def test_the_compose_database_runs_without_jit():
    assert "jit=off" in (ROOT / "docker-compose.yml").read_text()


def test_weasyprint_logs_only_warnings():
    assert logging.getLogger("weasyprint").getEffectiveLevel() == logging.WARNING


def test_the_500_page_renders_without_the_static_manifest(settings, tmp_path):
    settings.DEBUG = False
    settings.STATIC_ROOT = tmp_path / "empty"  # no staticfiles.json: {% static %} would fail
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
    }
    html = loader.get_template("500.html").render()
    assert "Er ging iets mis" in html
    assert "/static/css/app.css" in html
