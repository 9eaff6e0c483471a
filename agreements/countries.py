"""ISO 3166-1 alpha-2 country codes with their Dutch names, and which belong to the EEA.

Generated once from Debian's iso-codes data (``/usr/share/iso-codes/json/iso_3166-1.json`` and its
Dutch translation). R6 art. 10: processing outside the European Economic Area is only allowed as the
law allows and must be listed per country, so the app flags every non-EEA code prominently.
"""

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

# The 27 EU member states plus Iceland, Liechtenstein and Norway.
EEA = frozenset(
    {
        "AT",
        "BE",
        "BG",
        "CY",
        "CZ",
        "DE",
        "DK",
        "EE",
        "ES",
        "FI",
        "FR",
        "GR",
        "HR",
        "HU",
        "IE",
        "IS",
        "IT",
        "LI",
        "LT",
        "LU",
        "LV",
        "MT",
        "NL",
        "NO",
        "PL",
        "PT",
        "RO",
        "SE",
        "SI",
        "SK",
    }
)

COUNTRIES: dict[str, str] = {
    "AD": "Andorra",
    "AE": "Verenigde Arabische Emiraten",
    "AF": "Afghanistan",
    "AG": "Antigua en Barbuda",
    "AI": "Anguilla",
    "AL": "Albanië",
    "AM": "Armenië",
    "AO": "Angola",
    "AQ": "Antarctica",
    "AR": "Argentinië",
    "AS": "Amerikaans-Samoa",
    "AT": "Oostenrijk",
    "AU": "Australië",
    "AW": "Aruba",
    "AX": "Ålandseilanden",
    "AZ": "Azerbeidzjan",
    "BA": "Bosnië en Herzegovina",
    "BB": "Barbados",
    "BD": "Bangladesh",
    "BE": "België",
    "BF": "Burkina Faso",
    "BG": "Bulgarije",
    "BH": "Bahrein",
    "BI": "Burundi",
    "BJ": "Benin",
    "BL": "Saint-Barthélemy",
    "BM": "Bermuda",
    "BN": "Brunei",
    "BO": "Bolivia, Multinationale Staat",
    "BQ": "Bonaire, Sint Eustatius en Saba",
    "BR": "Brazilië",
    "BS": "Bahama's",
    "BT": "Bhutan",
    "BV": "Bouveteiland",
    "BW": "Botswana",
    "BY": "Wit-Rusland",
    "BZ": "Belize",
    "CA": "Canada",
    "CC": "Cocoseilanden (Keelingeilanden)",
    "CD": "Congo, Democratische Republiek",
    "CF": "Centraal-Afrikaanse Republiek",
    "CG": "Congo",
    "CH": "Zwitserland",
    "CI": "Ivoorkust",
    "CK": "Cookeilanden",
    "CL": "Chili",
    "CM": "Kameroen",
    "CN": "China",
    "CO": "Colombia",
    "CR": "Costa Rica",
    "CU": "Cuba",
    "CV": "Kaapverdië",
    "CW": "Curaçao",
    "CX": "Christmaseiland",
    "CY": "Cyprus",
    "CZ": "Tsjechië",
    "DE": "Duitsland",
    "DJ": "Djibouti",
    "DK": "Denemarken",
    "DM": "Dominica",
    "DO": "Dominicaanse Republiek",
    "DZ": "Algerije",
    "EC": "Ecuador",
    "EE": "Estland",
    "EG": "Egypte",
    "EH": "Westelijke Sahara",
    "ER": "Eritrea",
    "ES": "Spanje",
    "ET": "Ethiopië",
    "FI": "Finland",
    "FJ": "Fiji",
    "FK": "Falklandeilanden (Malvinas)",
    "FM": "Micronesia",
    "FO": "Faeröer",
    "FR": "Frankrijk",
    "GA": "Gabon",
    "GB": "Verenigd Koninkrijk",
    "GD": "Grenada",
    "GE": "Georgia",
    "GF": "Frans-Guyana",
    "GG": "Guernsey",
    "GH": "Ghana",
    "GI": "Gibraltar",
    "GL": "Groenland",
    "GM": "Gambia",
    "GN": "Guinee",
    "GP": "Guadeloupe",
    "GQ": "Equatoriaal-Guinea",
    "GR": "Griekenland",
    "GS": "Zuid-Georgia en de Zuidelijke Sandwicheilanden",
    "GT": "Guatemala",
    "GU": "Guam",
    "GW": "Guinee-Bissau",
    "GY": "Guyana",
    "HK": "Hongkong",
    "HM": "Heardeiland en McDonaldeilanden",
    "HN": "Honduras",
    "HR": "Kroatië",
    "HT": "Haïti",
    "HU": "Hongarije",
    "ID": "Indonesië",
    "IE": "Ierland",
    "IL": "Israël",
    "IM": "Eiland Man",
    "IN": "India",
    "IO": "Brits Indische Oceaanterritorium",
    "IQ": "Irak",
    "IR": "Iran",
    "IS": "IJsland",
    "IT": "Italië",
    "JE": "Jersey",
    "JM": "Jamaica",
    "JO": "Jordanië",
    "JP": "Japan",
    "KE": "Kenia",
    "KG": "Kirgizië",
    "KH": "Cambodja",
    "KI": "Kiribati",
    "KM": "Comoren",
    "KN": "Saint Kitts en Nevis",
    "KP": "Korea, Democratische Volksrepubliek",
    "KR": "Korea, Republiek",
    "KW": "Koeweit",
    "KY": "Kaaimaneilanden",
    "KZ": "Kazachstan",
    "LA": "Laos Democratische Volksrepubliek",
    "LB": "Libanon",
    "LC": "Saint Lucia",
    "LI": "Liechtenstein",
    "LK": "Sri Lanka",
    "LR": "Liberia",
    "LS": "Lesotho",
    "LT": "Litouwen",
    "LU": "Luxemburg",
    "LV": "Letland",
    "LY": "Libië",
    "MA": "Marokko",
    "MC": "Monaco",
    "MD": "Moldavië, Republiek",
    "ME": "Montenegro",
    "MF": "Sint-Maarten (Frans deel)",
    "MG": "Madagaskar",
    "MH": "Marshalleilanden",
    "MK": "Noord-Macedonië",
    "ML": "Mali",
    "MM": "Myanmar",
    "MN": "Mongolië",
    "MO": "Macau",
    "MP": "Noordelijke Marianen",
    "MQ": "Martinique",
    "MR": "Mauritanië",
    "MS": "Montserrat",
    "MT": "Malta",
    "MU": "Mauritius",
    "MV": "Maldiven",
    "MW": "Malawi",
    "MX": "Mexico",
    "MY": "Maleisië",
    "MZ": "Mozambique",
    "NA": "Namibië",
    "NC": "Nieuw-Caledonië",
    "NE": "Niger",
    "NF": "Norfolk",
    "NG": "Nigeria",
    "NI": "Nicaragua",
    "NL": "Nederland",
    "NO": "Noorwegen",
    "NP": "Nepal",
    "NR": "Nauru",
    "NU": "Niue",
    "NZ": "Nieuw-Zeeland",
    "OM": "Oman",
    "PA": "Panama",
    "PE": "Peru",
    "PF": "Frans-Polynesië",
    "PG": "Papoea-Nieuw-Guinea",
    "PH": "Filipijnen",
    "PK": "Pakistan",
    "PL": "Polen",
    "PM": "Saint-Pierre en Miquelon",
    "PN": "Pitcairneilanden",
    "PR": "Puerto Rico",
    "PS": "Palestina, Staat",
    "PT": "Portugal",
    "PW": "Palau",
    "PY": "Paraguay",
    "QA": "Qatar",
    "RE": "Réunion",
    "RO": "Roemenië",
    "RS": "Servië",
    "RU": "Rusland",
    "RW": "Rwanda",
    "SA": "Saoedi-Arabië",
    "SB": "Salomonseilanden",
    "SC": "Seychellen",
    "SD": "Soedan",
    "SE": "Zweden",
    "SG": "Singapore",
    "SH": "Sint-Helena, Ascension en Tristan da Cunha",
    "SI": "Slovenië",
    "SJ": "Spitsbergen en Jan Mayen",
    "SK": "Slowakije",
    "SL": "Sierra Leone",
    "SM": "San Marino",
    "SN": "Senegal",
    "SO": "Somalië",
    "SR": "Suriname",
    "SS": "Zuid-Soedan",
    "ST": "Sao Tomé en Principe",
    "SV": "El Salvador",
    "SX": "Sint Maarten (Nederlands deel)",
    "SY": "Syrië",
    "SZ": "Eswatini",
    "TC": "Turks- en Caicoseilanden",
    "TD": "Tsjaad",
    "TF": "Franse Zuidelijke Gebieden",
    "TG": "Togo",
    "TH": "Thailand",
    "TJ": "Tadzjikistan",
    "TK": "Tokelau",
    "TL": "Oost-Timor",
    "TM": "Turkmenistan",
    "TN": "Tunesië",
    "TO": "Tonga",
    "TR": "Turkije",
    "TT": "Trinidad en Tobago",
    "TV": "Tuvalu",
    "TW": "Taiwan",
    "TZ": "Tanzania",
    "UA": "Oekraïne",
    "UG": "Oeganda",
    "UM": "Kleine afgelegen eilanden van de Verenigde Staten",
    "US": "Verenigde Staten",
    "UY": "Uruguay",
    "UZ": "Oezbekistan",
    "VA": "Vaticaanstad, Staat",
    "VC": "Saint Vincent en de Grenadines",
    "VE": "Venezuela, Bolivariaanse Republiek",
    "VG": "Maagdeneilanden, Britse",
    "VI": "Maagdeneilanden, Amerikaanse",
    "VN": "Vietnam",
    "VU": "Vanuatu",
    "WF": "Wallis en Futuna",
    "WS": "Samoa",
    "YE": "Jemen",
    "YT": "Mayotte",
    "ZA": "Zuid-Afrika",
    "ZM": "Zambia",
    "ZW": "Zimbabwe",
}


