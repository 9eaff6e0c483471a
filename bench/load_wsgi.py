"""The WSGI application of ``bench/load.py``: the project with the bare twins of
``bench/pages.py`` mounted under ``/bare/`` (never used outside the benchmark)."""

import json
import os
import sys
from pathlib import Path

BENCH = Path(__file__).resolve().parent
sys.path.insert(0, str(BENCH.parent))
sys.path.insert(0, str(BENCH))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "privacy_portal.settings")

import django  # noqa: E402

django.setup()

import pages  # noqa: E402
from django.conf import settings  # noqa: E402
from django.core.wsgi import get_wsgi_application  # noqa: E402

bare = json.loads(os.environ["BENCH_BARE"])
bare["capabilities"] = {k: frozenset(v) for k, v in bare["capabilities"].items()}
pages.BARE.update(bare)
pages.urlpatterns = pages._urlpatterns()
settings.ROOT_URLCONF = "pages"
settings.ALLOWED_HOSTS = ["testserver", "127.0.0.1"]
application = get_wsgi_application()
