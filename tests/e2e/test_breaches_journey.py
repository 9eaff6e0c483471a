"""Journey: a teacher reports a lost USB stick with unencrypted care notes; the FG sees the
running 72-hour clock on the start page, assesses high risk, records the AP notification with
its reference, generates and sends the letter to the parents, and closes the breach."""

from datetime import timedelta

import pytest
from django.utils import timezone

from breaches.models import Breach
from tests.e2e.helpers import sign_in

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def local(moment):
    return timezone.localtime(moment).strftime("%Y-%m-%dT%H:%M")


def test_lost_usb_stick_from_report_to_closed_breach(page, screenshot, world):
    page.on("dialog", lambda dialog: dialog.accept())  # the confirmation of destructive steps

    # The teacher reports, from the navigation on any page.
    sign_in(page, world.teacher)
    page.get_by_role("link", name="Datalek melden").click()
    page.get_by_role("heading", name="Datalek melden").wait_for()
    page.get_by_label("Wat is er gebeurd?").fill(
        "Usb-stick met zorgnotities van groep 5a verloren in de trein naar huis."
    )
    page.get_by_label("Wanneer is het gebeurd?").fill(local(timezone.now() - timedelta(hours=20)))
    page.get_by_label("Wanneer is het ontdekt?").fill(local(timezone.now() - timedelta(hours=18)))
    page.get_by_label("Verloren of gestolen apparaat, usb-stick of papier").check()
    page.get_by_label("Zorg en begeleiding").check()
    page.get_by_label("Naam en groep", exact=True).check()
    page.get_by_label("Gezondheid (medische gegevens, diagnoses, zorg)").check()
    page.get_by_label("Om hoeveel mensen gaat het ongeveer?").fill("28")
    page.get_by_label("Leerlingen", exact=True).check()
    page.get_by_label("Nee, leesbaar").check()
    page.get_by_label("Wat is er al gedaan om de schade te beperken?").fill(
        "Gevonden voorwerpen van de NS gebeld; nog niet terug."
    )
    screenshot("breaches-report-form")
    page.get_by_role("button", name="Melding versturen").click()
    page.get_by_role("heading", name="Bedankt voor uw melding").wait_for()
    breach = Breach.objects.get()
    assert page.get_by_text(breach.reference).is_visible()
    screenshot("breaches-reported")
    page.get_by_role("button", name="Uitloggen").click()

    # The FG sees the running clock on the start page.
    sign_in(page, world.fg)
    clock = page.get_by_role("link", name=f"{breach.reference}: nog 5")
    clock.wait_for()
    screenshot("breaches-fg-start-page-clock")
    clock.click()
    page.get_by_text("Nog 5").first.wait_for()

    # Assessment: high risk, notify the AP, inform the parents.
    page.get_by_label("Hoog risico").check()
    page.get_by_label("Onderbouwing").fill(
        "Onversleutelde zorgnotities van 28 kinderen; de vinder kan ze lezen."
    )
    page.locator("#id_a-notify_ap_0").check()
    page.get_by_label("Waarom (niet) melden bij de AP?").fill("Hoog risico: melden is verplicht.")
    page.locator("#id_a-inform_subjects_0").check()
    page.get_by_label("Waarom (niet) informeren?").fill("Hoog risico en niet versleuteld.")
    page.get_by_role("button", name="Beoordeling vastleggen").click()
    page.get_by_text("De beoordeling is vastgelegd.").wait_for()

    # The AP notification, with the reference the AP gave.
    page.get_by_label("Meldnummer van de AP").fill("M-2026-0042137")
    page.get_by_label("Samenvatting van wat is gemeld").fill(
        "Verloren onversleutelde usb-stick met zorgnotities van 28 leerlingen."
    )
    page.get_by_role("button", name="Melding vastleggen").click()
    page.get_by_text("De melding aan de AP is vastgelegd.").wait_for()
    assert page.get_by_role("cell", name="M-2026-0042137").is_visible()
    screenshot("breaches-notified")

    # The letter to the parents: generated, edited, sent.
    page.get_by_role("button", name="Conceptbrief aan de betrokkenen maken").click()
    page.get_by_role("heading", name="Brief aan de betrokkenen").wait_for()
    body = page.get_by_label("Tekst")
    draft = body.input_value()
    assert "Beste ouder/verzorger" in draft and "niet versleuteld" in draft
    # Sending with the draft's open places still in it is refused.
    page.get_by_label("Groep 5a").check()
    page.get_by_role("button", name="Brief versturen").click()
    page.get_by_text("De brief bevat nog open plekken").wait_for()
    replacements = {
        "[Beschrijf hier in een paar zinnen wat er is gebeurd, zonder namen van andere "
        "leerlingen.]": "Een leerkracht is een usb-stick verloren met notities over de "
        "begeleiding van kinderen uit groep 5a.",
        "[Beschrijf de mogelijke gevolgen, bijvoorbeeld dat iemand gevoelige informatie over "
        "uw kind kan lezen.]": "Iemand die de stick vindt, kan lezen welke begeleiding uw "
        "kind krijgt.",
        "[Bijvoorbeeld: let op verdachte berichten of telefoontjes.]": "U hoeft zelf niets te "
        "doen. Wilt u weten wat er over uw kind op de stick stond? Vraag het ons.",
    }
    for old, new in replacements.items():
        draft = draft.replace(old, new)
    body = page.get_by_label("Tekst")
    body.fill(draft)
    page.get_by_role("button", name="Concept opslaan").click()
    page.get_by_text("De brief is opgeslagen.").wait_for()
    page.get_by_label("Groep 5a").check()
    page.get_by_role("button", name="Brief versturen").click()
    page.get_by_text("De brief is verstuurd aan 1 ontvanger.").wait_for()
    screenshot("breaches-letter-sent")

    # Closing.
    page.get_by_role("link", name=breach.reference).click()
    page.get_by_text("Afsluiten", exact=True).click()
    page.get_by_label("Afsluitende notitie").fill("Ouders geïnformeerd, sticks vervangen.")
    page.get_by_role("button", name="Datalek afsluiten").click()
    page.get_by_text("Het datalek is afgesloten.").wait_for()
    screenshot("breaches-closed")

    breach.refresh_from_db()
    assert breach.status == "closed"
    assert breach.risk == "high"
    assert breach.ap_notifications.get().ap_reference == "M-2026-0042137"
    assert breach.letter.recipients.count() == 1
