"""Import pupils, parents and classes from a pupil-administration export (CSV).

Dutch exports come as UTF-8 (often with a byte-order mark), Windows-1252 (Excel's "CSV") or
UTF-16 (Excel's "Unicode-tekst", tab-separated), separated by ``;``, ``,`` or a tab. The
encoding is decided per file; a file that mixes UTF-8 and Windows-1252 lines is refused with
the line numbers. The file is read completely and checked row by row before anything is
written:

- a dry run only reports what would change;
- a real import with any row in error changes nothing, unless the user chose to import the
  valid rows only;
- a file that cannot be read at all (encoding, missing columns, too large) changes nothing.

The expected columns are documented in ``docs/students.md``; ``docs/import-sample.csv`` is an
example. Error messages name the row and the column, never the value (no personal data ends up
in the import report).
"""

from __future__ import annotations

import contextlib
import copy
import csv
import io
import logging
import re
from dataclasses import dataclass, field
from datetime import date, datetime

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.db.models import Q
from django.db.models.functions import Lower
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import School, SchoolClass, school_year_of
from accounts.validators import normalise_postcode, validate_bsn, validate_phone, validate_postcode
from privacy_portal import jobs
from students import profiles
from students.models import Enrolment, Guardian, GuardianLink, ImportRun, Pupil

logger = logging.getLogger(__name__)

REQUIRED_COLUMNS = (
    "leerlingnummer",
    "roepnaam",
    "achternaam",
    "geboortedatum",
    "groep",
    "inschrijfdatum",
)
OPTIONAL_COLUMNS = (
    "tussenvoegsel",
    "leerjaar",
    "uitschrijfdatum",
    "bsn",
    "adres",
    "postcode",
    "woonplaats",
    "telefoon",
    "vorige_school",
)
GUARDIAN_COLUMNS = (
    "voornaam",
    "tussenvoegsel",
    "achternaam",
    "email",
    "telefoon",
    "relatie",
    "gezag",
)
# Other names the pupil administrations use for the same column (after normalising).
COLUMN_ALIASES = {
    "voorvoegsel": "tussenvoegsel",
    "ouder1_voorvoegsel": "ouder1_tussenvoegsel",
    "ouder2_voorvoegsel": "ouder2_tussenvoegsel",
}
GUARDIAN_PREFIXES = ("ouder1_", "ouder2_")
KNOWN_COLUMNS = (
    REQUIRED_COLUMNS
    + OPTIONAL_COLUMNS
    + tuple(prefix + name for prefix in GUARDIAN_PREFIXES for name in GUARDIAN_COLUMNS)
)
# Pupil field <- column.
PUPIL_COLUMNS = {
    "first_name": "roepnaam",
    "surname_prefix": "tussenvoegsel",
    "last_name": "achternaam",
    "date_of_birth": "geboortedatum",
    "enrolled_on": "inschrijfdatum",
    "deregistered_on": "uitschrijfdatum",
    "citizen_number": "bsn",
    "street_address": "adres",
    "postal_code": "postcode",
    "city": "woonplaats",
    "phone": "telefoon",
    "previous_school": "vorige_school",
}
RELATIONSHIPS = {value: value for value in GuardianLink.Relationship.values}
TRUE_WORDS = {"ja", "j", "1", "true", "waar", "yes"}
FALSE_WORDS = {"nee", "n", "0", "false", "onwaar", "no"}


class Mode:
    DRY_RUN = "dry_run"
    ALL_OR_NOTHING = "all"
    VALID_ROWS = "valid_rows"
    CHOICES = (DRY_RUN, ALL_OR_NOTHING, VALID_ROWS)


class ImportFileError(Exception):
    """The file as a whole cannot be imported (encoding, columns, size)."""


@dataclass
class RowPlan:
    number: int  # the line in the file (the header is line 1)
    values: dict = field(default_factory=dict)
    guardians: list = field(default_factory=list)
    class_name: str = ""
    school_grade: str = ""  # the "leerjaar" column, when the file has it
    errors: list[str] = field(default_factory=list)
    # Plausibility warnings: shown in the dry run, never blocking.
    warnings: list[str] = field(default_factory=list)
    action: str = ""  # "new" | "update" | "unchanged"
    changed_fields: list[str] = field(default_factory=list)

    @property
    def display_name(self) -> str:
        values = self.values
        parts = (values.get("first_name"), values.get("surname_prefix"), values.get("last_name"))
        return " ".join(part for part in parts if part)

    @property
    def action_label(self) -> str:
        return {"new": _("nieuw"), "update": _("bijwerken"), "unchanged": _("ongewijzigd")}.get(
            self.action, ""
        )


@dataclass
class ImportReport:
    rows: list[RowPlan]
    mode: str
    applied: bool = False
    created: int = 0
    updated: int = 0
    new_classes: list[str] = field(default_factory=list)
    run: ImportRun | None = None
    # Enrolled pupils of the school with a leerlingnummer the file does not have: proposed for
    # deregistration in the report, never deregistered by the import.
    missing: list[Pupil] = field(default_factory=list)
    # The pupil administration the header row was recognised as (students.profiles), and the
    # file's columns the import does not use.
    profile: profiles.Profile = profiles.GENERIC
    ignored: list[str] = field(default_factory=list)

    @property
    def errors(self) -> list[RowPlan]:
        return [row for row in self.rows if row.errors]

    @property
    def valid_rows(self) -> list[RowPlan]:
        return [row for row in self.rows if not row.errors]

    @property
    def planned_new(self) -> int:
        return sum(1 for row in self.valid_rows if row.action == "new")

    @property
    def planned_updates(self) -> int:
        return sum(1 for row in self.valid_rows if row.action == "update")

    @property
    def warnings(self) -> list[RowPlan]:
        return [row for row in self.rows if row.warnings]


# --- Reading ---------------------------------------------------------------------------------


def _utf16_without_bom(head: bytes) -> str | None:
    """Excel's "Unicode-tekst" has a BOM; without one, ASCII text in UTF-16 shows as every
    other byte zero."""
    if len(head) < 4:
        return None
    if head[1::2].count(0) > len(head) // 4:
        return "utf-16-le"
    if head[0::2].count(0) > len(head) // 4:
        return "utf-16-be"
    return None


def _line_list(numbers: list[int]) -> str:
    shown = ", ".join(str(number) for number in numbers[:10])
    return shown + (" …" if len(numbers) > 10 else "")


