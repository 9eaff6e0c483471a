"""Validators for Dutch identifiers used across the apps."""

import re

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

_POSTCODE = re.compile(r"^[1-9][0-9]{3} ?[A-Z]{2}$")
_BRIN = re.compile(r"^[0-9]{2}[A-Z0-9]{2}$")
_KVK = re.compile(r"^[0-9]{8}$")
_PHONE = re.compile(r"^(\+31|0031|0)[1-9][0-9]{8}$")


def validate_postcode(value: str) -> None:
    if not _POSTCODE.match((value or "").upper()):
        raise ValidationError(
            _("Vul een geldige postcode in, bijvoorbeeld 1234 AB."), code="postcode"
        )


def normalise_postcode(value: str) -> str:
    compact = (value or "").replace(" ", "").upper()
    return f"{compact[:4]} {compact[4:]}" if len(compact) == 6 else value


def validate_brin(value: str) -> None:
    if not _BRIN.match(value or ""):
        raise ValidationError(
            _(
                "Een BRIN-nummer bestaat uit twee cijfers en twee letters of cijfers, bijvoorbeeld 12AB."
            ),
            code="brin",
        )


def validate_kvk(value: str) -> None:
    if not _KVK.match(value or ""):
        raise ValidationError(_("Een KvK-nummer bestaat uit precies 8 cijfers."), code="kvk")


def validate_phone(value: str) -> None:
    compact = re.sub(r"[\s\-()]", "", value or "")
    if not _PHONE.match(compact):
        raise ValidationError(
            _("Vul een geldig Nederlands telefoonnummer in, bijvoorbeeld 06 12345678."),
            code="phone",
        )


def validate_bsn(value: str) -> None:
    """The BSN eleven-test (elfproef): 9 digits, weighted 9..2 and -1, sum divisible by 11."""
    digits = (value or "").strip()
    if not re.fullmatch(r"[0-9]{8,9}", digits):
        raise ValidationError(_("Een BSN bestaat uit 9 cijfers."), code="bsn")
    digits = digits.zfill(9)
    total = sum(int(d) * w for d, w in zip(digits[:8], range(9, 1, -1), strict=True))
    total -= int(digits[8])
    if total % 11 != 0 or digits == "000000000":
        raise ValidationError(_("Dit BSN klopt niet (de elfproef faalt)."), code="bsn")
