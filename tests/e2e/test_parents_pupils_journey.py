"""Journeys on a phone (390×844): a parent corrects their own phone number, files a correction
that is partly refused and reads the reason, downloads the inspection zip and finds the
documents; the pupil opens their own page. No portal page is wider than a 320 px screen."""

import zipfile

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from accounts.roles import Audience, Sensitivity
from portal import services
from students import services as student_services
from students.models import DossierEntry
from tests.e2e.conftest import SCREENSHOTS
from tests.e2e.helpers import sign_in

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

PHONE = {"width": 390, "height": 844}
SMALL = {"width": 320, "height": 640}
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def _phone(browser, live_server, viewport=PHONE):
    context = browser.new_context(
        base_url=live_server.url,
        locale="nl-NL",
        viewport=viewport,
        is_mobile=True,
        has_touch=True,
        accept_downloads=True,
    )
    outside: list[str] = []

    def guard(route):
        if route.request.url.startswith(live_server.url) or route.request.url.startswith("data:"):
            route.continue_()
        else:
            outside.append(route.request.url)
            route.abort()

    context.route("**/*", guard)
    context.outside = outside
    return context


def _shot(page, name):
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=True)


def _fits(page) -> bool:
    return page.evaluate(
        "() => document.documentElement.scrollWidth <= document.documentElement.clientWidth"
    )


def test_parent_corrects_own_phone_on_a_phone(browser, live_server, world):
    context = _phone(browser, live_server)
    page = context.new_page()
    sign_in(page, world.parent)
    page.goto("/ouders/")
    page.get_by_role("link", name="Uw eigen e-mailadres of telefoonnummer wijzigen").click()
    page.get_by_label("Telefoonnummer").fill("06 12345678")
    _shot(page, "portal-phone-my-details")
    page.get_by_role("button", name="Opslaan").click()
    page.get_by_text("Uw gegevens zijn opgeslagen").wait_for()
    world.parent.guardian.refresh_from_db()
    assert world.parent.guardian.phone == "06 12345678"
    assert _fits(page)
    context.close()
    assert not context.outside


def test_partly_refused_correction_reads_on_a_phone(browser, live_server, world):
    world.pupil.city = "Tilburg"
    world.pupil.save()
    context = _phone(browser, live_server)
    page = context.new_page()
    sign_in(page, world.parent)
    page.goto(f"/ouders/kind/{world.pupil.pk}/verzoek/")
    page.get_by_label("Correctie").check()
    _shot(page, "portal-phone-request-kinds")
    page.get_by_role("button", name="Verder").click()
    page.get_by_label("Telefoon thuis").check()
    page.get_by_label("Woonplaats").check()
    _shot(page, "portal-phone-request-choose-fields")
    page.get_by_role("button", name="Verder").click()
    page.get_by_label("Telefoon thuis").fill("0622222222")
    page.get_by_label("Woonplaats").fill("Breda")
    _shot(page, "portal-phone-request-chosen-fields")
    page.get_by_role("button", name="Verzoek versturen").click()
    page.get_by_text("Uw verzoek is ontvangen met kenmerk").wait_for()

    request = world.pupil.parent_requests.get()
    phone = request.corrections.get(field_name="phone")
    city = request.corrections.get(field_name="city")
    services.correction_decide(actor=world.administratie, item=phone, accept=True)
    reason = "Volgens de basisregistratie woont Mila nog in Tilburg; stuur ons een bewijs van verhuizing."
    services.correction_decide(actor=world.administratie, item=city, accept=False, reason=reason)

    page.reload()
    text = page.get_by_text(reason)
    text.wait_for()
    box = text.bounding_box()
    assert box["x"] >= 0 and box["x"] + box["width"] <= PHONE["width"]
    assert _fits(page)
    _shot(page, "portal-phone-decision-per-field")
    context.close()
    assert not context.outside


