"""Business rules of retention (R13, R6 art. 12): the foundation's periods, holds and reviews,
and the purge that removes what has expired, scrubs the audit trail and writes destruction
records.

The purge works in batches of pupils. Each batch is one transaction: the pupils are locked
(``SELECT ... FOR UPDATE SKIP LOCKED`` on PostgreSQL, so two runs never take the same pupil),
re-checked (still due, not held), and then everything of the batch goes together: dossier
entries, dossier fields, the pupil with its enrolments, parent links and emergency contacts,
parents without another child, their accounts, the personal data in the audit log, holds' free
texts, and the destruction records are written. A crash rolls the batch back whole; the next run
finds the same pupils due again. Files on disk are removed after the commit (``FileErasure``
rows survive a crash between commit and removal and are retried by the next run).
"""

from __future__ import annotations

import logging
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date

from auditlog.context import disable_auditlog
from auditlog.models import LogEntry
from django.contrib.auth.hashers import make_password
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.core.files.storage import default_storage
from django.db import connection, transaction
from django.db.models import Count
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts import access
from accounts.models import ClassAssignment, FoundationRole, School, StaffMembership, User
from accounts.roles import FoundationRoleKind
from privacy_portal import hooks
from retention import rules, selectors
from retention.models import (
    LEGAL_ADMINISTRATION_YEARS,
    LEGAL_DOSSIER_SBO_YEARS,
    LEGAL_DOSSIER_YEARS,
    DestructionRecord,
    FileErasure,
    Hold,
    Part,
    ProcessorDestruction,
    PurgeRun,
    RetentionPolicy,
)
from students.models import DossierEntry, EmergencyContact, Enrolment, Guardian, GuardianLink, Pupil

logger = logging.getLogger(__name__)

DEFAULT_BATCH_SIZE = 200
SCRUBBED = "[verwijderd]"


# --- Policy ----------------------------------------------------------------------------------


def retention_policy_update(
    *,
    actor,
    foundation,
    administration_years: int,
    dossier_years: int,
    dossier_sbo_years: int,
    shorter_reason: str = "",
) -> RetentionPolicy:
    """Set a foundation's periods. Longer than the law is allowed; shorter needs a reason."""
    if (
        not access.foundations_with_role(actor, FoundationRoleKind.FG, FoundationRoleKind.CVB)
        .filter(pk=foundation.pk)
        .exists()
    ):
        raise ValidationError(_("Alleen de FG of het CvB mag de bewaartermijnen vaststellen."))
    errors = {}
    for name, value in (
        ("administration_years", administration_years),
        ("dossier_years", dossier_years),
        ("dossier_sbo_years", dossier_sbo_years),
    ):
        if value is None or value < 1 or value > 50:
            errors[name] = _("Kies een termijn van 1 tot en met 50 jaar.")
    shorter = (
        administration_years < LEGAL_ADMINISTRATION_YEARS
        or dossier_years < LEGAL_DOSSIER_YEARS
        or dossier_sbo_years < LEGAL_DOSSIER_SBO_YEARS
    )
    if not errors and shorter and len(shorter_reason.strip()) < 10:
        errors["shorter_reason"] = _(
            "Een termijn korter dan de wettelijke (%(admin)s/%(dossier)s/%(sbo)s jaar) kan alleen "
            "met een vastgelegde reden."
        ) % {
            "admin": LEGAL_ADMINISTRATION_YEARS,
            "dossier": LEGAL_DOSSIER_YEARS,
            "sbo": LEGAL_DOSSIER_SBO_YEARS,
        }
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        policy, _created = RetentionPolicy.objects.select_for_update().get_or_create(
            foundation=foundation
        )
        policy.administration_years = administration_years
        policy.dossier_years = dossier_years
        policy.dossier_sbo_years = dossier_sbo_years
        policy.shorter_reason = shorter_reason.strip() if shorter else ""
        policy.updated_by = actor
        policy.save()
    return policy


# --- Holds and reviews -----------------------------------------------------------------------


def _check_overseer(actor, pupil) -> None:
    if not selectors.retention_schools(actor).filter(pk=pupil.school_id).exists():
        raise ValidationError(_("Alleen de directie of de FG mag dit doen."))


