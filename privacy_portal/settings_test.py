"""The test run: the real settings, read with DEBUG on so that static files need no collectstatic
(Django's test runner turns DEBUG off again while tests run), and a fast password hasher."""

import os

os.environ.setdefault("DEBUG", "1")
os.environ.setdefault("DEMO_MODE", "0")
# Tasks run in the test process even when REDIS_URL points at a real broker (CI).
os.environ.setdefault("CELERY_TASK_ALWAYS_EAGER", "1")

from privacy_portal.settings import *  # noqa: E402, F403

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
AXES_ENABLED = True
