"""R14: complex passwords: enough kinds of characters, and not a common word or one's own name
dressed up with capitals, digits and punctuation (``Wachtwoord123``, ``Jansen2026!``)."""

import re

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


# Words people build passwords from at a Dutch school (checked after removing the digits and
# punctuation around them and undoing common letter swaps such as 0 -> o and @ -> a).
COMMON_WORDS = frozenset(
    [
        "wachtwoord",
        "password",
        "passwort",
        "paswoord",
        "welkom",
        "welcome",
        "geheim",
        "secret",
        "qwerty",
        "azerty",
        "qwertz",
        "letmein",
        "admin",
        "administrator",
        "beheer",
        "beheerder",
        "school",
        "basisschool",
        "leerling",
        "leerlingen",
        "ouder",
        "ouders",
        "docent",
        "leraar",
        "lerares",
        "juf",
        "meester",
        "directie",
        "directeur",
        "privacy",
        "privacyportaal",
        "portaal",
        "stichting",
        "zomer",
        "winter",
        "lente",
        "herfst",
        "voorjaar",
        "najaar",
        "summer",
        "spring",
        "autumn",
        "januari",
        "februari",
        "maart",
        "april",
        "mei",
        "juni",
        "juli",
        "augustus",
        "september",
        "oktober",
        "november",
        "december",
        "maandag",
        "dinsdag",
        "woensdag",
        "donderdag",
        "vrijdag",
        "zaterdag",
        "zondag",
        "voetbal",
        "football",
        "ajax",
        "feyenoord",
        "psv",
        "liefde",
        "love",
        "iloveyou",
        "sunshine",
        "dragon",
        "monkey",
        "princess",
        "nederland",
        "holland",
        "amsterdam",
        "rotterdam",
        "utrecht",
        "breda",
    ]
)
_SWAPS = str.maketrans(
    {"0": "o", "1": "i", "3": "e", "4": "a", "5": "s", "7": "t", "@": "a", "$": "s"}
)


def _core(password: str) -> str:
    """The password without the digits and punctuation around it, lower case, swaps undone."""
    stripped = re.sub(r"^[^a-zA-Z]+|[^a-zA-Z]+$", "", password).lower()
    return re.sub(r"[^a-z]", "", stripped.translate(_SWAPS))


class GuessablePasswordValidator:
    """Refuses a common word or the person's own name with decoration around it."""

    def validate(self, password, user=None):
        core = _core(password)
        if not core or core in COMMON_WORDS:
            self._refuse()
        names = []
        if user is not None:
            names = [
                getattr(user, "first_name", "") or "",
                getattr(user, "last_name", "") or "",
                (getattr(user, "email", "") or "").split("@")[0],
            ]
        rest = core
        for name in sorted(
            (re.sub(r"[^a-z]", "", n.lower()) for n in names), key=len, reverse=True
        ):
            if len(name) >= 3:
                rest = rest.replace(name, "")
        for word in COMMON_WORDS:
            if len(word) >= 4 and word in rest and len(rest) - len(word) < 4:
                rest = rest.replace(word, "")
        if len(rest) < 4:
            self._refuse()

    def _refuse(self):
        raise ValidationError(
            _(
                "Dit wachtwoord is te makkelijk te raden: het is een veelgebruikt woord of uw "
                "eigen naam met cijfers of leestekens eromheen. Kies bijvoorbeeld een zin van "
                "een paar woorden."
            ),
            code="password_guessable",
        )

    def get_help_text(self):
        return _("Geen veelgebruikt woord en niet uw eigen naam, ook niet met cijfers erachter.")