def hold_place(*, actor, pupil, ground: str, reason: str, ends_on: date) -> Hold:
    """A legal hold: nothing of the pupil is purged until ``ends_on`` (inclusive)."""
    _check_overseer(actor, pupil)
    errors = {}
    if ground not in Hold.Ground.values:
        errors["ground"] = _("Kies een grond.")
    if len((reason or "").strip()) < 5:
        errors["reason"] = _("Geef een reden.")
    if ends_on is None or ends_on <= timezone.localdate():
        errors["ends_on"] = _("De einddatum moet in de toekomst liggen.")
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        return Hold.objects.create(
            pupil=pupil,
            school=pupil.school,
            reference=rules.pupil_reference(pupil),
            kind=Hold.Kind.HOLD,
            ground=ground,
            reason=reason.strip(),
            ends_on=ends_on,
            created_by=actor,
        )


def review_request(*, actor, pupil, note: str = "") -> Hold:
    """Put a pupil under review before destruction: the purge skips it until decided."""
    _check_overseer(actor, pupil)
    with transaction.atomic():
        Pupil.objects.select_for_update().filter(pk=pupil.pk).first()
        existing = Hold.objects.active(timezone.localdate()).filter(
            pupil=pupil, kind=Hold.Kind.REVIEW
        )
        if existing.exists():
            raise ValidationError(_("Deze leerling staat al in beoordeling."))
        return Hold.objects.create(
            pupil=pupil,
            school=pupil.school,
            reference=rules.pupil_reference(pupil),
            kind=Hold.Kind.REVIEW,
            ground=Hold.Ground.REVIEW_DECISION,
            reason=(note or "").strip(),
            created_by=actor,
        )


def review_decide(
    *, actor, review: Hold, keep: bool, reason: str, ends_on: date | None = None
) -> Hold:
    """Decide a review. Keeping needs a reason and an end date and is binding (the review
    becomes a hold); releasing lifts the review so the next purge removes the data."""
    _check_overseer(actor, review.pupil)
    if review.kind != Hold.Kind.REVIEW or review.lifted_at:
        raise ValidationError(_("Deze beoordeling is al afgerond."))
    errors = {}
    if len((reason or "").strip()) < 5:
        errors["reason"] = _("Geef een reden.")
    if keep and (ends_on is None or ends_on <= timezone.localdate()):
        errors["ends_on"] = _("Bewaren kan alleen tot een einddatum in de toekomst.")
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        review = Hold.objects.select_for_update().get(pk=review.pk)
        if keep:
            review.kind = Hold.Kind.HOLD
            review.ground = Hold.Ground.REVIEW_DECISION
            review.reason = reason.strip()
            review.ends_on = ends_on
        else:
            review.lifted_at = timezone.now()
            review.lifted_by = actor
            review.lift_reason = reason.strip()
        review.save()
    return review


def hold_lift(*, actor, hold: Hold, reason: str) -> Hold:
    """End a hold or review early. Who, when and why is kept on the row and in the audit log."""
    _check_overseer(actor, hold.pupil)
    if hold.lifted_at:
        raise ValidationError(_("Deze bewaarplicht is al opgeheven."))
    if len((reason or "").strip()) < 5:
        raise ValidationError({"reason": _("Geef een reden voor het opheffen.")})
    with transaction.atomic():
        hold = Hold.objects.select_for_update().get(pk=hold.pk)
        hold.lifted_at = timezone.now()
        hold.lifted_by = actor
        hold.lift_reason = reason.strip()
        hold.save()
    return hold


# --- Processors (R6 art. 12) -----------------------------------------------------------------


def processor_destruction_confirm(*, actor, item: ProcessorDestruction, note: str = "") -> None:
    """Record that a processor confirmed in writing that it destroyed the pupil's data."""
    if not selectors.retention_schools(actor).filter(pk=item.school_id).exists():
        raise ValidationError(_("Alleen de directie of de FG mag dit vastleggen."))
    with transaction.atomic():
        ProcessorDestruction.objects.filter(pk=item.pk, confirmed_at__isnull=True).update(
            confirmed_at=timezone.now(), confirmed_by=actor, confirmation_note=note[:300]
        )


# --- Audit scrubbing -------------------------------------------------------------------------


def _scrub_entries(entries) -> int:
    """Remove the personal data from audit-log rows, keeping actor, time, action and type."""
    return entries.update(
        object_repr=SCRUBBED,
        changes=None,
        changes_text="",
        serialized_data=None,
        additional_data={"scrubbed": True},
    )


