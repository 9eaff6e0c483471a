"""Who sees which breach and who may act (breaches/selectors.py on top of accounts.access):
reporters their own, the FG all, directie its school's, the CvB the register without personal
details. Out of scope → 404, visible without the right to act → 403, anonymous → login."""

import pytest

from breaches import selectors
from tests.breaches.factories import assess, report_breach

pytestmark = pytest.mark.django_db

DESCRIPTION = "Usb-stick met zorgnotities van groep 5a verloren in de trein."


@pytest.fixture
def breach(world):
    return report_breach(world.teacher, world.school, description=DESCRIPTION)


# persona -> (sees the breach page, sees the description)
DETAIL = {
    "teacher": (True, True),  # the reporter
    "other_teacher": (False, False),
    "teacher_other_school": (False, False),
    "directie": (True, True),
    "directie_other_school": (False, False),
    "ib": (False, False),
    "administratie": (False, False),
    "fg": (True, True),
    "cvb": (True, False),  # the register, without personal details
    "beheerder": (False, False),
    "parent": (False, False),
    "pupil_user": (False, False),
    "outsider": (False, False),
}


def test_breach_page_by_role(world, breach, client):
    from tests.conftest import sign_in

    for persona, (sees, sees_details) in DETAIL.items():
        user = getattr(world, persona)
        response = sign_in(client, user).get(f"/datalekken/{breach.pk}/")
        assert response.status_code == (200 if sees else 404), persona
        if sees:
            assert (DESCRIPTION in response.content.decode()) == sees_details, persona
        visible = selectors.visible_breaches(user).filter(pk=breach.pk).exists()
        assert visible == sees, persona


ACTIONS = [
    ("post", "beoordelen/"),
    ("post", "melding-ap/"),
    ("get", "melding-ap.pdf"),
    ("post", "gegevens-ap/"),
    ("post", "alleen-registreren/"),
    ("post", "afsluiten/"),
    ("post", "maatregelen/"),
    ("post", "brief/maken/"),
    ("get", "brief/"),
    ("post", "brief/versturen/"),
]


@pytest.mark.parametrize(
    ("persona", "status"),
    [("teacher", 403), ("directie", 403), ("cvb", 403), ("other_teacher", 404), ("parent", 404)],
)
def test_only_the_fg_acts_on_a_breach(world, breach, client_for, persona, status):
    client = client_for(getattr(world, persona))
    for method, path in ACTIONS:
        response = getattr(client, method)(f"/datalekken/{breach.pk}/{path}")
        assert response.status_code == status, (method, path)


@pytest.mark.parametrize(
    "path",
    ["", "melden/", "register.csv", "register.pdf", "1/", "1/gemeld/", "1/brief/"],
)
def test_anonymous_users_are_sent_to_login(client, path):
    response = client.get(f"/datalekken/{path}")
    assert response.status_code == 302
    assert "/account/inloggen/" in response["Location"]


@pytest.mark.parametrize(
    ("persona", "status"),
    [("teacher", 200), ("concierge", 200), ("fg", 200), ("cvb", 200), ("parent", 403)],
)
def test_every_staff_member_may_open_the_report_form(world, client_for, persona, status):
    assert client_for(getattr(world, persona)).get("/datalekken/melden/").status_code == status


def test_report_entry_is_in_the_navigation_of_every_page_for_staff(world, client_for):
    page = client_for(world.concierge).get("/account/").content.decode()
    assert 'href="/datalekken/melden/"' in page


def test_parents_get_no_report_entry(world, client_for):
    page = client_for(world.parent).get("/").content.decode()
    assert "/datalekken/melden/" not in page


def test_reporter_sees_only_own_reports_in_the_list(world, breach, client_for):
    other = report_breach(world.directie, world.school, description="Ander lek")
    page = client_for(world.teacher).get("/datalekken/").content.decode()
    assert breach.reference in page
    assert other.reference not in page


def test_directie_sees_its_schools_breaches_not_the_other_schools(world, breach, client_for):
    elsewhere = report_breach(world.teacher_other_school, world.other_school)
    page = client_for(world.directie).get("/datalekken/").content.decode()
    assert breach.reference in page and elsewhere.reference not in page


@pytest.mark.parametrize(("persona", "status"), [("teacher", 403), ("parent", 403)])
def test_register_exports_are_for_fg_cvb_and_directie(world, breach, client_for, persona, status):
    client = client_for(getattr(world, persona))
    assert client.get("/datalekken/register.csv").status_code == status
    assert client.get("/datalekken/register.pdf").status_code == status


def test_cvb_csv_export_has_no_personal_details(world, breach, client_for):
    content = client_for(world.cvb).get("/datalekken/register.csv").content.decode("utf-8-sig")
    assert breach.reference in content
    assert DESCRIPTION not in content


def test_fg_csv_export_has_the_facts(world, breach, client_for):
    content = client_for(world.fg).get("/datalekken/register.csv").content.decode("utf-8-sig")
    assert DESCRIPTION in content


def test_fg_start_page_lists_breaches_to_assess(world, breach, client_for):
    page = client_for(world.fg).get("/").content.decode()
    assert "1 datalek wacht op uw beoordeling" in page  # one breach: singular, no "(ken)"
    assert f"{breach.reference}: nog" in page


def test_teacher_start_page_has_no_breach_clock(world, breach, client_for):
    page = client_for(world.teacher).get("/").content.decode()
    assert "om te melden bij de AP" not in page


def test_letter_and_recipients_are_hidden_from_the_cvb(world, breach, client_for):
    from breaches import services

    assess(breach, world.fg)
    letter = services.letter_draft(breach=breach, actor=world.fg)
    services.letter_update(letter=letter, actor=world.fg, subject="Datalek", body="Tekst.")
    services.letter_send(letter=letter, actor=world.fg, recipients=[("X", "x@thuis.example")])
    page = client_for(world.cvb).get(f"/datalekken/{breach.pk}/").content.decode()
    assert "Brief aan de betrokkenen" not in page
    assert "x@thuis.example" not in page


@pytest.mark.parametrize("persona", ["parent", "pupil_user", "outsider"])
def test_people_without_a_staff_role_have_no_breach_list(world, client_for, persona):
    assert client_for(getattr(world, persona)).get("/datalekken/").status_code == 403
