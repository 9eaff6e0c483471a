"""R5: parents inspect, correct, erase and object; the school acts within four weeks."""

import json
import re
from datetime import timedelta

import pytest
from auditlog.models import LogEntry
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape

from portal import services
from portal.models import DeadlineNotice, ParentRequest
from privacy_portal.models import JobRun
from students import registry
from tests import factories as f

pytestmark = pytest.mark.django_db


def _request(world, kind="bezwaar", **kwargs):
    kwargs.setdefault("description", "Ik maak bezwaar tegen het delen van de foto's.")
    return services.parent_request_create(
        actor=world.parent, pupil=world.pupil, kind=kind, **kwargs
    )


# --- Parents reach only their own children -------------------------------------------------


def test_parent_cannot_reach_another_familys_child_by_changing_the_id(client_for, world):
    client = client_for(world.parent)
    other = world.pupil_other_class
    for name in ("portal:child_detail", "portal:request_new"):
        assert client.get(reverse(name, args=[other.pk])).status_code == 404
    response = client.post(
        reverse("portal:request_new", args=[other.pk]), {"kind": "bezwaar", "description": "x"}
    )
    assert response.status_code == 404
    assert not ParentRequest.objects.exists()


def test_parent_cannot_open_another_parents_request(client_for, world):
    other_parent = f.parent_of(world.pupil_other_class).user
    foreign = services.parent_request_create(
        actor=other_parent, pupil=world.pupil_other_class, kind="bezwaar", description="x"
    )
    client = client_for(world.parent)
    assert client.get(reverse("portal:request_detail", args=[foreign.pk])).status_code == 404
    assert client.get(reverse("portal:request_export", args=[foreign.pk, "pdf"])).status_code == 404
    assert (
        client.post(
            reverse("portal:request_detail", args=[foreign.pk]), {"body": "hoi"}
        ).status_code
        == 404
    )


def test_parent_without_authority_sees_nothing(client_for, world):
    client = client_for(world.parent_without_authority)
    assert client.get(reverse("portal:child_detail", args=[world.pupil.pk])).status_code == 404
    assert "Mila" not in client.get(reverse("portal:index")).content.decode()
    with pytest.raises(PermissionDenied):
        services.parent_request_create(
            actor=world.parent_without_authority, pupil=world.pupil, kind="bezwaar", description="x"
        )


def test_parent_sees_what_the_school_keeps_with_purpose_and_basis(client_for, world):
    world.pupil.phone = "0612345678"
    world.pupil.save()
    body = (
        client_for(world.parent)
        .get(reverse("portal:child_detail", args=[world.pupil.pk]))
        .content.decode()
    )
    for category in registry.CATEGORIES:
        assert escape(str(category.label)) in body  # labels with an apostrophe are escaped
    assert "0612345678" in body
    assert "wettelijke verplichting" in body
    assert (
        "een medewerker bekijkt ze eerst" in body
    )  # care and medical notes are not shown directly


# --- The four-week clock -----------------------------------------------------------------------


def test_deadline_is_four_weeks_after_receipt(world):
    request = _request(world)
    assert request.deadline - request.received_at == timedelta(weeks=4)
    assert services.days_left(request) == 28
    assert re.fullmatch(r"VZ-\d{4}-0001", request.reference)
    assert _request(world).reference.endswith("-0002")


def test_overdue_request_has_negative_days_left(world):
    request = _request(world)
    assert services.days_left(request, request.deadline + timedelta(days=3)) == -3


def test_extension_needs_a_reason_and_is_told_to_the_parent(
    world, mailoutbox, django_capture_on_commit_callbacks
):
    request = _request(world)
    with pytest.raises(ValidationError):
        services.request_extend(
            actor=world.directie,
            request=request,
            new_deadline=request.deadline + timedelta(days=14),
            reason="",
        )
    mailoutbox.clear()
    with pytest.raises(ValidationError):  # more than two extra months
        services.request_extend(
            actor=world.directie,
            request=request,
            new_deadline=request.deadline + timedelta(days=90),
            reason="druk",
        )
    with django_capture_on_commit_callbacks(execute=True):
        services.request_extend(
            actor=world.directie,
            request=request,
            new_deadline=request.deadline + timedelta(days=14),
            reason="Dossier ligt bij de jeugdarts.",
        )
    request.refresh_from_db()
    assert services.days_left(request) == 42
    assert request.messages.filter(from_school=True, body__contains="jeugdarts").exists()
    assert [m.to for m in mailoutbox] == [[world.parent.email]]


