"""The screens: access per role (redirect, 403, 404, 200), forms with bad input, signing with a
re-entered password or TOTP code, the stored PDF served only to people with access."""

import hashlib
from datetime import date, timedelta

import pytest
from django.urls import reverse
from django.utils import timezone
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from agreements import services
from agreements.models import Agreement, AgreementState, Bijsluiter, Supplier
from tests.agreements import factories as af
from tests.factories import PASSWORD

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("fast_pdf")]
S = AgreementState


def url(name, *args):
    return reverse(f"agreements:{name}", args=args)


@pytest.fixture
def submitted(world, draft):
    return services.agreement_submit(actor=world.directie, agreement=draft)


@pytest.fixture
def signed(world, submitted):
    """Signed by the CvB and accepted by the processor through the personal link."""
    return af.sign_by_both(world.cvb, submitted)


def test_anonymous_is_sent_to_login(client, draft):
    for path in [url("dashboard"), url("supplier_list"), url("agreement_detail", draft.pk)]:
        response = client.get(path)
        assert response.status_code == 302 and "/account/inloggen/" in response["Location"]


@pytest.mark.parametrize("persona", ["teacher", "concierge", "parent", "pupil_user", "outsider"])
def test_roles_without_register_access_get_403_on_the_register(world, client_for, persona, reg):
    client = client_for(getattr(world, persona))
    assert client.get(url("dashboard")).status_code == 403
    assert client.get(url("supplier_list")).status_code == 403


@pytest.mark.parametrize("persona", ["teacher", "directie_other_school", "parent", "outsider"])
def test_agreement_of_another_school_is_404(world, client_for, draft, persona):
    assert (
        client_for(getattr(world, persona)).get(url("agreement_detail", draft.pk)).status_code
        == 404
    )


@pytest.mark.parametrize("persona", ["directie", "ib", "administratie", "cvb", "fg", "beheerder"])
def test_register_roles_see_the_agreement(world, client_for, draft, persona):
    response = client_for(getattr(world, persona)).get(url("agreement_detail", draft.pk))
    assert response.status_code == 200
    assert "Rekentuin" in response.content.decode()


def test_ib_sees_but_cannot_submit_403(world, client_for, draft):
    response = client_for(world.ib).post(url("agreement_submit", draft.pk))
    assert response.status_code == 403
    draft.refresh_from_db()
    assert draft.state == S.DRAFT


def test_directie_cannot_open_the_signing_screen_403(world, client_for, submitted):
    assert client_for(world.directie).get(url("agreement_sign", submitted.pk)).status_code == 403


def test_cvb_signs_on_the_signing_screen_with_the_password(world, client_for, submitted):
    client = client_for(world.cvb)
    page = client.get(url("agreement_sign", submitted.pk))
    assert page.status_code == 200
    assert "Bijlage 1A: Privacybijsluiter Rekentuin Online" in page.content.decode()
    response = client.post(
        url("agreement_sign", submitted.pk), {"confirmation": PASSWORD, "agree": "on"}
    )
    assert response.status_code == 302
    submitted.refresh_from_db()
    assert submitted.state == S.AWAITING_PROCESSOR and submitted.signed_by == world.cvb
    assert submitted.signed_ip == "127.0.0.1"


def test_cvb_signs_with_a_fresh_totp_code(world, client_for, submitted):
    client = client_for(world.cvb)
    device = TOTPDevice.objects.get(user=world.cvb)
    code = f"{totp(device.bin_key, step=device.step, t0=device.t0, digits=device.digits):06d}"
    response = client.post(
        url("agreement_sign", submitted.pk), {"confirmation": code, "agree": "on"}
    )
    assert response.status_code == 302
    submitted.refresh_from_db()
    assert submitted.state == S.AWAITING_PROCESSOR


def test_wrong_confirmation_does_not_sign(world, client_for, submitted):
    response = client_for(world.cvb).post(
        url("agreement_sign", submitted.pk), {"confirmation": "fout", "agree": "on"}
    )
    assert response.status_code == 400
    assert "klopt niet" in response.content.decode()
    submitted.refresh_from_db()
    assert submitted.state == S.SUBMITTED and not submitted.pdf_sha256


def test_cvb_without_a_2fa_session_cannot_sign(world, client, submitted):
    client.force_login(world.cvb, backend="django.contrib.auth.backends.ModelBackend")
    response = client.post(
        url("agreement_sign", submitted.pk), {"confirmation": PASSWORD, "agree": "on"}
    )
    assert response.status_code in (302, 403)
    if response.status_code == 302:
        assert "/account/tweestaps" in response["Location"]
    submitted.refresh_from_db()
    assert submitted.state == S.SUBMITTED


