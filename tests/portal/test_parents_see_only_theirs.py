"""Parents see only what is theirs (issue 14 item 4, portal side), correct their own contact
details directly, and receive a complete, readable inspection export as one zip."""

import io
import json
import subprocess
import zipfile

import pytest
from auditlog.models import LogEntry
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from accounts.roles import Audience, Sensitivity
from portal import hooks, services
from portal.export import readable
from portal.models import ParentRequest
from students import services as student_services
from students.models import EmergencyContact
from tests import factories as f

pytestmark = pytest.mark.django_db

SECRET_STREET = "Schuilplaats 7"
SECRET_PHONE = "0611122233"
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


@pytest.fixture
def secret(world):
    """Mila lives at a secret address; her father (another parent with authority) must not
    learn it."""
    world.pupil.street_address = SECRET_STREET
    world.pupil.postal_code = "1234 AB"
    world.pupil.city = "Verborgen"
    world.pupil.phone = SECRET_PHONE
    world.pupil.contact_is_secret = True
    world.pupil.save()
    world.other_parent = f.parent_of(world.pupil)
    world.other_parent.email = "vader@example.org"
    world.other_parent.phone = "0699988877"
    world.other_parent.save()
    return world


def _released_inspection(world, actor):
    request = services.parent_request_create(actor=actor, pupil=world.pupil, kind="inzage")
    services.inspection_prepare(actor=world.directie, request=request)
    services.inspection_release(actor=world.directie, request=request)
    return request


