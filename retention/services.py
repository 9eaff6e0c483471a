"""Business rules of retention (R13, R6 art. 12): the foundation's periods (legal minimums),
holds and reviews, and the purge that removes what has expired, makes the audit trail forget
and writes destruction records.

The purge works in batches of pupils. Each batch is one transaction: the pupils are locked
(``SELECT ... FOR UPDATE SKIP LOCKED`` on PostgreSQL), re-checked (still due, not held, no hold
from another app), processors are asked for destruction, and then the deletion plan
(``retention.plan``) removes everything of the batch set-based; the audit entries of every
deleted or anonymised row are scrubbed, accounts anonymised, and the destruction records
written. A failing batch is retried pupil by pupil, so one bad pupil never stops the others.
Transfer dossiers go on their own date afterwards. Files on disk are removed after the commit
(``FileErasure`` rows survive a crash between commit and removal and are retried by the next
run). One run at a time: see ``_start_run``.
"""

from __future__ import annotations

import json
import logging
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, timedelta

from auditlog.context import disable_auditlog
from auditlog.models import LogEntry
from django.contrib.auth.hashers import make_password
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.core.files.storage import default_storage
from django.db import IntegrityError, connection, transaction
from django.db.models import CharField, Q, Value
from django.db.models.functions import Cast, Concat
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from accounts import access
from accounts.models import ClassAssignment, FoundationRole, School, StaffMembership, User
from accounts.roles import FoundationRoleKind
from privacy_portal import hooks
from retention import plan, rules, selectors
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
from students.models import DossierEntry, Pupil

logger = logging.getLogger(__name__)

# Pupils per transaction. A batch costs about fifty statements whatever its size (ids travel
# as one array), so larger batches spread that cost; a batch of 2,000 commits in about a second,
# and a batch that fails is retried pupil by pupil. The benchmark's figures are at this size.
DEFAULT_BATCH_SIZE = 2000
SCRUBBED = "[verwijderd]"


# --- Policy ----------------------------------------------------------------------------------