def decode(raw: bytes) -> str:
    """Decide the encoding for the whole file: UTF-16 (with a BOM, or recognisable without),
    UTF-8 (with or without BOM), else Windows-1252. A file in which some lines are UTF-8 and
    others are not was saved from two sources: decoding it either way would store garbled names
    ("ZoÃ«"), so it is refused with the line numbers."""
    if raw.startswith((b"\xff\xfe", b"\xfe\xff")):
        encoding = "utf-16"
    else:
        encoding = _utf16_without_bom(raw[:4096]) if b"\x00" in raw[:4096] else None
        if encoding is None and b"\x00" in raw[:4096]:
            raise ImportFileError(_("Dit is geen tekstbestand (CSV)."))
    if encoding:
        try:
            text = raw.decode(encoding)
        except UnicodeDecodeError as exc:
            raise ImportFileError(
                _("De tekens in het bestand zijn niet te lezen als Unicode-tekst (UTF-16).")
            ) from exc
        if "\x00" in text:
            raise ImportFileError(_("Dit is geen tekstbestand (CSV)."))
        return text.lstrip("\ufeff")
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        pass
    utf8_lines, other_lines = [], []
    for number, line in enumerate(raw.split(b"\n"), start=1):
        if line.isascii():
            continue
        try:
            line.decode("utf-8")
        except UnicodeDecodeError:
            other_lines.append(number)
        else:
            utf8_lines.append(number)
    if utf8_lines:
        raise ImportFileError(
            _(
                "Het bestand mengt twee tekensets: regel %(utf8)s is opgeslagen als UTF-8, regel "
                "%(other)s niet. Sla het hele bestand opnieuw op als CSV in UTF-8."
            )
            % {"utf8": _line_list(utf8_lines), "other": _line_list(other_lines)}
        )
    try:
        return raw.decode("cp1252")
    except UnicodeDecodeError as exc:
        raise ImportFileError(
            _(
                "De tekens in het bestand zijn niet te lezen: sla het op als CSV in UTF-8 of "
                "Windows-1252 (regel %(line)s)."
            )
            % {"line": raw[: exc.start].count(b"\n") + 1}
        ) from exc


def _normalise_header(name: str) -> str:
    name = profiles.normalise(name)
    return COLUMN_ALIASES.get(name, name)


def class_key(name: str) -> str:
    """How a class name in the file meets a class in the portal: "Groep 5a", "groep 5A" and
    "5a" are one class (case and the word "groep" do not matter)."""
    key = " ".join((name or "").lower().split())
    return re.sub(r"^groep\b[\s\-_:]*", "", key) or key


@dataclass
class ImportFile:
    """A file read and recognised: its rows in the import's own column names."""

    rows: list[tuple[int, dict]]
    profile: profiles.Profile
    ignored: list[str]  # columns of the file the import does not use (their own spelling)


def read_file(raw: bytes) -> ImportFile:
    limit = settings.MAX_UPLOAD_MEGABYTES * 1024 * 1024
    if len(raw) > limit:
        raise ImportFileError(
            _("Het bestand is te groot: maximaal %(mb)s MB.")
            % {"mb": settings.MAX_UPLOAD_MEGABYTES}
        )
    text = decode(raw)
    if not text.strip():
        raise ImportFileError(_("Het bestand is leeg."))
    first_line = text.splitlines()[0]
    delimiter = max((";", ",", "\t"), key=first_line.count)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    try:
        original = next(reader)
        normalised = [profiles.normalise(name) for name in original]
        profile = profiles.recognise(normalised)
        header = [COLUMN_ALIASES.get(name, name) for name in profile.map_header(normalised)]
        known = set(KNOWN_COLUMNS) | set(profile.address_parts)
        ignored = [
            theirs.strip().lstrip("\ufeff")
            for theirs, ours in zip(original, header, strict=True)
            if ours and ours not in known
        ]
        missing = [name for name in REQUIRED_COLUMNS if name not in header]
        if missing and profile is profiles.GENERIC and ignored:
            raise ImportFileError(
                _(
                    "Dit bestand is niet herkend als export van ParnasSys, ESIS of Magister, en "
                    "het eigen formaat mist de kolommen %(missing)s. Deze kolommen kennen we niet: "
                    "%(unknown)s."
                )
                % {"missing": ", ".join(missing), "unknown": ", ".join(ignored[:20])}
            )
        if missing:
            raise ImportFileError(
                _("Deze verplichte kolommen ontbreken: %(columns)s.")
                % {"columns": ", ".join(missing)}
            )
        duplicates = sorted({name for name in header if name and header.count(name) > 1})
        if duplicates:
            raise ImportFileError(
                _("Deze kolommen staan er dubbel in: %(columns)s.")
                % {"columns": ", ".join(duplicates)}
            )
        rows = []
        for values in reader:
            if not any(value.strip() for value in values):
                continue
            line = reader.line_num
            row = dict.fromkeys(header, "")
            if len(values) > len(header):
                row["__too_many__"] = "1"
            row.update({name: value.strip() for name, value in zip(header, values, strict=False)})
            profile.join_address(row)
            rows.append((line, row))
    except csv.Error as exc:
        raise ImportFileError(
            _("Het bestand is geen geldige CSV (regel %(line)s).") % {"line": reader.line_num}
        ) from exc
    except StopIteration as exc:
        raise ImportFileError(_("Het bestand is leeg.")) from exc
    return ImportFile(rows=rows, profile=profile, ignored=ignored)


def read_rows(raw: bytes) -> list[tuple[int, dict]]:
    return read_file(raw).rows


# --- Checking --------------------------------------------------------------------------------


DATE_FORMATS = ("%d-%m-%Y", "%Y-%m-%d", "%d/%m/%Y", "%d.%m.%Y")


def parse_date(value: str, formats: tuple[str, ...] = ()) -> date:
    for pattern in formats + DATE_FORMATS:
        try:
            return datetime.strptime(value, pattern).date()
        except ValueError:
            continue
    raise ValueError(value)


def _check_field(errors: list[str], column: str, validator, value: str) -> None:
    try:
        validator(value)
    except ValidationError as exc:
        errors.append(f"{column}: {' '.join(m.rstrip('.') for m in exc.messages)}")


