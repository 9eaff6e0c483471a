"""Shared fixtures of the governance tests."""

from datetime import timedelta

import pytest
from django.utils import timezone

from checklist.models import Verdict
from portal import services as portal_services
from portal.models import ParentRequest
from tests.agreements import factories as af
from tests.breaches.factories import report_breach
from tests.checklist.factories import answer_all, open_round


@pytest.fixture
def registers(world):
    """Two products without agreement at De Regenboog, one at Het Kompas; three breaches; two
    open requests of parents, one of them past its deadline; a checklist round answered OK."""
    office = world.beheerder
    supplier = af.supplier(office, world.foundation)
    rekentuin = af.product(office, supplier)
    klasbord = af.product(office, supplier, name="Klasbord App")
    af.product_in_use(office, world.school, rekentuin)
    af.product_in_use(office, world.school, klasbord)
    af.product_in_use(office, world.other_school, rekentuin)
    report_breach(world.teacher, world.school)
    report_breach(world.teacher, world.school, kind="wrong_recipient")
    report_breach(world.teacher_other_school, world.other_school, kind="hack")
    for kind in ["inzage", "bezwaar"]:
        portal_services.parent_request_create(
            actor=world.parent, pupil=world.pupil, kind=kind, description="Graag."
        )
    ParentRequest.objects.filter(kind="inzage").update(deadline=timezone.now() - timedelta(days=2))
    checklist_round = open_round(world.school, world.directie)
    answer_all(checklist_round, world.directie, Verdict.OK)
    return checklist_round
