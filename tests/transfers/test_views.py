"""The transfer dossier's pages: who reaches what (404/403), bad input, downloads, audit."""

import json
from datetime import date

from django.urls import reverse

from privacy_portal.audit import access_records_for
from tests import factories as f
from tests.transfers.factories import DossierEntryFactory, compile_dossier, offered_dossier
from transfers import services
from transfers.models import TransferDossier

State = TransferDossier.State


def _compile_post(**overrides):
    data = {
        "destination_name": "SBO De Brug",
        "destination_brin": "98yy",
        "destination_type": "sbo",
        "leaves_on": "2026-07-10",
        "categories": ["identification", "enrolment", "results"],
    }
    data.update(overrides)
    return data


# --- Who may compile -------------------------------------------------------------------------


def test_ib_compiles_a_dossier_through_the_form(world, client_for):
    entry = DossierEntryFactory(pupil=world.pupil, title="Handelingsplan rekenen")
    client = client_for(world.ib)
    url = reverse("transfers:dossier_create", args=[world.pupil.pk])
    page = client.get(url)
    assert page.status_code == 200
    assert "Handelingsplan rekenen" in page.content.decode()

    response = client.post(url, _compile_post(entries=[entry.pk]))
    dossier = TransferDossier.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("transfers:dossier_detail", args=[dossier.pk])
    assert dossier.destination_brin == "98YY"
    assert dossier.is_sbo
    assert list(dossier.entries.all()) == [entry]

    preview = client.get(response["Location"]).content.decode()
    assert "Voorbeeld: precies dit gaat mee" in preview
    assert "Handelingsplan rekenen" in preview


def test_directie_may_compile_too(world, client_for):
    response = client_for(world.directie).post(
        reverse("transfers:dossier_create", args=[world.pupil.pk]), _compile_post()
    )
    assert response.status_code == 302


def test_staff_who_see_the_pupil_but_are_not_ib_or_directie_get_403(world, client_for):
    url = reverse("transfers:dossier_create", args=[world.pupil.pk])
    for persona in ["teacher", "administratie", "concierge"]:
        client = client_for(getattr(world, persona))
        assert client.get(url).status_code == 403, persona
        assert client.post(url, _compile_post()).status_code == 403, persona
    assert not TransferDossier.objects.exists()


def test_who_does_not_see_the_pupil_as_staff_gets_404(world, client_for):
    url = reverse("transfers:dossier_create", args=[world.pupil.pk])
    personas = ["directie_other_school", "teacher_other_school", "other_teacher", "parent", "fg"]
    for persona in personas:
        client = client_for(getattr(world, persona))
        assert client.get(url).status_code == 404, persona
        assert client.post(url, _compile_post()).status_code == 404, persona
    assert not TransferDossier.objects.exists()


def test_ib_of_another_school_cannot_open_or_act_on_a_dossier(world, client_for):
    dossier = offered_dossier(world.ib, world.pupil)
    ib_elsewhere = f.staff(world.other_school, "ib")
    client = client_for(ib_elsewhere)
    for name in ["dossier_detail", "dossier_pdf", "dossier_export", "dossier_hand_over"]:
        assert client.get(reverse(f"transfers:{name}", args=[dossier.pk])).status_code == 404
    assert client.post(reverse("transfers:dossier_offer", args=[dossier.pk])).status_code == 404


def test_staff_dossier_pages_are_404_for_everyone_but_ib_and_directie(world, client_for):
    dossier = offered_dossier(world.ib, world.pupil)
    for persona in ["teacher", "administratie", "parent", "outsider", "cvb"]:
        client = client_for(getattr(world, persona))
        for name in ["dossier_detail", "dossier_pdf", "dossier_edit", "dossier_hand_over"]:
            url = reverse(f"transfers:{name}", args=[dossier.pk])
            assert client.get(url).status_code == 404, (persona, name)


def test_the_dossier_list_is_403_for_a_teacher(world, client_for):
    assert client_for(world.teacher).get(reverse("transfers:dossier_list")).status_code == 403


def test_anonymous_is_sent_to_login(world, client):
    dossier = compile_dossier(world.ib, world.pupil)
    for url in [
        reverse("transfers:dossier_list"),
        reverse("transfers:dossier_detail", args=[dossier.pk]),
        reverse("transfers:parent_detail", args=[dossier.pk]),
    ]:
        response = client.get(url)
        assert response.status_code == 302
        assert "/account/inloggen/" in response["Location"]