def retention_policy_update(
    *,
    actor,
    foundation,
    administration_years: int,
    dossier_years: int,
    dossier_sbo_years: int,
    longer_reason: str = "",
) -> RetentionPolicy:
    """Set a foundation's periods. The protocol's periods (5/2/3 years) are minimums: shorter is
    refused whatever the reason; longer needs a recorded reason."""
    if (
        not access.foundations_with_role(actor, FoundationRoleKind.FG, FoundationRoleKind.CVB)
        .filter(pk=foundation.pk)
        .exists()
    ):
        raise ValidationError(_("Alleen de FG of het CvB mag de bewaartermijnen vaststellen."))
    errors = {}
    longer = False
    for name, value, minimum in (
        ("administration_years", administration_years, LEGAL_ADMINISTRATION_YEARS),
        ("dossier_years", dossier_years, LEGAL_DOSSIER_YEARS),
        ("dossier_sbo_years", dossier_sbo_years, LEGAL_DOSSIER_SBO_YEARS),
    ):
        if value is None or value > 50:
            errors[name] = _("Kies een termijn van %(min)s tot en met 50 jaar.") % {"min": minimum}
        elif value < minimum:
            errors[name] = _(
                "De wettelijke bewaartermijn is %(min)s jaar; korter bewaren mag niet."
            ) % {"min": minimum}
        elif value > minimum:
            longer = True
    longer_reason = (longer_reason or "").strip()
    if not errors and longer and len(longer_reason) < 10:
        errors["longer_reason"] = _(
            "Langer bewaren dan de wettelijke termijn (%(admin)s/%(dossier)s/%(sbo)s jaar) kan "
            "alleen met een vastgelegde reden."
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
        policy.longer_reason = longer_reason if longer else ""
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


CONFIRMATION_TYPES = {"application/pdf", "image/png", "image/jpeg"}


def _check_confirmation_file(upload) -> str:
    """A confirmation file: at most MAX_UPLOAD_MEGABYTES, and really a PDF, PNG or JPEG (judged
    by its content, not its name). Returns the content type."""
    from django.conf import settings

    from privacy_portal.uploads import content_type

    if upload.size > settings.MAX_UPLOAD_MEGABYTES * 1024 * 1024:
        raise ValidationError(
            {
                "file": _("Het bestand is te groot: maximaal %(mb)s MB.")
                % {"mb": settings.MAX_UPLOAD_MEGABYTES}
            }
        )
    kind = content_type(upload)
    upload.seek(0)
    if kind not in CONFIRMATION_TYPES:
        raise ValidationError(
            {"file": _("Alleen PDF-bestanden en afbeeldingen (PNG, JPEG) zijn toegestaan.")}
        )
    return kind


def processor_destruction_confirm(
    *, actor, item: ProcessorDestruction, note: str = "", upload=None
) -> ProcessorDestruction:
    """Record that a processor confirmed in writing that it destroyed the pupil's data, with an
    optional copy of the confirmation (PDF or image). Only once: a confirmed row is final."""
    if not selectors.retention_schools(actor).filter(pk=item.school_id).exists():
        raise ValidationError(_("Alleen de directie of de FG mag dit vastleggen."))
    kind = _check_confirmation_file(upload) if upload is not None else ""
    with transaction.atomic():
        locked = ProcessorDestruction.objects.select_for_update().get(pk=item.pk)
        if locked.confirmed_at is not None:
            raise ValidationError(_("Deze vernietiging is al bevestigd."))
        locked.confirmed_at = timezone.now()
        locked.confirmed_by = actor
        locked.confirmation_note = (note or "").strip()[:300]
        fields = ["confirmed_at", "confirmed_by", "confirmation_note"]
        if upload is not None:
            locked._content_type = kind
            locked.confirmation_file.save(upload.name, upload, save=False)
            # If the transaction rolls back, the stored file has no row: remove it then.
            name = locked.confirmation_file.name
            fields.append("confirmation_file")
            try:
                locked.save(update_fields=fields)
            except Exception:
                default_storage.delete(name)
                raise
        else:
            locked.save(update_fields=fields)
    return locked


# --- Audit trail -----------------------------------------------------------------------------


def _scrub_entries(entries) -> int:
    """Remove the personal data from audit-log rows, keeping actor, time, action and type."""
    return entries.update(
        object_repr=SCRUBBED,
        changes=None,
        changes_text="",
        serialized_data=None,
        additional_data=None,
    )


def scrub_audit_log(objects: dict[type, object]) -> int:
    """``objects``: model -> primary keys of purged or anonymised objects. Every auditlog entry
    about them forgets (one UPDATE per model: ``object_pk = ANY(%s)`` on PostgreSQL). The
    scrubbed row keeps no ``additional_data`` either (``object_repr`` marks it): the smaller its
    new version, the surer it fits in the free space of its page, so that PostgreSQL rewrites it
    in place without touching the table's ten indexes (a HOT update). Django
    admin log entries and object permissions on them are deleted (the plan's generic
    relations), asked only for the content types those small tables hold at all."""
    from django.contrib.admin.models import LogEntry as AdminLogEntry
    from guardian.models import GroupObjectPermission, UserObjectPermission

    from retention.models import DeletedChild

    total = 0
    table = connection.ops.quote_name(LogEntry._meta.db_table)
    side = connection.ops.quote_name(DeletedChild._meta.db_table)
    generic = {
        model: set(model.objects.values_list("content_type_id", flat=True).distinct())
        for model in (UserObjectPermission, GroupObjectPermission, AdminLogEntry)
    }
    with plan.raw_cursor() as cursor:
        for model, pks in objects.items():
            if not pks or model._meta.auto_created:
                continue
            content_type = ContentType.objects.get_for_model(model)
            pks = {int(pk) for pk in pks}  # ids, and object_pk texts of rows deleted earlier
            keys = sorted(str(pk) for pk in pks)
            for condition, params in plan.where_in("object_pk", pks, text=True):
                # Names are constants; values are parameters.
                cursor.execute(
                    f"UPDATE {table} SET object_repr = %s, changes = NULL, "  # noqa: S608
                    "changes_text = '', serialized_data = NULL, additional_data = NULL "
                    f"WHERE content_type_id = %s AND {condition} "
                    "AND NOT (object_repr = %s AND changes IS NULL)",
                    [SCRUBBED, content_type.pk, *params, SCRUBBED],
                )
                total += cursor.rowcount
            if connection.vendor == "postgresql":
                # Their parent ids in the side table of deleted children (plan.earlier_deleted)
                # have served: the history has forgotten.
                cursor.execute(
                    f"DELETE FROM {side} WHERE content_type_pk = %s "  # noqa: S608
                    "AND object_pk = ANY(%s::text[])",
                    [content_type.pk, plan.int_array(pks)],
                )
            for generic_model, present in generic.items():
                if content_type.pk not in present:
                    continue
                key = "object_id" if generic_model is AdminLogEntry else "object_pk"
                generic_model.objects.filter(
                    content_type=content_type, **{f"{key}__any_of": keys}
                ).delete()
    return total


def scrub_dossier_fields_in_audit_log(pupil_ids: list[int]) -> int:
    """The pupil stays, its dossier fields go: remove those fields from its change records."""
    names = rules.dossier_fields()
    if not pupil_ids or not names:
        return 0
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


# --- Accounts --------------------------------------------------------------------------------


def _anonymise_accounts(user_ids: set[int]) -> int:
    """Anonymise and deactivate the portal accounts of removed pupils and parents, set-based:
    one UPDATE for all of them. Accounts of people who also work at a school stay. Their login
    log (django-axes) goes, and their e-mail address leaves the audit entries they made."""
    from axes.models import AccessAttempt, AccessAttemptExpiration, AccessFailureLog, AccessLog

    ids = {pk for pk in user_ids if pk}
    if not ids:
        return 0
    working = set(
        StaffMembership.objects.filter(user_id__any_of=ids).values_list("user_id", flat=True)
    )
    working |= set(
        ClassAssignment.objects.filter(user_id__any_of=ids).values_list("user_id", flat=True)
    )
    working |= set(
        FoundationRole.objects.filter(user_id__any_of=ids).values_list("user_id", flat=True)
    )
    working |= set(
        User.objects.filter(pk__any_of=ids)
        .filter(Q(is_staff=True) | Q(is_superuser=True))
        .values_list("pk", flat=True)
    )
    plain = sorted(ids - working)
    if not plain:
        return 0
    emails = list(User.objects.filter(pk__any_of=plain).values_list("email", flat=True))
    User.objects.filter(pk__any_of=plain).update(
        email=Concat(Value("verwijderd-"), Cast("pk", CharField()), Value("@verwijderd.invalid")),
        first_name="",
        last_name="",
        sort_name="",
        is_active=False,
        password=make_password(None),
    )
    names = sorted({e.lower() for e in emails} | set(emails))
    expiry = connection.ops.quote_name(AccessAttemptExpiration._meta.db_table)
    postgres = connection.vendor == "postgresql"
    with plan.raw_cursor() as cursor:
        for model in (AccessAttempt, AccessFailureLog, AccessLog):
            # One statement per table, without loading the rows (the login log is not audited).
            table = connection.ops.quote_name(model._meta.db_table)
            # PostgreSQL takes the names as one array parameter (thousands of placeholders cost
            # more to parse than the delete); SQLite as chunks within its parameter limit.
            for chunk in [names] if postgres else plan.chunks(names):
                condition = "= ANY(%s)" if postgres else f"IN ({', '.join(['%s'] * len(chunk))})"
                params = [chunk] if postgres else chunk
                if model is AccessAttempt:  # its expiry rows point at it
                    cursor.execute(
                        f"DELETE FROM {expiry} WHERE access_attempt_id IN "  # noqa: S608
                        f"(SELECT id FROM {table} WHERE username {condition})",
                        params,
                    )
                cursor.execute(
                    f"DELETE FROM {table} WHERE username {condition}",  # noqa: S608
                    params,
                )
    LogEntry.objects.filter(actor_id__any_of=plain).update(actor_email=None)
    scrub_audit_log({User: plain})
    return len(plain)


# --- The purge -------------------------------------------------------------------------------


STALE_AFTER = selectors.STALE_AFTER
# pg_advisory_xact_lock key that serialises the start of purge runs ("R13" in ASCII).
ADVISORY_KEY = 0x523133


class PurgeAlreadyRunning(Exception):
    """Another purge run holds the lock and is alive (heartbeat within the last hour)."""


@dataclass
class PlannedPart:
    reference: str
    school_id: int
    part: str
    rule: str
    due_on: date | None
    counts: dict = field(default_factory=dict)


@dataclass
class RunContext:
    """What a run computes once: BRINs, foundations and their periods, and the destruction
    records of pupils that came back after a restore."""

    day: date
    run: PurgeRun | None
    brins: dict
    school_foundation: dict
    periods: dict
    restored: dict  # pupil id -> {part: (rule, due_on)} of the first destruction
    # pupil id -> (school id, reference) of the deregistered pupils at the start of the run
    references: dict = field(default_factory=dict)
    _removals: dict = field(default_factory=dict)

    @classmethod
    def build(cls, *, day: date, run: PurgeRun | None) -> RunContext:
        schools = list(School.objects.values_list("pk", "brin", "foundation_id"))
        foundation_ids = {fid for _pk, _brin, fid in schools}
        # Computed once: the restore check needs every reference, and so do the records.
        references = selectors.deregistered_references()
        return cls(
            day=day,
            run=run,
            brins={pk: brin for pk, brin, _fid in schools},
            school_foundation={pk: fid for pk, _brin, fid in schools},
            periods={fid: rules.periods_for_foundation(fid) for fid in foundation_ids},
            restored=selectors.restored_parts(references),
            references=references,
        )

    def reference(self, pupil) -> str:
        school_id, reference = self.references.get(pupil.pk, (None, None))
        if reference and school_id == pupil.school_id:
            return reference
        return rules.pseudonym(pupil.pk, self.brins[pupil.school_id])

    def removal(self, pupil, part: str) -> tuple[str, date | None]:
        """(rule, due date) of a part, computed once per foundation, part, date and SBO."""
        foundation_id = self.school_foundation[pupil.school_id]
        key = (foundation_id, part, pupil.deregistered_on, pupil.destination_is_sbo)
        if key not in self._removals:
            removal = next(
                r for r in rules.removal_dates(pupil, self.periods[foundation_id]) if r.part == part
            )
            self._removals[key] = (removal.rule, removal.on)
        return self._removals[key]

    def rule_and_due(self, pupil, part: str) -> tuple[str, date | None, bool]:
        """The rule and due date a destruction record states: after a restore, those of the
        first destruction (the periods may have changed since)."""
        first = self.restored.get(pupil.pk, {}).get(part)
        if first:
            rule, due_on = first
            return f"{rule} (opnieuw, na terugzetten van een back-up)"[:200], due_on, True
        rule, due_on = self.removal(pupil, part)
        return rule, due_on, False


def _insert_records(records: list[dict]) -> None:
    """One multi-row INSERT for a batch's destruction records (plain dicts: no model objects):
    on PostgreSQL from one JSON parameter (``jsonb_to_recordset``), so the statement does not
    grow with the batch; elsewhere ``bulk_create``."""
    if not records:
        return
    if connection.vendor != "postgresql":
        DestructionRecord.objects.bulk_create([DestructionRecord(**r) for r in records])
        return
    table = connection.ops.quote_name(DestructionRecord._meta.db_table)
    columns = {
        "run_id": "integer",
        "school_id": "integer",
        "reference": "text",
        "part": "text",
        "rule": "text",
        "due_on": "date",
        "destroyed_at": "timestamptz",
        "counts": "jsonb",
        "after_restore": "boolean",
    }
    payload = json.dumps(records, default=lambda value: value.isoformat())
    names = ", ".join(columns)
    definition = ", ".join(f"{name} {kind}" for name, kind in columns.items())
    with plan.raw_cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {table} ({names}) SELECT {names} "  # noqa: S608
            f"FROM jsonb_to_recordset(%s::jsonb) AS t({definition})",
            [payload],
        )


