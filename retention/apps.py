"""The retention app: retention periods, holds and reviews, the purge and its records."""

from django.apps import AppConfig


class RetentionConfig(AppConfig):
    name = "retention"

    def ready(self):
        # Registers the ``any_of`` lookup that the purge and its selectors use.
        from retention import plan  # noqa: F401