# --- Bad input -------------------------------------------------------------------------------


def test_bad_compile_input_is_a_400_with_dutch_messages_and_writes_nothing(world, client_for):
    client = client_for(world.ib)
    url = reverse("transfers:dossier_create", args=[world.pupil.pk])
    response = client.post(
        url, _compile_post(destination_brin="1", leaves_on="gisteren", categories=["nope"])
    )
    assert response.status_code == 400
    body = response.content.decode()
    assert "Voer een geldige datum in" in body or "geldige datum" in body
    assert not TransferDossier.objects.exists()

    response = client.post(url, _compile_post(destination_brin="1A"))
    assert response.status_code == 400
    assert "BRIN-nummer bestaat uit" in response.content.decode()
    assert not TransferDossier.objects.exists()


def test_a_compiled_dossier_cannot_be_changed_after_offering(world, client_for):
    dossier = offered_dossier(world.ib, world.pupil)
    client = client_for(world.ib)
    response = client.post(
        reverse("transfers:dossier_edit", args=[dossier.pk]), _compile_post(destination_name="X")
    )
    assert response.status_code == 302
    dossier.refresh_from_db()
    assert dossier.destination_name == "De Vlinder"


# --- Parents ---------------------------------------------------------------------------------


def test_parent_reads_and_signs_with_a_remark(world, client_for):
    dossier = offered_dossier(world.ib, world.pupil)
    client = client_for(world.parent)
    url = reverse("transfers:parent_detail", args=[dossier.pk])
    page = client.get(url)
    assert page.status_code == 200
    assert "Tekenen voor inzage" in page.content.decode()
    assert dossier.reviews.get().first_viewed_at is not None

    response = client.post(url, {"has_read": "on", "remarks": "Graag ook de dyslexieverklaring."})
    assert response.status_code == 302
    dossier.refresh_from_db()
    assert dossier.state == State.SIGNED
    assert "Graag ook de dyslexieverklaring." in client.get(url).content.decode()
    school_view = client_for(world.ib).get(reverse("transfers:dossier_detail", args=[dossier.pk]))
    assert "Graag ook de dyslexieverklaring." in school_view.content.decode()


def test_parent_signing_without_confirming_gets_400(world, client_for):
    dossier = offered_dossier(world.ib, world.pupil)
    response = client_for(world.parent).post(
        reverse("transfers:parent_detail", args=[dossier.pk]), {"remarks": "x"}
    )
    assert response.status_code == 400
    assert "Bevestig dat u het dossier hebt gelezen" in response.content.decode()
    assert dossier.reviews.get().signed_at is None


def test_parent_of_another_child_gets_404(world, client_for):
    dossier = offered_dossier(world.ib, world.pupil)
    other_parent = f.parent_of(world.pupil_other_class).user
    client = client_for(other_parent)
    for name in ["parent_detail", "parent_pdf"]:
        assert client.get(reverse(f"transfers:{name}", args=[dossier.pk])).status_code == 404
    response = client.post(
        reverse("transfers:parent_detail", args=[dossier.pk]), {"has_read": "on"}
    )
    assert response.status_code == 404
    assert dossier.reviews.get().signed_at is None


def test_parent_without_authority_gets_404(world, client_for):
    dossier = offered_dossier(world.ib, world.pupil)
    client = client_for(world.parent_without_authority)
    assert client.get(reverse("transfers:parent_detail", args=[dossier.pk])).status_code == 404


def test_parents_do_not_see_a_draft(world, client_for):
    dossier = compile_dossier(world.ib, world.pupil)
    client = client_for(world.parent)
    assert client.get(reverse("transfers:parent_detail", args=[dossier.pk])).status_code == 404
    assert "De Vlinder" not in client.get(reverse("transfers:parent_list")).content.decode()


def test_parent_can_print_the_dossier_and_the_download_is_recorded(world, client_for):
    dossier = offered_dossier(world.ib, world.pupil)
    response = client_for(world.parent).get(reverse("transfers:parent_pdf", args=[dossier.pk]))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF")
    assert [r.additional_data["what"] for r in access_records_for(dossier)] == [
        "transfer_dossier:pdf"
    ]


# --- Hand-over -------------------------------------------------------------------------------


