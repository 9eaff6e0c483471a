"""The deletion plan (DESIGN.md "Deletion plan"): what happens to every row that points at a
pupil, a parent, a dossier entry or a transfer dossier when that row goes.

The relations are *found* from the models' metadata (``relations()``, ``generic_models()``);
how each one is treated is *written once*, in ``CLASSIFICATION`` and ``GENERIC`` below. A
relation that is found but not classified fails ``tests/retention/test_plan.py``, so a new
model or foreign key cannot escape the purge unnoticed.

``collect`` and ``execute`` carry the plan out set-based: per batch one SELECT and one DELETE
per relation (``= ANY(%s)`` with one array parameter on PostgreSQL, chunked ``IN (...)``
elsewhere), one UPDATE per anonymised relation, one UPDATE per audited model to make the audit
trail forget, and one UPDATE for all accounts. The caller owns the transaction.
"""

from __future__ import annotations

from collections import defaultdict
from contextlib import contextmanager
from dataclasses import dataclass, field
from enum import StrEnum

from django.apps import apps
from django.db import connection, models

# Where the walk starts: the rows that carry a pupil's personal data and go on their own dates.
ROOTS = (
    "students.Pupil",
    "students.Guardian",
    "students.DossierEntry",
    "transfers.TransferDossier",
)


class Action(StrEnum):
    DELETE = "delete"  # the row goes with the row it points at
    KEEPS = (
        "keeps"  # the row goes with another of its relations; while it stays, so does its target
    )
    ANONYMISE = (
        "anonymise"  # the row stays as a record without personal data: link cleared, texts blanked
    )


@dataclass(frozen=True)
class Rule:
    action: Action
    blank: tuple[str, ...] = ()  # ANONYMISE: text fields emptied with the link
    why: str = ""


def delete(why: str = "") -> Rule:
    return Rule(Action.DELETE, why=why)


def keeps(why: str) -> Rule:
    return Rule(Action.KEEPS, why=why)


def anonymise(*blank: str, why: str = "") -> Rule:
    return Rule(Action.ANONYMISE, blank=blank, why=why)


# Every relation (``app.Model.field``) from any model to a root or to a model that goes with one.
CLASSIFICATION: dict[str, Rule] = {
    "students.Enrolment.pupil": delete(),
    "students.GuardianLink.pupil": delete(),
    "students.GuardianLink.guardian": keeps("a parent stays while linked to a pupil that stays"),
    "students.EmergencyContact.pupil": delete(),
    "students.DossierEntry.pupil": delete(),
    "transfers.TransferDossier.pupil": delete(),
    "transfers.TransferDossier_entries.transferdossier": delete(),
    "transfers.TransferDossier_entries.dossierentry": delete("documents chosen for the OSO"),
    "transfers.ParentReview.dossier": delete(),
    "transfers.ParentReview.guardian": keeps("the parent's remarks belong to the dossier"),
    "consent.ConsentDecision.pupil": delete(),
    "consent.ConsentDecision.guardian": keeps(
        "the decision is the pupil's consent record; its parent stays while it does"
    ),
    "consent.ParentNotice.pupil": delete(),
    "consent.ParentNotice.guardian": delete(),
    "consent.ConsentLink.guardian": delete(),
    "consent.ConsentLink.pupil": delete("the personal link of a pupil of 16+"),
    "consent.ConsentLink.notice": delete("the personal link of a consent mail about the pupil"),
    "portal.ParentRequest.pupil": delete(),
    "portal.RequestMessage.request": delete(),
    "portal.CorrectionItem.request": delete(),
    "portal.DeadlineNotice.request": delete(),
    "agreements.ProcessingStop.pupil": delete(
        "a product stopped for this pupil after an objection; it goes with the pupil"
    ),
    "portal.WithheldItem.request": delete("what staff left out of an inspection export, and why"),
    "portal.ObjectionEffect.request": delete("what a granted objection changed for this child"),
    "portal.Invitation.guardian": delete(),
    "retention.Hold.pupil": anonymise(
        "reason", "lift_reason", why="the hold stays as a record, tied by its reference"
    ),
}

