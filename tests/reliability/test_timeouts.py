"""Nothing waits for ever: a database that accepts connections but never answers, a mail server
that hangs and a broker that is away all end within seconds, with the application's own pages."""

import json
import os
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from django.test import Client

ROOT = Path(__file__).resolve().parents[2]


def _settings(env) -> dict:
    code = (
        "import json, django; django.setup(); from django.conf import settings as s; "
        "print(json.dumps({'db': s.DATABASES['default'].get('OPTIONS', {}), "
        "'email_timeout': s.EMAIL_TIMEOUT, 'handlers': s.FILE_UPLOAD_HANDLERS, "
        "'broker': s.CELERY_BROKER_TRANSPORT_OPTIONS}))"
    )
    full_env = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "REDIS_URL"}}
    full_env.update({"DJANGO_SETTINGS_MODULE": "privacy_portal.settings", "DEBUG": "1", **env})
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, env=full_env, capture_output=True, text=True
    )
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_postgresql_connections_have_connect_and_statement_timeouts():
    found = _settings({"DATABASE_URL": "postgres://u@db.example:5432/pp"})
    assert found["db"]["connect_timeout"] == 5
    assert "-c statement_timeout=30000" in found["db"]["options"]
    assert "idle_in_transaction_session_timeout=300000" in found["db"]["options"]
    assert found["email_timeout"] == 10
    assert found["broker"]["socket_connect_timeout"] <= 5


@pytest.fixture
def silent_database_port():
    """A server that accepts TCP connections and never says a word (a hung database)."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(16)
    held, stop = [], threading.Event()

    def accept():
        listener.settimeout(0.2)
        while not stop.is_set():
            try:
                held.append(listener.accept()[0])
            except OSError:
                continue

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    yield listener.getsockname()[1]
    stop.set()
    thread.join()
    for conn in held:
        conn.close()
    listener.close()


def test_a_database_that_never_answers_gives_our_own_error_page_within_seconds(
    silent_database_port,
):
    code = (
        "import django; django.setup(); "
        "from django.test import Client; "
        "r = Client(raise_request_exception=False).post('/account/inloggen/', "
        "{'username': 'a', 'password': 'b'}); "
        "print(r.status_code); print(r.content.decode())"
    )
    env = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "REDIS_URL"}}
    env.update(
        {
            "DJANGO_SETTINGS_MODULE": "privacy_portal.settings",
            "DEBUG": "0",
            "SECRET_KEY": "k" * 60,
            "ALLOWED_HOSTS": "testserver",
            "SECURE_SSL_REDIRECT": "0",
            "DATABASE_URL": f"postgres://u@127.0.0.1:{silent_database_port}/pp",
            "DB_CONNECT_TIMEOUT": "2",
        }
    )
    started = time.monotonic()
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True, timeout=60
    )
    assert time.monotonic() - started < 20
    assert result.stdout.startswith("500"), result.stderr[-2000:]
    assert "Er ging iets mis" in result.stdout


def test_the_own_error_page_needs_no_database():
    from privacy_portal.views import server_error

    response = server_error(Client().get("/").wsgi_request)
    assert response.status_code == 500
    assert "Er ging iets mis" in response.content.decode()