def check_row(number: int, row: dict, *, today: date, date_formats: tuple = ()) -> RowPlan:
    plan = RowPlan(number=number)
    errors = plan.errors
    if row.get("__too_many__"):
        errors.append(_("de regel heeft meer waarden dan er kolommen zijn"))
    for column in REQUIRED_COLUMNS:
        if not row.get(column):
            errors.append(_("%(column)s: verplicht") % {"column": column})
    if not re.fullmatch(r"[A-Za-z0-9\-]{1,20}", row.get("leerlingnummer") or "x"):
        errors.append(_("leerlingnummer: alleen letters en cijfers, hoogstens 20"))
    plan.values["administration_number"] = row.get("leerlingnummer", "")
    for model_field, column in PUPIL_COLUMNS.items():
        if column not in row:
            continue  # a column the file does not have leaves the field as it is
        value = row[column]
        if column in ("geboortedatum", "inschrijfdatum", "uitschrijfdatum"):
            if not value:
                plan.values[model_field] = None
                continue
            try:
                plan.values[model_field] = parse_date(value, date_formats)
            except ValueError:
                errors.append(
                    _("%(column)s: geen geldige datum (gebruik dd-mm-jjjj)") % {"column": column}
                )
            continue
        plan.values[model_field] = value
    for name, limit in (
        ("first_name", 100),
        ("surname_prefix", 20),
        ("last_name", 150),
        ("street_address", 200),
    ):
        if len(plan.values.get(name) or "") > limit:
            errors.append(_("%(column)s: te lang") % {"column": PUPIL_COLUMNS[name]})
    born = plan.values.get("date_of_birth")
    enrolled = plan.values.get("enrolled_on")
    left = plan.values.get("deregistered_on")
    if born and born > today:
        errors.append(_("geboortedatum: ligt in de toekomst"))
    if born and enrolled and enrolled < born:
        plan.warnings.append(_("inschrijfdatum ligt vóór de geboortedatum"))
    if enrolled and left and left < enrolled:
        errors.append(_("uitschrijfdatum: ligt vóór de inschrijfdatum"))
    if plan.values.get("citizen_number"):
        _check_field(errors, "bsn", validate_bsn, plan.values["citizen_number"])
    if plan.values.get("postal_code"):
        _check_field(errors, "postcode", validate_postcode, plan.values["postal_code"])
        plan.values["postal_code"] = normalise_postcode(plan.values["postal_code"])
    if plan.values.get("phone"):
        _check_field(errors, "telefoon", validate_phone, plan.values["phone"])
    plan.class_name = row.get("groep", "")
    plan.school_grade = row.get("leerjaar", "")
    for prefix in GUARDIAN_PREFIXES:
        guardian = {name: row.get(prefix + name, "") for name in GUARDIAN_COLUMNS}
        if not any(guardian.values()):
            continue
        if len(guardian["tussenvoegsel"]) > 20:
            errors.append(_("%(column)s: te lang") % {"column": prefix + "tussenvoegsel"})
        if not guardian["voornaam"] or not guardian["achternaam"]:
            errors.append(
                _("%(prefix)s: voornaam en achternaam zijn verplicht") % {"prefix": prefix[:-1]}
            )
        if guardian["email"]:
            _check_field(errors, prefix + "email", validate_email, guardian["email"])
        if guardian["telefoon"]:
            _check_field(errors, prefix + "telefoon", validate_phone, guardian["telefoon"])
        relationship = guardian["relatie"].lower() or GuardianLink.Relationship.CARER
        if relationship not in RELATIONSHIPS:
            errors.append(
                _("%(column)s: kies uit %(choices)s")
                % {"column": prefix + "relatie", "choices": ", ".join(RELATIONSHIPS)}
            )
        authority = guardian["gezag"].lower()
        if authority and authority not in TRUE_WORDS | FALSE_WORDS:
            errors.append(_("%(column)s: vul ja of nee in") % {"column": prefix + "gezag"})
        plan.guardians.append(
            {
                "first_name": guardian["voornaam"],
                "surname_prefix": guardian["tussenvoegsel"],
                "last_name": guardian["achternaam"],
                "email": guardian["email"].lower(),
                "phone": guardian["telefoon"],
                "relationship": relationship,
                "has_parental_authority": authority not in FALSE_WORDS,
            }
        )
    return plan


def _grades(plan: RowPlan) -> tuple[int, int] | None:
    """The groep (1-8) a row places the pupil in: the "leerjaar" column, else the number in the
    class name ("Groep 5a" is 5, a combination class "5/6" is 5 to 6)."""
    source = plan.school_grade or class_key(plan.class_name)
    numbers = [int(n) for n in re.findall(r"\d+", source) if 1 <= int(n) <= 8]
    return (min(numbers), max(numbers)) if numbers else None


def _check_plausibility(plan: RowPlan, *, year: int) -> None:
    """Warnings that do not block: a pupil in groep N is usually N + 3 years old on 1 October
    (groep 1 at four); two years younger or more than two years older is worth a look."""
    born = plan.values.get("date_of_birth")
    grades = _grades(plan)
    if not born or not grades:
        return
    reference = date(year, 10, 1)
    age = reference.year - born.year - ((reference.month, reference.day) < (born.month, born.day))
    low, high = grades
    if age < low + 2 or age > high + 5:
        plan.warnings.append(
            _("leeftijd %(age)s past niet bij groep %(grade)s")
            % {"age": age, "grade": low if low == high else f"{low}/{high}"}
        )


def _check_citizen_numbers(plans: list[RowPlan], *, school: School) -> None:
    """A BSN belongs to one pupil in the whole foundation. The error names the other pupil by
    number, never by name: the person importing may not know the other school's pupils."""
    first_line: dict[str, int] = {}
    for plan in plans:
        number = plan.values.get("citizen_number")
        if not number:
            continue
        if number in first_line:
            plan.errors.append(_("bsn: staat ook op regel %(line)s") % {"line": first_line[number]})
        first_line.setdefault(number, plan.number)
    if not first_line:
        return
    holders: dict[str, list[tuple]] = {}
    # The database keeps a BSN unique over all pupils (one person, one record), so pupils of
    # another foundation count too; of those, not even the number is shown.
    for bsn, school_id, foundation_id, admin_number in Pupil.objects.filter(
        citizen_number__in=list(first_line)
    ).values_list("citizen_number", "school_id", "school__foundation_id", "administration_number"):
        holders.setdefault(bsn, []).append((school_id, foundation_id, admin_number))
    for plan in plans:
        number = plan.values.get("citizen_number")
        for school_id, foundation_id, admin_number in holders.get(number, ()):
            if school_id == school.pk and admin_number == plan.values.get("administration_number"):
                continue  # the pupil this row updates
            if school_id == school.pk:
                plan.errors.append(
                    _("bsn: hoort al bij leerling %(number)s")
                    % {"number": admin_number or _("zonder leerlingnummer")}
                )
            elif foundation_id == school.foundation_id:
                plan.errors.append(
                    _("bsn: hoort al bij leerling %(number)s van een andere school")
                    % {"number": admin_number or _("zonder leerlingnummer")}
                )
            else:
                plan.errors.append(_("bsn: hoort al bij een leerling buiten deze stichting"))