# Models that point at any row through a content type (and an object id).
GENERIC: dict[str, str] = {
    "auditlog.LogEntry": "scrub",  # keeps actor, time, action and type; loses values and repr
    "admin.LogEntry": "delete",
    "guardian.UserObjectPermission": "delete",
    "guardian.GroupObjectPermission": "delete",
    "auth.Permission": "not an object reference",
}

# The accounts of pupils and parents: anonymised and deactivated when their row goes (unless
# the person also works at a school).
ACCOUNTS = ("students.Pupil.user", "students.Guardian.user")


@dataclass(frozen=True)
class Relation:
    model: type
    field: models.Field
    rule: Rule | None

    @property
    def key(self) -> str:
        return f"{self.model._meta.label}.{self.field.name}"

    @property
    def target(self) -> type:
        return self.field.related_model


def relations() -> list[Relation]:
    """Every foreign key (M2M through tables included) from any model to a root or to a model
    that is deleted with one, classified or not (``rule`` None)."""
    reached = {apps.get_model(label) for label in ROOTS}
    found: dict[str, Relation] = {}
    changed = True
    while changed:
        changed = False
        for model in apps.get_models(include_auto_created=True):
            for model_field in model._meta.concrete_fields:
                if not model_field.is_relation or model_field.related_model not in reached:
                    continue
                key = f"{model._meta.label}.{model_field.name}"
                if key in found:
                    continue
                rule = CLASSIFICATION.get(key)
                found[key] = Relation(model, model_field, rule)
                if rule and rule.action == Action.DELETE and model not in reached:
                    reached.add(model)
                    changed = True
    return list(found.values())


def generic_models() -> list[str]:
    """Models with a foreign key to ContentType: they can point at any row."""
    from django.contrib.contenttypes.models import ContentType

    return sorted(
        model._meta.label
        for model in apps.get_models(include_auto_created=True)
        if any(
            f.is_relation and f.related_model is ContentType for f in model._meta.concrete_fields
        )
    )


def unclassified() -> list[str]:
    missing = [r.key for r in relations() if r.rule is None]
    missing += [label for label in generic_models() if label not in GENERIC]
    return sorted(missing)


# --- Executing the plan ----------------------------------------------------------------------


@models.Field.register_lookup
class AnyOf(models.Lookup):
    """``field__any_of=[...]``: ``= ANY(%s)`` with one array parameter on PostgreSQL (a list of
    thousands of placeholders costs more to build and parse than to run), ``IN (...)`` elsewhere."""

    lookup_name = "any_of"
    prepare_rhs = False

    def as_sql(self, compiler, connection):
        lhs, lhs_params = self.process_lhs(compiler, connection)
        values = list(self.rhs)
        if connection.vendor == "postgresql" and all(type(v) is int for v in values):
            return f"{lhs} = ANY(%s::bigint[])", [*lhs_params, int_array(values)]
        prepared = [self.lhs.output_field.get_db_prep_value(v, connection) for v in values]
        if connection.vendor == "postgresql":
            return f"{lhs} = ANY(%s)", [*lhs_params, prepared]
        if not values:
            return "1 = 0", list(lhs_params)
        placeholders = ", ".join(["%s"] * len(values))
        return f"{lhs} IN ({placeholders})", [*lhs_params, *prepared]


def int_array(values) -> str:
    """A PostgreSQL array literal of integers ('{1,2,3}'): one short text parameter, built at C
    speed, instead of a list the driver adapts element by element."""
    return "{" + ",".join(map(str, map(int, values))) + "}"


models.ForeignObject.register_lookup(AnyOf)  # foreign keys keep lookups of their own


@contextmanager
def raw_cursor():
    """A cursor for the plan's own statements. On PostgreSQL a server-side-binding psycopg
    cursor on Django's connection (same transaction): an array of ids travels as one binary
    parameter instead of being quoted into the SQL text element by element."""
    if connection.vendor == "postgresql":
        import psycopg

        connection.ensure_connection()
        with psycopg.Cursor(connection.connection) as cursor:
            yield cursor
    else:
        with connection.cursor() as cursor:
            yield cursor


def _q(name: str) -> str:
    return connection.ops.quote_name(name)


def chunks(ids: list, size: int = 900):
    for start in range(0, len(ids), size):
        yield ids[start : start + size]


