"""Every change in the governance app: departures and their tasks (R16, R15), the FG
registration (R18), protocol versions and the (G)MR's consent (R7), and disposed equipment.

Functions are keyword-only, run in one transaction, check that the actor may act, and raise
``ValidationError`` with Dutch messages on bad input (nothing is half-written).
"""

from __future__ import annotations

import hashlib
from datetime import date, timedelta

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts import services as account_services
from accounts.models import ClassAssignment, Foundation, FoundationRole, School, StaffMembership
from accounts.roles import FoundationRoleKind
from governance import selectors
from governance.models import (
    Departure,
    EquipmentDisposal,
    FgRegistration,
    OffboardingTask,
    OffboardingTaskTemplate,
    ProtocolVersion,
    TaskActor,
)
from privacy_portal.mail import send_templated_mail_on_commit
from privacy_portal.uploads import content_type

# The default task list of R16 (§12) and R15 (§11.3, §11.4); each foundation may change it.
DEFAULT_TASKS = [
    {
        "key": "pupil-administration",
        "title": gettext_lazy("Inactief zetten in de leerlingenadministratie"),
        "description": gettext_lazy(
            "Zet de medewerker op inactief in het leerlingvolgsysteem en de leerlingenadministratie."
        ),
        "owner": TaskActor.DIRECTIE,
        "reporter": "",
        "due_days": 0,
    },
    {
        "key": "mail-account",
        "title": gettext_lazy("Mail-/Office365-account sluiten"),
        "description": gettext_lazy(
            "De directie meldt het vertrek bij het bestuursbureau; het bestuursbureau sluit het account."
        ),
        "owner": TaskActor.OFFICE,
        "reporter": TaskActor.DIRECTIE,
        "due_days": 0,
    },
    {
        "key": "ministry-systems",
        "title": gettext_lazy("Toegang tot systemen van het ministerie stoppen"),
        "description": gettext_lazy(
            "Bijvoorbeeld het Inspectieportaal, Mijn Vensters, DUO en andere schoolgebonden sites."
        ),
        "owner": TaskActor.DIRECTIE,
        "reporter": "",
        "due_days": 0,
    },
    {
        "key": "equipment",
        "title": gettext_lazy("Apparatuur innemen en wissen"),
        "description": gettext_lazy(
            "Neem laptop, telefoon en opslagmedia in; wis of vernietig ze en leg dat vast in het "
            "logboek afgevoerde apparatuur."
        ),
        "owner": TaskActor.OFFICE,
        "reporter": "",
        "due_days": 7,
    },
]

EQUIPMENT_TASK = "equipment"  # closes only with an entry in the equipment log (R15)

MAX_DAYS_AHEAD = 366
MAX_DAYS_BACK = 366


# --- Task list configuration -----------------------------------------------------------------


def task_templates_ensure_defaults(*, foundation: Foundation) -> None:
    """Give a foundation the default task list the first time it is needed."""
    if OffboardingTaskTemplate.objects.filter(foundation=foundation).exists():
        return
    OffboardingTaskTemplate.objects.bulk_create(
        OffboardingTaskTemplate(
            foundation=foundation,
            key=task["key"],
            title=str(task["title"]),
            description=str(task["description"]),
            owner=task["owner"],
            reporter=task["reporter"],
            due_days=task["due_days"],
            position=(index + 1) * 10,
        )
        for index, task in enumerate(DEFAULT_TASKS)
    )


def _require_manager(actor, foundation: Foundation) -> None:
    if not selectors.manager_foundations(actor).filter(pk=foundation.pk).exists():
        raise PermissionDenied


def _require_office(actor, foundation: Foundation) -> None:
    if not selectors.office_foundations(actor).filter(pk=foundation.pk).exists():
        raise PermissionDenied