def existing_parents(*, school: School, emails) -> dict[str, Guardian]:
    """Parents the school already has, by e-mail address (lower case): a parent of a pupil of
    this school. One record per address; the oldest when there are several."""
    found: dict[str, Guardian] = {}
    emails = [email for email in emails if email]
    if not emails:
        return found
    for guardian in (
        Guardian.objects.annotate(email_lower=Lower("email"))
        .filter(email_lower__in=emails, links__pupil__school=school)
        .distinct()
        .order_by("pk")
    ):
        found.setdefault(guardian.email.lower(), guardian)
    return found


def _plan_families(plans: list[RowPlan], *, school: School, existing_pupils: dict) -> None:
    """Mark each parent in the file as new, matched to a parent the school has (on e-mail, or
    on name among the pupil's own parents), or the same parent as on an earlier line (siblings):
    one guardian record per parent."""
    emails = {data["email"] for plan in plans for data in plan.guardians if data["email"]}
    known = existing_parents(school=school, emails=emails)
    own_links: dict[int, list[Guardian]] = {}
    for link in GuardianLink.objects.filter(pupil__in=existing_pupils.values()).select_related(
        "guardian"
    ):
        own_links.setdefault(link.pupil_id, []).append(link.guardian)
    first_line: dict[str, int] = {}
    for plan in plans:
        pupil = existing_pupils.get(plan.values.get("administration_number"))
        for data in plan.guardians:
            email = data["email"]
            mine = next(
                (
                    g
                    for g in own_links.get(pupil.pk if pupil else None, ())
                    if (email and g.email.lower() == email)
                    or (
                        g.first_name.lower() == data["first_name"].lower()
                        and g.last_name.lower() == data["last_name"].lower()
                    )
                ),
                None,
            )
            match = mine or (known.get(email) if email else None)
            if match is not None:
                data["status"] = "matched"
                data["changed"] = [
                    name
                    for name in ("first_name", "surname_prefix", "last_name", "email", "phone")
                    if data[name] and getattr(match, name) != data[name]
                ]
            elif email and email in first_line:
                data["status"] = "sibling"
                data["line"] = first_line[email]
            else:
                data["status"] = "new"
            if email:
                first_line.setdefault(email, plan.number)


def plan_import(
    *,
    school: School,
    raw: bytes,
    create_classes: bool = False,
    today: date | None = None,
    read: ImportFile | None = None,
) -> tuple[list[RowPlan], dict[str, SchoolClass | None]]:
    """Read and check the whole file; compare with what the school already holds."""
    today = today or timezone.localdate()
    read = read or read_file(raw)
    plans = [
        check_row(number, row, today=today, date_formats=read.profile.date_formats)
        for number, row in read.rows
    ]
    year = school_year_of(today)
    classes: dict[str, SchoolClass | None] = {}
    for school_class in SchoolClass.objects.filter(school=school, school_year=year).order_by("pk"):
        classes.setdefault(class_key(school_class.name), school_class)
    seen: dict[str, int] = {}
    for plan in plans:
        number = plan.values.get("administration_number")
        if number:
            if number in seen:
                plan.errors.append(
                    _("leerlingnummer: komt ook voor op regel %(line)s") % {"line": seen[number]}
                )
            seen.setdefault(number, plan.number)
        key = class_key(plan.class_name)
        if plan.class_name and key not in classes:
            if create_classes:
                classes[key] = None  # created when the import is applied
            else:
                plan.errors.append(
                    _("groep: '%(name)s' bestaat niet in schooljaar %(year)s")
                    % {"name": plan.class_name[:50], "year": f"{year}-{year + 1}"}
                )
        _check_plausibility(plan, year=year)
    _check_citizen_numbers(plans, school=school)
    existing = {
        p.administration_number: p
        for p in Pupil.objects.filter(
            school=school,
            administration_number__in=[p.values["administration_number"] for p in plans],
        )
    }
    current_class = dict(
        Enrolment.objects.filter(
            pupil__in=existing.values(), school_class__school_year=year
        ).values_list("pupil_id", "school_class__name")
    )
    for plan in plans:
        pupil = existing.get(plan.values.get("administration_number"))
        if pupil is None:
            plan.action = "new"
            continue
        plan.changed_fields = [
            name
            for name, value in plan.values.items()
            if getattr(pupil, name) != (value if value is not None else None)
            and not (getattr(pupil, name) in ("", None) and value in ("", None))
        ]
        if class_key(current_class.get(pupil.pk) or "") != class_key(plan.class_name):
            plan.changed_fields.append("groep")
        plan.action = "update" if plan.changed_fields else "unchanged"
    _plan_families(plans, school=school, existing_pupils=existing)
    return plans, classes


# --- Applying --------------------------------------------------------------------------------
#
# Set-based: the rows are applied in batches of ``BATCH_SIZE``; per batch a fixed number of
# queries (bulk inserts and updates, lookups from dictionaries built once), whatever the batch
# holds. django-auditlog's signals do not fire for bulk writes, so the batch writes its change
# records itself, with the same masking (auditlog's own diff) and the import's actor.

BATCH_SIZE = 500
PUPIL_FIELDS = tuple(PUPIL_COLUMNS) + ("administration_number",)
GUARDIAN_FIELDS = ("first_name", "surname_prefix", "last_name", "email", "phone")


class RunTakenOver(Exception):
    """The run row no longer belongs to this worker (the reaper failed or requeued it)."""


