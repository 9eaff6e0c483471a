"""Helpers for retention tests: pupils who left, with dossiers, files and audit history."""

from datetime import date

from django.core.files.base import ContentFile

from students.models import DossierEntry, EmergencyContact
from tests import factories as f


def left_pupil(
    school_class,
    *,
    deregistered_on: date,
    sbo: bool = False,
    entries: int = 1,
    with_file: bool = False,
    medical: str = "",
    **kwargs,
):
    """A pupil who left on ``deregistered_on``, with dossier entries (and a PDF file) and an
    emergency contact, created with auditlog on so that the audit log holds their data."""
    pupil = f.pupil_in_class(school_class, **kwargs)
    pupil.deregistered_on = deregistered_on
    pupil.destination_is_sbo = sbo
    pupil.destination_school = "SBO De Brug" if sbo else "Basisschool Elders"
    pupil.medical_information = medical
    pupil.save()
    for number in range(entries):
        entry = DossierEntry(
            pupil=pupil,
            category="care",
            title=f"Handelingsplan {pupil.first_name} {number}",
            body=f"Gesprek over {pupil.first_name} {pupil.last_name}: dyslexie-onderzoek {number}",
        )
        if with_file and number == 0:
            entry.content_type = "application/pdf"
            entry.document_name = "verslag.pdf"
            entry.document.save("verslag.pdf", ContentFile(b"%PDF-1.4 verslag"), save=False)
        entry.save()
    EmergencyContact.objects.create(pupil=pupil, name="Oma " + pupil.last_name, phone="0201234567")
    return pupil