def _names() -> dict[str, str]:
    """The country names in the active language (English or Dutch)."""
    from django.utils.translation import get_language

    if (get_language() or "nl").startswith("en"):
        from agreements.countries_en import COUNTRIES_EN

        return COUNTRIES_EN
    return COUNTRIES


def country_name(code: str) -> str:
    return _names().get(code, code)


def is_eea(code: str) -> bool:
    return code in EEA


def country_choices() -> list[tuple[str, str]]:
    return sorted(_names().items(), key=lambda item: item[1])


def normalise_country(value: str) -> str:
    return (value or "").strip().upper()


def validate_country(value: str) -> None:
    """Refuse anything that is not an existing ISO 3166-1 alpha-2 code."""
    if normalise_country(value) not in COUNTRIES:
        raise ValidationError(
            _("%(code)s is geen bestaande landcode (ISO 3166-1, twee letters, bijv. NL of DE)."),
            code="country",
            params={"code": value or _("(leeg)")},
        )


def validate_countries(values) -> None:
    if not isinstance(values, list | tuple):
        raise ValidationError(_("Geef een lijst met landcodes."), code="countries")
    for value in values:
        validate_country(value)


# --- Transfers outside the EEA (AVG chapter V, model art. 10) ------------------------------------

# Countries with an adequacy decision of the European Commission (art. 45 AVG), as listed by the
# Commission. The United Kingdom has one (2021, renewed 2025); Canada's covers commercial
# organisations. The United States is not here: its adequacy decision (the EU–US Data Privacy
# Framework, 2023) covers only organisations certified under that framework.
ADEQUACY = frozenset(
    {"AD", "AR", "CA", "CH", "FO", "GB", "GG", "IL", "IM", "JE", "JP", "KR", "NZ", "UY"}
)
DPF_COUNTRY = "US"