class _Audit:
    """Change records for one batch, written with one statement (on PostgreSQL a ``COPY``:
    the records are otherwise half the work of an import)."""

    COLUMNS = (
        "content_type_id",
        "object_pk",
        "object_id",
        "object_repr",
        "action",
        "changes",
        "changes_text",
        "actor_id",
        "cid",
        "timestamp",
    )

    def __init__(self, actor):
        from auditlog.cid import get_cid

        self.actor_id = actor.pk if getattr(actor, "is_authenticated", False) else None
        self.cid = get_cid()
        self.rows: list[tuple] = []
        self.content_types: dict = {}

    def record(self, old, new) -> None:
        from auditlog.diff import model_instance_diff
        from auditlog.models import LogEntry
        from django.contrib.contenttypes.models import ContentType

        changes = model_instance_diff(old, new) if old is not None else created_changes(new)
        if not changes:
            return
        model = type(new)
        if model not in self.content_types:
            self.content_types[model] = ContentType.objects.get_for_model(new).pk
        action = LogEntry.Action.CREATE if old is None else LogEntry.Action.UPDATE
        self.rows.append(
            (
                self.content_types[model],
                str(new.pk),
                new.pk,
                str(new),
                action,
                {name: list(pair) for name, pair in changes.items()},
                "",
                self.actor_id,
                self.cid,
                timezone.now(),
            )
        )

    def write(self) -> None:
        import json

        from auditlog.models import LogEntry
        from django.db import connection

        rows, self.rows = self.rows, []
        if not rows:
            return
        if connection.vendor != "postgresql":
            LogEntry.objects.bulk_create(
                [
                    LogEntry(**{f"{c}": v for c, v in zip(self.COLUMNS, row, strict=True)})
                    for row in rows
                ]
            )
            return
        table = connection.ops.quote_name(LogEntry._meta.db_table)
        columns = ", ".join(connection.ops.quote_name(c) for c in self.COLUMNS)
        with (
            connection.cursor() as cursor,
            cursor.cursor.copy(f"COPY {table} ({columns}) FROM STDIN") as copy,
        ):
            for row in rows:
                copy.write_row(row[:5] + (json.dumps(row[5]),) + row[6:])


_CREATE_SPECS: dict = {}


def created_changes(obj) -> dict | None:
    """What auditlog's ``model_instance_diff(None, obj)`` returns for a new object, computed
    from a field list prepared once per model: the diff proper costs a millisecond per object,
    too much for 10,000 pupils with their parents, links and enrolments. Same format (strings,
    "None" for the old value) and the same masking; models with date-time or JSON fields (whose
    values auditlog converts) go through auditlog itself."""
    from auditlog.diff import (
        get_field_value,
        get_fields_in_model,
        get_mask_function,
        model_instance_diff,
    )
    from auditlog.registry import auditlog
    from django.db.models import DateTimeField, JSONField
    from django.utils.encoding import smart_str

    model = type(obj)
    spec = _CREATE_SPECS.get(model)
    if spec is None:
        options = auditlog.get_model_fields(model)
        fields = [
            f
            for f in get_fields_in_model(obj)
            if (not options["include_fields"] or f.name in options["include_fields"])
            and f.name not in options["exclude_fields"]
        ]
        if any(isinstance(f, DateTimeField | JSONField) for f in fields):
            spec = False
        else:
            spec = (
                [
                    (f.name, f.attname, bool(f.many_to_one or f.one_to_one))
                    for f in fields
                    if f.concrete
                ],
                # Reverse relations show as their manager ("app.Model.None"): the same text
                # for every object of the model.
                {f.name: smart_str(get_field_value(obj, f)) for f in fields if not f.concrete},
                set(options["mask_fields"]),
                get_mask_function(options.get("mask_callable")),
            )
        _CREATE_SPECS[model] = spec
    if spec is False:
        return model_instance_diff(None, obj)
    fields, constants, masked, mask = spec
    changes = {}
    for name, attribute, relation in fields:
        value = smart_str(getattr(obj, attribute))
        # auditlog compares an empty relation as None with the text "None": it records it.
        if value == "None" and not relation:
            continue
        changes[name] = (mask("None"), mask(value)) if name in masked else ("None", value)
    for name, value in constants.items():
        if value != "None":
            changes[name] = (mask("None"), mask(value)) if name in masked else ("None", value)
    return changes or None


def _apply_batch(batch, *, school, classes, existing, family, year, audit) -> None:
    """Write one batch of checked rows. ``existing`` (leerlingnummer -> pupil) and ``family``
    (e-mail -> guardian) are shared by all batches: a parent created for one line is the
    parent of a sibling on a later line (one guardian record per parent)."""
    new_pupils, changed_pupils = [], []
    for plan in batch:
        number = plan.values["administration_number"]
        pupil = existing.get(number)
        if pupil is None:
            pupil = Pupil(school=school, **plan.values)
            new_pupils.append(pupil)
            existing[number] = pupil
        elif plan.action == "update":
            old = copy.copy(pupil)
            for name, value in plan.values.items():
                setattr(pupil, name, value)
            changed_pupils.append((old, pupil))
    Pupil.objects.bulk_create(new_pupils)
    if changed_pupils:
        # Only the columns the file has: a field the file does not carry is left as it is.
        columns = {name for plan in batch if plan.action == "update" for name in plan.values}
        Pupil.objects.bulk_update(
            [new for _old, new in changed_pupils], sorted(columns & set(PUPIL_FIELDS))
        )
    for pupil in new_pupils:
        audit.record(None, pupil)
    for old, pupil in changed_pupils:
        audit.record(old, pupil)

    # Enrolments: a new pupil gets one; a pupil whose groep changed leaves the other class of
    # this school year (and its history of other years stays).
    enrol: list[Enrolment] = []
    moved = {}
    for plan in batch:
        if plan.action == "unchanged":
            continue
        pupil = existing[plan.values["administration_number"]]
        school_class = classes[class_key(plan.class_name)]
        if plan.action == "new":
            enrol.append(Enrolment(pupil=pupil, school_class=school_class))
        elif "groep" in plan.changed_fields:
            moved[pupil.pk] = school_class
    if moved:
        current = Enrolment.objects.filter(
            pupil_id__in=list(moved), school_class__school_year=year
        ).select_related("school_class")
        stale, placed = [], set()
        for enrolment in current:
            if enrolment.school_class_id == moved[enrolment.pupil_id].pk:
                placed.add(enrolment.pupil_id)
            else:
                stale.append(enrolment.pk)
        if stale:
            Enrolment.objects.filter(pk__in=stale).delete()  # few: one record per move
        enrol += [
            Enrolment(pupil_id=pk, school_class=school_class)
            for pk, school_class in moved.items()
            if pk not in placed
        ]
    Enrolment.objects.bulk_create(enrol)
    for enrolment in enrol:
        audit.record(None, enrolment)

    _apply_guardians(batch, existing=existing, family=family, audit=audit)
    audit.write()