@transaction.atomic
def task_template_create(
    *,
    actor,
    foundation: Foundation,
    title: str,
    owner: str,
    reporter: str = "",
    due_days: int = 0,
    description: str = "",
) -> OffboardingTaskTemplate:
    """Add a task to the foundation's offboarding task list (office only)."""
    _require_office(actor, foundation)
    task_templates_ensure_defaults(foundation=foundation)
    if reporter and reporter == owner:
        raise ValidationError(
            {"reporter": _("De melder moet een andere partij zijn dan de uitvoerder.")}
        )
    last = OffboardingTaskTemplate.objects.filter(foundation=foundation).order_by("-position")
    template = OffboardingTaskTemplate(
        foundation=foundation,
        title=title.strip(),
        description=description.strip(),
        owner=owner,
        reporter=reporter,
        due_days=due_days,
        position=(last.first().position + 10) if last.exists() else 10,
    )
    template.full_clean()
    template.save()
    return template


@transaction.atomic
def task_template_set_active(*, actor, template: OffboardingTaskTemplate, is_active: bool) -> None:
    """Switch a task of the list on or off; departures already recorded keep their tasks."""
    _require_office(actor, template.foundation)
    template.is_active = is_active
    template.save(update_fields=["is_active"])


# --- Departures ------------------------------------------------------------------------------


def _end_roles(person, schools, departure_date: date) -> None:
    """End every role of ``person`` at ``schools`` so that none is in force on or after
    ``departure_date``. Roles that start on or after that day never begin."""
    open_after = Q(end_date__isnull=True) | Q(end_date__gte=departure_date)
    memberships = StaffMembership.objects.filter(open_after, user=person, school__in=schools)
    for membership in memberships:
        if membership.start_date < departure_date:
            account_services.staff_membership_end(
                membership=membership, end_date=departure_date - timedelta(days=1)
            )
        else:
            account_services.staff_membership_end(membership=membership, end_date=None)
    assignments = ClassAssignment.objects.filter(
        open_after, user=person, school_class__school__in=schools
    )
    for assignment in assignments:
        if assignment.start_date < departure_date:
            account_services.class_assignment_end(
                assignment=assignment, end_date=departure_date - timedelta(days=1)
            )
        else:
            account_services.class_assignment_end(assignment=assignment, end_date=None)


def _has_remaining_role(person, *, day: date) -> bool:
    """Whether the person keeps any reason for an account: a current or future role at a
    school or in the foundation, a child (as parent) or a pupil record."""
    from students.models import GuardianLink, Pupil

    open_now = Q(end_date__isnull=True) | Q(end_date__gte=day)
    return (
        StaffMembership.objects.filter(open_now, user=person).exists()
        or ClassAssignment.objects.filter(open_now, user=person).exists()
        or FoundationRole.objects.filter(open_now, user=person).exists()
        or GuardianLink.objects.filter(guardian__user=person).exists()
        or Pupil.objects.filter(user=person, deregistered_on__isnull=True).exists()
    )