def pupil_with_every_relation(world, *, marker: str, deregistered_on: date = date(2019, 1, 1)):
    """A pupil who left on ``deregistered_on`` with one row of every kind the application can
    relate to a pupil, a parent, a dossier entry or a transfer dossier, each carrying ``marker``
    (so a search can prove it gone). ``tests/retention/test_plan.py`` checks that this factory
    covers every relation of the deletion plan: a new model pointing at a pupil must be added here.

    Rows are created with auditlog on, so the audit trail holds the markers too.
    """
    from types import SimpleNamespace

    from django.utils import timezone

    from consent.models import ChannelText, ConsentDecision, ConsentLink, ParentNotice
    from consent.services import channels_ensure_defaults
    from portal.models import (
        CorrectionItem,
        DeadlineNotice,
        Invitation,
        ObjectionEffect,
        ParentRequest,
        RequestMessage,
        WithheldItem,
    )
    from privacy_portal.audit import record_access
    from retention.models import Hold
    from students.models import GuardianLink
    from transfers.models import ParentReview, TransferDossier

    now = timezone.now()
    account = f.UserFactory(
        first_name=f"{marker}Kind", last_name=f"{marker}Achternaam", email=f"{marker}kind@x.example"
    )
    pupil = left_pupil(
        world.class_5a,
        deregistered_on=deregistered_on,
        first_name=f"{marker}Kind",
        last_name=f"{marker}Achternaam",
        street_address=f"{marker}straat 1",
        medical=f"{marker}-diagnose",
        entries=2,
        with_file=True,
        user=account,
    )
    entry = DossierEntry.objects.filter(pupil=pupil).order_by("pk").first()
    scan = DossierEntry(pupil=pupil, category="care", title="Scan", content_type="application/pdf")
    scan.document.save("scan.pdf", ContentFile(f"%PDF-1.4 {marker} verslag".encode()), save=False)
    scan.save()
    parent_account = f.UserFactory(
        first_name=f"{marker}Ouder", email=f"{marker}ouder@thuis.example"
    )
    guardian = f.GuardianFactory(
        first_name=f"{marker}Ouder", last_name=f"{marker}Achternaam", user=parent_account
    )
    GuardianLink.objects.create(guardian=guardian, pupil=pupil, has_parental_authority=True)
    # A parent whose link was removed after giving consent (the decision still names them).
    former = f.GuardianFactory(first_name=f"{marker}Exouder", user=None)
    channel = channels_ensure_defaults(foundation=world.foundation)[0]
    text = ChannelText.objects.filter(channel=channel).order_by("-version").first()
    if text is None:
        text = ChannelText.objects.create(channel=channel, version=1, text="Foto's op de website")
    ConsentDecision.objects.create(
        pupil=pupil, channel=channel, school_year=2018, granted=True, text=text, guardian=guardian
    )
    ConsentDecision.objects.create(
        pupil=pupil, channel=channel, school_year=2018, granted=False, text=text, guardian=former
    )
    notice = ParentNotice.objects.create(
        kind=ParentNotice.Kind.REQUEST, guardian=guardian, pupil=pupil, school_year=2018
    )
    ConsentLink.objects.create(guardian=guardian, notice=notice, expires_at=now)
    ConsentLink.objects.create(pupil=pupil, expires_at=now)  # a pupil of 16+'s own link
    ParentNotice.objects.create(
        kind=ParentNotice.Kind.REMINDER, guardian=guardian, school_year=2018
    )
    Invitation.objects.create(guardian=guardian, invited_by=world.directie)
    request = ParentRequest.objects.create(
        reference=f"INZ-{pupil.pk}",
        kind=ParentRequest.Kind.INSPECTION,
        pupil=pupil,
        requester=parent_account,
        description=f"{marker} wil inzage",
        received_at=now,
        deadline=now,
        status=ParentRequest.Status.DONE,
    )
    request.export_json = {"naam": f"{marker}Kind", "zorg": f"{marker}-zorgnotitie"}
    request.save()  # the inspection export, as inspection_prepare stores it
    RequestMessage.objects.create(
        request=request, author=parent_account, body=f"{marker} bericht van ouder"
    )
    CorrectionItem.objects.create(
        request=request,
        category_key="contact",
        field_name="street_address",
        field_label="adres",
        old_value=f"{marker}straat 1",
        new_value=f"{marker}laan 2",
    )
    DeadlineNotice.objects.create(request=request, kind="week_before", deadline=now)
    ObjectionEffect.objects.create(
        request=request,
        product_name=f"{marker} Rekentuin",
        description=f"{marker} ontvangt geen gegevens meer",
    )
    from agreements.models import ProcessingStop, Product, ProductUse, Supplier

    supplier, _new = Supplier.objects.get_or_create(
        foundation=pupil.school.foundation,
        name="Bezwaar-leverancier",
        defaults={"breach_contact": "security@example.org"},
    )
    product, _new = Product.objects.get_or_create(supplier=supplier, name="Bezwaar-product")
    use = ProductUse.objects.create(
        school=pupil.school, product=product, start_date=date(2018, 8, 1)
    )
    ProcessingStop.objects.create(product_use=use, pupil=pupil, reference=f"VZ-{pupil.pk}")
    WithheldItem.objects.create(
        request=request,
        entry_id=entry.pk,
        description=f"{marker} verslag",
        reason=f"{marker} gaat ook over een ander kind",
    )
    dossier = TransferDossier.objects.create(
        pupil=pupil,
        state=TransferDossier.State.HANDED_OVER,
        destination_name=f"{marker} school",
        destination_brin="09XY",
        leaves_on=deregistered_on,
        content={"zorg": f"{marker}-zorgnotitie", "adres": f"{marker}straat 1"},
        retention_until=deregistered_on,
        override_reason=f"{marker} ouders onbereikbaar",
    )
    dossier.entries.add(entry)  # documents chosen for the OSO transfer
    ParentReview.objects.create(
        dossier=dossier, guardian=guardian, remarks=f"{marker} opmerking van ouder"
    )
    hold = Hold.objects.create(
        pupil=pupil,
        school=pupil.school,
        reference="r" * 64,
        kind=Hold.Kind.HOLD,
        reason=f"{marker} geschil",
        ends_on=date(2020, 1, 1),
        lifted_at=now,
        lift_reason=f"{marker} opgelost",
    )
    record_access(actor=world.directie, instance=pupil, what="medical")
    # The login log (django-axes) of the parent's account: a lockout and a login.
    from axes.models import AccessAttempt, AccessAttemptExpiration, AccessLog

    attempt = AccessAttempt.objects.create(
        username=parent_account.email,
        user_agent="Firefox",
        ip_address="192.0.2.1",
        http_accept="*/*",
        path_info="/inloggen/",
        get_data="",
        post_data="",
        failures_since_start=3,
    )
    AccessAttemptExpiration.objects.create(access_attempt=attempt, expires_at=now)
    AccessLog.objects.create(
        username=parent_account.email,
        user_agent="Firefox",
        ip_address="192.0.2.1",
        http_accept="*/*",
        path_info="/inloggen/",
    )
    return SimpleNamespace(
        pupil=pupil,
        guardian=guardian,
        former_guardian=former,
        account=account,
        parent_account=parent_account,
        dossier=dossier,
        request=request,
        hold=hold,
        entry=entry,
    )
