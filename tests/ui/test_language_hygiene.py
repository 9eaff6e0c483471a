"""Source checks on user-facing text: no plural hacks such as "verzoek(en)" and none of the
sector's misspellings ("Bsn", "(sbo)").

User-facing text is what goes through gettext in Python (``_``, ``gettext``, ``ngettext``,
``gettext_lazy``, ...) and what a template renders outside ``{# #}`` / ``{% comment %}``.
Comments and docstrings are not scanned: "school(s)" in a docstring reaches no one.
"""

import ast
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
APPS = [
    "accounts",
    "agreements",
    "breaches",
    "checklist",
    "consent",
    "governance",
    "portal",
    "privacy_portal",
    "retention",
    "students",
    "transfers",
]
GETTEXT_NAMES = {
    "_",
    "gettext",
    "gettext_lazy",
    "ngettext",
    "ngettext_lazy",
    "pgettext",
    "pgettext_lazy",
    "npgettext",
    "npgettext_lazy",
}

# A word glued to a parenthesised plural ending: "verzoek(en)", "datalek(ken)", "ontvanger(s)",
# "betrokkene(n)". Counts are written with ngettext / {% blocktranslate count %} instead.
PLURAL_HACK = re.compile(r"[A-Za-zë]\((?:en|ken|s|n|'s|sen|ren|nen|den|ten|len|pen)\)")

# The sector's spelling: BSN and SBO in capitals, one word "leerlingenadministratie".
FORBIDDEN_SPELLINGS = [
    re.compile(r"\bBsn\b"),
    re.compile(r"(?<!%)\(sbo\)"),
    re.compile(r"\bSbo\b"),
    re.compile(r"leerlingadministratie", re.IGNORECASE),
    re.compile(r"leerlingen-administratie", re.IGNORECASE),
]

TEMPLATE_COMMENT = re.compile(r"{#.*?#}|{%\s*comment\s*%}.*?{%\s*endcomment\s*%}", re.DOTALL)


def _python_files():
    for app in APPS:
        for path in (ROOT / app).rglob("*.py"):
            if "migrations" not in path.parts:
                yield path


def _template_files():
    for base in [ROOT / "templates", *(ROOT / app / "templates" for app in APPS)]:
        if base.is_dir():
            yield from (p for p in base.rglob("*") if p.suffix in {".html", ".txt"})