def _pdf_text(content: bytes, tmp_path) -> str:
    path = tmp_path / "inzage.pdf"
    path.write_bytes(content)
    return subprocess.run(
        ["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True, check=True
    ).stdout


# --- The secret address and the other parent's contact details -------------------------------


def test_other_parent_cannot_read_a_secret_address_on_the_child_page(client_for, secret):
    body = (
        client_for(secret.other_parent.user)
        .get(reverse("portal:child_detail", args=[secret.pupil.pk]))
        .content.decode()
    )
    assert SECRET_STREET not in body
    assert SECRET_PHONE not in body
    assert "Verborgen" not in body
    assert "afgeschermd" in body


def test_parent_never_sees_the_other_parents_email_or_phone(client_for, secret):
    body = (
        client_for(secret.parent)
        .get(reverse("portal:child_detail", args=[secret.pupil.pk]))
        .content.decode()
    )
    assert secret.other_parent.first_name in body  # the name is shown, the details are not
    assert "vader@example.org" not in body
    assert "0699988877" not in body
    own = secret.parent.guardian
    own.phone = "0644455566"
    own.save()
    body = (
        client_for(secret.parent)
        .get(reverse("portal:child_detail", args=[secret.pupil.pk]))
        .content.decode()
    )
    assert "0644455566" in body  # one's own phone is shown


def test_secret_address_is_not_on_the_request_form_and_cannot_be_proposed(client_for, secret):
    client = client_for(secret.other_parent.user)
    url = reverse("portal:request_new", args=[secret.pupil.pk])
    for query in ("?soort=correctie", "?soort=correctie&stap=2&velden=phone&velden=city"):
        body = client.get(url + query).content.decode()
        assert SECRET_PHONE not in body
        assert SECRET_STREET not in body
        assert 'value="phone"' not in body
    with pytest.raises(ValidationError):
        services.parent_request_create(
            actor=secret.other_parent.user,
            pupil=secret.pupil,
            kind="correctie",
            corrections={"phone": "0600000000"},
        )


def test_inspection_export_hides_a_secret_address_and_the_other_parents_details(
    client_for, secret, tmp_path
):
    request = _released_inspection(secret, secret.other_parent.user)
    client = client_for(secret.other_parent.user)
    data = client.get(reverse("portal:request_export", args=[request.pk, "json"])).content.decode()
    pdf = client.get(reverse("portal:request_export", args=[request.pk, "pdf"])).content
    text = _pdf_text(pdf, tmp_path)
    for leaked in (SECRET_STREET, SECRET_PHONE, secret.parent.guardian.email):
        assert leaked not in data
        assert leaked not in text
    assert "vader@example.org" in data  # the requester's own address is theirs to see


def test_request_page_hides_a_secret_phone_from_administratie_and_fg(client_for, secret):
    # A correction filed before the address became secret still holds the old value.
    secret.pupil.contact_is_secret = False
    secret.pupil.save()
    earlier = services.parent_request_create(
        actor=secret.parent,
        pupil=secret.pupil,
        kind="correctie",
        corrections={"phone": "0612121212"},
    )
    assert earlier.corrections.get().old_value == SECRET_PHONE
    secret.pupil.contact_is_secret = True
    secret.pupil.save()
    url = reverse("portal:staff_request", args=[earlier.pk])
    for persona in (secret.administratie, secret.fg):
        body = client_for(persona).get(url).content.decode()
        assert SECRET_PHONE not in body, persona
        assert "0612121212" not in body
    assert SECRET_PHONE in client_for(secret.directie).get(url).content.decode()


def test_the_audit_trail_never_stores_the_export(secret):
    secret.pupil.medical_information = "Diagnose: ADHD, medicatie om 12 uur"
    secret.pupil.save()
    request = _released_inspection(secret, secret.parent)
    request.refresh_from_db()
    assert "ADHD" in json.dumps(request.export_json)
    for entry in LogEntry.objects.get_for_object(request):
        assert "ADHD" not in json.dumps(entry.changes or {})
        assert "ADHD" not in json.dumps(entry.additional_data or {})
    access = LogEntry.objects.filter(action=LogEntry.Action.ACCESS)
    assert not any("ADHD" in json.dumps(e.additional_data or {}) for e in access)


# --- The export: one zip, readable, with the documents ------------------------------------------


def test_export_zip_holds_pdf_json_and_every_dossier_document(client_for, world, tmp_path):
    entry = student_services.dossier_entry_create(
        actor=world.ib,
        pupil=world.pupil,
        category_key="care",
        kind="report",
        title="Verslag logopedie",
        audience=Audience.IB,
        sensitivity=Sensitivity.VERY_SENSITIVE,
        upload=SimpleUploadedFile("verslag logopedie.pdf", PDF),
    )
    request = _released_inspection(world, world.parent)
    response = client_for(world.parent).get(
        reverse("portal:request_export", args=[request.pk, "zip"])
    )
    assert response.status_code == 200
    assert response["Content-Type"] == "application/zip"
    archive = zipfile.ZipFile(io.BytesIO(response.content))
    names = archive.namelist()
    assert f"inzage-{request.reference}.pdf" in names
    assert f"inzage-{request.reference}.json" in names
    document = f"documenten/{entry.pk}-verslag-logopedie.pdf"
    assert document in names
    assert archive.read(document) == PDF
    data = json.loads(archive.read(f"inzage-{request.reference}.json"))
    assert data["dossier"][0]["document_file"] == document


def test_export_zip_is_refused_before_release_and_for_another_family(client_for, world):
    request = services.parent_request_create(actor=world.parent, pupil=world.pupil, kind="inzage")
    services.inspection_prepare(actor=world.directie, request=request)
    url = reverse("portal:request_export", args=[request.pk, "zip"])
    assert client_for(world.parent).get(url).status_code == 403
    services.inspection_release(actor=world.directie, request=request)
    stranger = f.parent_of(world.pupil_other_class).user
    assert client_for(stranger).get(url).status_code == 404


def test_export_pdf_reads_in_plain_dutch_without_internal_codes(client_for, world, tmp_path):
    from agreements.models import Bijsluiter  # noqa: F401  (the agreements app answers the hook)

    world.pupil.citizen_number = ""
    world.pupil.save()
    request = _released_inspection(world, world.parent)
    pdf = client_for(world.parent).get(reverse("portal:request_export", args=[request.pk, "pdf"]))
    text = _pdf_text(pdf.content, tmp_path)
    assert "Leerresultaten" in text
    assert "Zorg en begeleiding" in text
    for code in ("secret_contact", "citizen_number", "export:inzage"):
        assert code not in text
    assert "T1" not in text and "-12-01" not in text  # no ISO timestamps
    assert "december" in text or "januari" in text or "november" in text


def test_outside_eea_transfers_take_their_basis_from_the_agreements_register(
    world, client_for, tmp_path
):
    """The export names, per country outside the EEA, the basis the agreements' register gives
    it for that supplier, not a list of its own: a US sub-processor of a supplier without DPF
    certification or SCCs has no basis; an Indian one of a supplier with SCCs has SCCs."""
    from tests.agreements import factories as af

    plain = af.supplier(world.beheerder, world.foundation, name="Toetsplatform")
    with_scc = af.supplier(
        world.beheerder,
        world.foundation,
        name="Leesapp",
        kvk_number="87654321",
        standard_contractual_clauses=True,
    )
    us = af.product(
        world.beheerder,
        plain,
        name="Toetsen Online",
        subprocessors=[{"name": "Cloud Inc", "task": "opslag", "country": "US"}],
    )
    india = af.product(
        world.beheerder,
        with_scc,
        name="Lezen Online",
        subprocessors=[{"name": "Support Ltd", "task": "helpdesk", "country": "IN"}],
    )
    af.product_in_use(world.directie, world.school, us)
    af.product_in_use(world.directie, world.school, india)

    request = _released_inspection(world, world.parent)
    rows = {r["product"]: r for r in readable(request.export_json)["recipients"]}
    assert rows["Toetsen Online"]["outside"] == [
        {"country": "Verenigde Staten", "basis": "buiten de EER zonder doorgiftegrondslag"}
    ]
    assert rows["Lezen Online"]["outside"][0]["country"] == "India"
    assert "standaardcontractbepalingen" in rows["Lezen Online"]["outside"][0]["basis"]
    assert rows["Lezen Online"]["category_labels"]
    pdf = client_for(world.parent).get(reverse("portal:request_export", args=[request.pk, "pdf"]))
    text = " ".join(_pdf_text(pdf.content, tmp_path).split())
    assert "zonder doorgiftegrondslag" in text
    assert "Data Privacy Framework" not in text


def test_an_export_stored_without_transfers_asks_the_register(world):
    """An export compiled before exports carried their transfers still names a basis: the
    register's, without a supplier (no DPF or SCCs assumed)."""
    export = {
        "recipients": [
            {
                "product": "Toetsplatform",
                "supplier": "Acme",
                "country": "Verenigde Staten, Japan",
                "outside_eea": ["US", "JP"],
                "categories": ["results"],
            }
        ]
    }
    row = readable(export)["recipients"][0]
    assert row["category_labels"] == ["Leerresultaten"]
    assert row["outside"][0]["basis"] == "buiten de EER zonder doorgiftegrondslag"
    assert "adequaatheidsbesluit" in row["outside"][1]["basis"]


# --- Parents correct their own details directly -------------------------------------------------


def test_parent_corrects_own_phone_directly_with_audit_and_notice_to_school(
    client_for, world, mailoutbox, django_capture_on_commit_callbacks
):
    client = client_for(world.parent)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("portal:my_details"),
            {"email": world.parent.guardian.email, "phone": "06 87654321"},
        )
    assert response.status_code == 302
    guardian = world.parent.guardian
    guardian.refresh_from_db()
    assert guardian.phone == "06 87654321"
    entry = LogEntry.objects.get_for_object(guardian).latest("timestamp")
    assert entry.actor == world.parent
    assert "phone" in entry.changes_dict
    school_mail = [m for m in mailoutbox if world.directie.email in m.to]
    assert school_mail, "the school is told"
    assert "06 87654321" not in school_mail[0].body  # the mail names the change, not the value


