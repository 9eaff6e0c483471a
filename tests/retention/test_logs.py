"""What a purge cannot reach must not hold personal data: the web server's access log."""

import runpy
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_access_log_names_paths_without_search_terms_or_referrers():
    """Issue 15: the access log kept ``GET /leerlingen/?q=<surname>`` after the purge."""
    config = runpy.run_path(str(ROOT / "gunicorn.conf.py"))
    log_format = config["access_log_format"]
    assert "%(U)s" in log_format  # the path
    for atom in ("%(r)s", "%(q)s", "%(f)s", "%({"):
        assert atom not in log_format


def test_gunicorn_renders_the_access_line_without_the_query():
    from datetime import timedelta
    from types import SimpleNamespace

    from gunicorn.config import Config
    from gunicorn.glogging import Logger

    cfg = Config()
    config = runpy.run_path(str(ROOT / "gunicorn.conf.py"))
    cfg.set("access_log_format", config["access_log_format"])
    atoms = Logger(cfg).atoms(
        SimpleNamespace(status="200 OK", sent=512, headers=[]),
        SimpleNamespace(
            headers=[("REFERER", "/leerlingen/?q=Quoggelaar")],
            method="GET",
            path="/leerlingen/",
            query="q=Quoggelaar",
            version=(1, 1),
            uri="/leerlingen/?q=Quoggelaar",
        ),
        {
            "REMOTE_ADDR": "192.0.2.1",
            "REQUEST_METHOD": "GET",
            "RAW_URI": "/leerlingen/?q=Quoggelaar",
            "PATH_INFO": "/leerlingen/",
            "QUERY_STRING": "q=Quoggelaar",
            "SERVER_PROTOCOL": "HTTP/1.1",
            "HTTP_REFERER": "/leerlingen/?q=Quoggelaar",
        },
        timedelta(seconds=0.01),
    )
    line = config["access_log_format"] % atoms
    assert "/leerlingen/" in line
    assert "Quoggelaar" not in line
