"""Import of files the way Dutch Excel writes them (semicolons, CRLF, Windows-1252 or UTF-8 with
a BOM, UTF-16 "Unicode-tekst"): class names, tussenvoegsels, encodings, BSNs across the
foundation, families and plausibility warnings."""

from pathlib import Path

import pytest

from students import imports
from students.models import Guardian, GuardianLink, ImportRun, Pupil
from tests import factories as f

SAMPLE = Path(__file__).resolve().parents[2] / "docs" / "import-sample.csv"
HEADER = "leerlingnummer;roepnaam;voorvoegsel;achternaam;geboortedatum;groep;inschrijfdatum;bsn"
PARENTS = (
    ";ouder1_voornaam;ouder1_voorvoegsel;ouder1_achternaam;ouder1_email;ouder1_relatie"
    ";ouder2_voornaam;ouder2_voorvoegsel;ouder2_achternaam;ouder2_email;ouder2_relatie"
)


def excel(*lines, header=HEADER, encoding="cp1252", bom=False):
    """A CSV as Dutch Excel saves it: ';' between cells, CRLF line ends."""
    text = "\r\n".join([header, *lines]) + "\r\n"
    raw = text.encode(encoding)
    return (b"\xef\xbb\xbf" + raw) if bom else raw


def run(world, raw, mode=imports.Mode.ALL_OR_NOTHING, **kwargs):
    return imports.pupil_import(
        actor=world.administratie, school=world.school, raw=raw, mode=mode, **kwargs
    )


def all_errors(report):
    return " ".join(" ".join(row.errors) for row in report.errors)


# --- 1. The sample and the class names ---------------------------------------------------------


@pytest.mark.parametrize(
    "encoding, bom", [("cp1252", False), ("utf-8", True), ("utf-8", False)], ids=str
)
def test_the_sample_as_excel_saves_it_finds_classes_named_without_the_word_groep(
    world, encoding, bom
):
    world.class_5a.name = "5a"
    world.class_5a.save()
    world.class_6b.name = "6B"
    world.class_6b.save()
    text = SAMPLE.read_text(encoding="utf-8")
    # Windows-1252 has no "ş" (Ayşe): Excel writes a question mark for it, as here.
    raw = text.replace("\n", "\r\n").encode(encoding, errors="replace")
    raw = (b"\xef\xbb\xbf" + raw) if bom else raw
    report = run(world, raw)
    assert report.errors == [] and report.created == 3
    daan = Pupil.objects.get(administration_number="1001")
    assert [e.school_class for e in daan.enrolments.all()] == [world.class_5a]
    zoe = Pupil.objects.get(administration_number="1002")
    assert (zoe.first_name, zoe.last_name) == ("Zoë", "Çelik")
    assert [e.school_class for e in zoe.enrolments.all()] == [world.class_6b]


def test_the_sample_as_delivered_imports_into_classes_named_groep(world):
    report = run(world, SAMPLE.read_bytes())
    assert report.errors == [] and report.created == 3


def test_a_class_that_does_not_exist_in_any_spelling_is_still_an_error(world):
    report = run(world, excel("2001;Lot;;Smit;01-02-2017;Groep 5c;20-08-2021;"))
    assert "'Groep 5c' bestaat niet" in all_errors(report)
    assert not Pupil.objects.filter(administration_number="2001").exists()


def test_rematching_groep_spelling_does_not_count_as_a_class_change(world):
    run(world, excel("2001;Lot;;Smit;01-02-2017;Groep 5a;20-08-2021;"))
    report = run(world, excel("2001;Lot;;Smit;01-02-2017;5A;20-08-2021;"), mode="dry_run")
    assert report.rows[0].action == "unchanged"


# --- 2. Tussenvoegsel ----------------------------------------------------------------------------


def test_the_voorvoegsel_column_is_kept_and_shown_as_daan_de_vries(world):
    run(world, SAMPLE.read_bytes())
    daan = Pupil.objects.get(administration_number="1001")
    assert (daan.first_name, daan.surname_prefix, daan.last_name) == ("Daan", "de", "Vries")
    assert str(daan) == "Daan de Vries"
    anne = daan.guardian_links.get(guardian__first_name="Anne").guardian
    assert str(anne) == "Anne de Vries"