def test_changing_ones_email_tells_the_old_address(
    client_for, world, mailoutbox, django_capture_on_commit_callbacks
):
    old = world.parent.guardian.email
    with django_capture_on_commit_callbacks(execute=True):
        client_for(world.parent).post(
            reverse("portal:my_details"), {"email": "nieuw@example.org", "phone": ""}
        )
    assert any(old in m.to for m in mailoutbox)


def test_invalid_phone_is_a_clear_400(client_for, world):
    response = client_for(world.parent).post(
        reverse("portal:my_details"), {"email": "a@example.org", "phone": "bel me maar"}
    )
    assert response.status_code == 400
    assert "telefoonnummer" in response.content.decode()


def test_parent_without_authority_cannot_change_details_or_contacts(client_for, world):
    client = client_for(world.parent_without_authority)
    assert client.get(reverse("portal:my_details")).status_code == 403
    url = reverse("portal:emergency_contacts", args=[world.pupil.pk])
    assert client.post(url, {"new-name": "X", "new-phone": "0612345678"}).status_code == 404
    assert not EmergencyContact.objects.exists()


def test_parent_adds_corrects_and_removes_an_emergency_contact(client_for, world):
    client = client_for(world.parent)
    url = reverse("portal:emergency_contacts", args=[world.pupil.pk])
    assert (
        client.post(url, {"new-name": "Oma Jansen", "new-phone": "0612345678"}).status_code == 302
    )
    contact = EmergencyContact.objects.get(pupil=world.pupil)
    assert LogEntry.objects.get_for_object(contact).latest("timestamp").actor == world.parent
    client.post(
        url,
        {
            "contact": contact.pk,
            f"c{contact.pk}-name": "Oma Jansen",
            f"c{contact.pk}-phone": "0687654321",
        },
    )
    contact.refresh_from_db()
    assert contact.phone == "0687654321"
    client.post(url, {"contact": contact.pk, "delete": "1"})
    assert not EmergencyContact.objects.exists()