def _apply_guardians(batch, *, existing, family, audit) -> None:
    with_parents = [plan for plan in batch if plan.guardians]
    if not with_parents:
        return
    pupil_ids = [
        existing[plan.values["administration_number"]].pk
        for plan in with_parents
        if plan.action != "new"
    ]
    links_of: dict[int, list[GuardianLink]] = {}
    if pupil_ids:
        for link in GuardianLink.objects.filter(pupil_id__in=pupil_ids).select_related("guardian"):
            links_of.setdefault(link.pupil_id, []).append(link)
    new_guardians: dict[int, Guardian] = {}  # id(obj) -> guardian, not yet saved
    changed_guardians: dict[int, tuple[Guardian, Guardian]] = {}  # pk -> (old, new)
    new_links: list[GuardianLink] = []
    changed_links: list[tuple[GuardianLink, GuardianLink]] = []

    def update(guardian: Guardian, data: dict) -> None:
        """What the file says about a known parent wins; an empty cell leaves a value alone."""
        for name in GUARDIAN_FIELDS:
            if data[name] and getattr(guardian, name) != data[name]:
                if guardian.pk and guardian.pk not in changed_guardians:
                    changed_guardians[guardian.pk] = (copy.copy(guardian), guardian)
                setattr(guardian, name, data[name])

    for plan in with_parents:
        pupil = existing[plan.values["administration_number"]]
        links = links_of.setdefault(pupil.pk, [])
        for data in plan.guardians:
            match = next(
                (
                    link
                    for link in links
                    if (data["email"] and link.guardian.email.lower() == data["email"])
                    or (
                        link.guardian.first_name.lower() == data["first_name"].lower()
                        and link.guardian.last_name.lower() == data["last_name"].lower()
                    )
                ),
                None,
            )
            if match is None:
                guardian = family.get(data["email"]) if data["email"] else None
                if guardian is None:
                    guardian = Guardian(**{name: data[name] for name in GUARDIAN_FIELDS})
                    new_guardians[id(guardian)] = guardian
                else:
                    update(guardian, data)
                if data["email"]:
                    family.setdefault(data["email"], guardian)
                link = GuardianLink(
                    guardian=guardian,
                    pupil=pupil,
                    relationship=data["relationship"],
                    has_parental_authority=data["has_parental_authority"],
                )
                new_links.append(link)
                links.append(link)
                continue
            guardian = match.guardian
            update(guardian, data)
            if guardian.email:
                family.setdefault(guardian.email.lower(), guardian)
            wanted = (data["relationship"], data["has_parental_authority"])
            if match.pk and (match.relationship, match.has_parental_authority) != wanted:
                changed_links.append((copy.copy(match), match))
                match.relationship, match.has_parental_authority = wanted
    Guardian.objects.bulk_create(list(new_guardians.values()))
    if changed_guardians:
        Guardian.objects.bulk_update(
            [new for _old, new in changed_guardians.values()], GUARDIAN_FIELDS
        )
    # Django takes each new guardian's pk for its link now that it has one.
    GuardianLink.objects.bulk_create(new_links)
    if changed_links:
        GuardianLink.objects.bulk_update(
            [new for _old, new in changed_links], ["relationship", "has_parental_authority"]
        )
    for guardian in new_guardians.values():
        audit.record(None, guardian)
    for old, guardian in changed_guardians.values():
        audit.record(old, guardian)
    for link in new_links:
        audit.record(None, link)
    for old, link in changed_links:
        audit.record(old, link)


def _apply(report: ImportReport, *, school, classes, progress, actor, run=None) -> None:
    """Apply the valid rows in batches. Without ``run`` (the command, a synchronous import) the
    caller's transaction holds them all. With ``run`` (a background import) each batch commits
    on its own, together with the run's progress (``rows_done``), so the progress page reads
    it from the row; a batch that fails rolls back whole, and the run, started again, finds
    the committed batches unchanged and goes on (an import of the same file is idempotent)."""
    year = school_year_of(timezone.localdate())
    with transaction.atomic():
        for key, school_class in list(classes.items()):
            if school_class is None:
                name = next(
                    (p.class_name for p in report.valid_rows if class_key(p.class_name) == key),
                    None,
                )
                if name is None:
                    continue  # only rows in error named it
                classes[key] = SchoolClass.objects.create(
                    school=school, school_year=year, name=name
                )
    valid = report.valid_rows
    existing = {
        p.administration_number: p
        for p in Pupil.objects.filter(
            school=school,
            administration_number__in=[p.values["administration_number"] for p in valid],
        )
    }
    family = existing_parents(
        school=school, emails={d["email"] for p in valid for d in p.guardians if d["email"]}
    )
    audit = _Audit(actor)
    for start in range(0, len(valid), BATCH_SIZE):
        batch = valid[start : start + BATCH_SIZE]
        done = start + len(batch)
        with transaction.atomic():
            _apply_batch(
                [p for p in batch if p.action != "unchanged" or p.guardians],
                school=school,
                classes=classes,
                existing=existing,
                family=family,
                year=year,
                audit=audit,
            )
            if run is not None:
                # Progress and the worker's heartbeat, committed with the batch. The filter is
                # the check of the starting state: a run the reaper took away is not ours.
                claimed = ImportRun.objects.filter(
                    pk=run.pk, status=ImportRun.Status.RUNNING, attempts=run.attempts
                ).update(rows_done=done, heartbeat_at=timezone.now())
                if not claimed:
                    raise RunTakenOver(run.pk)
        report.created += sum(1 for p in batch if p.action == "new")
        report.updated += sum(1 for p in batch if p.action == "update")
        if progress:
            progress(done, len(valid))
    report.applied = True


def missing_from_file(*, school: School, plans: list[RowPlan]) -> list[Pupil]:
    """Enrolled pupils of the school whose leerlingnummer is not in the file (a monthly export
    lists everyone: these probably left). Only reported; deregistering stays a person's act."""
    numbers = [p.values.get("administration_number") for p in plans]
    return list(
        Pupil.objects.enrolled()
        .filter(school=school)
        .exclude(administration_number="")
        .exclude(administration_number__in=[n for n in numbers if n])
        .only("pk", "first_name", "surname_prefix", "last_name", "administration_number")
        .order_by("last_name", "first_name", "pk")
    )


