"""Journey: a teacher and an IB-er open the same pupil and see different parts of the file;
the IB-er reads a care note, and the directie sees that read in the access records."""

import pytest

from privacy_portal import hooks
from tests.e2e.helpers import sign_in
from tests.students.factories import DossierEntryFactory, EmergencyContactFactory

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


@pytest.fixture(autouse=True)
def _hooks_without_self_recursion(monkeypatch):
    """Same guard as tests/students/conftest.py (this branch predates main's hooks fix)."""
    if "__package__" in hooks._hook_modules.__code__.co_names:
        return
    original = hooks._hook_modules
    monkeypatch.setattr(
        hooks,
        "_hook_modules",
        lambda: (m for m in original() if m.__name__ != hooks.__name__),
    )


def sign_out(page):
    page.get_by_role("button", name="Uitloggen").click()
    page.wait_for_url("**/account/inloggen/**")


def open_pupil(page, name):
    page.get_by_role("link", name="Leerlingen", exact=True).click()
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