def scrub_audit_log(objects: dict[type, list]) -> int:
    """``objects``: model -> primary keys of purged objects. Scrubs every entry about them."""
    total = 0
    for model, pks in objects.items():
        if not pks:
            continue
        content_type = ContentType.objects.get_for_model(model)
        entries = LogEntry.objects.filter(
            content_type=content_type, object_pk__in=[str(pk) for pk in pks]
        ).exclude(object_repr=SCRUBBED, changes__isnull=True)
        total += _scrub_entries(entries)
    return total


def scrub_dossier_fields_in_audit_log(pupil_ids: list[int]) -> int:
    """The pupil stays, its dossier fields go: remove those fields from its change records."""
    names = rules.dossier_fields()
    content_type = ContentType.objects.get_for_model(Pupil)
    count = 0
    entries = LogEntry.objects.filter(
        content_type=content_type,
        object_pk__in=[str(pk) for pk in pupil_ids],
        changes__has_any_keys=names,
    ).only("pk", "changes")
    for entry in entries:
        changes = {k: v for k, v in (entry.changes or {}).items() if k not in names}
        LogEntry.objects.filter(pk=entry.pk).update(changes=changes, changes_text="")
        count += 1
    return count


CHILD_MODELS = (Enrolment, GuardianLink, EmergencyContact, DossierEntry)


def deleted_children_in_log(pupil_ids: set[int]) -> dict[int, dict[type, set[str]]]:
    """Per pupil, its children that were deleted earlier (one by one, with auditlog on): their
    delete records name the pupil's id in ``changes``; their whole history must go too.
    One scan per run (not per batch) over the delete records of the child models."""
    result: dict[int, dict[type, set[str]]] = defaultdict(lambda: defaultdict(set))
    if not pupil_ids:
        return result
    wanted = {str(pk) for pk in pupil_ids}
    by_ct = {ContentType.objects.get_for_model(m).pk: m for m in CHILD_MODELS}
    rows = LogEntry.objects.filter(
        content_type_id__in=list(by_ct), action=LogEntry.Action.DELETE
    ).values_list("content_type_id", "object_pk", "changes")
    for ct_id, object_pk, changes in rows.iterator(chunk_size=2000):
        value = (changes or {}).get("pupil")
        if isinstance(value, list) and value and str(value[0]) in wanted:
            result[int(value[0])][by_ct[ct_id]].add(object_pk)
    return result


# --- The purge -------------------------------------------------------------------------------


@dataclass
class PlannedPart:
    reference: str
    school_id: int
    part: str
    rule: str
    due_on: date | None
    counts: dict = field(default_factory=dict)


def _lock(queryset):
    """Lock the pupil rows of this batch; other runs skip them (PostgreSQL)."""
    features = connection.features
    if features.has_select_for_update and features.has_select_for_update_skip_locked:
        return queryset.select_for_update(skip_locked=True, of=("self",))
    return queryset


def _delete_rows(model, field_name: str, ids: list[int]) -> None:
    """Delete the rows of ``model`` whose ``field_name`` is in ``ids`` with one statement.

    For the students' own child tables only, whose rows the purge has already counted and whose
    audit entries it has scrubbed: the deletion collector would fetch every row first (auditlog's
    signals are connected), for nothing, since auditlog is off during the purge.
    """
    if not ids:
        return
    table = connection.ops.quote_name(model._meta.db_table)
    column = connection.ops.quote_name(model._meta.get_field(field_name).column)
    with connection.cursor() as cursor:
        for start in range(0, len(ids), 1000):  # stay far below the databases' parameter limits
            chunk = list(ids[start : start + 1000])
            placeholders = ", ".join(["%s"] * len(chunk))
            # Names come from the model's meta (quoted), values are parameters.
            sql = f"DELETE FROM {table} WHERE {column} IN ({placeholders})"  # noqa: S608
            cursor.execute(sql, chunk)


def _is_plain_account(user_id: int) -> bool:
    """An account that exists only as a parent's or pupil's login (no staff role): it goes."""
    return not (
        StaffMembership.objects.filter(user_id=user_id).exists()
        or ClassAssignment.objects.filter(user_id=user_id).exists()
        or FoundationRole.objects.filter(user_id=user_id).exists()
        or User.objects.filter(pk=user_id, is_staff=True).exists()
        or User.objects.filter(pk=user_id, is_superuser=True).exists()
    )