@transaction.atomic
def departure_record(*, actor, person, schools, departure_date: date, note: str = "") -> Departure:
    """The directie (for their school) or the office records that a staff member leaves.

    The person's roles at those schools end the day before ``departure_date``; the task list is
    created from the foundation's template; on or after the date the departure is applied at
    once (sessions, devices, password), otherwise the periodic job applies it on the day.
    """
    schools = list(schools)
    today = timezone.localdate()
    errors = {}
    if not schools:
        errors["schools"] = _("Kies minstens één school.")
    allowed = set(selectors.recordable_schools(actor).values_list("pk", flat=True))
    if any(school.pk not in allowed for school in schools):
        raise PermissionDenied
    if person is None or person.pk == actor.pk:
        errors["person"] = _(
            "U kunt uw eigen vertrek niet vastleggen; vraag de directie of het bestuursbureau."
        )
    if departure_date is None:
        errors["departure_date"] = _("Vul een vertrekdatum in.")
    elif departure_date > today + timedelta(days=MAX_DAYS_AHEAD):
        errors["departure_date"] = _("De vertrekdatum ligt meer dan een jaar in de toekomst.")
    elif departure_date < today - timedelta(days=MAX_DAYS_BACK):
        errors["departure_date"] = _("De vertrekdatum ligt meer dan een jaar in het verleden.")
    if not errors and not selectors.departing_candidates(actor).filter(pk=person.pk).exists():
        errors["person"] = _("Deze persoon heeft geen rol op een van uw scholen.")
    if (
        not errors
        and Departure.objects.filter(
            person=person, status=Departure.Status.SCHEDULED, schools__in=schools
        ).exists()
    ):
        errors["person"] = _("Voor deze medewerker is al een vertrek van deze school gepland.")
    foundations = {school.foundation_id for school in schools}
    if len(foundations) > 1:
        errors["schools"] = _("Kies scholen van één stichting.")
    if errors:
        raise ValidationError(errors)
    foundation = schools[0].foundation
    departure = Departure.objects.create(
        foundation=foundation,
        person=person,
        departure_date=departure_date,
        note=note.strip(),
        recorded_by=actor,
    )
    departure.schools.set(schools)
    _end_roles(person, schools, departure_date)
    task_templates_ensure_defaults(foundation=foundation)
    OffboardingTask.objects.bulk_create(
        OffboardingTask(
            departure=departure,
            title=template.title,
            description=template.description,
            owner=template.owner,
            reporter=template.reporter,
            key=template.key,
            position=template.position,
            due_date=departure_date + timedelta(days=template.due_days),
        )
        for template in OffboardingTaskTemplate.objects.filter(
            foundation=foundation, is_active=True
        )
    )
    _product_tasks_create(departure, schools)
    _notify_task_owners(departure, schools, actor)
    if departure_date <= today:
        departure_apply(departure=departure)
        departure.refresh_from_db()
    return departure


PRODUCT_TASK_POSITION = 1000  # after the foundation's own task list


def _product_tasks_create(departure: Departure, schools) -> None:
    """One task per product the schools use (the agreements register answers the
    ``school_products`` hook): close the departing person's account there (R16 §12: logins to
    school-related sites are stopped)."""
    from django.utils.text import slugify

    from privacy_portal.hooks import collect

    names = sorted({name for school in schools for name in collect("school_products", school)})
    OffboardingTask.objects.bulk_create(
        OffboardingTask(
            departure=departure,
            title=(_("Account sluiten bij %(product)s") % {"product": name})[:200],
            description=_(
                "De school gebruikt %(product)s (register verwerkers). Sluit het account van de "
                "medewerker daar of zet het op inactief."
            )
            % {"product": name},
            owner=TaskActor.DIRECTIE,
            key=f"product-{slugify(name)}"[:50],
            position=PRODUCT_TASK_POSITION + index,
            due_date=departure.departure_date,
        )
        for index, name in enumerate(names)
    )


def _notify_task_owners(departure: Departure, schools, actor) -> None:
    """Tell the directie of the schools and the office that a task list is waiting."""
    from django.urls import reverse

    from accounts import access
    from accounts.roles import FoundationRoleKind, SchoolRole

    people = set(
        access.users_with_foundation_role(departure.foundation, FoundationRoleKind.BEHEERDER)
    )
    for school in schools:
        people |= set(access.users_with_school_role(school, SchoolRole.DIRECTIE))
    recipients = sorted(p.email for p in people if p.pk not in (actor.pk, departure.person_id))
    send_templated_mail_on_commit(
        "governance/email/departure_recorded",
        {
            "departure": departure,
            "url": reverse("governance:departure_detail", args=[departure.pk]),
        },
        recipients,
    )