def test_returning_without_a_reason_is_a_400_with_a_message(world, client_for, submitted):
    response = client_for(world.cvb).post(url("agreement_return", submitted.pk), {"reason": ""})
    assert response.status_code == 400
    assert "waarom" in response.content.decode()
    submitted.refresh_from_db()
    assert submitted.state == S.SUBMITTED


def test_end_date_before_start_on_the_form_is_a_400_and_nothing_saved(world, client_for, reg):
    response = client_for(world.directie).post(
        url("agreement_create", reg.supplier.pk),
        {
            "products": [reg.product.pk],
            "schools": [world.school.pk],
            "model_version": "2.0",
            "start_date": "2026-03-01",
            "end_date": "2026-02-01",
        },
    )
    assert response.status_code == 400
    assert "ligt vóór de ingangsdatum" in response.content.decode()
    assert not Agreement.objects.exists()


def test_bijsluiter_form_with_unknown_country_and_empty_section_is_a_400(world, client_for, reg):
    response = client_for(world.directie).post(
        url("bijsluiter_create", reg.product.pk),
        {
            "core_processing": "",
            "categories": ["identification"],
            "countries": "NL, QQ",
            "contact": "x",
            "version_label": "2",
            "version_date": "2026-02-01",
            "staff_access": "x",
            "protection_measures": "x",
            "vulnerability_measures": "x",
            "reports_per_year": "1",
            "breach_procedure": "x",
        },
    )
    assert response.status_code == 400
    body = response.content.decode()
    assert "QQ is geen bestaande landcode" in body
    assert "B1. Beschrijf de verwerkingen" in body
    assert Bijsluiter.objects.count() == 1


def test_signed_agreement_has_no_edit_and_the_edit_url_refuses(world, client_for, signed):
    client = client_for(world.directie)
    page = client.get(url("agreement_detail", signed.pk)).content.decode()
    assert url("agreement_update", signed.pk) not in page
    response = client.post(
        url("agreement_update", signed.pk),
        {
            "products": [b.product_id for b in signed.bijsluiters.all()],
            "schools": [world.school.pk],
            "model_version": "2.0",
            "start_date": "2026-01-01",
            "end_date": "2031-01-01",
        },
    )
    assert response.status_code == 400
    assert "nieuwe versie" in response.content.decode()
    signed.refresh_from_db()
    assert signed.end_date is None


def test_signed_pdf_is_served_as_stored_to_people_with_access_only(world, client_for, signed):
    response = client_for(world.ib).get(url("agreement_pdf", signed.pk))
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert hashlib.sha256(response.content).hexdigest() == signed.pdf_sha256
    assert (
        client_for(world.directie_other_school).get(url("agreement_pdf", signed.pk)).status_code
        == 404
    )


def test_verify_button_reports_match_and_tampering(world, client_for, signed):
    import os

    from agreements import documents

    client = client_for(world.fg)
    response = client.post(url("agreement_verify", signed.pk), follow=True)
    assert "Klopt" in response.content.decode()
    path = documents.media_path(signed.pdf_file)
    os.chmod(path, 0o644)
    path.write_bytes(path.read_bytes() + b"%tampered")
    response = client.post(url("agreement_verify", signed.pk), follow=True)
    assert "wijkt af" in response.content.decode()


def test_destruction_upload_that_is_not_a_pdf_is_a_400(world, client_for, signed):
    from django.core.files.uploadedfile import SimpleUploadedFile

    services.agreement_end(
        actor=world.directie, agreement=signed, ended_on=date(2026, 7, 31), reason="x"
    )
    response = client_for(world.directie).post(
        url("agreement_destruction", signed.pk),
        {
            "confirmed_on": "2026-08-01",
            "confirmed_by": "J. de Vries",
            "document": SimpleUploadedFile("x.pdf", b"MZ\x90\x00 not a pdf", "application/pdf"),
        },
    )
    assert response.status_code == 400
    assert "PDF" in response.content.decode()
    signed.refresh_from_db()
    assert signed.state == S.ENDED


