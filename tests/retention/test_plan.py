"""The deletion plan: every relation to a pupil, parent, dossier entry or transfer dossier is
classified, the factory builds a row of every kind, and the purge removes them all, set-based."""

from datetime import date

import pytest
from django.db import connection, models

from consent.models import ConsentDecision
from retention import plan, services
from retention.models import DestructionRecord, Hold, Part, PurgeRun
from students.models import DossierEntry, Guardian, GuardianLink, Pupil
from tests import factories as f
from tests.retention.factories import left_pupil, pupil_with_every_relation
from tests.retention.test_no_trace import traces_in_database, traces_in_media
from transfers.models import TransferDossier

TODAY = date(2026, 6, 15)


@pytest.fixture
def purge(django_capture_on_commit_callbacks):
    def run(**kwargs):
        with django_capture_on_commit_callbacks(execute=True):
            return services.purge_expired(day=TODAY, **kwargs)

    return run


def test_every_relation_to_a_pupil_parent_dossier_entry_or_transfer_dossier_is_classified():
    assert plan.unclassified() == []


def test_the_classification_names_only_relations_that_exist():
    found = {relation.key for relation in plan.relations()}
    assert set(plan.CLASSIFICATION) - found == set()
    assert set(plan.GENERIC) - set(plan.generic_models()) == set()


def test_a_new_foreign_key_to_a_pupil_fails_the_classification(monkeypatch):
    monkeypatch.delitem(plan.CLASSIFICATION, "consent.ConsentDecision.pupil")
    assert "consent.ConsentDecision.pupil" in plan.unclassified()


def test_the_factory_builds_a_row_of_every_kind_the_plan_removes(world):
    """Keeps ``pupil_with_every_relation`` complete: a new relation needs a row there."""
    built = pupil_with_every_relation(world, marker="Volledig")
    collected = plan.collect({Pupil: {built.pupil.pk: built.pupil.pk}})
    for relation in plan.relations():
        model = relation.model
        if relation.rule.action == plan.Action.ANONYMISE:
            rows = model._base_manager.filter(**{relation.field.attname: built.pupil.pk})
            assert rows.exists(), relation.key
            continue
        assert collected.ids.get(model), f"the factory makes no {model._meta.label}"
    assert collected.ids[Guardian] == {built.guardian.pk, built.former_guardian.pk}


def test_purge_after_an_oso_transfer_with_documents_chosen(world, purge):
    """Issue 15: transfers_transferdossier_entries still pointed at the deleted dossier
    entries; the commit failed and every later run failed again."""
    built = pupil_with_every_relation(world, marker="Oso")
    assert TransferDossier.objects.get().entries.count() == 1
    run = purge()
    assert run.status == PurgeRun.Status.SUCCEEDED, run.failures
    assert not Pupil.objects.filter(pk=built.pupil.pk).exists()
    assert not TransferDossier.objects.exists()
    assert not TransferDossier.entries.through.objects.exists()
    assert not DossierEntry.objects.filter(pupil_id=built.pupil.pk).exists()


def test_dossier_part_goes_while_a_transfer_dossier_still_holds_its_documents(world, purge):
    pupil = left_pupil(world.class_5a, deregistered_on=date(2023, 1, 1), entries=2)
    dossier = TransferDossier.objects.create(
        pupil=pupil,
        state=TransferDossier.State.DRAFT,
        destination_name="De Brug",
        destination_brin="09XY",
        leaves_on=date(2023, 1, 1),
    )
    dossier.entries.set(DossierEntry.objects.filter(pupil=pupil))
    run = purge()
    assert run.status == PurgeRun.Status.SUCCEEDED
    assert not DossierEntry.objects.filter(pupil=pupil).exists()
    assert dossier.entries.count() == 0
    record = DestructionRecord.objects.get()
    assert record.part == Part.DOSSIER
    assert record.counts["dossier_entries"] == 2
    assert record.counts["transfers.transferdossier_entries"] == 2


def test_parent_whose_link_was_removed_after_consent_does_not_stop_the_purge(world, purge):
    """Issue 15: a parent's link removed after that parent gave consent made every run fail
    with an IntegrityError (the decision's parent would become empty)."""
    from consent.models import ChannelText
    from consent.services import channels_ensure_defaults

    staying = f.pupil_in_class(world.class_5a)  # still at school
    leaving = left_pupil(world.class_5a, deregistered_on=date(2019, 1, 1))
    parent = f.parent_of(leaving)
    channel = channels_ensure_defaults(foundation=world.foundation)[0]
    text = ChannelText.objects.filter(channel=channel).first()
    GuardianLink.objects.create(guardian=parent, pupil=staying)
    decision = ConsentDecision.objects.create(
        pupil=staying, channel=channel, school_year=2025, granted=True, text=text, guardian=parent
    )
    GuardianLink.objects.filter(guardian=parent, pupil=staying).delete()  # custody changed
    others = [left_pupil(world.class_5a, deregistered_on=date(2019, 1, 1)) for _ in range(3)]

    run = purge(batch_size=2)

    assert run.status == PurgeRun.Status.SUCCEEDED, run.failures
    assert not Pupil.objects.filter(pk__in=[leaving.pk] + [p.pk for p in others]).exists()
    # The parent stays while the consent record of the pupil at school names them.
    decision.refresh_from_db()
    assert decision.guardian_id == parent.pk
    assert Guardian.objects.filter(pk=parent.pk).exists()


