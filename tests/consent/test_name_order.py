"""Dutch name order wherever consent lists pupils: by surname without the tussenvoegsel, then
first name ("Berg, Jan van den" under B), the same order and form as the staff pupil list."""

import subprocess

import pytest
from django.urls import reverse

from students.models import list_name
from tests import factories as f
from tests.consent.factories import channels

pytestmark = pytest.mark.django_db

EXPECTED = ["Berg, Jan van den", "Boer, Sven de", "Jansen, Mila", "Yilmaz, Zoë"]


@pytest.fixture
def named_class(world):
    f.pupil_in_class(world.class_5a, first_name="Zoë", last_name="Yilmaz")
    f.pupil_in_class(world.class_5a, first_name="Sven", surname_prefix="de", last_name="Boer")
    f.pupil_in_class(world.class_5a, first_name="Jan", surname_prefix="van den", last_name="Berg")
    channels(world.foundation)
    return world.class_5a


def positions(text, names=EXPECTED):
    found = [text.find(name) for name in names]
    assert all(p >= 0 for p in found), (names, found)
    return found


def test_list_name_puts_the_surname_without_tussenvoegsel_first():
    jan = f.PupilFactory.build(first_name="Jan", surname_prefix="van den", last_name="Berg")
    assert list_name(jan) == "Berg, Jan van den"
    assert jan.list_name == "Berg, Jan van den"


def test_the_photo_list_sorts_by_surname_without_tussenvoegsel(world, named_class, client_for):
    page = client_for(world.teacher).get(reverse("consent:class_overview", args=[named_class.pk]))
    assert page.status_code == 200
    found = positions(page.text)
    assert found == sorted(found)


def test_the_photo_list_pdf_sorts_in_dutch_name_order(world, named_class, client_for, tmp_path):
    response = client_for(world.teacher).get(reverse("consent:class_pdf", args=[named_class.pk]))
    pdf = tmp_path / "lijst.pdf"
    pdf.write_bytes(response.content)
    text = subprocess.run(
        ["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True, check=True
    ).stdout
    found = positions(text)
    assert found == sorted(found)


def test_the_publish_check_lists_pupils_in_dutch_name_order(world, named_class, client_for):
    page = client_for(world.teacher).get(reverse("consent:publish_check", args=[named_class.pk]))
    assert page.status_code == 200
    found = positions(page.text)
    assert found == sorted(found)


def test_the_publish_check_names_the_blocked_pupils_in_dutch_name_order(
    world, named_class, client_for
):
    ch = channels(world.foundation)
    pupils = list(named_class.enrolments.values_list("pupil_id", flat=True))
    page = client_for(world.teacher).get(
        reverse("consent:publish_check", args=[named_class.pk]),
        {"channel": ch["website"].key, "pupils": [str(p) for p in pupils]},
    )
    assert page.status_code == 200
    result = page.text[page.text.find("<ul>", page.text.find("form") + 1) :]
    found = positions(result)
    assert found == sorted(found)