def test_supplier_list_is_searchable_paginated_and_bounded_in_queries(
    world, client_for, django_assert_max_num_queries
):
    for n in range(30):
        af.supplier(world.beheerder, world.foundation, name=f"Leverancier {n:02d}")
    client = client_for(world.directie)
    client.get(url("supplier_list"))  # warm up the session and role sync
    # About a dozen queries are the layout's (session, 2FA device, roles for the menu).
    with django_assert_max_num_queries(20):
        response = client.get(url("supplier_list"))
    body = response.content.decode()
    assert "Leverancier 00" in body and "Leverancier 29" not in body and "Pagina 1 van 2" in body
    response = client.get(url("supplier_list"), {"q": "Leverancier 29"})
    assert "Leverancier 29" in response.content.decode()
    assert Supplier.objects.count() == 30


def test_agreement_list_queries_do_not_grow_with_rows(
    world, client_for, reg, django_assert_max_num_queries
):
    for _ in range(12):
        af.draft_agreement(world.directie, reg.supplier, [reg.product], [world.school])
    client = client_for(world.cvb)
    client.get(url("agreement_list"))
    # About a dozen queries are the layout's (session, 2FA device, roles for the menu).
    with django_assert_max_num_queries(20):
        assert client.get(url("agreement_list")).status_code == 200


def test_dashboard_queries_are_bounded(world, client_for, reg, django_assert_max_num_queries):
    for n in range(8):
        product = af.product(world.beheerder, reg.supplier, name=f"Product {n}")
        af.product_in_use(world.directie, world.school, product)
    client = client_for(world.directie)
    client.get(url("dashboard"))
    with django_assert_max_num_queries(20):
        response = client.get(url("dashboard"))
    assert response.content.decode().count("geen actieve overeenkomst") >= 9


def test_dashboard_turns_green_once_the_agreement_is_signed(world, client_for, signed):
    body = (
        client_for(world.directie)
        .get(url("dashboard"), {"school": world.school.pk})
        .content.decode()
    )
    assert "status-row--covered" in body and "status-row--missing" not in body


def test_bad_school_filter_is_a_400_not_a_500(world, client_for, reg):
    assert client_for(world.directie).get(url("dashboard"), {"school": "abc"}).status_code == 400


def test_dashboard_flags_processing_outside_the_eea(world, client_for, reg):
    services.bijsluiter_record(
        actor=world.beheerder,
        product=reg.product,
        subprocessors=[{"name": "Cloud Inc", "task": "opslag", "country": "US"}],
        **af.bijsluiter_data(version_label="1.1"),
    )
    body = client_for(world.directie).get(url("dashboard")).content.decode()
    assert "buiten de EER zonder doorgiftegrondslag: US" in body
    assert "verruimde bijsluiter: wacht op nieuwe ondertekening door het CvB" not in body
    assert "verruimde bijsluiter: school nog niet geïnformeerd akkoord" in body


def test_attention_items_for_cvb_and_directie(world, client_for, draft):
    from privacy_portal import hooks

    assert any(
        "producten in gebruik zonder" in i.title or "product in gebruik zonder" in i.title
        for i in hooks.attention(world.directie)
    )
    assert not any("ondertekening" in i.title for i in hooks.attention(world.cvb))
    services.agreement_submit(actor=world.directie, agreement=draft)
    assert any("wacht op uw ondertekening" in i.title for i in hooks.attention(world.cvb))
    assert not any("ondertekening" in i.title for i in hooks.attention(world.teacher))
    dashboard = url("dashboard")
    assert [n.label for n in hooks.navigation(world.teacher) if n.url == dashboard] == []
    assert [n.label for n in hooks.navigation(world.cvb) if n.url == dashboard] == ["Verwerkers"]


def test_bijsluiter_diff_page_shows_what_changed_and_directie_approves(world, client_for, reg):
    wider = services.bijsluiter_record(
        actor=world.beheerder,
        product=reg.product,
        **af.bijsluiter_data(version_label="2.0", categories=["identification", "care"]),
    )
    client = client_for(world.directie)
    body = client.get(url("bijsluiter_detail", wider.pk)).content.decode()
    assert "Verschillen met versie 1.0" in body
    assert "Zorg en begeleiding" in body and "diff-added" in body and "diff-removed" in body
    assert "Geïnformeerd instemmen" in body
    assert (
        client_for(world.teacher)
        .post(url("bijsluiter_approve", wider.pk, world.school.pk))
        .status_code
        == 403
    )
    client = client_for(world.directie)
    response = client.post(url("bijsluiter_approve", wider.pk, world.school.pk), follow=True)
    assert "ingestemd" in response.content.decode()
    assert wider.approvals.filter(school=world.school, approved_by=world.directie).exists()


