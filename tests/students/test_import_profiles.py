"""Exports of ParnasSys, ESIS and Magister are recognised from their header row and import as
delivered (their own column names, date formats, split addresses, encodings); a file that is
none of them and not the import's own format is refused naming the columns not understood."""

from pathlib import Path

import pytest

from students import imports, profiles
from students.models import Guardian, GuardianLink, Pupil
from tests.students.test_import import post_import

SAMPLES = Path(__file__).resolve().parent / "samples"


def run(world, name, mode=imports.Mode.ALL_OR_NOTHING):
    return imports.pupil_import(
        actor=world.administratie,
        school=world.school,
        raw=(SAMPLES / name).read_bytes(),
        mode=mode,
    )


@pytest.mark.parametrize(
    ("name", "profile", "count"),
    [("parnassys.csv", "parnassys", 4), ("esis.csv", "esis", 3), ("magister.txt", "magister", 2)],
)
def test_each_sample_is_recognised_and_imports_as_delivered(world, name, profile, count):
    report = run(world, name)
    assert report.profile.key == profile
    assert report.errors == [], [row.errors for row in report.errors]
    assert report.applied and report.created == count
    assert report.ignored == []


def test_a_parnassys_export_keeps_voorvoegsel_address_jaargroep_and_one_family(world):
    report = run(world, "parnassys.csv")
    daan = Pupil.objects.get(administration_number="3101")
    assert (daan.first_name, daan.surname_prefix, daan.last_name) == ("Daan", "de", "Vries")
    assert daan.street_address == "Lindelaan 4"
    assert str(daan.date_of_birth) == "2018-03-14"
    assert daan.enrolments.get().school_class == world.class_5a
    zoe = Pupil.objects.get(administration_number="3103")
    assert (zoe.first_name, zoe.last_name, zoe.street_address) == ("Zoë", "Çelik", "Eikenweg 12 a")
    # Daan and Fenna are siblings: one record per parent, linked to both.
    assert Guardian.objects.filter(email="anne.devries@voorbeeld.nl").get().links.count() == 2
    sem = Pupil.objects.get(administration_number="3104")
    assert sem.surname_prefix == "van den"
    mark = GuardianLink.objects.get(pupil=sem, guardian__first_name="Mark")
    assert (mark.relationship, mark.has_parental_authority) == ("verzorger", False)
    # Zoë, born in 2014, in groep 5 (jaargroep): a warning, not an error.
    assert [row.number for row in report.warnings] == [4]


def test_an_esis_export_reads_iso_dates_with_a_time_and_its_own_names(world):
    run(world, "esis.csv")
    lotte = Pupil.objects.get(administration_number="4101")
    assert (lotte.surname_prefix, lotte.last_name, str(lotte.enrolled_on)) == (
        "van",
        "Dijk",
        "2022-08-22",
    )
    assert lotte.enrolments.get().school_class == world.class_5a  # "5A" is Groep 5a
    sukru = Pupil.objects.get(administration_number="4102")
    assert sukru.first_name == "Şükrü" and sukru.previous_school == "De Regenboog Arnhem"
    bram_father = GuardianLink.objects.get(pupil__administration_number="4103")
    assert bram_father.has_parental_authority is False


def test_a_magister_export_in_unicode_text_reads_stamnr_and_two_digit_years(world):
    run(world, "magister.txt")
    julia = Pupil.objects.get(administration_number="5101")
    assert str(julia.date_of_birth) == "2018-04-11"
    assert julia.street_address == "Stationsweg 10 B"
    mees = Pupil.objects.get(administration_number="5102")
    assert mees.guardian_links.count() == 2


def test_the_generic_sample_is_recognised_as_the_own_format(world):
    report = imports.pupil_import(
        actor=world.administratie,
        school=world.school,
        raw=(
            Path(imports.__file__).resolve().parents[1] / "docs" / "import-sample.csv"
        ).read_bytes(),
        mode=imports.Mode.DRY_RUN,
    )
    assert report.profile is profiles.GENERIC and report.errors == []


def test_columns_the_import_does_not_use_are_listed_not_refused(world):
    raw = (SAMPLES / "parnassys.csv").read_bytes()
    first, rest = raw.split(b"\r\n", 1)
    lines = [line + b";x" for line in rest.split(b"\r\n") if line]
    raw = first + b";Geslacht\r\n" + b"\r\n".join(lines) + b"\r\n"
    report = run_raw(world, raw)
    assert report.ignored == ["Geslacht"] and report.errors == []


def run_raw(world, raw):
    return imports.pupil_import(
        actor=world.administratie, school=world.school, raw=raw, mode=imports.Mode.DRY_RUN
    )


def test_an_unknown_export_is_refused_naming_its_columns(world):
    raw = "Nummer;Naam;Geboren;Lokaal\r\n1;Daan;14-03-2018;5a\r\n".encode("cp1252")
    with pytest.raises(imports.ImportFileError) as refused:
        run_raw(world, raw)
    message = str(refused.value)
    assert "niet herkend als export van ParnasSys, ESIS of Magister" in message
    assert "Nummer, Naam, Geboren, Lokaal" in message
    assert "leerlingnummer" in message  # the own format's missing columns


def test_the_upload_page_says_which_administration_was_recognised(world, client_for):
    client = client_for(world.administratie)
    page = post_import(client, world, (SAMPLES / "esis.csv").read_bytes()).content.decode()
    assert '<dd class="import-profile">ESIS</dd>' in page


def test_the_upload_page_names_unknown_columns(world, client_for):
    raw = "Nummer;Naam\r\n1;Daan\r\n".encode("cp1252")
    response = post_import(client_for(world.administratie), world, raw)
    assert response.status_code == 400
    assert "Nummer, Naam" in response.content.decode()
