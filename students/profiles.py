"""Column profiles: the exports of the common pupil administrations, recognised from the header row.

A school exports its pupils from ParnasSys, ESIS or Magister and opens the file in Excel; each
system names its columns its own way and writes dates its own way. A profile maps a system's
column names to the import's own (``generic``, documented in ``docs/students.md``), joins what
the system splits (street, house number and addition become ``adres``) and says which date
formats to expect. The profile is recognised from the header row by the columns only that
system uses (its signature); a file that matches no profile and lacks the generic columns is
refused with the names of the columns that were not understood.

Headers are compared normalised: lower case, every run of other characters than letters and
digits one ``_`` ("Geb. datum" is ``geb_datum``, "E-mailadres" is ``e_mailadres``).
Samples that import as delivered: ``tests/students/samples/`` (one per profile).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from django.utils.translation import gettext_lazy as _


def normalise(name: str) -> str:
    name = (name or "").strip().lstrip("\ufeff").lower()
    return re.sub(r"[^0-9a-zà-ÿ]+", "_", name).strip("_")


def _parents(prefixes: tuple[str, str], names: dict[str, str]) -> dict[str, str]:
    """The same parent columns for parent 1 and 2: ``{prefix + name: "ouderN_" + ours}``."""
    mapping = {}
    for number, prefix in enumerate(prefixes, start=1):
        for theirs, ours in names.items():
            mapping[normalise(prefix + theirs)] = f"ouder{number}_{ours}"
    return mapping


@dataclass(frozen=True)
class Profile:
    key: str
    label: str
    # Columns only this system's export has (normalised); all of them must be present.
    signature: tuple[str, ...]
    # Their column (normalised) -> the import's own column.
    columns: dict[str, str] = field(default_factory=dict)
    # Tried in this order; the generic ones follow (see imports.parse_date).
    date_formats: tuple[str, ...] = ()
    # Street, house number and addition, joined into ``adres`` when the export splits them.
    address_parts: tuple[str, ...] = ()

    def map_header(self, header: list[str]) -> list[str]:
        return [self.columns.get(name, name) for name in header]

    def join_address(self, row: dict) -> None:
        if not self.address_parts or self.address_parts[0] not in row:
            return
        street, number, *addition = (row.pop(part, "") for part in self.address_parts)
        house = (number + ("" if not addition or not addition[0] else f" {addition[0]}")).strip()
        row["adres"] = " ".join(part for part in (street, house) if part)


PARNASSYS = Profile(
    key="parnassys",
    label=_("ParnasSys"),
    signature=("jaargroep", "datum_inschrijving"),
    columns={
        "leerlingnummer": "leerlingnummer",
        "roepnaam": "roepnaam",
        "voorvoegsel": "tussenvoegsel",
        "achternaam": "achternaam",
        "geboortedatum": "geboortedatum",
        "groep": "groep",
        "jaargroep": "leerjaar",
        "datum_inschrijving": "inschrijfdatum",
        "datum_uitschrijving": "uitschrijfdatum",
        "bsn": "bsn",
        "postcode": "postcode",
        "plaats": "woonplaats",
        "telefoon": "telefoon",
        "school_van_herkomst": "vorige_school",
        **_parents(
            ("verzorger 1 ", "verzorger 2 "),
            {
                "roepnaam": "voornaam",
                "voorvoegsel": "tussenvoegsel",
                "achternaam": "achternaam",
                "e-mail": "email",
                "telefoon mobiel": "telefoon",
                "relatie": "relatie",
                "gezag": "gezag",
            },
        ),
    },
    date_formats=("%d-%m-%Y",),
    address_parts=("straat", "huisnummer", "toevoeging"),
)

ESIS = Profile(
    key="esis",
    label=_("ESIS"),
    signature=("datum_in_school", "tussenvoegsels"),
    columns={
        "leerlingnummer": "leerlingnummer",
        "roepnaam": "roepnaam",
        "tussenvoegsels": "tussenvoegsel",
        "achternaam": "achternaam",
        "geboortedatum": "geboortedatum",
        "klas": "groep",
        "leerjaar": "leerjaar",
        "datum_in_school": "inschrijfdatum",
        "datum_uit_school": "uitschrijfdatum",
        "burgerservicenummer": "bsn",
        "adres": "adres",
        "postcode": "postcode",
        "plaats": "woonplaats",
        "telefoonnummer": "telefoon",
        "herkomstschool": "vorige_school",
        **_parents(
            ("ouder 1 ", "ouder 2 "),
            {
                "voornaam": "voornaam",
                "tussenvoegsels": "tussenvoegsel",
                "achternaam": "achternaam",
                "e-mailadres": "email",
                "telefoonnummer": "telefoon",
                "relatie": "relatie",
                "ouderlijk gezag": "gezag",
            },
        ),
    },
    # ESIS writes dates the ISO way, from Excel often with a time of day.
    date_formats=("%Y-%m-%d", "%Y-%m-%d %H:%M:%S", "%Y-%m-%d %H:%M"),
)

MAGISTER = Profile(
    key="magister",
    label=_("Magister"),
    signature=("stamnr",),
    columns={
        "stamnr": "leerlingnummer",
        "roepnaam": "roepnaam",
        "tussenv": "tussenvoegsel",
        "achternaam": "achternaam",
        "geb_datum": "geboortedatum",
        "klas": "groep",
        "leerjaar": "leerjaar",
        "begindatum": "inschrijfdatum",
        "einddatum": "uitschrijfdatum",
        "bsn": "bsn",
        "postcode": "postcode",
        "woonplaats": "woonplaats",
        "telefoon": "telefoon",
        "vorige_school": "vorige_school",
        **_parents(
            ("verz1 ", "verz2 "),
            {
                "roepnaam": "voornaam",
                "tussenv": "tussenvoegsel",
                "achternaam": "achternaam",
                "e-mail": "email",
                "mobiel": "telefoon",
                "relatie": "relatie",
                "gezag": "gezag",
            },
        ),
    },
    # Magister writes day-month-year, with a two-digit year in older exports.
    date_formats=("%d-%m-%Y", "%d-%m-%y"),
    address_parts=("straat", "huisnr", "toev"),
)

GENERIC = Profile(key="generic", label=_("eigen formaat (docs/students.md)"), signature=())

PROFILES = (PARNASSYS, ESIS, MAGISTER)


def recognise(header: list[str]) -> Profile:
    """The profile whose signature columns are all in the (normalised) header; else generic."""
    present = set(header)
    for profile in PROFILES:
        if all(name in present for name in profile.signature):
            return profile
    return GENERIC