@transaction.atomic
def departure_apply(*, departure: Departure, day: date | None = None) -> bool:
    """Carry out a departure whose date has come; idempotent (returns False when there was
    nothing to do). Ends the roles and object permissions at the schools, ends every open
    session, revokes reset links, and closes the account when no role remains."""
    today = day or timezone.localdate()
    departure = Departure.objects.select_for_update().get(pk=departure.pk)
    if departure.status == Departure.Status.APPLIED or departure.departure_date > today:
        return False
    person = departure.person
    schools = list(departure.schools.all())
    _end_roles(person, schools, departure.departure_date)
    account_services.user_object_permissions_remove(user=person, schools=schools)
    account_services.sync_user_groups(person)
    deactivated = False
    if not _has_remaining_role(person, day=today):
        account_services.user_deactivate(user=person)
        deactivated = True
    else:
        account_services.user_reset_links_revoke(user=person)
    ended = account_services.user_sessions_end(user=person)
    departure.status = Departure.Status.APPLIED
    departure.applied_at = timezone.now()
    departure.account_deactivated = deactivated
    departure.sessions_ended = ended
    departure.save(update_fields=["status", "applied_at", "account_deactivated", "sessions_ended"])
    return True


def departures_apply_due(*, day: date | None = None, on_apply=None, on_error=None) -> int:
    """The periodic job: apply every scheduled departure whose date has come, each in its own
    transaction. Running it twice, or a day late, changes nothing more. One departure that
    fails does not hold up the others; ``on_error`` hears about it."""
    today = day or timezone.localdate()
    due = Departure.objects.filter(
        status=Departure.Status.SCHEDULED, departure_date__lte=today
    ).values_list("pk", flat=True)
    applied = 0
    for pk in list(due):
        try:
            done = departure_apply(departure=Departure(pk=pk), day=today)
        except Exception:
            if on_error is None:
                raise
            on_error(pk)
            continue
        if done:
            applied += 1
            if on_apply:
                on_apply(pk)
    return applied


@transaction.atomic
def task_report(*, actor, task: OffboardingTask) -> OffboardingTask:
    """The reporter (e.g. the directie) reports a task to its owner (e.g. the office)."""
    task = OffboardingTask.objects.select_for_update().get(pk=task.pk)
    if task.status != OffboardingTask.Status.OPEN or not task.reporter:
        raise ValidationError(_("Deze taak kan niet (meer) gemeld worden."))
    if not selectors.may_act_on_task(actor, task):
        raise PermissionDenied
    task.status = OffboardingTask.Status.REPORTED
    task.reported_by = actor
    task.reported_at = timezone.now()
    task.save(update_fields=["status", "reported_by", "reported_at"])
    return task


@transaction.atomic
def task_complete(*, actor, task: OffboardingTask) -> OffboardingTask:
    """The owner marks a task as done (after it was reported, where the task needs that)."""
    task = OffboardingTask.objects.select_for_update().get(pk=task.pk)
    if task.status == OffboardingTask.Status.DONE:
        raise ValidationError(_("Deze taak is al afgerond."))
    if task.status == OffboardingTask.Status.OPEN and task.reporter:
        raise ValidationError(_("Deze taak moet eerst gemeld worden."))
    if not selectors.may_act_on_task(actor, task):
        raise PermissionDenied
    if (
        task.key == EQUIPMENT_TASK
        and not EquipmentDisposal.objects.filter(departure=task.departure_id).exists()
    ):
        raise ValidationError(
            _(
                "Leg eerst in het logboek afgevoerde apparatuur vast welk apparaat is ingenomen "
                "en hoe het is gewist of vernietigd (bij dit vertrek)."
            )
        )
    task.status = OffboardingTask.Status.DONE
    task.done_by = actor
    task.done_at = timezone.now()
    task.save(update_fields=["status", "done_by", "done_at"])
    return task


# --- Uploads ---------------------------------------------------------------------------------