def test_hand_over_page_refuses_before_signature_with_a_400(world, client_for):
    dossier = offered_dossier(world.ib, world.pupil)
    response = client_for(world.ib).post(
        reverse("transfers:dossier_hand_over", args=[dossier.pk]), {"confirm": "on"}
    )
    assert response.status_code == 400
    assert "nog niet voor inzage getekend" in response.content.decode()
    dossier.refresh_from_db()
    assert dossier.state == State.OFFERED


def test_directie_hands_over_with_a_reason_when_parents_are_unreachable(world, client_for):
    dossier = offered_dossier(world.ib, world.pupil)
    client = client_for(world.directie)
    url = reverse("transfers:dossier_hand_over", args=[dossier.pk])
    assert "Reden om over te dragen" in client.get(url).content.decode()
    response = client.post(
        url, {"confirm": "on", "override_reason": "Ouders na drie herinneringen onbereikbaar."}
    )
    assert response.status_code == 302
    dossier.refresh_from_db()
    assert dossier.state == State.HANDED_OVER


def test_export_exists_only_after_hand_over_and_holds_the_remarks(world, client_for):
    dossier = offered_dossier(world.ib, world.pupil, leaves_on=date(2026, 7, 10))
    services.review_sign(actor=world.parent, dossier=dossier, has_read=True, remarks="Bezwaar!")
    client = client_for(world.ib)
    export_url = reverse("transfers:dossier_export", args=[dossier.pk])
    assert client.get(export_url).status_code == 403

    client.post(reverse("transfers:dossier_hand_over", args=[dossier.pk]), {"confirm": "on"})
    response = client.get(export_url)
    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    data = json.loads(response.content)
    assert data["parents"][0]["remarks"] == "Bezwaar!"
    assert data["retention_until"] == "2028-07-10"
    whats = {r.additional_data["what"] for r in access_records_for(dossier)}
    assert {"transfer_dossier:hand_over", "transfer_dossier:export"} <= whats


# --- Lists -----------------------------------------------------------------------------------


def test_dossier_list_is_searchable_and_runs_a_bounded_number_of_queries(
    world, client_for, django_assert_max_num_queries
):
    for _ in range(12):
        compile_dossier(world.ib, f.pupil_in_class(world.class_5a))
    compile_dossier(world.ib, world.pupil, destination_name="Montessorischool Noord")
    compile_dossier(world.directie_other_school, world.pupil_other_school)
    client = client_for(world.ib)
    with django_assert_max_num_queries(30):
        response = client.get(reverse("transfers:dossier_list"))
    assert response.status_code == 200
    assert response.content.decode().count("/overdracht/") >= 13
    assert "Tess" not in response.content.decode()  # the other school's pupil
    found = client.get(reverse("transfers:dossier_list"), {"q": "Montessori"}).content.decode()
    assert "Mila" in found and found.count('href="/overdracht/') <= 3


def test_pupil_pick_lists_only_own_school(world, client_for):
    response = client_for(world.ib).get(reverse("transfers:pupil_pick"))
    body = response.content.decode()
    assert "Mila" in body and "Sem" in body and "Tess" not in body


def test_school_records_a_paper_signature_with_the_written_remarks(world, client_for):
    dossier = offered_dossier(world.ib, world.pupil)
    review = dossier.reviews.get()
    client = client_for(world.ib)
    url = reverse("transfers:paper_signature", args=[dossier.pk])
    assert client.post(url, {"review": "999999"}).status_code == 302
    assert dossier.reviews.get().signed_at is None

    client.post(url, {"review": review.pk, "remarks": "Schriftelijk: akkoord."})
    review.refresh_from_db()
    assert review.signed_on_paper and review.remarks == "Schriftelijk: akkoord."
    dossier.refresh_from_db()
    assert dossier.state == State.SIGNED


def test_reopen_asks_for_confirmation_and_then_returns_to_draft(world, client_for):
    dossier = offered_dossier(world.ib, world.pupil)
    client = client_for(world.directie)
    url = reverse("transfers:dossier_reopen", args=[dossier.pk])
    assert "Ja, terug naar concept" in client.get(url).content.decode()
    dossier.refresh_from_db()
    assert dossier.state == State.OFFERED
    assert client.post(url).status_code == 302
    dossier.refresh_from_db()
    assert dossier.state == State.DRAFT
