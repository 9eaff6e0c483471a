"""Mails are written in their recipient's language, PDFs in the language of who asks for them,
and the processor agreement stays Dutch whoever prints or signs it."""

import subprocess

import pytest
from django.conf import settings
from django.db import transaction
from django.utils import translation

from portal import services as portal_services
from privacy_portal.mail import by_language, send_templated_mail, send_templated_mail_on_commit
from privacy_portal.models import OutboxMail

pytestmark = pytest.mark.django_db

# A mail whose texts the English catalogue translates.
TEMPLATE = "accounts/email/password_reset"
CONTEXT = {"protocol": "https", "domain": "example.org", "uid": "MQ", "token": "abc-123"}
DUTCH_SUBJECT = "Nieuw wachtwoord voor het Privacyportaal"
ENGLISH_SUBJECT = "New password for the privacy portal"


def _choose(user, language):
    user.preferred_language = language
    user.save(update_fields=["preferred_language"])


def _queue(recipients, *, sender_language="nl"):
    with translation.override(sender_language), transaction.atomic():
        send_templated_mail_on_commit(TEMPLATE, {**CONTEXT, "user": None}, recipients)
    return {tuple(m.recipients): m for m in OutboxMail.objects.all()}


def test_a_parent_who_chose_english_gets_an_english_mail_from_a_dutch_colleague(world):
    _choose(world.parent, "en")
    mails = _queue([world.parent.email], sender_language="nl")
    (mail,) = mails.values()
    assert mail.subject == ENGLISH_SUBJECT
    assert "Dear" in mail.body and "Beste" not in mail.body


def test_a_parent_mailed_at_the_address_on_the_pupils_record_gets_their_accounts_language(world):
    from students.models import Guardian

    _choose(world.parent, "en")
    guardian = Guardian.objects.filter(user=world.parent).first()
    assert guardian is not None
    Guardian.objects.filter(pk=guardian.pk).update(email="Thuis.Adres@example.org")
    (mail,) = _queue(["thuis.adres@example.org"], sender_language="nl").values()
    assert mail.subject == ENGLISH_SUBJECT and mail.language == "en"


def test_each_mail_records_the_language_it_was_written_in(world):
    """So that a page showing the mail (the demo outbox) marks it with its own lang."""
    _choose(world.parent, "en")
    mails = _queue([world.directie.email, world.parent.email])
    assert mails[(world.parent.email,)].language == "en"
    assert mails[(world.directie.email,)].language == "nl"


def test_a_colleague_working_in_english_does_not_turn_a_dutch_parents_mail_english(world):
    _choose(world.parent, "nl")
    (mail,) = _queue([world.parent.email], sender_language="en").values()
    assert mail.subject == DUTCH_SUBJECT


def test_recipients_of_different_languages_get_one_mail_each_in_their_language(world):
    _choose(world.parent, "en")
    mails = _queue([world.directie.email, world.parent.email, world.ib.email])
    assert set(mails) == {(world.directie.email, world.ib.email), (world.parent.email,)}
    assert mails[(world.parent.email,)].subject == ENGLISH_SUBJECT
    assert mails[(world.parent.email,)].recipient_count == 1
    assert mails[(world.directie.email, world.ib.email)].subject == DUTCH_SUBJECT


def test_an_address_without_an_account_or_choice_gets_the_products_language(world):
    assert settings.LANGUAGE_CODE == "nl"
    mails = _queue(["leverancier@example.org", world.directie.email], sender_language="en")
    (mail,) = mails.values()
    assert mail.subject == DUTCH_SUBJECT


def test_the_address_is_matched_to_the_account_whatever_its_capitals(world):
    _choose(world.parent, "en")
    assert by_language([world.parent.email.upper()]) == {"en": [world.parent.email.upper()]}


def test_a_mail_sent_at_once_is_also_in_the_recipients_language(world, mailoutbox):
    _choose(world.parent, "en")
    with translation.override("nl"):
        send_templated_mail(TEMPLATE, {**CONTEXT, "user": None}, [world.parent.email])
    assert [m.subject for m in mailoutbox] == [ENGLISH_SUBJECT]


def _pdf_title(tmp_path, content):
    pdf = tmp_path / "doc.pdf"
    pdf.write_bytes(content)
    info = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True, check=True)
    return next(line for line in info.stdout.splitlines() if line.startswith("Title:"))


@pytest.mark.parametrize(("language", "title"), [("en", "Access"), ("nl", "Inzage")])
def test_the_inspection_pdf_is_printed_in_the_parents_language(
    client_for, world, tmp_path, language, title
):
    request = portal_services.parent_request_create(
        actor=world.parent, pupil=world.pupil, kind="inzage"
    )
    portal_services.inspection_prepare(actor=world.directie, request=request)
    portal_services.inspection_release(actor=world.directie, request=request)
    client = client_for(world.parent)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    response = client.get(f"/ouders/verzoeken/{request.pk}/inzage.pdf")
    assert response.status_code == 200
    assert _pdf_title(tmp_path, response.content).split()[1] == title
    assert f'<html lang="{language}">' in _inspection_html(request, language)


def _inspection_html(request, language):
    """The HTML the PDF is printed from, as render_pdf hands it to WeasyPrint."""
    from unittest import mock

    from portal import export

    with translation.override(language), mock.patch("weasyprint.HTML") as html:
        html.return_value.write_pdf.return_value = b"%PDF"
        export.pdf_bytes(request)
    return html.call_args.kwargs["string"]


def test_the_processor_agreement_is_printed_in_dutch_also_for_an_english_reader():
    from unittest import mock

    from agreements import services as agreement_services

    with (
        translation.override("en"),
        mock.patch.object(agreement_services, "signature_context", return_value={}),
        mock.patch("weasyprint.HTML") as html,
    ):
        html.return_value.write_pdf.return_value = b"%PDF"
        agreement_services.agreement_render_pdf(agreement=None)
    printed = html.call_args.kwargs["string"]
    assert '<html lang="nl">' in printed