def _gettext_strings(path):
    """Every string literal passed to a gettext function in one Python file."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    for node in ast.walk(tree):
        if not isinstance(node, ast.Call):
            continue
        func = node.func
        name = func.id if isinstance(func, ast.Name) else getattr(func, "attr", None)
        if name not in GETTEXT_NAMES:
            continue
        for arg in node.args:
            for sub in ast.walk(arg):
                if isinstance(sub, ast.Constant) and isinstance(sub.value, str):
                    yield sub.lineno, sub.value


def _user_facing_texts():
    for path in _python_files():
        for lineno, text in _gettext_strings(path):
            yield f"{path.relative_to(ROOT)}:{lineno}", text
    for path in _template_files():
        source = TEMPLATE_COMMENT.sub("", path.read_text(encoding="utf-8"))
        for lineno, line in enumerate(source.splitlines(), 1):
            yield f"{path.relative_to(ROOT)}:~{lineno}", line


def _offenders(patterns):
    return [
        f"{where}: {text.strip()[:120]}"
        for where, text in _user_facing_texts()
        if any(p.search(text) for p in patterns)
    ]


def test_the_plural_hack_pattern_catches_what_it_should():
    for hack in ["1 open verzoek(en)", "2 datalek(ken)", "ontvanger(s)", "betrokkene(n)"]:
        assert PLURAL_HACK.search(hack), hack
    for fine in ["%(count)s verzoeken", "(G)MR", "Anders (zie toelichting)", "%(s)s"]:
        assert not PLURAL_HACK.search(fine), fine


def test_no_user_facing_string_uses_a_plural_hack_instead_of_ngettext():
    assert _offenders([PLURAL_HACK]) == []


def test_the_forbidden_spellings_pattern_catches_what_it_should():
    for wrong in ["Bsn", "school (sbo)", "Leerlingadministratie"]:
        assert any(p.search(wrong) for p in FORBIDDEN_SPELLINGS), wrong
    for right in ["BSN", "SBO", "leerlingenadministratie", "bsn_hash"]:
        assert not any(p.search(right) for p in FORBIDDEN_SPELLINGS), right


def test_user_facing_strings_use_the_sectors_spelling():
    assert _offenders(FORBIDDEN_SPELLINGS) == []


CATALOGUE = ROOT / "locale" / "en" / "LC_MESSAGES"


def _po_entries():
    """(flags, msgid, msgstr) of every singular entry of the English catalogue."""
    text = (CATALOGUE / "django.po").read_text(encoding="utf-8")
    for block in text.split("\n\n"):
        flags, fields, current = "", {}, None
        for line in block.splitlines():
            if line.startswith("#,"):
                flags = line
            elif line.startswith("#"):
                continue
            elif line.startswith('"') and current:
                fields[current] += ast.literal_eval(line)
            elif " " in line:
                key, value = line.split(" ", 1)
                current = key
                fields[key] = ast.literal_eval(value)
        if "msgid" in fields and "msgid_plural" not in fields:
            yield flags, fields["msgid"], fields.get("msgstr", "")


def test_the_english_catalogue_has_no_fuzzy_entries():
    assert [msgid[:60] for flags, msgid, _ in _po_entries() if "fuzzy" in flags] == []


# Untranslated entries allowed while the English catalogue is translated in two halves (issue
# 22): a ratchet that may only go down. New strings come with their English, so the count does
# not grow; when the second half lands the integrator sets it to 0, and then every untranslated
# entry fails here.
UNTRANSLATED_ALLOWED = 0


def _untranslated_entries():
    """msgids (plural entries included) whose English is still empty."""
    text = (CATALOGUE / "django.po").read_text(encoding="utf-8")
    for block in text.split("\n\n"):
        fields, current = {}, None
        for line in block.splitlines():
            if line.startswith("#"):
                continue
            if line.startswith('"') and current:
                fields[current] += ast.literal_eval(line)
            elif " " in line:
                current, value = line.split(" ", 1)
                fields[current] = ast.literal_eval(value)
        forms = [v for k, v in fields.items() if k == "msgstr" or k.startswith("msgstr[")]
        if fields.get("msgid") and not all(forms):
            yield fields["msgid"]


def test_the_english_catalogue_leaves_no_more_entries_untranslated_than_allowed():
    untranslated = list(_untranslated_entries())
    assert len(untranslated) <= UNTRANSLATED_ALLOWED, (
        f"{len(untranslated) - UNTRANSLATED_ALLOWED} more untranslated entries than allowed; "
        f"the last: {[m[:60] for m in untranslated[-5:]]}"
    )


def test_the_compiled_catalogue_matches_the_po_file():
    import gettext

    with (CATALOGUE / "django.mo").open("rb") as mo:
        compiled = gettext.GNUTranslations(mo)
    stale = [
        msgid[:60]
        for _flags, msgid, msgstr in _po_entries()
        if msgid and msgstr and compiled.gettext(msgid) != msgstr
    ]
    assert stale == []


def test_the_menu_and_the_layout_are_english_in_english_mode():
    from django.utils import translation

    with translation.override("en"):
        for dutch, english in [
            ("Taal", "Language"),
            ("Uitloggen", "Sign out"),
            ("Mijn kinderen", "My children"),
            ("Leerlingen", "Pupils"),
            ("Registers", "Registers"),
            ("Organisatie", "Organisation"),
            ("Verzoeken van ouders", "Requests from parents"),
        ]:
            assert translation.gettext(dutch) == english