def test_deadline_watch_warns_a_week_before_and_escalates_once(
    world, mailoutbox, time_machine, django_capture_on_commit_callbacks
):
    fg = world.fg
    time_machine.move_to(timezone.now())
    request = _request(world)
    mailoutbox.clear()
    time_machine.shift(timedelta(days=21, hours=1))
    assert services.deadline_watch() == {"week_before": 1, "escalated": 0}
    assert services.deadline_watch() == {"week_before": 0, "escalated": 0}
    time_machine.shift(timedelta(days=7))
    with django_capture_on_commit_callbacks(execute=True):
        assert services.deadline_watch() == {"week_before": 0, "escalated": 1}
    assert services.deadline_watch() == {"week_before": 0, "escalated": 0}
    escalation = mailoutbox[-1]
    assert fg.email in escalation.to
    assert DeadlineNotice.objects.filter(request=request).count() == 2


def test_the_deadline_job_leaves_a_run_record(world):
    from portal.tasks import watch_request_deadlines

    watch_request_deadlines.delay()
    assert (
        JobRun.objects.get(job="portal.watch_request_deadlines").status == JobRun.Status.SUCCEEDED
    )


# --- Handling ----------------------------------------------------------------------------------


def test_accepted_correction_is_written_through_the_pupil_service_with_audit(world):
    request = services.parent_request_create(
        actor=world.parent, pupil=world.pupil, kind="correctie", corrections={"phone": "0687654321"}
    )
    item = request.corrections.get()
    services.correction_decide(actor=world.administratie, item=item, accept=True)
    world.pupil.refresh_from_db()
    assert world.pupil.phone == "0687654321"
    entry = LogEntry.objects.get_for_object(world.pupil).latest("timestamp")
    assert entry.actor == world.administratie
    # The trail names the field but keeps no contact value (issue 14: field policy masks it).
    assert "phone" in entry.changes_dict
    assert "0687654321" not in str(entry.changes)
    request.refresh_from_db()
    assert request.status == ParentRequest.Status.DONE


def test_invalid_proposed_value_is_refused_with_a_clear_message(world):
    request = services.parent_request_create(
        actor=world.parent,
        pupil=world.pupil,
        kind="correctie",
        corrections={"phone": "bel me maar"},
    )
    with pytest.raises(ValidationError, match="niet geldig"):
        services.correction_decide(
            actor=world.administratie, item=request.corrections.get(), accept=True
        )


def test_refused_correction_needs_a_reason(world):
    request = services.parent_request_create(
        actor=world.parent, pupil=world.pupil, kind="correctie", corrections={"phone": "0687654321"}
    )
    with pytest.raises(ValidationError):
        services.correction_decide(
            actor=world.administratie, item=request.corrections.get(), accept=False
        )


def test_a_correction_of_care_notes_cannot_be_proposed_directly(world):
    with pytest.raises(ValidationError):
        services.parent_request_create(
            actor=world.parent,
            pupil=world.pupil,
            kind="correctie",
            corrections={"medical_information": "niets"},
        )


def test_erasure_refusal_names_the_legal_reason(world):
    request = _request(world, kind="verwijdering", description="Verwijder het oude adres.")
    with pytest.raises(ValidationError):
        services.request_decide(actor=world.directie, request=request, granted=False, decision="")
    services.request_decide(
        actor=world.directie,
        request=request,
        granted=False,
        decision="De school moet de leerlingadministratie tot 5 jaar na uitschrijving bewaren.",
    )
    request.refresh_from_db()
    assert request.status == ParentRequest.Status.REFUSED
    with pytest.raises(ValidationError, match="al afgehandeld"):
        services.request_decide(
            actor=world.directie, request=request, granted=True, decision="toch wel"
        )


@pytest.mark.parametrize(
    "persona", ["teacher", "concierge", "directie_other_school", "cvb", "parent"]
)
def test_only_the_schools_directie_and_administratie_handle_requests(world, persona):
    request = _request(world)
    with pytest.raises(PermissionDenied):
        services.request_decide(
            actor=getattr(world, persona), request=request, granted=True, decision="ok"
        )


def test_staff_queue_is_scoped_to_the_school_and_fg_sees_all(client_for, world):
    request = _request(world)
    assert client_for(world.teacher).get(reverse("portal:staff_queue")).status_code == 403
    assert (
        client_for(world.directie_other_school)
        .get(reverse("portal:staff_request", args=[request.pk]))
        .status_code
        == 404
    )
    assert (
        request.reference
        in client_for(world.fg).get(reverse("portal:staff_queue")).content.decode()
    )
    assert (
        request.reference
        in client_for(world.administratie).get(reverse("portal:staff_queue")).content.decode()
    )