def test_every_register_page_opens_for_the_directie(world, client_for, reg, draft):
    bijsluiter = reg.product.bijsluiters.get()
    client = client_for(world.directie)
    for path in [
        url("dashboard"),
        url("supplier_list"),
        url("supplier_create"),
        url("supplier_detail", reg.supplier.pk),
        url("supplier_update", reg.supplier.pk),
        url("product_list"),
        url("product_create", reg.supplier.pk),
        url("product_detail", reg.product.pk),
        url("bijsluiter_create", reg.product.pk),
        url("bijsluiter_detail", bijsluiter.pk),
        url("product_use_create", world.school.pk),
        url("agreement_list"),
        url("agreement_create", reg.supplier.pk),
        url("agreement_detail", draft.pk),
        url("agreement_update", draft.pk),
        url("agreement_end", draft.pk),
        url("agreement_destruction", draft.pk),
        url("countries"),
        url("product_use_opt_ins", reg.use.pk),
    ]:
        assert client.get(path).status_code == 200, path
    assert client.get(url("product_use_create", world.other_school.pk)).status_code == 404


def test_concept_pdf_preview_is_marked_concept(world, client_for, draft):
    response = client_for(world.directie).get(url("agreement_preview", draft.pk))
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF")


def test_directie_records_a_product_in_use_through_the_form(world, client_for, reg):
    client = client_for(world.directie)
    response = client.post(
        url("product_use_create", world.school.pk),
        {
            "product": reg.product.pk,
            "start_date": "2026-02-01",
            "categories": ["identification"],
            "classes": [world.class_5a.pk],
        },
    )
    assert response.status_code == 302
    bad = client.post(
        url("product_use_create", world.school.pk),
        {
            "product": reg.product.pk,
            "start_date": "2026-02-01",
            "end_date": "2026-01-01",
            "categories": ["identification"],
        },
    )
    assert bad.status_code == 400 and "vóór de begindatum" in bad.content.decode()


def test_foundation_dashboard_for_the_cvb_covers_every_school(world, client_for, reg):
    af.product_in_use(world.directie_other_school, world.other_school, reg.product)
    body = client_for(world.cvb).get(url("dashboard")).content.decode()
    assert "De Regenboog" in body and "Het Kompas" in body
    assert body.count("status-row--missing") == 2
    body = client_for(world.directie).get(url("dashboard")).content.decode()
    assert "Het Kompas</td>" not in body


def test_directie_records_that_a_product_is_no_longer_in_use(world, client_for, reg):
    assert client_for(world.teacher).post(url("product_use_end", reg.use.pk)).status_code == 403
    assert (
        client_for(world.directie_other_school).post(url("product_use_end", reg.use.pk)).status_code
        == 404
    )
    client = client_for(world.directie)
    assert (
        "Niet meer in gebruik" in client.get(url("product_detail", reg.product.pk)).content.decode()
    )
    response = client.post(
        url("product_use_end", reg.use.pk), {"end_date": "nonsense"}, follow=True
    )
    assert "geldige datum" in response.content.decode()
    client.post(url("product_use_end", reg.use.pk))
    reg.use.refresh_from_db()
    assert reg.use.end_date == timezone.localdate()  # still in use today, the last day
    yesterday = timezone.localdate() - timedelta(days=1)
    client.post(url("product_use_end", reg.use.pk), {"end_date": yesterday.isoformat()})
    body = client.get(url("dashboard")).content.decode()
    assert "Rekentuin Online" not in body


def test_a_zero_on_the_dashboard_is_no_alarm(world, client_for, signed):
    # Issue 21: "0 zonder actieve overeenkomst" in a red badge read as a problem.
    body = (
        client_for(world.directie)
        .get(url("dashboard"), {"school": world.school.pk})
        .content.decode()
    )
    assert '<span class="count" data-count="missing">0</span><span class="badge">' in body
    assert "badge--bad" not in body.split('class="coverage-summary"')[1].split("</div>\n</div>")[0]


def test_a_count_above_zero_on_the_dashboard_is_marked(world, client_for, reg):
    body = client_for(world.directie).get(url("dashboard")).content.decode()
    assert 'data-count="missing">1</span><span class="badge badge--bad">' in body


def test_a_one_school_director_gets_no_school_filter_on_the_dashboard(world, client_for, reg):
    body = client_for(world.directie).get(url("dashboard")).content.decode()
    assert "Alle scholen" not in body and 'name="school"' not in body
    assert '<th scope="col">School</th>' not in body


def test_the_cvb_who_sees_every_school_can_filter_the_dashboard(world, client_for, reg):
    body = client_for(world.cvb).get(url("dashboard")).content.decode()
    assert "Alle scholen" in body and '<th scope="col">School</th>' in body