def pupil_import(
    *,
    actor,
    school: School,
    raw: bytes,
    mode: str = Mode.DRY_RUN,
    create_classes: bool = False,
    progress=None,
    run: ImportRun | None = None,
) -> ImportReport:
    """Check the file and, unless it is a dry run, apply it in one transaction.

    ``progress(done, total)`` is called every 100 rows while applying (the command prints it).
    Raises ``ImportFileError`` when the file as a whole cannot be read; nothing is written then.
    """
    if mode not in Mode.CHOICES:
        raise ValueError(mode)
    try:
        read = read_file(raw)
        plans, classes = plan_import(
            school=school, raw=raw, create_classes=create_classes, read=read
        )
    except ImportFileError as exc:
        ImportRun.objects.create(
            school=school,
            actor=actor if getattr(actor, "is_authenticated", False) else None,
            status=ImportRun.Status.REFUSED,
            errors=[{"row": 0, "errors": [str(exc)]}],
        )
        raise
    report = ImportReport(rows=plans, mode=mode, profile=read.profile, ignored=read.ignored)
    report.missing = missing_from_file(school=school, plans=plans)
    report.new_classes = sorted(
        {p.class_name for p in report.valid_rows if classes.get(class_key(p.class_name), 0) is None}
    )
    apply = mode == Mode.VALID_ROWS or (mode == Mode.ALL_OR_NOTHING and not report.errors)
    # A synchronous import is one transaction; a background run commits batch by batch.
    whole = transaction.atomic() if run is None else contextlib.nullcontext()
    with whole:
        if apply:
            _apply(report, school=school, classes=classes, progress=progress, actor=actor, run=run)
        status = (
            ImportRun.Status.DONE
            if report.applied
            else ImportRun.Status.DRY_RUN
            if mode == Mode.DRY_RUN
            else ImportRun.Status.REFUSED
        )
        fields = {
            "status": status,
            "rows_total": len(plans),
            "rows_valid": len(report.valid_rows),
            "created": report.created,
            "updated": report.updated,
            "errors": [{"row": p.number, "errors": p.errors} for p in report.errors][:1000],
        }
        if run is not None:  # a queued run (see import_queue) records its own outcome
            if report.applied:
                fields["rows_done"] = len(report.valid_rows)
            ours = ImportRun.objects.filter(
                pk=run.pk, status=ImportRun.Status.RUNNING, attempts=run.attempts
            ).update(finished_at=timezone.now(), **fields)
            if not ours:
                raise RunTakenOver(run.pk)
            run.refresh_from_db()
            report.run = run
        else:
            report.run = ImportRun.objects.create(
                school=school,
                actor=actor if getattr(actor, "is_authenticated", False) else None,
                **fields,
            )
    return report


# --- Imports in the background, with progress ----------------------------------------------------


def import_progress(run: ImportRun) -> int:
    """Rows applied so far: each batch of a background import commits its count on the run's
    own row, so this needs no cache (and works without Redis, with jobs in-process)."""
    if run.status == ImportRun.Status.DONE:
        return run.rows_valid
    return run.rows_done