def _checked_upload(upload, allowed: dict[str, str], field: str) -> str:
    """Check an uploaded file by its content (not its name) and size; returns its SHA-256."""
    limit = settings.MAX_UPLOAD_MEGABYTES * 1024 * 1024
    if upload.size > limit:
        raise ValidationError(
            {
                field: _("Het bestand is groter dan %(mb)s MB.")
                % {"mb": settings.MAX_UPLOAD_MEGABYTES}
            }
        )
    if content_type(upload) not in allowed:
        raise ValidationError(
            {field: _("Dit bestand is geen %(kinds)s.") % {"kinds": " of ".join(allowed.values())}}
        )
    digest = hashlib.sha256()
    for chunk in upload.chunks():
        digest.update(chunk)
    upload.seek(0)
    return digest.hexdigest()


PDF = {"application/pdf": "PDF"}
CERTIFICATE_TYPES = {"application/pdf": "PDF", "image/png": "PNG", "image/jpeg": "JPEG"}


# --- FG --------------------------------------------------------------------------------------


def _not_in_future(value: date | None, field: str, errors: dict) -> None:
    if value and value > timezone.localdate():
        errors[field] = _("Deze datum ligt in de toekomst.")


def _fg_roles_end(foundation: Foundation, *, first_day_without: date, keep=None, users=None):
    """End the FG roles in ``foundation`` so that none is in force from ``first_day_without``;
    only those of ``users`` when given, and never the one of ``keep``. Roles that would only
    begin on or after that day are removed."""
    roles = FoundationRole.objects.filter(
        Q(end_date__isnull=True) | Q(end_date__gte=first_day_without),
        foundation=foundation,
        role=FoundationRoleKind.FG,
    )
    if users is not None:
        roles = roles.filter(user__in=users)
    if keep is not None:
        roles = roles.exclude(user=keep)
    for role in roles.select_related("user"):
        if role.start_date < first_day_without:
            account_services.foundation_role_end(
                role=role, end_date=first_day_without - timedelta(days=1)
            )
        else:
            account_services.foundation_role_end(role=role, end_date=None)


def _fg_account(*, person, email: str, name: str):
    """The account of the FG being recorded: the chosen one, else the account with this
    e-mail address, else a new account without a password (the FG chooses one through the
    invitation). Returns (user, needs_invitation)."""
    from accounts.models import User

    user = person or User.objects.filter(email__iexact=email).first()
    if user is None:
        first, _space, last = name.strip().partition(" ")
        user = account_services.user_create(email=email, first_name=first, last_name=last)
    elif not user.is_active:
        raise ValidationError(
            {
                "email": _(
                    "Het account met dit e-mailadres is gesloten. Laat de beheerder het eerst "
                    "heropenen, of gebruik een ander e-mailadres."
                )
            }
        )
    return user, not user.has_usable_password()


def _fg_invite(user, registration: FgRegistration) -> None:
    """Mail the new FG a link to choose a password (then set up two-factor sign-in)."""
    from django.contrib.auth.tokens import default_token_generator
    from django.urls import reverse
    from django.utils.encoding import force_bytes
    from django.utils.http import urlsafe_base64_encode

    link = reverse(
        "accounts:password_reset_confirm",
        args=[
            urlsafe_base64_encode(force_bytes(user.pk)),
            default_token_generator.make_token(user),
        ],
    )
    send_templated_mail_on_commit(
        "governance/email/fg_invitation",
        {"registration": registration, "foundation": registration.foundation, "link": link},
        [user.email],
    )