def _lock(queryset):
    """Lock the pupil rows of this batch; other runs skip them (PostgreSQL)."""
    features = connection.features
    if features.has_select_for_update and features.has_select_for_update_skip_locked:
        return queryset.select_for_update(skip_locked=True, of=("self",))
    return queryset


def _check_constraints_now() -> None:
    """Make a broken reference fail inside the batch (where one pupil can be retried alone),
    not at a later commit: PostgreSQL checks the deferred constraints now, SQLite is asked."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
    elif connection.vendor == "sqlite":
        connection.check_constraints()


def _held_by_other_apps(pupil_ids: list[int]) -> dict[int, str]:
    """Pupils another app keeps for now (``retention_holds`` hooks), with the reason."""
    if not pupil_ids:
        return {}
    return hooks.collect_mapping("retention_holds", pupil_ids=pupil_ids)


def _request_processors(pupils: dict, parts: dict[int, list[str]], ctx: RunContext) -> int:
    """R6 art. 12, before anything goes: a destruction request per processor that received a
    pupil's data, for every part that goes (dossier parts too), and a mail to the processor's
    contact with the identifying data it needs to find the child (name, date of birth, school):
    after the purge the school no longer has them. The mail leaves with the batch's commit."""
    from privacy_portal.mail import send_templated_mail_on_commit

    rows = hooks.collect("retention_processors", pupil_ids=sorted(pupils))
    if not rows:
        return 0
    items = []
    asked: dict[tuple[str, int | None], list[dict]] = defaultdict(list)
    for pupil_id, name, agreement_id in rows:
        pupil = pupils.get(pupil_id)
        if pupil is None or not parts.get(pupil_id):
            continue
        for part in parts[pupil_id]:
            items.append(
                ProcessorDestruction(
                    school_id=pupil.school_id,
                    reference=ctx.reference(pupil),
                    part=part,
                    processor_name=name[:200],
                    agreement_id=agreement_id,
                )
            )
        asked[(name, agreement_id)].append(
            {"pupil_id": pupil_id, "parts": [str(Part(p).label) for p in parts[pupil_id]]}
        )
    created = ProcessorDestruction.objects.bulk_create(items, ignore_conflicts=True)
    contacts = hooks.collect_mapping(
        "processor_contacts", agreement_ids=sorted({a for _n, a in asked if a})
    )
    if not contacts:
        return len(created)
    identifying = {
        p.pk: p
        for p in Pupil.objects.filter(pk__any_of=list(pupils))
        .select_related("school")
        .only("pk", "first_name", "last_name", "date_of_birth", "school__name", "school__brin")
    }
    for (name, agreement_id), wanted in asked.items():
        email = contacts.get(agreement_id)
        if not email:
            continue
        send_templated_mail_on_commit(
            "retention/email/processor_destruction_request",
            {
                "processor": name,
                "children": [
                    {
                        "name": f"{identifying[w['pupil_id']].first_name} "
                        f"{identifying[w['pupil_id']].last_name}",
                        "date_of_birth": identifying[w["pupil_id"]].date_of_birth,
                        "school": identifying[w["pupil_id"]].school.name,
                        "reference": ctx.reference(identifying[w["pupil_id"]])[:16],
                        "parts": ", ".join(w["parts"]),
                    }
                    for w in wanted
                ],
            },
            [email],
        )
    return len(created)


