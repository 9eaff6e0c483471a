"""R16 and R15 at departure: a task per product the school uses (from the agreements register)
to close the person's account there, and the equipment task closes only with an entry in the
equipment log. Purge counts over the whole foundation are for foundation roles only."""

from datetime import date, timedelta

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from governance import services
from retention.models import PurgeRun
from tests.agreements import factories as af
from tests.governance.factories import record_departure

pytestmark = pytest.mark.django_db


def test_departure_tasks_name_each_product_the_school_uses(world):
    office = world.beheerder
    supplier = af.supplier(office, world.foundation)
    af.product_in_use(office, world.school, af.product(office, supplier, name="Rekentuin"))
    af.product_in_use(office, world.school, af.product(office, supplier, name="Klasbord"))
    af.product_in_use(office, world.other_school, af.product(office, supplier, name="Elders"))
    departure = record_departure(
        world.directie, world.teacher, [world.school], timezone.localdate() + timedelta(days=5)
    )
    titles = list(departure.tasks.values_list("title", flat=True))
    assert "Account sluiten bij Klasbord" in titles
    assert "Account sluiten bij Rekentuin" in titles
    assert "Account sluiten bij Elders" not in titles  # not used at this school
    task = departure.tasks.get(title="Account sluiten bij Klasbord")
    assert task.owner == "directie" and task.due_date == departure.departure_date


def _equipment_task(world):
    departure = record_departure(
        world.directie, world.teacher, [world.school], timezone.localdate() - timedelta(days=1)
    )
    return departure, departure.tasks.get(key="equipment")


def test_the_equipment_task_cannot_close_without_an_equipment_log_entry(world, client_for):
    departure, task = _equipment_task(world)
    with pytest.raises(ValidationError) as error:
        services.task_complete(actor=world.beheerder, task=task)
    assert "logboek afgevoerde apparatuur" in str(error.value)
    response = client_for(world.beheerder).post(f"/organisatie/vertrek/taken/{task.pk}/afgerond/")
    assert response.status_code == 400
    task.refresh_from_db()
    assert task.status == "open"


def test_the_equipment_task_closes_once_the_device_is_logged_for_this_departure(world):
    departure, task = _equipment_task(world)
    other_departure = record_departure(
        world.directie, world.ib, [world.school], timezone.localdate() + timedelta(days=3)
    )
    log = {
        "actor": world.beheerder,
        "device": "Laptop HP 840",
        "method": "wiped",
        "performed_by": "ICT-dienst",
        "performed_on": timezone.localdate(),
        "school": world.school,
    }
    services.equipment_disposal_record(**log, departure=other_departure)
    with pytest.raises(ValidationError):  # a device of another departure does not count
        services.task_complete(actor=world.beheerder, task=task)
    services.equipment_disposal_record(**log, departure=departure)
    assert services.task_complete(actor=world.beheerder, task=task).status == "done"


def test_a_schools_directie_does_not_see_the_foundation_wide_purge_runs(world, client_for):
    PurgeRun.objects.create(day=date(2026, 11, 1), status="succeeded", counts={"pupils": 731})
    directie_page = client_for(world.directie).get("/bewaartermijnen/vernietigingen/")
    assert directie_page.status_code == 200
    assert "731" not in directie_page.content.decode()
    assert "Laatste vernietigingsrondes" not in directie_page.content.decode()
    fg_page = client_for(world.fg).get("/bewaartermijnen/vernietigingen/").content.decode()
    assert "731" in fg_page
