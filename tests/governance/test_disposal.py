"""R15: disposed equipment is logged with how it was wiped or destroyed, by whom and when."""

import pytest
from django.urls import reverse

from governance.models import EquipmentDisposal
from tests.governance.factories import fake_pdf_upload, png_upload

pytestmark = pytest.mark.django_db

URL = "/organisatie/apparatuur/nieuw/"


def data(world, **extra):
    return {
        "school": world.school.pk,
        "device": "Laptop HP ProBook",
        "serial_number": "5CD1234XYZ",
        "method": EquipmentDisposal.Method.WIPED,
        "performed_by": "ICT-partner Wisbedrijf",
        "performed_on": "2026-01-15",
        **extra,
    }


def test_directie_logs_a_wiped_laptop_with_a_certificate(world, client_for):
    client = client_for(world.directie)
    response = client.post(URL, data(world, certificate=png_upload()))
    assert response.status_code == 302
    disposal = EquipmentDisposal.objects.get()
    assert disposal.foundation == world.foundation and disposal.recorded_by == world.directie
    response = client.get(reverse("governance:disposal_certificate", args=[disposal.pk]))
    assert response.status_code == 200 and response["Content-Type"] == "image/png"


def test_fg_reads_the_log_but_a_teacher_may_not(world, client_for):
    client_for(world.directie).post(URL, data(world))
    response = client_for(world.fg).get(reverse("governance:disposal_list"))
    assert response.status_code == 200 and "Laptop HP ProBook" in response.content.decode()
    from django.test import Client

    from tests.conftest import sign_in

    teacher = sign_in(Client(), world.teacher)
    assert teacher.get(reverse("governance:disposal_list")).status_code == 403
    assert teacher.post(URL, data(world)).status_code == 403


def test_directie_cannot_log_for_another_school(world, client_for):
    response = client_for(world.directie).post(URL, data(world, school=world.other_school.pk))
    assert response.status_code == 400
    assert "Kies een van uw scholen." in response.content.decode()
    assert not EquipmentDisposal.objects.exists()


def test_bad_input_gives_400_with_dutch_messages(world, client_for):
    client = client_for(world.directie)
    response = client.post(URL, data(world, device="", performed_on="2999-01-01"))
    assert response.status_code == 400
    content = response.content.decode()
    assert "Beschrijf het apparaat." in content
    response = client.post(URL, data(world, performed_on="2999-01-01"))
    assert response.status_code == 400
    assert "Deze datum ligt in de toekomst." in response.content.decode()
    response = client.post(URL, data(world, certificate=fake_pdf_upload("cert.pdf")))
    assert response.status_code == 400
    assert "Dit bestand is geen PDF of PNG of JPEG." in response.content.decode()
    assert not EquipmentDisposal.objects.exists()


def test_certificate_of_another_school_is_404(world, client_for):
    client_for(world.directie).post(URL, data(world, certificate=png_upload()))
    disposal = EquipmentDisposal.objects.get()
    from django.test import Client

    from tests.conftest import sign_in

    other = sign_in(Client(), world.directie_other_school)
    assert (
        other.get(reverse("governance:disposal_certificate", args=[disposal.pk])).status_code == 404
    )


def test_disposal_list_runs_a_bounded_number_of_queries(world, client_for):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from governance import services

    def log(count):
        for number in range(count):
            services.equipment_disposal_record(
                actor=world.directie,
                school=world.school,
                device=f"Laptop {number}",
                method=EquipmentDisposal.Method.DESTROYED,
                performed_by="Wisbedrijf",
                performed_on=world.pupil.enrolled_on,
            )

    client = client_for(world.fg)
    url = reverse("governance:disposal_list")
    log(1)
    client.get(url)  # warm up the once-a-day access sync
    with CaptureQueriesContext(connection) as one:
        client.get(url)
    log(11)
    client.get(url)  # warm again: the session's idle timestamp is written at most once a minute
    with CaptureQueriesContext(connection) as twelve:
        response = client.get(url)
    assert len(twelve.captured_queries) == len(one.captured_queries) <= 30
    assert response.content.decode().count("fysiek vernietigd") == 12
    response = client.get(url, {"q": "Laptop 10"})
    assert response.content.decode().count("fysiek vernietigd") == 1
