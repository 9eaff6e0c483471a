"""One answer for the secret address and the parents' contact details (``registry.may_see``).

The staff pupil page, the parents' page, the inspection export and the transfer dossier all ask
the same function, so a secret pupil hides exactly the same fields on each of them, and a parent's
e-mail and phone reach only that parent (and staff), never the other parent or a transfer dossier
that both parents read."""

import json

import pytest
from django.urls import reverse

from portal import selectors as portal_selectors
from students import registry
from students.models import Guardian
from tests import factories as f
from tests.transfers.factories import compile_dossier
from transfers import services as transfer_services

pytestmark = pytest.mark.django_db

MARKERS = {
    "street_address": "Geheimstraat 7",
    "postal_code": "9999 ZZ",
    "city": "Schuilhaven",
    "phone": "0699887766",
}


@pytest.fixture
def family(world):
    for name, value in MARKERS.items():
        setattr(world.pupil, name, value)
    world.pupil.save()
    own = Guardian.objects.get(user=world.parent)
    own.email, own.phone = "eigen.ouder@thuis.example", "0611110000"
    own.save()
    other = f.parent_of(world.pupil)
    other.email, other.phone = "andere.ouder@elders.example", "0622220000"
    other.save()
    world.own_guardian, world.other_guardian = own, other
    # A draft dossier is built live, so it shows the pupil as it is at each read.
    world.dossier = compile_dossier(
        world.ib, world.pupil, category_keys=["identification", "contact", "parents"]
    )
    return world


def _surfaces(client_for, w) -> dict[str, str]:
    """What each surface shows of the pupil, as text."""
    return {
        "staff page (administratie)": client_for(w.administratie)
        .get(reverse("students:pupil_detail", args=[w.pupil.pk]))
        .content.decode(),
        "parents' page": client_for(w.parent)
        .get(reverse("portal:child_detail", args=[w.pupil.pk]))
        .content.decode(),
        "inspection export": json.dumps(
            portal_selectors.inspection_export(w.pupil, viewer=w.parent), default=str
        ),
        "transfer dossier": json.dumps(transfer_services.dossier_preview(w.dossier)),
    }


def _shown_fields(text: str) -> set[str]:
    return {name for name, value in MARKERS.items() if value in text}


def test_the_secret_flag_hides_the_same_fields_on_staff_page_portal_export_and_transfer(
    client_for, family
):
    open_surfaces = _surfaces(client_for, family)
    assert {k: _shown_fields(v) for k, v in open_surfaces.items()} == {
        k: set(MARKERS) for k in open_surfaces
    }, "without the flag every surface shows the address"

    family.pupil.contact_is_secret = True
    family.pupil.save()
    hidden_by_registry = {
        name.split(".", 1)[1]
        for name in registry.HIDDEN_WHEN_SECRET
        if name.split(".", 1)[1] in MARKERS
    }
    assert hidden_by_registry == set(MARKERS)
    for surface, text in _surfaces(client_for, family).items():
        assert _shown_fields(text) == set(), f"{surface} shows a secret field"


def test_directie_still_reads_the_secret_address_on_the_staff_page(client_for, family):
    family.pupil.contact_is_secret = True
    family.pupil.save()
    page = (
        client_for(family.directie)
        .get(reverse("students:pupil_detail", args=[family.pupil.pk]))
        .content.decode()
    )
    assert _shown_fields(page) == set(MARKERS)


def test_the_other_parents_email_and_phone_reach_staff_but_no_parent_surface(client_for, family):
    surfaces = _surfaces(client_for, family)
    other = (family.other_guardian.email, family.other_guardian.phone)
    own = (family.own_guardian.email, family.own_guardian.phone)
    assert all(value in surfaces["staff page (administratie)"] for value in other + own)
    for surface in ("parents' page", "inspection export"):
        assert not any(value in surfaces[surface] for value in other), surface
        assert all(value in surfaces[surface] for value in own), surface
    # Both parents read the transfer dossier: nobody's e-mail or phone is in it.
    assert not any(value in surfaces["transfer dossier"] for value in other + own)


def test_may_see_is_the_one_answer_for_every_reader(family):
    pupil = family.pupil
    pupil.contact_is_secret = True
    parent = registry.Reader.for_parent(family.parent)
    administratie = registry.Reader.staff({"pupil_administrative"})
    directie = registry.Reader.staff({registry.SECRET_AUDIENCE})
    school = registry.Reader.receiving_school()
    for field in registry.HIDDEN_WHEN_SECRET:
        assert not registry.may_see(field, pupil=pupil, reader=parent)
        assert not registry.may_see(field, pupil=pupil, reader=administratie)
        assert not registry.may_see(field, pupil=pupil, reader=school)
        assert registry.may_see(field, pupil=pupil, reader=directie)
    other = family.other_guardian
    assert not registry.may_see("Guardian.email", pupil=pupil, reader=parent, owner=other)
    assert registry.may_see("Guardian.email", pupil=pupil, reader=parent, owner=family.own_guardian)
    assert registry.may_see("Guardian.phone", pupil=pupil, reader=administratie, owner=other)
    assert not registry.may_see("Guardian.phone", pupil=pupil, reader=school, owner=other)
