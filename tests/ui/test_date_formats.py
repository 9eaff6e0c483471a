"""One date style per use, through the locale format module (``privacy_portal.formats``): long
dates in running text, two-digit numeric dates in tables, 24-hour times; no ISO dates and no
capitalised month abbreviations ("1 Okt 2023") in templates or on the parent's correction form."""

import re
from datetime import date, datetime, time
from pathlib import Path

import pytest
from django import forms
from django.urls import reverse
from django.utils import translation
from django.utils.formats import date_format, time_format

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize(
    "language, long_date",
    [("nl", "29 december 2026"), ("en", "29 December 2026")],
)
def test_each_language_has_the_long_short_and_time_styles(language, long_date):
    with translation.override(language):
        assert date_format(date(2026, 12, 29)) == long_date
        assert date_format(date(2026, 12, 29), "SHORT_DATE_FORMAT") == "29-12-2026"
        assert date_format(date(2026, 2, 1), "SHORT_DATE_FORMAT") == "01-02-2026"
        assert time_format(time(14, 35)) == "14:35"
        assert (
            date_format(datetime(2026, 12, 29, 14, 35), "SHORT_DATETIME_FORMAT")
            == "29-12-2026 14:35"
        )


def test_month_names_are_lower_case_in_dutch():
    with translation.override("nl"):
        assert date_format(date(2023, 10, 1)) == "1 oktober 2023"


def test_english_reads_a_typed_date_day_first_like_dutch():
    field = forms.DateField()
    with translation.override("en"):
        assert field.clean("01-02-2026") == date(2026, 2, 1)
        assert field.clean("01/02/2026") == date(2026, 2, 1)
        assert field.clean("2026-02-01") == date(2026, 2, 1)  # <input type="date"> sends ISO


# |date:"j M Y" gives "1 Okt 2023" (Django title-cases the abbreviation); ISO patterns are for
# files, not for people. Templates name a style (DATE_FORMAT, SHORT_DATE_FORMAT, ...) instead.
FORBIDDEN_DATE_PATTERN = re.compile(r'\|date:"[^"]*(?:\bM\b|Y-m-d|j-n-Y)[^"]*"')


def test_templates_use_no_abbreviated_month_and_no_iso_or_unpadded_dates():
    offenders = [
        f"{path.relative_to(ROOT)}: {match.group(0)}"
        for path in (ROOT / "templates").rglob("*.html")
        for match in FORBIDDEN_DATE_PATTERN.finditer(path.read_text(encoding="utf-8"))
    ]
    assert offenders == []


# The long and short styles by name, not spelled out: "j F Y" is DATE_FORMAT, "j F Y H:i" is
# DATETIME_FORMAT, "d-m-Y" is SHORT_DATE_FORMAT. (A weekday, "l j F Y", and a signature's
# seconds, "H:i:s", have no named style and stay literal.)
SPELLED_OUT_STYLE = re.compile(r"""\|date:(["'])(?:j F Y|j F Y H:i|d-m-Y|d-m-Y H:i)\1""")


def test_templates_and_mails_name_the_date_style_instead_of_spelling_it_out():
    offenders = [
        f"{path.relative_to(ROOT)}: {match.group(0)}"
        for path in (ROOT / "templates").rglob("*")
        if path.suffix in {".html", ".txt"}
        for match in SPELLED_OUT_STYLE.finditer(path.read_text(encoding="utf-8"))
    ]
    assert offenders == []


def test_the_spelled_out_pattern_catches_what_it_should():
    assert SPELLED_OUT_STYLE.search('{{ d|date:"j F Y" }}')
    assert SPELLED_OUT_STYLE.search("{{ d|date:'j F Y H:i' }}")
    assert not SPELLED_OUT_STYLE.search('{{ d|date:"DATE_FORMAT" }}')
    assert not SPELLED_OUT_STYLE.search('{{ d|date:"l j F Y H:i" }}')


def test_the_pattern_catches_what_it_should():
    assert FORBIDDEN_DATE_PATTERN.search('{{ d|date:"j M Y" }}')
    assert FORBIDDEN_DATE_PATTERN.search('{{ d|date:"Y-m-d" }}')
    assert not FORBIDDEN_DATE_PATTERN.search('{{ d|date:"SHORT_DATE_FORMAT" }}')
    assert not FORBIDDEN_DATE_PATTERN.search('{{ d|date:"j F Y H:i" }}')


@pytest.mark.django_db
def test_the_correction_form_shows_the_current_birth_date_as_a_dutch_date_not_iso(
    client_for, world
):
    world.pupil.date_of_birth = date(2019, 9, 17)
    world.pupil.save()
    url = reverse("portal:request_new", args=[world.pupil.pk])
    page = (
        client_for(world.parent)
        .get(url + "?soort=correctie&stap=2&velden=date_of_birth")
        .content.decode()
    )
    assert 'name="correct_date_of_birth"' in page
    assert "Nu: 17 september 2019" in page
    assert "2019-09-17" not in page


@pytest.mark.django_db
def test_a_parent_reads_bsn_and_sbo_in_capitals_on_the_child_page(client_for, world):
    world.pupil.citizen_number = "111222333"
    world.pupil.save()
    page = (
        client_for(world.parent)
        .get(reverse("portal:child_detail", args=[world.pupil.pk]))
        .content.decode()
    )
    assert "BSN of onderwijsnummer" in page
    assert "Bsn" not in page
    assert "(sbo)" not in page