def _anonymise_accounts(user_ids: set[int]) -> int:
    ids = [pk for pk in user_ids if pk and _is_plain_account(pk)]
    unusable = make_password(None)
    for pk in ids:
        User.objects.filter(pk=pk).update(
            email=f"verwijderd-{pk}@verwijderd.invalid",
            first_name="",
            last_name="",
            is_active=False,
            password=unusable,
        )
    if ids:
        LogEntry.objects.filter(actor_id__in=ids).update(actor_email=None)
        scrub_audit_log({User: ids})
    return len(ids)


def _purge_batch(
    *,
    ids: list[int],
    day: date,
    run: PurgeRun | None,
    brins: dict,
    reapply: set,
    earlier: dict[int, dict[type, set[str]]],
):
    """One transaction: everything due of these pupils, or nothing."""
    counts: dict[str, int] = defaultdict(int)
    now = timezone.now()
    with transaction.atomic(), disable_auditlog():
        dossier_ids = set(
            _lock(selectors.dossier_due(day).filter(pk__in=ids)).values_list("pk", flat=True)
        )
        admin_ids = set(
            _lock(selectors.administration_due(day).filter(pk__in=ids)).values_list("pk", flat=True)
        )
        restored_ids = set()
        if reapply & set(ids):
            restored_ids = set(
                _lock(
                    Pupil.objects.filter(pk__in=sorted(reapply & set(ids))).filter(
                        selectors.not_held(day)
                    )
                ).values_list("pk", flat=True)
            )
        admin_ids |= restored_ids
        pupils = {
            p.pk: p
            for p in Pupil.objects.filter(pk__in=dossier_ids | admin_ids).only(
                "pk", "school_id", "deregistered_on", "destination_is_sbo", "user_id"
            )
        }
        if not pupils:
            return counts
        periods: dict[int, rules.Periods] = {}
        school_foundation = dict(School.objects.values_list("pk", "foundation_id"))
        records: list[DestructionRecord] = []

        def removal(pupil, part):
            foundation_id = school_foundation[pupil.school_id]
            if foundation_id not in periods:
                periods[foundation_id] = rules.periods_for_foundation(foundation_id)
            return next(
                r for r in rules.removal_dates(pupil, periods[foundation_id]) if r.part == part
            )

        def reference(pupil):
            return rules.pseudonym(pupil.pk, brins[pupil.school_id])

        all_ids = sorted(pupils)

        # 1. The dossier: entries and their files, and the dossier-class fields.
        entries_by_pupil: dict[int, list] = defaultdict(list)
        for entry_pk, pupil_id, document in DossierEntry.objects.filter(
            pupil_id__in=all_ids
        ).values_list("pk", "pupil_id", "document"):
            entries_by_pupil[pupil_id].append((entry_pk, document))
        field_names = rules.dossier_fields()
        with_fields = set()
        if field_names:
            blank = dict.fromkeys(field_names, "")
            has_fields = Pupil.objects.filter(pk__in=all_ids).exclude(**blank)
            with_fields = set(has_fields.values_list("pk", flat=True))
            Pupil.objects.filter(pk__in=with_fields).update(**blank)
        entry_pks = [pk for items in entries_by_pupil.values() for pk, _doc in items]
        paths = [doc for items in entries_by_pupil.values() for _pk, doc in items if doc]
        for path in paths:
            FileErasure.objects.get_or_create(path=path)
        earlier_entries = [
            pk for pid in all_ids for pk in earlier.get(pid, {}).get(DossierEntry, ())
        ]
        scrubbed = scrub_audit_log({DossierEntry: entry_pks + earlier_entries})
        scrubbed += scrub_dossier_fields_in_audit_log(sorted(with_fields))
        counts["audit_entries_scrubbed"] += scrubbed
        _delete_rows(DossierEntry, "id", entry_pks)
        for pupil in pupils.values():
            items = entries_by_pupil.get(pupil.pk, [])
            if not items and pupil.pk not in with_fields:
                continue
            rule = removal(pupil, Part.DOSSIER)
            part_counts = {
                "dossier_entries": len(items),
                "files": sum(1 for _pk, doc in items if doc),
                "dossier_fields": len(field_names) if pupil.pk in with_fields else 0,
            }
            for key, value in part_counts.items():
                counts[key] += value
            records.append(
                DestructionRecord(
                    run=run,
                    school_id=pupil.school_id,
                    reference=reference(pupil),
                    part=Part.DOSSIER,
                    rule=rule.rule,
                    due_on=rule.on,
                    destroyed_at=now,
                    counts=part_counts,
                    after_restore=pupil.pk in restored_ids,
                )
            )

        # 2. The administration: the pupil, its links, contacts, and parents without another child.
        admin_list = sorted(admin_ids)
        if admin_list:
            # Other apps remove their own data of these pupils first (consent, requests, ...).
            hooks.collect("retention_purge_pupils", pupil_ids=admin_list)
            for pupil_id, name, agreement_id in hooks.collect(
                "retention_processors", pupil_ids=admin_list
            ):
                pupil = pupils[pupil_id]
                ProcessorDestruction.objects.get_or_create(
                    reference=reference(pupil),
                    processor_name=name,
                    defaults={"school_id": pupil.school_id, "agreement_id": agreement_id},
                )
            enrolment_pks = list(
                Enrolment.objects.filter(pupil_id__in=admin_list).values_list("pk", flat=True)
            )
            link_rows = list(
                GuardianLink.objects.filter(pupil_id__in=admin_list).values_list(
                    "pk", "pupil_id", "guardian_id"
                )
            )
            contact_pks = list(
                EmergencyContact.objects.filter(pupil_id__in=admin_list).values_list(
                    "pk", flat=True
                )
            )
            guardian_ids = {guardian_id for _pk, _pupil, guardian_id in link_rows}
            staying = set(
                GuardianLink.objects.filter(guardian_id__in=guardian_ids)
                .exclude(pupil_id__in=admin_list)
                .values_list("guardian_id", flat=True)
            )
            leaving = sorted(guardian_ids - staying)
            account_ids = {pupils[pk].user_id for pk in admin_list if pupils[pk].user_id}
            account_ids |= set(
                Guardian.objects.filter(pk__in=leaving, user__isnull=False).values_list(
                    "user_id", flat=True
                )
            )
            hold_pks = list(
                Hold.objects.filter(pupil_id__in=admin_list).values_list("pk", flat=True)
            )
            Hold.objects.filter(pk__in=hold_pks).update(pupil=None, reason="", lift_reason="")
            earlier_children: dict[type, set[str]] = defaultdict(set)
            for pupil_id in admin_list:
                for model, pks in earlier.get(pupil_id, {}).items():
                    earlier_children[model] |= pks
            scrubbed = scrub_audit_log(
                {
                    Pupil: admin_list,
                    Enrolment: enrolment_pks + list(earlier_children[Enrolment]),
                    GuardianLink: [pk for pk, _p, _g in link_rows]
                    + list(earlier_children[GuardianLink]),
                    EmergencyContact: contact_pks + list(earlier_children[EmergencyContact]),
                    DossierEntry: list(earlier_children[DossierEntry]),
                    Guardian: leaving,
                    Hold: hold_pks,
                }
            )
            counts["audit_entries_scrubbed"] += scrubbed
            links_per_pupil = defaultdict(int)
            for _pk, pupil_id, _guardian in link_rows:
                links_per_pupil[pupil_id] += 1
            enrolments_per_pupil = dict(
                Enrolment.objects.filter(pupil_id__in=admin_list)
                .values_list("pupil_id")
                .annotate(n=Count("pk"))
            )
            contacts_per_pupil = dict(
                EmergencyContact.objects.filter(pupil_id__in=admin_list)
                .values_list("pupil_id")
                .annotate(n=Count("pk"))
            )
            leaving_per_pupil = defaultdict(int)
            leaving_set = set(leaving)
            for _pk, pupil_id, guardian_id in link_rows:
                if guardian_id in leaving_set:
                    leaving_per_pupil[pupil_id] += 1
            for model in (Enrolment, GuardianLink, EmergencyContact):
                _delete_rows(model, "pupil", admin_list)
            # The pupil itself through Django, so other apps' relations cascade as declared.
            Pupil.objects.filter(pk__in=admin_list).delete()
            Guardian.objects.filter(pk__in=leaving).delete()
            counts["accounts_anonymised"] += _anonymise_accounts(account_ids)
            for pupil_id in admin_list:
                pupil = pupils[pupil_id]
                rule = removal(pupil, Part.ADMINISTRATION)
                part_counts = {
                    "pupil": 1,
                    "enrolments": enrolments_per_pupil.get(pupil_id, 0),
                    "guardian_links": links_per_pupil.get(pupil_id, 0),
                    "guardians": leaving_per_pupil.get(pupil_id, 0),
                    "emergency_contacts": contacts_per_pupil.get(pupil_id, 0),
                }
                for key, value in part_counts.items():
                    counts[key] += value
                records.append(
                    DestructionRecord(
                        run=run,
                        school_id=pupil.school_id,
                        reference=reference(pupil),
                        part=Part.ADMINISTRATION,
                        rule=rule.rule
                        if pupil_id not in restored_ids
                        else f"{rule.rule} (opnieuw, na terugzetten van een back-up)",
                        due_on=rule.on,
                        destroyed_at=now,
                        counts=part_counts,
                        after_restore=pupil_id in restored_ids,
                    )
                )
        DestructionRecord.objects.bulk_create(records, batch_size=250)
        counts["records"] += len(records)
        counts["pupils"] += len(pupils)
        if paths:
            transaction.on_commit(_enqueue_file_erasure, robust=True)
    return counts