def test_a_tussenvoegsel_column_by_that_name_is_read_too(world):
    header = HEADER.replace("voorvoegsel", "Tussenvoegsel")
    run(world, excel("2001;Jan;van der;Berg;01-02-2017;Groep 5a;20-08-2021;", header=header))
    assert str(Pupil.objects.get(administration_number="2001")) == "Jan van der Berg"


def test_lists_order_on_the_surname_without_the_prefix(world, client_for):
    run(
        world,
        excel(
            "2001;Daan;de;Vries;01-02-2017;Groep 5a;20-08-2021;",
            "2002;Bram;van;Aalst;01-02-2017;Groep 5a;20-08-2021;",
            "2003;Anna;;Mulder;01-02-2017;Groep 5a;20-08-2021;",
        ),
    )
    client = client_for(world.administratie)
    page = client.get("/leerlingen/", {"q": ""}).content.decode()
    positions = [page.index(name) for name in ("Aalst, Bram van", "Mulder, Anna", "Vries, Daan de")]
    assert positions == sorted(positions)


# --- 3. Encodings --------------------------------------------------------------------------------


def test_utf16_unicode_text_with_tabs_is_read(world):
    raw = excel(
        "2001\tZoë\t\tÇelik\t02-11-2016\tGroep 6b\t19-08-2020\t",
        header=HEADER.replace(";", "\t"),
        encoding="utf-16",  # with its BOM, as Excel writes "Unicode-tekst"
    )
    report = run(world, raw)
    assert report.errors == [] and report.created == 1
    assert Pupil.objects.get(administration_number="2001").first_name == "Zoë"


def test_a_file_that_mixes_utf8_and_windows_1252_is_refused_naming_the_lines(world):
    raw = (
        HEADER.encode()
        + b"\r\n"
        + "2001;Zoë;;Çelik;02-11-2016;Groep 6b;19-08-2020;\r\n".encode()
        + "2002;Anaïs;;Smit;02-11-2016;Groep 6b;19-08-2020;\r\n".encode("cp1252")
    )
    with pytest.raises(imports.ImportFileError) as refused:
        run(world, raw)
    message = str(refused.value)
    assert "regel 2 is opgeslagen als UTF-8" in message and "regel 3 niet" in message
    assert not Pupil.objects.filter(administration_number__in=["2001", "2002"]).exists()
    assert ImportRun.objects.get().status == ImportRun.Status.REFUSED


def test_the_browser_gets_a_clear_message_for_a_mixed_file(world, client_for):
    from django.core.files.uploadedfile import SimpleUploadedFile

    raw = (
        HEADER.encode()
        + b"\r\n"
        + "2001;Zoë;;Çelik;02-11-2016;Groep 6b;19-08-2020;\r\n".encode()
        + "2002;Anaïs;;Smit;02-11-2016;Groep 6b;19-08-2020;\r\n".encode("cp1252")
    )
    client = client_for(world.administratie)
    response = client.post(
        "/leerlingen/importeren/",
        {
            "school": world.school.pk,
            "file": SimpleUploadedFile("export.csv", raw, "text/csv"),
            "mode": "all",
        },
    )
    assert response.status_code == 400
    assert "mengt twee tekensets" in response.content.decode()


# --- 4. BSN across the foundation ---------------------------------------------------------------


def test_a_bsn_held_by_a_pupil_of_another_school_names_their_number_never_their_name(world):
    world.pupil_other_school.citizen_number = "111222333"
    world.pupil_other_school.administration_number = "K-77"
    world.pupil_other_school.save()
    report = run(world, excel("2001;Lot;;Smit;01-02-2017;Groep 5a;20-08-2021;111222333"))
    errors = all_errors(report)
    assert "bsn: hoort al bij leerling K-77 van een andere school" in errors
    assert world.pupil_other_school.first_name not in errors
    assert world.pupil_other_school.last_name not in errors
    assert not Pupil.objects.filter(administration_number="2001").exists()
    assert Pupil.objects.filter(citizen_number="111222333").count() == 1