def where_in(column: str, ids, *, text: bool = False) -> list[tuple[str, list]]:
    """(SQL condition, params) pairs for ``column`` in ``ids`` (integers, or their text when
    ``text``): one array parameter on PostgreSQL, chunks of placeholders elsewhere (SQLite's
    parameter limit)."""
    ids = sorted(ids)
    if not ids:
        return []
    if connection.vendor == "postgresql":
        cast = "text[]" if text else "bigint[]"
        return [(f"{column} = ANY(%s::{cast})", [int_array(ids)])]
    values = [str(i) for i in ids] if text else ids
    return [(f"{column} IN ({', '.join(['%s'] * len(chunk))})", chunk) for chunk in chunks(values)]


def select(model, columns: list[str], where_column: str, ids) -> list[tuple]:
    """Rows (``columns``) of ``model`` whose ``where_column`` is in ``ids``. Names come from the
    models' metadata (quoted); values are parameters."""
    table = _q(model._meta.db_table)
    cols = ", ".join(_q(c) for c in columns)
    rows: list[tuple] = []
    with raw_cursor() as cursor:
        for condition, params in where_in(_q(where_column), ids):
            cursor.execute(f"SELECT {cols} FROM {table} WHERE {condition}", params)  # noqa: S608
            rows.extend(cursor.fetchall())
    return rows


def delete_rows(model, ids) -> int:
    table = _q(model._meta.db_table)
    pk = _q(model._meta.pk.column)
    count = 0
    with raw_cursor() as cursor:
        for condition, params in where_in(pk, ids):
            cursor.execute(f"DELETE FROM {table} WHERE {condition}", params)  # noqa: S608
            count += cursor.rowcount
    return count


@dataclass
class Collected:
    """What one execution of the plan removes: primary keys per model, and per row the pupil
    it belongs to (``owner``; a parent is owned by the first pupil that brought it in)."""

    ids: dict[type, set] = field(default_factory=lambda: defaultdict(set))
    owner: dict[type, dict] = field(default_factory=lambda: defaultdict(dict))
    anonymised: dict[type, set] = field(default_factory=lambda: defaultdict(set))
    files: dict[int, list[str]] = field(default_factory=lambda: defaultdict(list))
    accounts: set = field(default_factory=set)

    def per_owner(self) -> dict[int, dict[str, int]]:
        """Per pupil: how many rows of each model go (``app.model`` keys)."""
        result: dict[int, dict[str, int]] = defaultdict(lambda: defaultdict(int))
        for model, owners in self.owner.items():
            key = model._meta.label_lower
            for owner in owners.values():
                if owner is not None:
                    result[owner][key] += 1
        return result


def _delete_relations() -> dict[type, list[Relation]]:
    into: dict[type, list[Relation]] = defaultdict(list)
    for relation in relations():
        if relation.rule and relation.rule.action == Action.DELETE:
            into[relation.target].append(relation)
    return into


def _keeps_relations() -> dict[type, list[Relation]]:
    into: dict[type, list[Relation]] = defaultdict(list)
    for relation in relations():
        if relation.rule and relation.rule.action == Action.KEEPS:
            into[relation.target].append(relation)
    return into