def test_fg_can_read_but_not_decide_an_objection(client_for, world):
    request = _request(world)
    client = client_for(world.fg)
    assert client.get(reverse("portal:staff_request", args=[request.pk])).status_code == 200
    response = client.post(
        reverse("portal:staff_decide", args=[request.pk]), {"granted": "1", "decision": "ok"}
    )
    assert response.status_code == 403


def test_enormous_description_is_refused_with_400_and_nothing_saved(client_for, world):
    response = client_for(world.parent).post(
        reverse("portal:request_new", args=[world.pupil.pk]),
        {"kind": "bezwaar", "description": "x" * 20000},
    )
    assert response.status_code == 400
    assert not ParentRequest.objects.exists()


def test_unknown_export_format_is_404(client_for, world):
    request = _request(world, kind="inzage", description="")
    assert (
        client_for(world.parent).get(f"/ouders/verzoeken/{request.pk}/inzage.exe").status_code
        == 404
    )


# --- Inspection export --------------------------------------------------------------------------


def test_nothing_reaches_the_parent_before_release(client_for, world):
    request = _request(world, kind="inzage", description="")
    services.inspection_prepare(actor=world.directie, request=request)
    client = client_for(world.parent)
    assert (
        client.get(reverse("portal:request_export", args=[request.pk, "json"])).status_code == 403
    )
    services.inspection_release(actor=world.directie, request=request)
    assert (
        client.get(reverse("portal:request_export", args=[request.pk, "json"])).status_code == 200
    )


def test_released_export_holds_every_category_of_the_child_and_nothing_of_another(
    client_for, world
):
    world.pupil.medical_information = "Diagnose: dyslexie"
    world.pupil.save()
    world.pupil_other_class.medical_information = "Geheim van een ander kind"
    world.pupil_other_class.save()
    request = _request(world, kind="inzage", description="")
    with pytest.raises(PermissionDenied):  # administratie may not compile a full export
        services.inspection_prepare(actor=world.administratie, request=request)
    services.inspection_prepare(actor=world.directie, request=request)
    services.inspection_release(actor=world.directie, request=request)
    client = client_for(world.parent)
    export = json.loads(
        client.get(reverse("portal:request_export", args=[request.pk, "json"])).content
    )
    assert {c["key"] for c in export["categories"]} == {c.key for c in registry.CATEGORIES}
    text = json.dumps(export, ensure_ascii=False)
    assert "dyslexie" in text
    assert "Geheim van een ander kind" not in text
    assert world.pupil_other_class.last_name not in text
    pdf = client.get(reverse("portal:request_export", args=[request.pk, "pdf"]))
    assert pdf.status_code == 200
    assert pdf.content.startswith(b"%PDF")


# --- Invitations -------------------------------------------------------------------------------


def test_invited_parent_sets_a_password_and_sees_their_child(
    client, world, mailoutbox, django_capture_on_commit_callbacks
):
    guardian = f.parent_of(world.pupil, with_account=False)
    with django_capture_on_commit_callbacks(execute=True):
        services.guardian_invite(actor=world.administratie, guardian=guardian)
    link = next(
        line for line in mailoutbox[-1].body.splitlines() if "/ouders/uitnodiging/" in line
    ).strip()
    path = link.replace("http://127.0.0.1:8000", "")
    response = client.get(path, follow=True)
    assert response.status_code == 200
    form_url = response.redirect_chain[-1][0]
    response = client.post(
        form_url,
        {"new_password1": "Thuis-Wachtwoord-7!", "new_password2": "Thuis-Wachtwoord-7!"},
        follow=True,
    )
    assert response.status_code == 200
    assert world.pupil.first_name in response.content.decode()
    guardian.refresh_from_db()
    assert guardian.invitations.get().accepted_at is not None


def test_parent_without_authority_is_not_invited(world):
    guardian = f.parent_of(world.pupil, authority=False, with_account=False)
    with pytest.raises(ValidationError):
        services.guardian_invite(actor=world.administratie, guardian=guardian)


def test_teacher_cannot_invite_parents(world):
    guardian = f.parent_of(world.pupil, with_account=False)
    with pytest.raises(PermissionDenied):
        services.guardian_invite(actor=world.teacher, guardian=guardian)