def _purge_pupils(*, ids: list[int], ctx: RunContext) -> dict[str, int]:
    """One transaction: everything due of these pupils, or nothing."""
    day = ctx.day
    counts: dict[str, int] = defaultdict(int)
    now = timezone.now()
    with transaction.atomic(), disable_auditlog():
        # No ordering: the pupils' default order (by name) would sort each batch to lock it.
        dossier_ids = set(
            _lock(selectors.dossier_due(day, pupil_ids=ids).order_by()).values_list("pk", flat=True)
        )
        admin_ids = set(
            _lock(selectors.administration_due(day).filter(pk__any_of=ids).order_by()).values_list(
                "pk", flat=True
            )
        )
        replay = {pk: ctx.restored[pk] for pk in ids if pk in ctx.restored}
        if replay:
            present = _lock(Pupil.objects.filter(pk__in=sorted(replay))).filter(
                selectors.not_held(day)
            )
            with_data = set(
                present.filter(selectors.has_dossier_data(sorted(replay))).values_list(
                    "pk", flat=True
                )
            )
            for pk in present.values_list("pk", flat=True):
                if Part.ADMINISTRATION in replay[pk]:
                    admin_ids.add(pk)
                elif Part.DOSSIER in replay[pk] and pk in with_data:
                    dossier_ids.add(pk)
        held = _held_by_other_apps(sorted(dossier_ids | admin_ids))
        if held:
            counts["held_by_other_apps"] += len(held.keys() & (dossier_ids | admin_ids))
            dossier_ids -= held.keys()
            admin_ids -= held.keys()
        # Plain rows, not model instances: the batch needs these five values of each pupil.
        pupils = {
            p.pk: p
            for p in Pupil.objects.filter(pk__any_of=sorted(dossier_ids | admin_ids))
            .order_by()
            .values_list(
                "pk", "school_id", "deregistered_on", "destination_is_sbo", "user_id", named=True
            )
        }
        if not pupils:
            return counts
        all_ids = sorted(pupils)
        dossier_only = set(pupils) - admin_ids

        # What goes, per pupil: the dossier part when it has dossier data, the administration.
        entry_rows = plan.select(DossierEntry, ["id", "pupil_id"], "pupil_id", all_ids)
        with_entries = {pupil_id for _pk, pupil_id in entry_rows}
        field_names = rules.dossier_fields()
        with_fields: set[int] = set()
        if field_names:
            blank = dict.fromkeys(field_names, "")
            with_fields = set(
                Pupil.objects.filter(pk__any_of=all_ids)
                .exclude(**blank)
                .values_list("pk", flat=True)
            )
        parts: dict[int, list[str]] = defaultdict(list)
        for pk in all_ids:
            if pk in with_entries or pk in with_fields:
                parts[pk].append(Part.DOSSIER)
            if pk in admin_ids:
                parts[pk].append(Part.ADMINISTRATION)
        for pk in [pk for pk in all_ids if not parts.get(pk)]:
            del pupils[pk]  # nothing of this pupil is due any more
        all_ids = sorted(pupils)
        if not all_ids:
            return counts
        dossier_only = set(pupils) - admin_ids
        counts["processor_requests"] += _request_processors(pupils, parts, ctx)

        # 1. The dossier fields of pupils who stay for now.
        keep_fields = sorted(with_fields & dossier_only)
        if keep_fields:
            counts["audit_entries_scrubbed"] += scrub_dossier_fields_in_audit_log(keep_fields)
            Pupil.objects.filter(pk__in=keep_fields).update(**dict.fromkeys(field_names, ""))

        # 2. Everything the deletion plan removes with these pupils and dossier entries.
        collected = plan.collect(
            {
                Pupil: {pk: pk for pk in sorted(admin_ids)},
                DossierEntry: {pk: pid for pk, pid in entry_rows if pid in dossier_only},
            }
        )
        deleted = plan.execute(collected)
        forget = plan.audit_objects(collected)  # deleted and anonymised rows
        for model, pks in plan.earlier_deleted(collected).items():
            forget[model] |= pks
        counts["audit_entries_scrubbed"] += scrub_audit_log(forget)
        counts["accounts_anonymised"] += _anonymise_accounts(collected.accounts)
        paths = sorted({name for names in collected.files.values() for name in names})
        if paths:
            FileErasure.objects.bulk_create(
                [FileErasure(path=p) for p in paths], ignore_conflicts=True
            )
            transaction.on_commit(_enqueue_file_erasure, robust=True)
        _check_constraints_now()

        # 3. Destruction records: one multi-row INSERT.
        per_owner = plan.per_pupil_counts(collected)
        references = {pk: ctx.reference(pupils[pk]) for pk in all_ids}
        records = []
        for pk in all_ids:
            pupil = pupils[pk]
            owned = dict(per_owner.get(pk, {}))
            for part in parts[pk]:
                if part == Part.DOSSIER:
                    part_counts = {
                        "dossier_entries": owned.pop("dossier_entries", 0),
                        "files": len(collected.files.get(pk, ())),
                        "dossier_fields": len(field_names) if pk in with_fields else 0,
                    }
                    if pk in dossier_only:
                        part_counts.update(owned)
                else:
                    part_counts = owned
                rule, due_on, again = ctx.rule_and_due(pupil, part)
                records.append(
                    {
                        "run_id": ctx.run.pk if ctx.run else None,
                        "school_id": pupil.school_id,
                        "reference": references[pk],
                        "part": str(part),
                        "rule": rule,
                        "due_on": due_on,
                        "destroyed_at": now,
                        "counts": {k: v for k, v in part_counts.items() if v},
                        "after_restore": again,
                    }
                )
        _insert_records(records)
        for key, value in deleted.items():
            counts[plan.count_key(key)] += value
        counts["files"] += len(paths)
        counts["dossier_fields"] += len(field_names) * len(with_fields)
        counts["records"] += len(records)
        counts["pupils"] += len(pupils)
    return counts