def test_former_parent_named_only_by_a_purged_pupils_consent_goes_with_it(world, purge):
    built = pupil_with_every_relation(world, marker="Ex")
    purge()
    assert not Guardian.objects.filter(pk=built.former_guardian.pk).exists()
    assert not Guardian.objects.filter(pk=built.guardian.pk).exists()


def test_pupil_with_every_related_row_leaves_no_trace_in_database_or_media(world, purge):
    built = pupil_with_every_relation(world, marker="Zwerfkei")
    before = traces_in_database(["Zwerfkei"])
    assert "auditlog.LogEntry.changes contains Zwerfkei" in before
    assert "portal.ParentRequest.export_json contains Zwerfkei" in before
    assert traces_in_media(["Zwerfkei"])
    run = purge()
    assert run.status == PurgeRun.Status.SUCCEEDED, run.failures
    assert traces_in_database(["Zwerfkei"]) == []
    assert traces_in_media(["Zwerfkei"]) == []
    hold = Hold.objects.get(pk=built.hold.pk)
    assert hold.pupil_id is None and hold.reason == "" and hold.lift_reason == ""


def test_every_text_column_of_the_plan_holds_a_marker_in_the_factory(world):
    """The no-trace test proves something only when the factory fills the personal columns."""
    pupil_with_every_relation(world, marker="Merkteken")
    skipped = {"students.Pupil": 0}
    for model in {r.model for r in plan.relations()} | {Pupil, Guardian}:
        texts = [
            fld
            for fld in model._meta.concrete_fields
            if isinstance(fld, models.TextField) and not fld.choices
        ]
        if not texts or model._meta.label in skipped:
            continue
        filled = any(
            model._base_manager.filter(**{f"{fld.name}__icontains": "Merkteken"}).exists()
            for fld in texts
        )
        assert filled, model._meta.label


def test_no_audit_entry_stores_the_inspection_export(world):
    from auditlog.models import LogEntry

    built = pupil_with_every_relation(world, marker="Exportinhoud")
    entries = LogEntry.objects.get_for_object(built.request)
    assert entries.exists()
    assert not any("Exportinhoud-zorgnotitie" in str(e.changes) for e in entries)


@pytest.mark.django_db(transaction=True)
def test_pg_dump_after_the_purge_holds_none_of_the_pupils_markers(world, tmp_path):
    """The issue's own check: a search of a database dump (PostgreSQL only; committed data)."""
    import os
    import shutil
    import subprocess

    from django.db import connection

    if connection.vendor != "postgresql" or not shutil.which("pg_dump"):
        pytest.skip("needs PostgreSQL and pg_dump")
    pupil_with_every_relation(world, marker="Dumpmerk")
    settings_dict = connection.settings_dict
    command = [
        "pg_dump",
        "--data-only",
        "-h",
        settings_dict["HOST"] or "127.0.0.1",
        "-p",
        str(settings_dict["PORT"] or 5432),
        "-U",
        settings_dict["USER"],
        settings_dict["NAME"],
    ]
    env = {**os.environ, "PGPASSWORD": settings_dict.get("PASSWORD") or ""}
    before = subprocess.run(command, capture_output=True, check=True, env=env).stdout
    assert b"Dumpmerk" in before
    services.purge_expired(day=TODAY)
    after = subprocess.run(command, capture_output=True, check=True, env=env).stdout
    assert b"Dumpmerk" not in after


def test_rows_deleted_earlier_are_found_for_the_purge(world):
    """A dossier entry deleted by hand left a delete record naming the pupil's id: the purge
    must find it, so that its history forgets with the pupil."""
    pupil = left_pupil(world.class_5a, deregistered_on=date(2019, 1, 1), entries=0)
    other = left_pupil(world.class_5a, deregistered_on=date(2019, 1, 1), entries=0)
    gone = DossierEntry.objects.create(pupil=pupil, category="care", title="Oud verslag")
    gone_pk = gone.pk
    gone.delete()
    DossierEntry.objects.create(pupil=other, category="care", title="Ander").delete()
    collected = plan.Collected()
    collected.ids[Pupil] = {pupil.pk}
    assert plan.earlier_deleted(collected)[DossierEntry] == {str(gone_pk)}