def test_a_bsn_held_by_another_pupil_of_the_same_school_is_an_error(world):
    run(world, excel("2001;Lot;;Smit;01-02-2017;Groep 5a;20-08-2021;111222333"))
    report = run(world, excel("2002;Eva;;Smit;01-02-2017;Groep 5a;20-08-2021;111222333"))
    assert "bsn: hoort al bij leerling 2001" in all_errors(report)
    assert Pupil.objects.filter(citizen_number="111222333").count() == 1


def test_two_rows_with_the_same_bsn_are_an_error(world):
    report = run(
        world,
        excel(
            "2001;Lot;;Smit;01-02-2017;Groep 5a;20-08-2021;111222333",
            "2002;Eva;;Smit;01-02-2017;Groep 5a;20-08-2021;111222333",
        ),
    )
    assert "bsn: staat ook op regel 2" in all_errors(report)
    assert not Pupil.objects.filter(administration_number__in=["2001", "2002"]).exists()


def test_reimporting_a_pupil_with_its_own_bsn_is_no_error(world):
    line = "2001;Lot;;Smit;01-02-2017;Groep 5a;20-08-2021;111222333"
    run(world, excel(line))
    report = run(world, excel(line))
    assert report.errors == [] and report.applied


# --- 5. Families ---------------------------------------------------------------------------------

FAMILY = [
    f"{number};{name};de;Vries;01-02-{year};Groep {grade};20-08-2021;"
    ";Anne;de;Vries;Anne.deVries@voorbeeld.nl;moeder;;;;;"
    for number, name, year, grade in (
        ("2001", "Daan", "2017", "5a"),
        ("2002", "Sara", "2016", "6b"),
        ("2003", "Tim", "2017", "5a"),
        ("2004", "Lieke", "2016", "6b"),
        ("2005", "Bo", "2017", "5a"),
    )
]


def test_five_children_with_the_same_mother_make_one_parent_record(world):
    report = run(world, excel(*FAMILY, header=HEADER + PARENTS))
    assert report.created == 5
    anne = Guardian.objects.get(email="anne.devries@voorbeeld.nl")
    assert anne.links.count() == 5
    assert str(anne) == "Anne de Vries"


def test_a_parent_the_school_already_has_is_matched_on_email(world):
    known = f.GuardianFactory(
        first_name="Anne", last_name="Vries", email="anne.devries@voorbeeld.nl"
    )
    GuardianLink.objects.create(guardian=known, pupil=world.pupil)
    run(world, excel(*FAMILY[:2], header=HEADER + PARENTS))
    assert Guardian.objects.filter(email__iexact="anne.devries@voorbeeld.nl").count() == 1
    assert known.links.count() == 3


def test_the_dry_run_says_which_parents_are_new_matched_or_the_same_as_a_sibling(world):
    known = f.GuardianFactory(first_name="Piet", last_name="Smit", email="piet@voorbeeld.nl")
    GuardianLink.objects.create(guardian=known, pupil=world.pupil)
    lines = [
        *FAMILY[:2],
        "2010;Kees;;Smit;01-02-2017;Groep 5a;20-08-2021;;Piet;;Smit;piet@voorbeeld.nl;vader;;;;;",
    ]
    report = run(world, excel(*lines, header=HEADER + PARENTS), mode="dry_run")
    statuses = [[p["status"] for p in row.guardians] for row in report.rows]
    assert statuses == [["new"], ["sibling"], ["matched"]]
    assert report.rows[1].guardians[0]["line"] == 2
    assert not Guardian.objects.filter(email="anne.devries@voorbeeld.nl").exists()


def test_a_parent_of_a_pupil_of_another_school_is_not_matched(world):
    stranger = f.GuardianFactory(email="anne.devries@voorbeeld.nl")
    GuardianLink.objects.create(guardian=stranger, pupil=world.pupil_other_school)
    run(world, excel(FAMILY[0], header=HEADER + PARENTS))
    assert stranger.links.count() == 1
    assert Guardian.objects.filter(email__iexact="anne.devries@voorbeeld.nl").count() == 2