def _purge_transfer_dossiers(*, ids: list[int], ctx: RunContext) -> dict[str, int]:
    """One transaction: these transfer dossiers whose own retention date has passed."""
    from transfers.models import TransferDossier
    from transfers.retention import expired_dossiers

    counts: dict[str, int] = defaultdict(int)
    now = timezone.now()
    with transaction.atomic(), disable_auditlog():
        rows = list(
            _lock(expired_dossiers(ctx.day).filter(pk__in=ids))
            .filter(pupil__in=Pupil.objects.filter(selectors.not_held(ctx.day)).values("pk"))
            .values_list("pk", "pupil_id", "retention_until")
        )
        held = _held_by_other_apps(sorted({pupil_id for _pk, pupil_id, _until in rows}))
        rows = [row for row in rows if row[1] not in held]
        if not rows:
            return counts
        pupils = {
            p.pk: p
            for p in Pupil.objects.filter(pk__in={pupil_id for _pk, pupil_id, _u in rows}).only(
                "pk", "school_id"
            )
        }
        collected = plan.collect({TransferDossier: {pk: pupil_id for pk, pupil_id, _u in rows}})
        deleted = plan.execute(collected)
        counts["audit_entries_scrubbed"] += scrub_audit_log(plan.audit_objects(collected))
        counts["accounts_anonymised"] += _anonymise_accounts(collected.accounts)
        _check_constraints_now()
        per_owner = plan.per_pupil_counts(collected)
        records = []
        for _pk, pupil_id, until in rows:
            pupil = pupils[pupil_id]
            records.append(
                {
                    "run_id": ctx.run.pk if ctx.run else None,
                    "school_id": pupil.school_id,
                    "reference": ctx.reference(pupil),
                    "part": str(Part.TRANSFER),
                    "rule": TRANSFER_RULE,
                    "due_on": until,
                    "destroyed_at": now,
                    "counts": {k: v for k, v in per_owner.get(pupil_id, {}).items() if v},
                    "after_restore": False,
                }
            )
        _insert_records(records)
        for key, value in deleted.items():
            counts[plan.count_key(key)] += value
        counts["records"] += len(records)
    return counts


