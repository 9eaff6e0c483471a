from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PrivacyPortalConfig(AppConfig):
    name = "privacy_portal"
    verbose_name = _("Privacyportaal")

    def ready(self):
        # Runs after django.contrib.admin (first in INSTALLED_APPS) imported every admin.py.
        from privacy_portal import admin_lockdown

        admin_lockdown.apply()