class TransferBasis:
    """The basis for processing in a country, from strongest to none."""

    EEA = "eea"
    ADEQUACY = "adequacy"
    DPF = "dpf"
    SCC = "scc"
    NONE = "none"

    LABELS = {
        EEA: _("binnen de EER"),
        ADEQUACY: _("buiten de EER, adequaatheidsbesluit van de Europese Commissie"),
        DPF: _("buiten de EER, EU-VS Data Privacy Framework (leverancier gecertificeerd)"),
        SCC: _("buiten de EER, standaardcontractbepalingen (SCC's)"),
        NONE: _("buiten de EER zonder doorgiftegrondslag"),
    }


def transfer_basis(code: str, supplier=None) -> str:
    """The basis on which personal data may go to ``code`` for this supplier (art. 44–46 AVG).

    Adequacy applies to everyone; the Data Privacy Framework only when the supplier is certified;
    standard contractual clauses only when the supplier recorded that it concluded them.
    """
    if is_eea(code):
        return TransferBasis.EEA
    if code in ADEQUACY:
        return TransferBasis.ADEQUACY
    if code == DPF_COUNTRY and getattr(supplier, "dpf_certified", False):
        return TransferBasis.DPF
    if getattr(supplier, "standard_contractual_clauses", False):
        return TransferBasis.SCC
    return TransferBasis.NONE


def transfer_label(code: str, supplier=None) -> str:
    return str(TransferBasis.LABELS[transfer_basis(code, supplier)])


def adequacy_countries() -> list[tuple[str, str]]:
    """(code, Dutch name) of the countries with an adequacy decision, for the register page."""
    return sorted(((c, country_name(c)) for c in ADEQUACY), key=lambda item: item[1])