def _enqueue_file_erasure():
    """Hand the file erasure to a worker. The FileErasure rows are the job: a broker that is
    down is logged, not raised into the purge (whose batches have committed), and the hourly
    ``retention.erase_files`` run picks the rows up."""
    from privacy_portal import jobs
    from retention.tasks import erase_files

    jobs.enqueue(erase_files)


def files_erase() -> int:
    """Remove the files whose rows are gone; each row is deleted once its file is."""
    removed = 0
    for erasure in FileErasure.objects.order_by("pk").iterator():
        try:
            if default_storage.exists(erasure.path):
                default_storage.delete(erasure.path)
        except OSError:
            logger.warning("file erasure %s failed; retried next run", erasure.pk)
            continue
        FileErasure.objects.filter(pk=erasure.pk).delete()
        removed += 1
    return removed


REMINDER_INTERVAL_DAYS = 7
PROCESSOR_REMINDER_DAYS = 14


def reminders_send(*, day: date) -> dict[str, int]:
    """Remind reviewers whose open review keeps due data (weekly), and the FG of processors that
    have not confirmed destruction after two weeks. Mails carry links, never names."""
    from datetime import timedelta

    from privacy_portal.mail import send_templated_mail_on_commit

    now = timezone.now()
    sent = {"review_reminders": 0, "processor_reminders": 0}
    with transaction.atomic():
        held = selectors.due_but_held(day).values("pk")
        reviews = (
            Hold.objects.active(day)
            .filter(kind=Hold.Kind.REVIEW, pupil__in=held)
            .exclude(reminded_at__gt=now - timedelta(days=REMINDER_INTERVAL_DAYS))
            .select_related("created_by", "school")
        )
        for review in reviews:
            if review.created_by and review.created_by.email:
                send_templated_mail_on_commit(
                    "retention/email/review_reminder",
                    {"review": review, "school": review.school.name},
                    [review.created_by.email],
                )
                sent["review_reminders"] += 1
            Hold.objects.filter(pk=review.pk).update(reminded_at=now)
        waiting = ProcessorDestruction.objects.filter(
            confirmed_at__isnull=True,
            requested_at__lte=now - timedelta(days=PROCESSOR_REMINDER_DAYS),
        ).exclude(reminded_at__gt=now - timedelta(days=PROCESSOR_REMINDER_DAYS))
        by_foundation: dict[int, list[ProcessorDestruction]] = defaultdict(list)
        for item in waiting.select_related("school__foundation"):
            by_foundation[item.school.foundation_id].append(item)
        for items in by_foundation.values():
            foundation = items[0].school.foundation
            recipients = list(
                access.users_with_foundation_role(foundation, FoundationRoleKind.FG).values_list(
                    "email", flat=True
                )
            )
            send_templated_mail_on_commit(
                "retention/email/processor_reminder",
                {"count": len(items), "processors": sorted({i.processor_name for i in items})},
                recipients,
            )
            ProcessorDestruction.objects.filter(pk__in=[i.pk for i in items]).update(
                reminded_at=now
            )
            sent["processor_reminders"] += len(items)
    return sent