def import_progress_data(run: ImportRun) -> dict:
    """What a progress indicator needs, for the JSON endpoint (no personal data)."""
    done = import_progress(run)
    total = run.rows_valid
    return {
        "state": run.status,
        "running": run.status in (ImportRun.Status.QUEUED, ImportRun.Status.RUNNING),
        "stuck": import_looks_stuck(run),
        "done": done,
        "total": total,
        "percent": 100 if not total else min(100, done * 100 // total),
        "created": run.created,
        "updated": run.updated,
        "errors": len(run.errors or ()),
    }


def import_looks_stuck(run: ImportRun, now=None) -> bool:
    """A queued or running import whose worker has not been heard of for longer than the reaper
    allows: its page stops refreshing itself and says so (the reaper will requeue or fail it)."""
    from datetime import timedelta

    from django.conf import settings

    if run.status not in (ImportRun.Status.QUEUED, ImportRun.Status.RUNNING):
        return False
    now = now or timezone.now()
    since = run.heartbeat_at or run.started_at
    patience = max(settings.JOB_REQUEUE_SECONDS, settings.JOB_CLAIM_GRACE_SECONDS) * 3
    if run.status == ImportRun.Status.RUNNING:
        patience = max(patience, settings.JOB_LEASE_SECONDS)
    return since < now - timedelta(seconds=patience)


def import_queue(
    *, actor, school: School, raw: bytes, mode: str, create_classes: bool = False
) -> ImportRun | ImportReport:
    """Check the file now; when there is something to apply, store it and apply it in a
    background task (progress on the run's page). A dry run, or an all-or-nothing import of a
    file with errors, is answered at once with its report, as ``pupil_import`` does.

    The run row is the job (see privacy_portal.jobs): the task is only sent after the commit,
    and a broker that is down does not fail the request; the reaper sends it again."""
    import uuid
    from pathlib import Path

    from django.conf import settings

    if mode not in Mode.CHOICES:
        raise ValueError(mode)
    check = pupil_import(
        actor=actor, school=school, raw=raw, mode=Mode.DRY_RUN, create_classes=create_classes
    )
    applies = check.valid_rows and (
        mode == Mode.VALID_ROWS or (mode == Mode.ALL_OR_NOTHING and not check.errors)
    )
    if mode == Mode.DRY_RUN or not applies:
        if mode != Mode.DRY_RUN:  # refused: record it like pupil_import does
            ImportRun.objects.filter(pk=check.run.pk).update(
                status=ImportRun.Status.REFUSED, mode=mode
            )
            check.mode = mode
        return check
    relative = f"imports/{uuid.uuid4().hex}.csv"
    target = Path(settings.MEDIA_ROOT) / relative
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_bytes(raw)
    run = check.run
    run.status = ImportRun.Status.QUEUED
    run.mode = mode
    run.create_classes = create_classes
    run.upload_path = relative
    run.heartbeat_at = timezone.now()
    try:
        run.save(update_fields=["status", "mode", "create_classes", "upload_path", "heartbeat_at"])
    except BaseException:
        target.unlink(missing_ok=True)  # no job will read it
        raise
    from students.tasks import apply_pupil_import

    jobs.enqueue_on_commit(apply_pupil_import, run.pk, long_running=True)
    return run


def _claim(run_id: int) -> bool:
    """Claim a queued run, or a running run whose worker died (see privacy_portal.jobs).
    A second delivery of the task while a worker still holds the run claims nothing."""
    now = timezone.now()
    with transaction.atomic():
        run = jobs.locked(ImportRun.objects.filter(pk=run_id)).first()
        if run is None:
            return False
        dead = run.status == ImportRun.Status.RUNNING and (
            run.heartbeat_at is None or run.heartbeat_at < jobs.claim_stale_before(now)
        )
        if run.status != ImportRun.Status.QUEUED and not dead:
            return False
        if dead:
            run.interruption = ImportRun.Interruption.REQUEUED
        run.status = ImportRun.Status.RUNNING
        run.attempts += 1
        run.heartbeat_at = now
        run.save(update_fields=["status", "attempts", "heartbeat_at", "interruption"])
    return True


def _fail(run_id: int, *, interruption: str = "") -> None:
    """End a run as failed and delete its stored file: no job will read it any more."""
    from pathlib import Path

    from django.conf import settings

    run = ImportRun.objects.filter(pk=run_id).only("upload_path").first()
    if run is None:
        return
    if run.upload_path:
        (Path(settings.MEDIA_ROOT) / run.upload_path).unlink(missing_ok=True)
    fields = {"status": ImportRun.Status.FAILED, "finished_at": timezone.now(), "upload_path": ""}
    if interruption:
        fields["interruption"] = interruption
    ImportRun.objects.filter(pk=run_id).update(**fields)


def import_apply(run_id: int) -> None:
    """The background task's work: apply a queued import once, report progress, delete the
    stored file when the run ends.

    Idempotent: the run is claimed under a row lock and its lease (``jobs.lease``) is held for
    the whole import, so a redelivered task does nothing while the first one works, and takes
    over when the first one's worker died. The rows are applied in batches that each commit
    with the run's progress; a batch that fails rolls back whole, and the next attempt finds
    the committed batches unchanged (importing the same file twice changes nothing) and goes on.
    A failure that is not the file's fault (the database went away) leaves the run to the
    reaper, which retries it up to ``JOB_MAX_ATTEMPTS`` times."""
    from pathlib import Path

    from django.conf import settings

    if not _claim(run_id):
        return
    run = ImportRun.objects.select_related("school", "actor").get(pk=run_id)
    path = Path(settings.MEDIA_ROOT) / run.upload_path
    try:
        raw = path.read_bytes()
    except OSError:
        logger.warning("pupil import %s: stored file is gone", run_id)
        _fail(run_id)
        return
    try:
        # The lease: held for the whole run, across the batches' own commits.
        with jobs.lease(ImportRun, run_id):
            pupil_import(
                actor=run.actor,
                school=run.school,
                raw=raw,
                mode=run.mode,
                create_classes=run.create_classes,
                run=run,
            )
    except RunTakenOver:
        logger.warning("pupil import %s: taken over by the reaper, stopped", run_id)
        return
    except Exception:
        logger.exception("pupil import %s failed", run_id)
        _fail(run_id)
        return
    path.unlink(missing_ok=True)
    ImportRun.objects.filter(pk=run_id).update(upload_path="")


def reap_stale_imports(*, now=None) -> list[str]:
    """The reaper's part for imports: nudge queued runs whose message was lost (broker down),
    requeue running runs whose worker died, fail what cannot go on (and delete its file), and
    delete stored files no run will read. Log lines hold ids and counts only."""
    from datetime import timedelta

    from django.conf import settings

    from students.tasks import apply_pupil_import

    now = now or timezone.now()
    lines: list[str] = []
    requeue: list[int] = []
    with transaction.atomic():
        dead = jobs.locked(
            ImportRun.objects.filter(
                status=ImportRun.Status.RUNNING, heartbeat_at__lt=jobs.claim_stale_before(now)
            )
        )
        for run in dead:
            if run.attempts >= settings.JOB_MAX_ATTEMPTS or not run.upload_path:
                _fail(run.pk, interruption=ImportRun.Interruption.WORKER_LOST)
                lines.append(f"import {run.pk}: worker lost {run.attempts} times, failed")
                continue
            run.status = ImportRun.Status.QUEUED
            run.interruption = ImportRun.Interruption.REQUEUED
            run.heartbeat_at = now
            run.save(update_fields=["status", "interruption", "heartbeat_at"])
            requeue.append(run.pk)
            lines.append(f"import {run.pk}: worker lost, requeued")
        waiting = jobs.locked(
            ImportRun.objects.filter(
                status=ImportRun.Status.QUEUED,
                heartbeat_at__lt=now - timedelta(seconds=settings.JOB_REQUEUE_SECONDS),
            )
        )
        for run in waiting:
            if run.started_at < now - timedelta(hours=settings.JOB_QUEUE_MAX_HOURS):
                _fail(run.pk, interruption=ImportRun.Interruption.NEVER_STARTED)
                lines.append(f"import {run.pk}: never started, failed")
                continue
            run.heartbeat_at = now
            run.save(update_fields=["heartbeat_at"])
            requeue.append(run.pk)
            lines.append(f"import {run.pk}: sent again")
    for run_id in requeue:
        jobs.enqueue(apply_pupil_import, run_id, long_running=True)
    lines.extend(_delete_orphan_uploads(now=now))
    return lines


def import_records_expire(*, day) -> dict[str, int]:
    """Retention of imports (``registry.RECORD_CLOCKS``): a finished run's uploaded file that is
    still on disk (a worker died between the import and the removal) goes a day after the run
    ended; the run's report (row numbers and reasons, which can name a pupil) goes after 90
    days. Queued and running imports are the reaper's."""
    from pathlib import Path

    from django.conf import settings

    from students.registry import RECORD_CLOCKS

    finished = ImportRun.objects.exclude(
        status__in=[ImportRun.Status.QUEUED, ImportRun.Status.RUNNING]
    )
    files = 0
    file_cutoff = RECORD_CLOCKS["import_file"].cutoff_at(day)
    stray = finished.exclude(upload_path="").filter(
        Q(finished_at__lt=file_cutoff) | Q(finished_at__isnull=True, started_at__lt=file_cutoff)
    )
    for pk, relative in stray.values_list("pk", "upload_path"):
        (Path(settings.MEDIA_ROOT) / relative).unlink(missing_ok=True)
        ImportRun.objects.filter(pk=pk).update(upload_path="")
        files += 1
    reports, _counts = finished.filter(
        started_at__lt=RECORD_CLOCKS["import_report"].cutoff_at(day)
    ).delete()
    return {"students.import_files": files, "students.importrun": reports}


def _delete_orphan_uploads(*, now) -> list[str]:
    """Stored import files that no queued or running run points at, older than an hour (a
    request that died between writing the file and committing its run)."""
    from datetime import timedelta
    from pathlib import Path

    from django.conf import settings

    folder = Path(settings.MEDIA_ROOT) / "imports"
    if not folder.is_dir():
        return []
    wanted = set(
        ImportRun.objects.filter(
            status__in=[ImportRun.Status.QUEUED, ImportRun.Status.RUNNING]
        ).values_list("upload_path", flat=True)
    )
    cutoff = (now - timedelta(hours=1)).timestamp()
    removed = 0
    for path in folder.iterdir():
        if f"imports/{path.name}" in wanted or not path.is_file():
            continue
        if path.stat().st_mtime < cutoff:
            path.unlink(missing_ok=True)
            removed += 1
    return [f"imports: {removed} orphaned files deleted"] if removed else []