def test_parent_downloads_the_inspection_zip_with_the_documents(browser, live_server, world):
    entry = student_services.dossier_entry_create(
        actor=world.ib,
        pupil=world.pupil,
        category_key="care",
        kind="report",
        title="Verslag logopedie",
        audience=Audience.IB,
        sensitivity=Sensitivity.VERY_SENSITIVE,
        upload=SimpleUploadedFile("logopedie.pdf", PDF),
    )
    request = services.parent_request_create(actor=world.parent, pupil=world.pupil, kind="inzage")
    services.inspection_prepare(actor=world.directie, request=request)
    services.inspection_release(actor=world.directie, request=request)

    context = _phone(browser, live_server)
    page = context.new_page()
    sign_in(page, world.parent)
    page.goto(f"/ouders/verzoeken/{request.pk}/")
    _shot(page, "portal-phone-inspection-ready")
    with page.expect_download() as info:
        page.get_by_role("link", name="Download alles (zip)").click()
    download = info.value
    assert download.suggested_filename == f"inzage-{request.reference}.zip"
    archive = zipfile.ZipFile(download.path())
    names = archive.namelist()
    assert f"documenten/{entry.pk}-logopedie.pdf" in names
    assert any(name.endswith(".pdf") and name.startswith("inzage-") for name in names)
    assert any(name.endswith(".json") for name in names)
    assert _fits(page)
    context.close()
    assert not context.outside


def test_pupil_opens_their_own_page(browser, live_server, world):
    DossierEntry.objects.create(
        pupil=world.pupil,
        category="results",
        title="Jouw rapport",
        body="Je leest al heel goed!",
        audience=Audience.LEERLING,
        sensitivity=Sensitivity.SENSITIVE,
    )
    context = _phone(browser, live_server)
    page = context.new_page()
    sign_in(page, world.pupil_user)
    page.get_by_role("link", name="Bekijk je eigen pagina").click()
    page.get_by_role("heading", name="Hoi Mila!").wait_for()
    assert page.get_by_text("Je leest al heel goed!").is_visible()
    assert _fits(page)
    _shot(page, "portal-phone-pupil-page")
    context.close()
    assert not context.outside


def test_no_portal_page_is_wider_than_320_px(browser, live_server, world):
    request = services.parent_request_create(
        actor=world.parent, pupil=world.pupil, kind="correctie", corrections={"city": "Breda"}
    )
    services.correction_decide(
        actor=world.administratie,
        item=request.corrections.get(),
        accept=False,
        reason="Een heel lange reden zonder spaties: bewijsvanverhuizingontbreektnogsteeds.",
    )
    context = _phone(browser, live_server, viewport=SMALL)
    page = context.new_page()
    sign_in(page, world.parent)
    pk = world.pupil.pk
    paths = [
        "/ouders/",
        f"/ouders/kind/{pk}/",
        f"/ouders/kind/{pk}/verzoek/",
        f"/ouders/kind/{pk}/verzoek/?soort=correctie",
        f"/ouders/kind/{pk}/verzoek/?soort=correctie&stap=2&velden=phone&velden=allergies",
        f"/ouders/kind/{pk}/verzoek/?soort=bezwaar",
        f"/ouders/verzoeken/{request.pk}/",
        "/ouders/mijn-gegevens/",
        f"/ouders/kind/{pk}/noodcontacten/",
        "/ouders/toestemming/",
    ]
    too_wide = []
    for path in paths:
        page.goto(path)
        if not _fits(page):
            too_wide.append(path)
    _shot(page, "portal-320-consent")
    page.goto(f"/ouders/verzoeken/{request.pk}/")
    _shot(page, "portal-320-decision")
    context.close()
    pupil = _phone(browser, live_server, viewport=SMALL)
    pupil_page = pupil.new_page()
    sign_in(pupil_page, world.pupil_user)
    pupil_page.goto("/ouders/mijn-pagina/")
    if not _fits(pupil_page):
        too_wide.append("/ouders/mijn-pagina/")
    pupil.close()
    assert too_wide == []