TRANSFER_RULE = "R13 overstapdossier: 2 jaar na vertrek, 3 jaar bij vertrek naar SBO"


# --- Runs: one at a time, failures surface ---------------------------------------------------


def _start_run(*, day: date, actor) -> PurgeRun:
    """Create the run row under a lock: a run that is alive (heartbeat within the hour) keeps a
    second one out; a stale one (killed, no heartbeat for an hour) is closed as failed and
    reported. The partial unique constraint ``one_running_purge`` is the last word on every
    database; on PostgreSQL an advisory lock also serialises the check."""
    now = timezone.now()
    closed: list[int] = []
    try:
        with transaction.atomic():
            if connection.vendor == "postgresql":
                with connection.cursor() as cursor:
                    cursor.execute("SELECT pg_advisory_xact_lock(%s)", [ADVISORY_KEY])
            for other in PurgeRun.objects.select_for_update().filter(
                status=PurgeRun.Status.RUNNING
            ):
                beat = other.heartbeat_at or other.started_at
                if beat > now - STALE_AFTER:
                    raise PurgeAlreadyRunning(
                        _("Er loopt al een vernietigingsronde (gestart %(start)s).")
                        % {
                            "start": date_format(
                                timezone.localtime(other.started_at), "DATETIME_FORMAT"
                            )
                        }
                    )
                _close_stale(other, now)
                closed.append(other.pk)
            with transaction.atomic():
                run = PurgeRun.objects.create(day=day, triggered_by=actor, heartbeat_at=now)
    except IntegrityError as exc:
        raise PurgeAlreadyRunning(_("Er loopt al een vernietigingsronde.")) from exc
    for pk in closed:
        run_failure_alert(run=PurgeRun.objects.get(pk=pk))
    return run


STALE_NOTE = "gestopt zonder af te ronden (geen teken van leven gedurende een uur)"


def _close_stale(run: PurgeRun, now) -> None:
    run.status = PurgeRun.Status.FAILED
    run.finished_at = now
    run.note = STALE_NOTE
    run.save(update_fields=["status", "finished_at", "note"])