def purge_plan(*, day: date | None = None) -> list[PlannedPart]:
    """What a purge on ``day`` would remove (for ``--dry-run``): references and counts only."""
    day = day or timezone.localdate()
    brins = dict(School.objects.values_list("pk", "brin"))
    plan: list[PlannedPart] = []
    dossier = set(selectors.dossier_due(day).values_list("pk", flat=True))
    restored = set(selectors.destroyed_before(day).values_list("pk", flat=True))
    administration = set(selectors.administration_due(day).values_list("pk", flat=True)) | restored
    ids = sorted(dossier | administration)
    entry_counts = defaultdict(int)
    for pupil_id in DossierEntry.objects.filter(pupil_id__in=ids).values_list(
        "pupil_id", flat=True
    ):
        entry_counts[pupil_id] += 1
    periods: dict[int, rules.Periods] = {}
    for pupil in Pupil.objects.filter(pk__in=ids).select_related("school").order_by("pk"):
        fid = pupil.school.foundation_id
        periods.setdefault(fid, rules.periods_for_foundation(fid))
        removals = {r.part: r for r in rules.removal_dates(pupil, periods[fid])}
        reference = rules.pseudonym(pupil.pk, brins[pupil.school_id])
        if pupil.pk in dossier or (pupil.pk in administration and entry_counts[pupil.pk]):
            r = removals[Part.DOSSIER]
            plan.append(
                PlannedPart(
                    reference,
                    pupil.school_id,
                    Part.DOSSIER,
                    r.rule,
                    r.on,
                    {"dossier_entries": entry_counts[pupil.pk]},
                )
            )
        if pupil.pk in administration:
            r = removals[Part.ADMINISTRATION]
            plan.append(
                PlannedPart(
                    reference, pupil.school_id, Part.ADMINISTRATION, r.rule, r.on, {"pupil": 1}
                )
            )
    return plan