@transaction.atomic
def fg_register(
    *,
    actor,
    foundation: Foundation,
    kind: str,
    name: str,
    email: str,
    phone: str = "",
    organisation: str = "",
    reachability: str = "",
    person=None,
    registered_with_ap_on: date | None = None,
    ap_reference: str = "",
    insist: bool = False,
    conflict_reason: str = "",
) -> FgRegistration:
    """Record the foundation's FG (R18). Refuses an FG who is also CvB or directie in the
    foundation, unless the foundation insists and records why (shown as a warning).

    The registration is the source of truth for who acts as FG: the person's account (found
    by e-mail address, or created and invited when there is none) gets the FG role from
    today, and any other FG role in the foundation ends, so that breach mails and the
    72-hour reminders go to this FG and to nobody else."""
    _require_manager(actor, foundation)
    errors: dict = {}
    if selectors.current_fg(foundation):
        errors["__all__"] = _("Er is al een FG geregistreerd. Meld die eerst af bij de AP en hier.")
    _not_in_future(registered_with_ap_on, "registered_with_ap_on", errors)
    conflicts = selectors.fg_role_conflicts(foundation, person=person, email=email)
    if conflicts and not (insist and conflict_reason.strip()):
        errors["person"] = _(
            "Deze persoon is ook %(roles)s. De FG mag niet zelf doel en middelen van de "
            "verwerking bepalen (AVG art. 38 lid 6). Kies iemand anders, of vink aan dat de "
            "stichting toch voor deze combinatie kiest en leg de reden vast."
        ) % {"roles": ", ".join(conflicts)}
    if errors:
        raise ValidationError(errors)
    registration = FgRegistration(
        foundation=foundation,
        kind=kind,
        person=person,
        name=name.strip(),
        organisation=organisation.strip(),
        email=email.strip().lower(),
        phone=phone.strip(),
        reachability=reachability.strip(),
        registered_with_ap_on=registered_with_ap_on,
        ap_reference=ap_reference.strip(),
        conflict_reason=conflict_reason.strip() if conflicts else "",
        recorded_by=actor,
    )
    registration.full_clean(exclude=["person"])
    user, needs_invitation = _fg_account(
        person=person, email=registration.email, name=registration.name
    )
    registration.person = user
    registration.save()
    today = timezone.localdate()
    _fg_roles_end(foundation, first_day_without=today, keep=user)
    if (
        not FoundationRole.objects.active_on(today)
        .filter(user=user, foundation=foundation, role=FoundationRoleKind.FG)
        .exists()
    ):
        account_services.foundation_role_create(
            user=user, foundation=foundation, role=FoundationRoleKind.FG, start_date=today
        )
    if needs_invitation:
        _fg_invite(user, registration)
    return registration


@transaction.atomic
def fg_deregister(*, actor, registration: FgRegistration, deregistered_on: date) -> FgRegistration:
    """Record that the FG's task ended and that they were deregistered at the AP. From the
    deregistration date the person no longer holds the FG role in the portal."""
    _require_manager(actor, registration.foundation)
    registration = FgRegistration.objects.select_for_update().get(pk=registration.pk)
    errors: dict = {}
    if registration.deregistered_on:
        errors["__all__"] = _("Deze FG is al afgemeld.")
    _not_in_future(deregistered_on, "deregistered_on", errors)
    if (
        deregistered_on
        and registration.registered_with_ap_on
        and deregistered_on < registration.registered_with_ap_on
    ):
        errors["deregistered_on"] = _("De afmelddatum ligt voor de aanmelddatum.")
    if errors:
        raise ValidationError(errors)
    registration.deregistered_on = deregistered_on
    registration.save(update_fields=["deregistered_on"])
    from accounts.models import User

    holders = User.objects.filter(
        Q(pk=registration.person_id) | Q(email__iexact=registration.email)
    )
    _fg_roles_end(registration.foundation, first_day_without=deregistered_on, users=holders)
    return registration


# --- Protocol --------------------------------------------------------------------------------