@pytest.mark.skipif(connection.vendor != "postgresql", reason="the index is PostgreSQL's")
def test_the_earlier_deleted_lookup_is_an_index_probe_not_a_read_of_history(world):
    """Issue 15: the lookup read every delete record ever written, so each run cost more than
    the last. With a long history of delete records of dossier entries (30,000 of other
    pupils), the lookup of dossier entries is answered by the index of the side table of
    deleted children, which a trigger fills from every new delete record."""
    from django.contrib.contenttypes.models import ContentType

    pupil = left_pupil(world.class_5a, deregistered_on=date(2019, 1, 1), entries=0)
    DossierEntry.objects.create(pupil=pupil, category="care", title="Oud").delete()
    content_type = ContentType.objects.get_for_model(DossierEntry)
    with plan.raw_cursor() as cursor:
        cursor.execute(
            "INSERT INTO auditlog_logentry (content_type_id, object_pk, object_repr, action, "
            "changes, changes_text, timestamp, additional_data) "
            "SELECT %s, i::text, 'x', 2, jsonb_build_object('pupil', jsonb_build_array("
            "(i + 1000000)::text, 'None')), '', now(), NULL FROM generate_series(1, 30000) i",
            [content_type.pk],
        )
        cursor.execute("ANALYZE auditlog_logentry")
    collected = plan.Collected()
    collected.ids[Pupil] = {pupil.pk}
    # The models with a short history are found through any index the planner likes.
    queries = [q for q in plan.earlier_deleted_queries(collected) if q[0] is DossierEntry]
    assert queries
    with plan.raw_cursor() as cursor:
        for _model, sql, params in queries:
            cursor.execute(f"EXPLAIN {sql}", params)
            shown = "\n".join(row[0] for row in cursor.fetchall())
            assert "deleted_child" in shown, shown
    assert plan.earlier_deleted(collected)[DossierEntry]


def test_every_field_the_earlier_deleted_lookup_reads_has_its_index():
    """A new relation in the plan whose parent field has no expression index (migration
    retention/0006) would make the lookup read history again: add the index."""
    from auditlog.registry import auditlog

    names = {
        relation.field.name
        for relation in plan.relations()
        if relation.rule
        and relation.rule.action == plan.Action.DELETE
        and auditlog.contains(relation.model)
    }
    assert names <= set(plan.EARLIER_DELETED_FIELDS)


@pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL's HOT updates")
def test_no_index_of_the_audit_table_covers_a_column_the_scrub_rewrites(world):
    """The scrub rewrites object_repr, changes, changes_text, serialized_data and
    additional_data. With no index over them (and free room on every page) PostgreSQL updates
    the rows in place (HOT): a scrub costs about what a DELETE costs (issue 15's 3x target).
    An index over one of them would make every scrub update every index of the table."""
    scrubbed = {"object_repr", "changes", "changes_text", "serialized_data", "additional_data"}
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT indexrelid::regclass::text, pg_get_indexdef(indexrelid) FROM pg_index "
            "WHERE indrelid = 'auditlog_logentry'::regclass"
        )
        for name, definition in cursor.fetchall():
            used = definition.split(" USING ", 1)[1]
            assert not any(column in used for column in scrubbed), name
        cursor.execute("SELECT reloptions FROM pg_class WHERE oid = 'auditlog_logentry'::regclass")
        assert "fillfactor=60" in (cursor.fetchone()[0] or [])


@pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL's HOT updates")
def test_scrubbing_pages_full_of_one_pupils_audit_rows_rewrites_every_row_in_place(world):
    """The purge scrubs all audit rows of a batch at once, and rows written together fill whole
    pages: the scrubbed version of every row on such a page must fit in the room the fillfactor
    left free, or the scrub adds an entry to each of the table's indexes (issue 15's 3x)."""
    from auditlog.models import LogEntry
    from django.contrib.contenttypes.models import ContentType

    content_type = ContentType.objects.get_for_model(Pupil)
    pupils = list(range(900_000, 900_400))
    LogEntry.objects.bulk_create(
        LogEntry(
            content_type=content_type,
            object_pk=str(pk),
            object_id=pk,
            object_repr=f"Voornaam{pk} Achternaam{pk}",
            action=LogEntry.Action.CREATE,
            changes={"first_name": ["None", f"Voornaam{pk}"], "last_name": ["None", "A"]},
        )
        for pk in pupils
    )
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT pg_stat_get_xact_tuples_updated(%s::regclass), "
            "pg_stat_get_xact_tuples_hot_updated(%s::regclass)",
            ["auditlog_logentry", "auditlog_logentry"],
        )
        updated_before, hot_before = cursor.fetchone()
        assert services.scrub_audit_log({Pupil: pupils}) == len(pupils)
        cursor.execute(
            "SELECT pg_stat_get_xact_tuples_updated(%s::regclass), "
            "pg_stat_get_xact_tuples_hot_updated(%s::regclass)",
            ["auditlog_logentry", "auditlog_logentry"],
        )
        updated, hot = cursor.fetchone()
    assert updated - updated_before == len(pupils)
    assert hot - hot_before == len(pupils)