def purge_expired(
    *, actor=None, day: date | None = None, batch_size: int = DEFAULT_BATCH_SIZE
) -> PurgeRun:
    """Remove everything whose retention period has run out on ``day`` (default today).

    Idempotent: a second run finds nothing due. Crash-safe: each batch commits whole or not at
    all; a failed batch fails the run (after the earlier batches committed) and the next run
    picks its pupils up again.
    """
    day = day or timezone.localdate()
    if batch_size < 1:
        raise ValidationError(_("De batchgrootte moet minstens 1 zijn."))
    run = PurgeRun.objects.create(day=day, triggered_by=actor)
    totals: dict[str, int] = defaultdict(int)
    try:
        files_erase()  # leftovers of a run that died between commit and file removal
        brins = dict(School.objects.values_list("pk", "brin"))
        reapply = set(selectors.destroyed_before(day).values_list("pk", flat=True))
        ids = sorted(set(selectors.due_pupil_ids(day)) | reapply)
        earlier = deleted_children_in_log(set(ids))
        for start in range(0, len(ids), batch_size):
            batch = ids[start : start + batch_size]
            counts = _purge_batch(
                ids=batch, day=day, run=run, brins=brins, reapply=reapply, earlier=earlier
            )
            for key, value in counts.items():
                totals[key] += value
            totals["batches"] += 1
        for key, value in reminders_send(day=day).items():
            totals[key] += value
    except Exception:
        run.status = PurgeRun.Status.FAILED
        raise
    else:
        run.status = PurgeRun.Status.SUCCEEDED
    finally:
        run.counts = dict(totals)
        run.finished_at = timezone.now()
        run.save(update_fields=["status", "counts", "finished_at"])
    return run


def destruction_records_import(*, rows) -> int:
    """After a full restore from backup: put back destruction records exported after the backup
    (the yearly/run CSV), so that the next purge removes the restored data again."""
    created = 0
    schools = dict(School.objects.values_list("brin", "pk"))
    with transaction.atomic():
        for row in rows:
            reference = (row.get("referentie") or "").strip()
            part = (row.get("onderdeel_code") or "").strip()
            brin = (row.get("brin") or "").strip().upper()
            if len(reference) != 64 or part not in Part.values or brin not in schools:
                raise ValidationError(
                    _("Ongeldige regel in het bestand: %(ref)s") % {"ref": reference[:12]}
                )
            destroyed_at = row.get("vernietigd_op") or timezone.now().isoformat()
            if DestructionRecord.objects.filter(reference=reference, part=part).exists():
                continue
            DestructionRecord.objects.create(
                school_id=schools[brin],
                reference=reference,
                part=part,
                rule=(row.get("regel") or "")[:200],
                destroyed_at=destroyed_at,
                counts={},
            )
            created += 1
    return created