def test_parent_cannot_touch_another_childs_emergency_contact(client_for, world):
    foreign = EmergencyContact.objects.create(
        pupil=world.pupil_other_class, name="Buurman", phone="0612345678"
    )
    client = client_for(world.parent)
    url = reverse("portal:emergency_contacts", args=[world.pupil.pk])
    assert client.post(url, {"contact": foreign.pk, "delete": "1"}).status_code == 404
    assert EmergencyContact.objects.filter(pk=foreign.pk).exists()
    with pytest.raises(PermissionDenied):
        services.parent_emergency_contact_delete(actor=world.parent, contact=foreign)


# --- Corrections of the child's data ------------------------------------------------------------


def test_correction_offers_only_fields_a_parent_can_know(client_for, world):
    fields = services.correctable_fields(world.pupil, world.parent)
    assert "phone" in fields and "allergies" in fields
    for internal in (
        "administration_number",
        "enrolled_on",
        "destination_is_sbo",
        "citizen_number",
    ):
        assert internal not in fields
    with pytest.raises(ValidationError):
        services.parent_request_create(
            actor=world.parent,
            pupil=world.pupil,
            kind="correctie",
            corrections={"administration_number": "999"},
        )


def test_a_correction_with_only_a_note_is_accepted(world):
    request = services.parent_request_create(
        actor=world.parent,
        pupil=world.pupil,
        kind="correctie",
        description="De allergielijst is verouderd; ik bespreek het graag.",
    )
    assert request.kind == ParentRequest.Kind.CORRECTION
    assert not request.corrections.exists()
    with pytest.raises(ValidationError):
        services.parent_request_create(actor=world.parent, pupil=world.pupil, kind="correctie")


def test_correction_form_shows_only_the_chosen_fields(client_for, world):
    client = client_for(world.parent)
    url = reverse("portal:request_new", args=[world.pupil.pk])
    choose = client.get(url + "?soort=correctie").content.decode()
    assert 'name="velden" value="phone"' in choose
    assert 'name="correct_phone"' not in choose
    details = client.get(url + "?soort=correctie&stap=2&velden=phone").content.decode()
    assert 'name="correct_phone"' in details
    assert 'name="correct_city"' not in details
    response = client.post(
        url, {"kind": "correctie", "velden": "phone", "correct_phone": "0612345678"}
    )
    assert response.status_code == 302
    assert ParentRequest.objects.get().corrections.get().field_name == "phone"


def test_every_request_type_has_one_line_of_explanation(client_for, world):
    body = (
        client_for(world.parent)
        .get(reverse("portal:request_new", args=[world.pupil.pk]))
        .content.decode()
    )
    for kind in ParentRequest.Kind:
        assert f'id="soort-{kind.value}-help"' in body


# --- Hold on destruction -------------------------------------------------------------------------


def test_open_request_holds_the_pupil_against_destruction_until_closed(world):
    request = services.parent_request_create(
        actor=world.parent, pupil=world.pupil, kind="bezwaar", description="Geen foto's."
    )
    ids = [world.pupil.pk, world.pupil_other_class.pk]
    holds = hooks.retention_holds(ids)
    assert set(holds) == {world.pupil.pk}
    assert request.reference in holds[world.pupil.pk]
    services.request_decide(actor=world.directie, request=request, granted=False, decision="Nee.")
    assert hooks.retention_holds(ids) == {}
