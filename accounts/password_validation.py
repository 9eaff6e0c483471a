"""R14: complex passwords."""

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _


class CharacterClassValidator:
    """Asks for at least three of: lower case, upper case, digits, other characters."""

    def validate(self, password, user=None):
        classes = [
            any(c.islower() for c in password),
            any(c.isupper() for c in password),
            any(c.isdigit() for c in password),
            any(not c.isalnum() for c in password),
        ]
        if sum(classes) < 3:
            raise ValidationError(
                _(
                    "Gebruik in uw wachtwoord minstens drie van: kleine letters, hoofdletters, "
                    "cijfers en leestekens."
                ),
                code="password_too_simple",
            )

    def get_help_text(self):
        return _("Gebruik minstens drie van: kleine letters, hoofdletters, cijfers en leestekens.")
