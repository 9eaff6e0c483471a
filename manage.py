#!/usr/bin/env python
import os
import sys


def main():
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "privacy_portal.settings")
    # A developer's bare `manage.py …` (no DEBUG, no SECRET_KEY in the environment) gets the
    # development settings; a deployment sets SECRET_KEY and stays strict. The web and Celery
    # processes do not start here and always refuse to run without a SECRET_KEY.
    if "DEBUG" not in os.environ and "SECRET_KEY" not in os.environ:
        os.environ["DEBUG"] = "1"
    from django.core.management import execute_from_command_line

    execute_from_command_line(sys.argv)


if __name__ == "__main__":
    main()
