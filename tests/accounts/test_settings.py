"""Production settings are strict; the environment is parsed strictly."""

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.exceptions import ImproperlyConfigured

from privacy_portal.env import email_settings_from_url, env_bool, env_int

ROOT = Path(__file__).resolve().parents[2]

PRODUCTION_ENV = {
    "DEBUG": "0",
    "DEMO_MODE": "0",
    "SECRET_KEY": "x" * 20 + "-production-like-secret-key-for-the-deploy-check-0123456789",
    "ALLOWED_HOSTS": "privacy.stichting.example",
    "DATABASE_URL": "sqlite:///" + str(ROOT / "var" / "deploy-check.sqlite3"),
    "EMAIL_URL": "smtp://mailer:geheim@smtp.stichting.example:587?tls=1",
    "DJANGO_SETTINGS_MODULE": "privacy_portal.settings",
}


def _manage(*args, env):
    full_env = {
        k: v
        for k, v in os.environ.items()
        if k not in {"DEBUG", "DEMO_MODE", "REDIS_URL", "DJANGO_ALLOW_ASYNC_UNSAFE"}
    }
    full_env.update(env)
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=full_env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_check_deploy_gives_no_warnings_with_production_environment():
    result = _manage("check", "--deploy", "--fail-level", "WARNING", env=PRODUCTION_ENV)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues" in result.stdout


def test_production_refuses_to_start_without_secret_key():
    env = dict(PRODUCTION_ENV, SECRET_KEY="")
    result = _manage("check", env=env)
    assert result.returncode != 0
    assert "SECRET_KEY must be set" in result.stderr


def test_demo_mode_is_refused_without_debug():
    result = _manage("check", env=dict(PRODUCTION_ENV, DEMO_MODE="1"))
    assert result.returncode != 0
    assert "DEMO_MODE=1 is only allowed together with DEBUG=1" in result.stderr


def test_nonsense_boolean_is_refused(monkeypatch):
    monkeypatch.setenv("SOME_FLAG", "misschien")
    with pytest.raises(ImproperlyConfigured):
        env_bool("SOME_FLAG")


def test_nonsense_number_is_refused(monkeypatch):
    monkeypatch.setenv("SOME_NUMBER", "vijftien")
    with pytest.raises(ImproperlyConfigured):
        env_int("SOME_NUMBER", 15)


def test_email_url_parsing():
    parsed = email_settings_from_url("smtp://user:p%40ss@mail.example:587?tls=1")
    assert parsed["EMAIL_HOST"] == "mail.example"
    assert parsed["EMAIL_HOST_PASSWORD"] == "p@ss"
    assert parsed["EMAIL_USE_TLS"] is True
    with pytest.raises(ImproperlyConfigured):
        email_settings_from_url("pigeon://coop")


def test_beat_schedule_names_real_tasks():
    from privacy_portal.celery import app, collect_beat_schedule

    app.loader.import_default_modules()
    schedule = collect_beat_schedule()
    assert schedule, "no periodic jobs registered"
    for name, entry in schedule.items():
        assert entry["task"] in app.tasks, f"{name} names unknown task {entry['task']}"


@pytest.mark.django_db
def test_role_group_sync_job_leaves_a_run_record(world):
    from accounts.tasks import sync_role_groups
    from privacy_portal.models import JobRun

    sync_role_groups.delay()
    run = JobRun.objects.get(job="accounts.sync_role_groups")
    assert run.status == JobRun.Status.SUCCEEDED
    assert run.counts["users"] == 11  # eight school staff, CvB, FG and beheerder


@pytest.mark.skipif(not os.environ.get("REDIS_URL"), reason="REDIS_URL not set (runs in CI)")
def test_redis_cache_round_trip_when_configured():
    from django.core.cache import cache

    cache.set("privacyportaal-ci-probe", "ok", 10)
    assert cache.get("privacyportaal-ci-probe") == "ok"


def test_database_is_the_configured_one(db):
    from django.db import connection

    expected = (
        "postgresql" if os.environ.get("DATABASE_URL", "").startswith("postgres") else "sqlite"
    )
    assert connection.vendor == expected