@transaction.atomic
def protocol_version_add(
    *, actor, foundation: Foundation, label: str, title: str, text: str = "", upload=None
) -> ProtocolVersion:
    """Add a version of the privacy protocol (a PDF, a text, or both). It is not in force until
    the (G)MR's consent is recorded."""
    _require_manager(actor, foundation)
    errors: dict = {}
    label = label.strip()
    if ProtocolVersion.objects.filter(foundation=foundation, label__iexact=label).exists():
        errors["label"] = _("Er is al een versie met dit versienummer.")
    if not text.strip() and upload is None:
        errors["__all__"] = _("Voeg een PDF-bestand toe of vul de tekst in.")
    digest = ""
    if upload is not None:
        try:
            digest = _checked_upload(upload, PDF, "file")
        except ValidationError as exc:
            errors.update(exc.message_dict)
    if errors:
        raise ValidationError(errors)
    version = ProtocolVersion(
        foundation=foundation,
        label=label,
        title=title.strip(),
        text=text.strip(),
        file_sha256=digest,
        uploaded_by=actor,
    )
    version.full_clean(exclude=["file"])
    if upload is not None:
        version.file.save(upload.name, upload, save=False)
    version.save()
    return version


@transaction.atomic
def protocol_consent_record(
    *, actor, version: ProtocolVersion, consent_on: date
) -> ProtocolVersion:
    """Record the date of the (G)MR's consent (R7); from that date the version is in force.
    A version with consent is final: a change needs a new version."""
    _require_manager(actor, version.foundation)
    version = ProtocolVersion.objects.select_for_update().get(pk=version.pk)
    errors: dict = {}
    if version.gmr_consent_on:
        errors["__all__"] = _("Voor deze versie is de instemming al vastgelegd.")
    if consent_on is None:
        errors["consent_on"] = _("Vul de datum van de instemming in.")
    else:
        _not_in_future(consent_on, "consent_on", errors)
    if errors:
        raise ValidationError(errors)
    version.gmr_consent_on = consent_on
    version.consent_recorded_by = actor
    version.save(update_fields=["gmr_consent_on", "consent_recorded_by"])
    return version


# --- Equipment -------------------------------------------------------------------------------


@transaction.atomic
def equipment_disposal_record(
    *,
    actor,
    device: str,
    method: str,
    performed_by: str,
    performed_on: date,
    school: School | None = None,
    foundation: Foundation | None = None,
    serial_number: str = "",
    note: str = "",
    certificate=None,
    departure: Departure | None = None,
) -> EquipmentDisposal:
    """Log a device that held school data and how it was wiped or destroyed (R15)."""
    if school is not None:
        if not selectors.disposal_schools(actor).filter(pk=school.pk).exists():
            raise PermissionDenied
        foundation = school.foundation
    elif (
        foundation is None
        or not selectors.disposal_foundations(actor).filter(pk=foundation.pk).exists()
    ):
        raise PermissionDenied
    errors: dict = {}
    _not_in_future(performed_on, "performed_on", errors)
    if departure is not None and departure.foundation_id != foundation.pk:
        errors["departure"] = _("Dit vertrek hoort bij een andere stichting.")
    if certificate is not None:
        try:
            _checked_upload(certificate, CERTIFICATE_TYPES, "certificate")
        except ValidationError as exc:
            errors.update(exc.message_dict)
    if errors:
        raise ValidationError(errors)
    disposal = EquipmentDisposal(
        foundation=foundation,
        school=school,
        device=device.strip(),
        serial_number=serial_number.strip(),
        method=method,
        performed_by=performed_by.strip(),
        performed_on=performed_on,
        note=note.strip(),
        departure=departure,
        recorded_by=actor,
    )
    disposal.full_clean(exclude=["certificate"])
    if certificate is not None:
        disposal.certificate.save(certificate.name, certificate, save=False)
    disposal.save()
    return disposal


# --- Overview snapshots ----------------------------------------------------------------------


def figure_snapshots_take(*, today: date | None = None) -> int:
    """Store this month's value of every "now" figure of the foundation overview, per school
    of every foundation (one transaction per foundation; a rerun overwrites the month's row)."""
    from governance import overview

    written = 0
    for foundation in Foundation.objects.order_by("pk"):
        with transaction.atomic():
            written += overview.snapshot_figures(foundation, today=today)
    return written