def purge_runs_reap(*, now=None) -> list[str]:
    """The job reaper's part for purges (``reap_jobs`` hook, every few minutes). A purge run's
    lease is its heartbeat: a live run beats after every batch. A running run without a beat
    for ``STALE_AFTER`` lost its worker (SIGKILL, a machine gone): the reaper closes it as
    failed, reports it (start page, one mail to the FGs) and queues a new run that takes over.
    The purge is idempotent and every batch committed whole or not at all, so the new run
    simply finds what the dead one left. Log lines carry ids only."""
    now = now or timezone.now()
    closed: list[int] = []
    with transaction.atomic():
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:  # the same lock as _start_run: no race with it
                cursor.execute("SELECT pg_advisory_xact_lock(%s)", [ADVISORY_KEY])
        for run in PurgeRun.objects.select_for_update().filter(status=PurgeRun.Status.RUNNING):
            if (run.heartbeat_at or run.started_at) > now - STALE_AFTER:
                continue
            _close_stale(run, now)
            closed.append(run.pk)
        if closed:
            from privacy_portal import jobs
            from retention.tasks import purge_expired as purge_task

            jobs.enqueue_on_commit(purge_task)
    lines = []
    for pk in closed:
        run_failure_alert(run=PurgeRun.objects.get(pk=pk))
        lines.append(
            f"purge run {pk}: no heartbeat since an hour; closed as failed, new run queued"
        )
    return lines


def _heartbeat(run: PurgeRun) -> None:
    PurgeRun.objects.filter(pk=run.pk).update(heartbeat_at=timezone.now())


def run_failure_alert(*, run: PurgeRun) -> bool:
    """Mail the FGs once about a failed run (the start page shows it until a run succeeds).
    The mail names no pupil: counts, the day and a link to the report."""
    from privacy_portal.mail import send_templated_mail_on_commit

    with transaction.atomic():
        if not PurgeRun.objects.filter(pk=run.pk, alerted_at__isnull=True).update(
            alerted_at=timezone.now()
        ):
            return False
        recipients = sorted(
            set(
                FoundationRole.objects.active_on(timezone.localdate())
                .filter(role=FoundationRoleKind.FG, user__is_active=True)
                .values_list("user__email", flat=True)
            )
        )
        send_templated_mail_on_commit(
            "retention/email/purge_failed",
            {
                "day": run.day,
                "failed": len(run.failures or []),
                "stale": run.note == STALE_NOTE,
            },
            recipients,
        )
    return True


def _guarded(batch: list[int], work, failures: list[str], reference_of) -> dict[str, int]:
    """Run ``work(ids)`` for a batch; when it fails, retry each item alone so that one bad
    pupil never stops the others. An item that fails alone is rolled back alone and reported
    by its pseudonymous reference."""
    try:
        return work(batch)
    except Exception:
        if len(batch) == 1:
            logger.exception("purge of one item failed; rolled back alone")
            failures.append(reference_of(batch[0]))
            return {"failed": 1}
        logger.warning("purge batch of %s items failed; retrying one by one", len(batch))
    totals: dict[str, int] = defaultdict(int)
    for item in batch:
        for key, value in _guarded([item], work, failures, reference_of).items():
            totals[key] += value
    return totals


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
                {
                    "pupils": len({i.reference for i in items}),
                    "processors": sorted({i.processor_name for i in items}),
                },
                recipients,
            )
            ProcessorDestruction.objects.filter(pk__in=[i.pk for i in items]).update(
                reminded_at=now
            )
            sent["processor_reminders"] += len(items)
    return sent


def purge_plan(*, day: date | None = None) -> list[PlannedPart]:
    """What a purge on ``day`` would remove (for ``--dry-run``): references and counts only."""
    from transfers.retention import expired_dossiers

    day = day or timezone.localdate()
    ctx = RunContext.build(day=day, run=None)
    plan_rows: list[PlannedPart] = []
    dossier = set(selectors.dossier_due(day).values_list("pk", flat=True))
    administration = set(selectors.administration_due(day).values_list("pk", flat=True))
    for pk, parts in ctx.restored.items():
        if Part.ADMINISTRATION in parts:
            administration.add(pk)
        elif Part.DOSSIER in parts:
            dossier.add(pk)
    ids = sorted(dossier | administration)
    entry_counts = defaultdict(int)
    for pupil_id in DossierEntry.objects.filter(pupil_id__any_of=ids).values_list(
        "pupil_id", flat=True
    ):
        entry_counts[pupil_id] += 1
    for pupil in (
        Pupil.objects.filter(pk__any_of=ids).filter(selectors.not_held(day)).order_by("pk")
    ):
        reference = ctx.reference(pupil)
        if pupil.pk in dossier or (pupil.pk in administration and entry_counts[pupil.pk]):
            rule, due_on, _again = ctx.rule_and_due(pupil, Part.DOSSIER)
            plan_rows.append(
                PlannedPart(
                    reference,
                    pupil.school_id,
                    Part.DOSSIER,
                    rule,
                    due_on,
                    {"dossier_entries": entry_counts[pupil.pk]},
                )
            )
        if pupil.pk in administration:
            rule, due_on, _again = ctx.rule_and_due(pupil, Part.ADMINISTRATION)
            plan_rows.append(
                PlannedPart(
                    reference, pupil.school_id, Part.ADMINISTRATION, rule, due_on, {"pupil": 1}
                )
            )
    for dossier_row in expired_dossiers(day).select_related("pupil"):
        plan_rows.append(
            PlannedPart(
                ctx.reference(dossier_row.pupil),
                dossier_row.pupil.school_id,
                Part.TRANSFER,
                TRANSFER_RULE,
                dossier_row.retention_until,
                {"transfers.transferdossier": 1},
            )
        )
    return plan_rows