def collect(start: dict[type, dict[int, int | None]]) -> Collected:
    """Everything that goes with the ``start`` rows (model -> {pk: owning pupil id}): their
    children through DELETE relations, and targets of KEEPS relations (parents) that no row
    that stays still points at, with their own children."""
    from students.models import Pupil

    into = _delete_relations()
    keeps_into = _keeps_relations()
    result = Collected()
    frontier: dict[type, set] = defaultdict(set)
    for model, owners in start.items():
        for pk, owner in owners.items():
            if pk not in result.ids[model]:
                result.ids[model].add(pk)
                result.owner[model][pk] = owner if model is not Pupil else pk
                frontier[model].add(pk)
    checked_keepers: set = set()
    while True:
        while frontier:
            model = next(iter(frontier))
            new = frontier.pop(model)
            if not new:
                continue
            for relation in into.get(model, ()):
                source = relation.model
                rows = select(
                    source,
                    [source._meta.pk.column, relation.field.column],
                    relation.field.column,
                    new,
                )
                for pk, parent in rows:
                    if pk in result.ids[source]:
                        continue
                    result.ids[source].add(pk)
                    result.owner[source][pk] = result.owner[model].get(parent)
                    frontier[source].add(pk)
        # Targets of KEEPS relations (parents) go when no row that stays points at them.
        found_new = False
        for target, keepers in keeps_into.items():
            candidates: dict[int, int | None] = {}
            for relation in keepers:
                source = relation.model
                going = result.ids.get(source, set())
                for pk, target_pk in select(
                    source,
                    [source._meta.pk.column, relation.field.column],
                    source._meta.pk.column,
                    going,
                ):
                    if target_pk is not None and target_pk not in result.ids[target]:
                        candidates.setdefault(target_pk, result.owner[source].get(pk))
            candidates = {k: v for k, v in candidates.items() if (target, k) not in checked_keepers}
            if not candidates:
                continue
            staying: set = set()
            for relation in keepers:
                source = relation.model
                going = result.ids.get(source, set())
                for pk, target_pk in select(
                    source,
                    [source._meta.pk.column, relation.field.column],
                    relation.field.column,
                    candidates,
                ):
                    if pk not in going:
                        staying.add(target_pk)
            for pk, owner in candidates.items():
                checked_keepers.add((target, pk))
                if pk in staying:
                    continue
                result.ids[target].add(pk)
                result.owner[target][pk] = owner
                frontier[target].add(pk)
                found_new = True
        if not found_new:
            break
    return result


def _file_fields(model) -> list[models.FileField]:
    return [f for f in model._meta.concrete_fields if isinstance(f, models.FileField)]


def execute(collected: Collected) -> dict[str, int]:
    """Carry out a collection: files noted, accounts found, anonymised relations cleared, rows
    deleted children first. Returns counts per ``app.model``. The caller scrubs the audit log
    (``audit_objects``) and anonymises the accounts, inside the same transaction."""
    counts: dict[str, int] = defaultdict(int)
    for label in ACCOUNTS:
        app_model, field_name = label.rsplit(".", 1)
        model = apps.get_model(app_model)
        column = model._meta.get_field(field_name).column
        for (user_id,) in select(
            model, [column], model._meta.pk.column, collected.ids.get(model, ())
        ):
            if user_id:
                collected.accounts.add(user_id)
    for model, pks in collected.ids.items():
        for file_field in _file_fields(model):
            for pk, name in select(
                model, [model._meta.pk.column, file_field.column], model._meta.pk.column, pks
            ):
                if name:
                    collected.files[collected.owner[model].get(pk)].append(name)
    for relation in relations():
        rule = relation.rule
        if not rule or rule.action != Action.ANONYMISE:
            continue
        target_ids = collected.ids.get(relation.target)
        if not target_ids:
            continue
        source = relation.model
        pks = [
            pk
            for (pk,) in select(source, [source._meta.pk.column], relation.field.column, target_ids)
        ]
        if pks:
            values = {relation.field.name: None, **dict.fromkeys(rule.blank, "")}
            for chunk in chunks(pks):
                source._base_manager.filter(pk__in=chunk).update(**values)
            collected.anonymised[source] |= set(pks)
    for model in _deletion_order(collected.ids):
        counts[model._meta.label_lower] += delete_rows(model, collected.ids[model])
    return counts


def _deletion_order(ids: dict[type, set]) -> list[type]:
    """Children before the rows they point at (the constraints are deferred on PostgreSQL, but
    not every database defers them)."""
    into = _delete_relations()
    models_ = [m for m, pks in ids.items() if pks]
    depends: dict[type, set] = {m: set() for m in models_}  # model -> models that point at it
    for target, rels in into.items():
        for relation in rels:
            if target in depends and relation.model in depends and relation.model is not target:
                depends[target].add(relation.model)
    for target, rels in _keeps_relations().items():
        for relation in rels:
            if target in depends and relation.model in depends:
                depends[target].add(relation.model)
    order: list[type] = []
    done: set = set()

    def visit(model, path=()):
        if model in done or model in path:
            return
        for child in sorted(depends[model], key=lambda m: m._meta.label):
            visit(child, (*path, model))
        done.add(model)
        order.append(model)

    for model in sorted(models_, key=lambda m: m._meta.label):
        visit(model)
    return order


