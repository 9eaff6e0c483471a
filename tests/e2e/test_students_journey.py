"""Journey: a teacher and an IB-er open the same pupil and see different parts of the file;
the IB-er reads a care note, and the directie sees that read in the access records."""

import pytest

from tests.e2e.helpers import menu, sign_in
from tests.students.factories import DossierEntryFactory, EmergencyContactFactory

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def sign_out(page):
    page.get_by_role("button", name="Uitloggen").click()
    page.wait_for_url("**/account/inloggen/**")


def open_pupil(page, name):
    menu(page, "Leerlingenlijst")
    page.get_by_role("heading", name="Leerlingen").wait_for()
    page.get_by_role("link", name=name).click()


def test_ib_reads_a_care_note_and_the_directie_sees_the_access_record(page, screenshot, world):
    pupil = world.pupil
    pupil.allergies = "Pinda's en noten"
    pupil.emergency_instructions = "EpiPen in de bovenste la van de leerkracht; bel 112."
    pupil.medical_information = "Dyslexie (verklaring 2025)."
    pupil.citizen_number = "111222333"
    pupil.save()
    EmergencyContactFactory(pupil=pupil, name="Oma Jansen", relationship="oma", phone="0612345678")
    note = DossierEntryFactory(
        pupil=pupil,
        author=world.ib,
        title="Gesprek over de leesaanpak",
        body="Afgesproken: extra leesbegeleiding twee keer per week.",
    )

    # The teacher sees allergies and emergency instructions, no diagnosis and no care notes.
    sign_in(page, world.teacher)
    open_pupil(page, "Jansen, Mila")
    page.get_by_role("heading", name="Allergieën en medische noodinstructies").wait_for()
    assert page.get_by_text("EpiPen in de bovenste la").is_visible()
    assert page.get_by_text("Dyslexie").count() == 0
    assert page.get_by_role("heading", name="Zorg en begeleiding").count() == 0
    assert page.get_by_text(note.title).count() == 0
    screenshot("students-pupil-page-teacher")
    sign_out(page)

    # The IB-er sees the whole file and reads the care note.
    sign_in(page, world.ib)
    open_pupil(page, "Jansen, Mila")
    page.get_by_role("heading", name="Zorg en begeleiding").wait_for()
    assert page.get_by_text("Dyslexie").is_visible()
    screenshot("students-pupil-page-ib")
    page.get_by_role("link", name=note.title).click()
    page.get_by_role("heading", name=note.title).wait_for()
    assert page.get_by_text("extra leesbegeleiding").is_visible()
    screenshot("students-care-note-ib")
    sign_out(page)

    # The directie sees who read what.
    sign_in(page, world.directie)
    open_pupil(page, "Jansen, Mila")
    page.get_by_role("link", name="Wie heeft wat ingezien?").click()
    page.get_by_role("heading", name="Wie heeft wat ingezien?").wait_for()
    rows = page.locator("table.access-log tbody tr")
    ib_name = world.ib.get_full_name()
    assert rows.filter(has_text=ib_name).filter(has_text=note.title).count() == 1
    assert rows.filter(has_text=world.teacher.get_full_name()).count() == 0
    screenshot("students-access-records-directie")


def test_administration_imports_a_file_with_a_bad_row_and_the_fg_prints_the_register(
    page, screenshot, world, tmp_path
):
    sample = tmp_path / "export.csv"
    sample.write_text(
        "leerlingnummer;roepnaam;achternaam;geboortedatum;groep;inschrijfdatum;bsn\n"
        "1001;Daan;de Vries;14-03-2017;Groep 5a;20-08-2021;111222333\n"
        "1002;Zoë;Çelik;31-02-2016;Groep 6b;19-08-2020;\n"
        "1003;Noah;Bakker;30-07-2017;Groep 9z;20-08-2021;123456789\n",
        encoding="cp1252",
    )
    sign_in(page, world.administratie)
    menu(page, "Leerlingenlijst")
    page.get_by_role("link", name="Leerlingen importeren").click()
    page.get_by_label("Exportbestand (CSV)").set_input_files(str(sample))
    page.get_by_label("Proefimport: alleen laten zien wat er verandert").check()
    page.get_by_role("button", name="Verder").click()
    page.get_by_role("heading", name="Fouten per regel").wait_for()
    errors = page.locator("table.import-errors tbody tr")
    assert errors.count() == 2
    assert errors.filter(has_text="geboortedatum: geen geldige datum").count() == 1
    assert errors.filter(has_text="'Groep 9z' bestaat niet").count() == 1
    screenshot("students-import-dry-run-with-errors")

    page.get_by_label("Exportbestand (CSV)").set_input_files(str(sample))
    page.get_by_label("Alleen de goede regels importeren, de foute overslaan").check()
    page.get_by_role("button", name="Verder").click()
    page.get_by_text("Import klaar: 1 nieuw, 0 bijgewerkt.").wait_for()
    screenshot("students-import-valid-rows")
    sign_out(page)

    sign_in(page, world.fg)
    menu(page, "Verwerkingsregister")
    page.get_by_role("heading", name="Verwerkingsregister").wait_for()
    assert page.get_by_role("rowheader", name="Medische gegevens en diagnoses").count() == 1
    screenshot("students-register-fg")
    with page.expect_download() as download:
        page.get_by_role("link", name="Download als PDF").click()
    path = download.value.path()
    with open(path, "rb") as handle:
        assert handle.read(4) == b"%PDF"
