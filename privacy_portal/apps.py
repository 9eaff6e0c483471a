from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PrivacyPortalConfig(AppConfig):
    name = "privacy_portal"
    verbose_name = _("Privacyportaal")