def audit_objects(collected: Collected) -> dict[type, set]:
    """Model -> primary keys whose audit entries must forget: deleted and anonymised rows."""
    objects: dict[type, set] = defaultdict(set)
    for model, pks in collected.ids.items():
        objects[model] |= pks
    for model, pks in collected.anonymised.items():
        objects[model] |= pks
    return objects


# The parent field names the "earlier deleted" lookup reads from delete records; on PostgreSQL
# a trigger copies them into ``retention.DeletedChild`` (migration retention/0008, which lists
# the same names). A plan relation whose field name is not here fails
# tests/retention/test_plan.py.
EARLIER_DELETED_FIELDS = ("pupil", "guardian", "notice", "request", "dossier")


def earlier_deleted_queries(collected: Collected):
    """(model, SQL, params) of the lookups ``earlier_deleted`` runs: one per audited relation
    (chunks of ids on SQLite). On PostgreSQL a lookup in ``retention.DeletedChild`` by its
    index (content type, field, parent id): an index probe per id, whatever the number of rows
    ever deleted, and no index over the audit table's ``changes``. Elsewhere the model's delete
    records are read with a JSON filter. The field name is checked to be a plain identifier."""
    from auditlog.models import LogEntry
    from auditlog.registry import auditlog
    from django.contrib.contenttypes.models import ContentType

    from retention.models import DeletedChild

    table = _q(LogEntry._meta.db_table)
    side = _q(DeletedChild._meta.db_table)
    for target, rels in _delete_relations().items():
        target_ids = collected.ids.get(target)
        if not target_ids:
            continue
        wanted = sorted(target_ids)
        for relation in rels:
            if not auditlog.contains(relation.model):
                continue
            content_type = ContentType.objects.get_for_model(relation.model)
            name = relation.field.name
            if not name.isidentifier() or not name.isascii():
                raise ValueError(f"unexpected field name {name!r}")
            if connection.vendor == "postgresql":
                yield (
                    relation.model,
                    f"SELECT object_pk FROM {side} WHERE content_type_pk = %s "  # noqa: S608
                    "AND field = %s AND parent_id = ANY(%s::bigint[])",
                    [content_type.pk, name, int_array(wanted)],
                )
                continue
            value = f"json_extract(changes, '$.{name}[0]')"
            for condition, params in where_in(value, wanted, text=True):
                yield (
                    relation.model,
                    f"SELECT object_pk FROM {table} WHERE action = %s "  # noqa: S608
                    f"AND content_type_id = %s AND {condition}",
                    [LogEntry.Action.DELETE, content_type.pk, *params],
                )


def earlier_deleted(collected: Collected) -> dict[type, set]:
    """Rows deleted one by one before (with auditlog on) that belonged to what goes now: their
    delete records name the parent's id in ``changes``; their whole history must forget too."""
    found: dict[type, set] = defaultdict(set)
    with raw_cursor() as cursor:
        for model, sql, params in earlier_deleted_queries(collected):
            cursor.execute(sql, params)
            found[model] |= {row[0] for row in cursor.fetchall()}
    return found


# The count keys destruction records used before the plan (kept so old records read the same).
COUNT_KEYS = {
    "students.pupil": "pupil",
    "students.enrolment": "enrolments",
    "students.guardianlink": "guardian_links",
    "students.guardian": "guardians",
    "students.emergencycontact": "emergency_contacts",
    "students.dossierentry": "dossier_entries",
}


def count_key(label_lower: str) -> str:
    return COUNT_KEYS.get(label_lower, label_lower)


def count_label(key: str):
    """The Dutch plural for a count key: the model's verbose name for ``app.model`` keys."""
    if "." in key:
        try:
            return apps.get_model(key)._meta.verbose_name_plural
        except (LookupError, ValueError):
            return key
    return key


def per_pupil_counts(collected: Collected) -> dict[int, dict[str, int]]:
    """Per pupil: how many rows of each kind go, under the destruction records' count keys."""
    return {
        owner: {count_key(label): n for label, n in counts.items()}
        for owner, counts in collected.per_owner().items()
    }