def test_reimporting_a_family_keeps_one_record_and_changes_nothing(world):
    run(world, excel(*FAMILY, header=HEADER + PARENTS))
    report = run(world, excel(*FAMILY, header=HEADER + PARENTS))
    assert (report.created, report.updated) == (0, 0)
    assert Guardian.objects.filter(email="anne.devries@voorbeeld.nl").count() == 1
    assert GuardianLink.objects.filter(guardian__email="anne.devries@voorbeeld.nl").count() == 5


# --- 6. Plausibility and the dry run ------------------------------------------------------------


def test_a_pupil_born_in_2009_in_groep_8_is_a_warning_that_does_not_block(world):
    world.class_5a.name = "Groep 8"
    world.class_5a.save()
    report = run(world, excel("2001;Lot;;Smit;01-02-2009;Groep 8;20-08-2013;"))
    assert report.errors == [] and report.created == 1
    assert "past niet bij groep 8" in " ".join(report.rows[0].warnings)


def test_the_leerjaar_column_is_used_for_the_age_check(world):
    header = HEADER + ";leerjaar"
    report = run(
        world, excel("2001;Lot;;Smit;01-02-2021;Groep 5a;20-08-2025;;5", header=header), "dry_run"
    )
    assert "past niet bij groep 5" in " ".join(report.rows[0].warnings)


def test_an_enrolment_before_birth_is_a_warning(world):
    report = run(world, excel("2001;Lot;;Smit;01-02-2017;Groep 5a;20-08-2016;"))
    assert report.errors == [] and report.applied
    assert "vóór de geboortedatum" in " ".join(report.rows[0].warnings)


def test_the_dry_run_page_shows_names_new_and_updated_pupils_parents_and_warnings(
    world, client_for
):
    from django.core.files.uploadedfile import SimpleUploadedFile

    run(world, excel("2001;Daan;de;Vries;01-02-2017;Groep 5a;20-08-2021;"))
    lines = [
        "2001;Daan;de;Vries;01-02-2017;Groep 6b;20-08-2021;;Anne;de;Vries;a@voorbeeld.nl;moeder;;;;;",
        "2002;Sara;de;Vries;01-02-2009;Groep 6b;20-08-2021;;Anne;de;Vries;a@voorbeeld.nl;moeder;;;;;",
    ]
    client = client_for(world.administratie)
    response = client.post(
        "/leerlingen/importeren/",
        {
            "school": world.school.pk,
            "file": SimpleUploadedFile("export.csv", excel(*lines, header=HEADER + PARENTS)),
            "mode": "dry_run",
        },
    )
    page = response.content.decode()
    assert response.status_code == 200
    assert "Daan de Vries" in page and "Sara de Vries" in page
    assert "bijwerken" in page and "nieuw" in page
    assert "dezelfde ouder als op regel 2" in page
    assert "past niet bij groep 6" in page
    assert not Pupil.objects.filter(administration_number="2002").exists()


def test_pupils_missing_from_next_months_export_are_proposed_for_deregistration_only(
    world, client_for
):
    from django.core.files.uploadedfile import SimpleUploadedFile

    run(
        world,
        excel(
            "2001;Daan;de;Vries;01-02-2017;Groep 5a;20-08-2021;",
            "2002;Sara;;Smit;01-02-2017;Groep 5a;20-08-2021;",
        ),
    )
    next_month = excel("2001;Daan;de;Vries;01-02-2017;Groep 5a;20-08-2021;")
    report = run(world, next_month)
    assert [p.administration_number for p in report.missing] == ["2002"]
    assert Pupil.objects.get(administration_number="2002").deregistered_on is None
    client = client_for(world.administratie)
    page = client.post(
        "/leerlingen/importeren/",
        {
            "school": world.school.pk,
            "file": SimpleUploadedFile("export.csv", next_month),
            "mode": "dry_run",
        },
    ).content.decode()
    assert "Niet in het bestand" in page and "Sara Smit" in page