def purge_expired(
    *, actor=None, day: date | None = None, batch_size: int = DEFAULT_BATCH_SIZE
) -> PurgeRun:
    """Remove everything whose retention period has run out on ``day`` (default today).

    Idempotent: a second run finds nothing due. Crash-safe: each batch commits whole or not at
    all. One bad pupil never stops the others: a failing batch is retried pupil by pupil, a
    pupil that fails alone is rolled back alone and reported by reference, and the run goes on
    (and ends as failed, on the start page and in one mail). Only one run at a time
    (``PurgeAlreadyRunning``); a stale run is closed by the next.
    """
    from transfers.retention import expired_dossiers

    day = day or timezone.localdate()
    if batch_size < 1:
        raise ValidationError(_("De batchgrootte moet minstens 1 zijn."))
    run = _start_run(day=day, actor=actor)
    totals: dict[str, int] = defaultdict(int)
    failures: list[str] = []
    try:
        files_erase()  # leftovers of a run that died between commit and file removal
        ctx = RunContext.build(day=day, run=run)
        ids = sorted(set(selectors.due_pupil_ids(day)) | set(ctx.restored))
        brin_of = dict(Pupil.objects.filter(pk__any_of=ids).values_list("pk", "school_id"))

        def pupil_reference(pk):
            return rules.pseudonym(pk, ctx.brins[brin_of[pk]])

        for start in range(0, len(ids), batch_size):
            batch = ids[start : start + batch_size]
            counts = _guarded(
                batch, lambda chunk: _purge_pupils(ids=chunk, ctx=ctx), failures, pupil_reference
            )
            for key, value in counts.items():
                totals[key] += value
            totals["batches"] += 1
            _heartbeat(run)
        dossier_rows = dict(expired_dossiers(day).values_list("pk", "pupil__school_id"))
        dossier_pupils = dict(expired_dossiers(day).values_list("pk", "pupil_id"))
        dossier_ids = sorted(dossier_rows)

        def dossier_reference(pk):
            return rules.pseudonym(dossier_pupils[pk], ctx.brins[dossier_rows[pk]])

        for start in range(0, len(dossier_ids), batch_size):
            batch = dossier_ids[start : start + batch_size]
            counts = _guarded(
                batch,
                lambda chunk: _purge_transfer_dossiers(ids=chunk, ctx=ctx),
                failures,
                dossier_reference,
            )
            for key, value in counts.items():
                totals[key] += value
            _heartbeat(run)
        for key, value in hooks_retention_clocks(day=day).items():
            totals[key] += value
        for key, value in reminders_send(day=day).items():
            totals[key] += value
    except Exception:
        run.status = PurgeRun.Status.FAILED
        raise
    else:
        run.status = PurgeRun.Status.FAILED if failures else PurgeRun.Status.SUCCEEDED
    finally:
        run.counts = dict(totals)
        run.failures = failures
        run.finished_at = timezone.now()
        run.heartbeat_at = run.finished_at
        run.save(update_fields=["status", "counts", "failures", "finished_at", "heartbeat_at"])
        if run.status == PurgeRun.Status.FAILED:
            run_failure_alert(run=run)
    return run


def hooks_retention_clocks(*, day: date) -> dict[str, int]:
    """Other apps' own retention clocks (``retention_purge(day)`` in their ``hooks.py``): each
    removes what of its own has expired and returns counts."""
    totals: dict[str, int] = defaultdict(int)
    for module in hooks._hook_modules():  # each answers with a mapping: not ``collect``
        clock = getattr(module, "retention_purge", None)
        if clock is None:
            continue
        for key, value in (clock(day=day) or {}).items():
            totals[key] += value
    return totals


def records_purge(*, start: dict[type, dict[int, int | None]]) -> dict[str, int]:
    """For other apps' retention clocks (``retention_purge`` hooks): remove these rows and
    everything the deletion plan removes with them (model -> {pk: owning pupil id or None}),
    and make their audit trail forget, in one transaction. Returns counts per ``app.model``.
    Only models the plan reaches (``plan.relations``) take their children along; any model's
    own rows go and forget."""
    counts: dict[str, int] = defaultdict(int)
    start = {model: owners for model, owners in start.items() if owners}
    if not start:
        return counts
    with transaction.atomic(), disable_auditlog():
        collected = plan.collect(start)
        for key, value in plan.execute(collected).items():
            counts[key] += value
        forget = plan.audit_objects(collected)
        for model, pks in plan.earlier_deleted(collected).items():
            forget[model] |= pks
        counts["audit_entries_scrubbed"] += scrub_audit_log(forget)
        counts["accounts_anonymised"] += _anonymise_accounts(collected.accounts)
        paths = sorted({name for names in collected.files.values() for name in names})
        if paths:
            FileErasure.objects.bulk_create(
                [FileErasure(path=p) for p in paths], ignore_conflicts=True
            )
            transaction.on_commit(_enqueue_file_erasure, robust=True)
        _check_constraints_now()
    return {k: v for k, v in counts.items() if v}


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
