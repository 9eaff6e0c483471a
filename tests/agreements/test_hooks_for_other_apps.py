"""The agreements app answers the parents' portal and the checklist through hooks."""

import pytest

from checklist import evidence
from portal import selectors as portal_selectors

pytestmark = pytest.mark.django_db


def test_parents_see_which_products_receive_their_childs_data(world, reg):
    recipients = portal_selectors.data_recipients(world.pupil)
    assert [r["product"] for r in recipients] == [reg.product.name]
    assert recipients[0]["supplier"] == reg.supplier.name
    assert world.pupil_other_school.pk != world.pupil.pk
    assert portal_selectors.data_recipients(world.pupil_other_school) == []


def test_checklist_flags_software_without_an_active_agreement(world, reg):
    verdict = evidence.judge(world.school, 2026, keys={"verwerkersovereenkomsten"})
    assert verdict["verwerkersovereenkomsten"].verdict == "not_ok"
    assert reg.product.name in verdict["verwerkersovereenkomsten"].summary
    other = evidence.judge(world.other_school, 2026, keys={"verwerkersovereenkomsten"})
    assert other["verwerkersovereenkomsten"].verdict == "ok"


def test_record_of_processing_names_the_products_receiving_a_category(world, reg):
    from students.selectors import processors_for as register_processors

    reg.use.categories = ["identification", "results"]
    reg.use.save()
    assert register_processors(world.foundation, "results") == [
        f"{reg.product.name} ({reg.supplier.name})"
    ]
    assert register_processors(world.foundation, "care") == []


def test_purge_lists_the_processors_that_must_confirm_destruction(world, reg):
    from agreements.hooks import retention_processors

    rows = retention_processors([world.pupil.pk, world.pupil_other_school.pk])
    assert [(pupil_id, name) for pupil_id, name, _agreement in rows] == [
        (world.pupil.pk, f"{reg.supplier.name} ({reg.product.name})")
    ]


def test_breach_report_suggests_the_suppliers_of_the_register(client_for, world, reg):
    body = client_for(world.teacher).get("/datalekken/melden/").content.decode()
    assert 'list="processor-suggestions"' in body
    assert f'<option value="{reg.supplier.name}">' in body
