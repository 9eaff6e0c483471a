"""Every URL pattern of the project × every persona: no server error, and no response (HTML, CSV,
JSON, PDF text, the files in a zip) holds a value the persona may not read.

The URL configuration is walked recursively (``get_resolver().url_patterns``, the admin
included); each pattern's path parameters are filled from one seeded world (``FILL``) in which
one pupil carries a marker in every text field, a care-dossier entry, two parents with marked
contact details and a secret address, and around it a transfer dossier, parents' requests, a
legal hold, consent, agreements, a breach, a checklist round and a departure. A pattern that
cannot be filled is listed in ``UNFILLED`` with the reason; ``test_every_pattern_is_swept_or_
listed`` fails for a new pattern that is neither.

What a persona may read is built from the registry (``students.registry``) and the role
ceilings (``accounts.roles``), not from ``accounts.access``: a marker may appear only when the
persona's role shows its category for this pupil, a secret field only to
``registry.SECRET_AUDIENCE``, a parent's e-mail and phone only to staff and to that parent, a
care-dossier text only to the directie and IB-er (and to the parent, who reads the dossier by
inspection and in the transfer dossier).

One world and one test per persona keep the run short (every request goes through the Django
test client; a PDF is checked through the HTML it is made from, ``_HtmlAsPdf``, stored PDFs
with ``pdftotext``). The admin sits behind one gate (``is_staff``):
personas without it get a sample of admin pages (``ADMIN_GATE_SAMPLE``), the beheerder all."""

from __future__ import annotations

import io
import os
import re
import subprocess
import time
import zipfile
from datetime import date

import pytest
from django.apps import apps
from django.contrib import admin
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver

from accounts import services as account_services
from accounts.models import ClassAssignment
from accounts.roles import CLASS_ROLE_CAPABILITIES, SCHOOL_ROLE_CAPABILITIES, Audience, Capability
from students import registry
from students.models import Guardian, Pupil
from tests import factories as f
from tests.conftest import sign_in

pytestmark = pytest.mark.django_db

PUPIL_MARKED = [
    "last_name",
    "administration_number",
    "citizen_number",
    "street_address",
    "postal_code",
    "city",
    "phone",
    "previous_school",
    "destination_school",
    "allergies",
    "emergency_instructions",
    "medical_information",
]


def _marker(name: str) -> str:
    marker = f"Q{PUPIL_MARKED.index(name):02d}{name[:3].upper()}X"
    return marker[: Pupil._meta.get_field(name).max_length or len(marker)]


OWN_EMAIL = "qownparentx@thuis.example"
OWN_PHONE = "0611119999"
OTHER_EMAIL = "qotherparentx@elders.example"
OTHER_PHONE = "0622228888"
DOSSIER_TITLE = "QDOSTITLEX"
DOSSIER_BODY = "QDOSBODYX"


# --- The walk --------------------------------------------------------------------------------


def _walk(resolver, prefix="", namespace=""):
    for pattern in resolver.url_patterns:
        if isinstance(pattern, URLResolver):
            ns = pattern.namespace or ""
            yield from _walk(
                pattern, prefix + str(pattern.pattern), f"{namespace}{ns}:" if ns else namespace
            )
        elif isinstance(pattern, URLPattern):
            route = prefix + str(pattern.pattern)
            yield (f"{namespace}{pattern.name}" if pattern.name else route), route


PATTERNS = dict(_walk(get_resolver()))


# --- Filling path parameters from the world -------------------------------------------------


def _first(label: str, **filters):
    row = apps.get_model(label).objects.filter(**filters).order_by("pk").first()
    return None if row is None else row.pk


def _pk(label: str, **filters):
    return lambda w: {"pk": _first(label, **filters)}


def _pupil(key="pk"):
    return lambda w: {key: w.pupil.pk}


FILL = {
    "accounts:class_detail": lambda w: {"pk": w.class_5a.pk},
    "students:pupil_detail": _pupil(),
    "students:pupil_edit": lambda w: {"pk": w.pupil.pk, "category": "contact"},
    "students:dossier_entry_create": _pupil(),
    "students:dossier_entry": lambda w: {"pk": w.pupil.pk, "entry_pk": w.entry.pk},
    "students:dossier_document": lambda w: {"pk": w.pupil.pk, "entry_pk": w.entry.pk},
    "students:import_run": _pk("students.ImportRun"),
    "students:import_progress": _pk("students.ImportRun"),
    "students:emergency_contact_create": _pupil(),
    "students:guardian_edit": lambda w: {"pk": w.pupil.pk, "guardian_pk": w.other_guardian.pk},
    "students:emergency_contact_delete": lambda w: {"pk": w.pupil.pk, "contact_pk": w.contact.pk},
    "students:access_log": _pupil(),
    "students:change_history": _pupil(),
    "agreements:supplier_detail": _pk("agreements.Supplier"),
    "agreements:supplier_update": _pk("agreements.Supplier"),
    "agreements:product_create": lambda w: {"supplier_pk": _first("agreements.Supplier")},
    "agreements:agreement_create": lambda w: {"supplier_pk": _first("agreements.Supplier")},
    "agreements:product_detail": _pk("agreements.Product"),
    "agreements:bijsluiter_create": lambda w: {"product_pk": _first("agreements.Product")},
    "agreements:bijsluiter_detail": _pk("agreements.Bijsluiter"),
    "agreements:bijsluiter_approve": lambda w: {
        "pk": _first("agreements.Bijsluiter"),
        "school_pk": w.school.pk,
    },
    "agreements:bijsluiter_decide": _pk("agreements.Bijsluiter"),
    "agreements:product_use_create": lambda w: {"school_pk": w.school.pk},
    "agreements:product_use_end": _pk("agreements.ProductUse"),
    "agreements:product_use_opt_ins": _pk("agreements.ProductUse"),
    "agreements:agreement_detail": _pk("agreements.Agreement"),
    "agreements:agreement_update": _pk("agreements.Agreement"),
    "agreements:deviation_add": _pk("agreements.Agreement"),
    "agreements:agreement_submit": _pk("agreements.Agreement"),
    "agreements:agreement_sign": _pk("agreements.Agreement"),
    "agreements:agreement_return": _pk("agreements.Agreement"),
    "agreements:agreement_end": _pk("agreements.Agreement"),
    "agreements:agreement_destruction": _pk("agreements.Agreement"),
    "agreements:agreement_new_version": _pk("agreements.Agreement"),
    "agreements:agreement_pdf": _pk("agreements.Agreement"),
    "agreements:agreement_preview": _pk("agreements.Agreement"),
    "agreements:destruction_document": _pk("agreements.Agreement"),
    "agreements:agreement_verify": _pk("agreements.Agreement"),
    "agreements:agreement_sealed_pdf": _pk("agreements.Agreement"),
    "agreements:countersigned_document": _pk("agreements.Agreement"),
    "agreements:agreement_processor_link": _pk("agreements.Agreement"),
    "agreements:agreement_countersigned": _pk("agreements.Agreement"),
    "consent:class_overview": lambda w: {"class_id": w.class_5a.pk},
    "consent:class_pdf": lambda w: {"class_id": w.class_5a.pk},
    "consent:publish_check": lambda w: {"class_id": w.class_5a.pk},
    "consent:pupil_history": _pupil("pupil_id"),
    "consent:school_settings": lambda w: {"school_id": w.school.pk},
    "consent:channel_edit": lambda w: {"channel_id": _first("consent.Channel")},
    "consent:channel_action": lambda w: {"channel_id": _first("consent.Channel")},
    "portal:consent_detail": _pupil("pupil_id"),
    "portal:child_detail": _pupil(),
    "portal:emergency_contacts": _pupil(),
    "portal:request_new": _pupil(),
    "portal:request_detail": lambda w: {"pk": w.correction.pk},
    "portal:staff_request": lambda w: {"pk": w.correction.pk},
    "portal:staff_message": lambda w: {"pk": w.correction.pk},
    "portal:staff_extend": lambda w: {"pk": w.correction.pk},
    "portal:staff_decide": lambda w: {"pk": w.correction.pk},
    "portal:staff_correction": lambda w: {
        "pk": w.correction.pk,
        "item_pk": w.correction.corrections.first().pk,
    },
    "portal:staff_prepare": lambda w: {"pk": w.inspection.pk},
    "portal:staff_withhold": lambda w: {"pk": w.inspection.pk},
    "portal:staff_release": lambda w: {"pk": w.inspection.pk},
    "portal:staff_guardians": _pupil(),
    "portal:staff_invite": lambda w: {"pk": w.pupil.pk, "guardian_pk": w.other_guardian.pk},
    "portal:staff_invitation_confirm": lambda w: {
        "pk": w.pupil.pk,
        "invitation_pk": _first("portal.Invitation"),
    },
    "breaches:detail": _pk("breaches.Breach"),
    "breaches:reported": _pk("breaches.Breach"),
    "breaches:assess": _pk("breaches.Breach"),
    "breaches:notify_ap": _pk("breaches.Breach"),
    "breaches:ap_pdf": _pk("breaches.Breach"),
    "breaches:ap_details": _pk("breaches.Breach"),
    "breaches:record_only": _pk("breaches.Breach"),
    "breaches:close": _pk("breaches.Breach"),
    "breaches:measure_add": _pk("breaches.Breach"),
    "breaches:measure_done": lambda w: {
        "pk": _first("breaches.Breach"),
        "measure_pk": _first("breaches.FollowUpMeasure"),
    },
    "breaches:letter_generate": _pk("breaches.Breach"),
    "breaches:letter": _pk("breaches.Breach"),
    "breaches:letter_send": _pk("breaches.Breach"),
    "retention:pupil": _pupil(),
    "retention:review_request": _pupil(),
    "retention:hold_create": _pupil(),
    "retention:review_decide": lambda w: {"pk": w.hold.pk},
    "retention:hold_lift": lambda w: {"pk": w.hold.pk},
    "checklist:round_detail": _pk("checklist.ChecklistRound"),
    "checklist:round_answer": _pk("checklist.ChecklistRound"),
    "checklist:round_threshold": _pk("checklist.ChecklistRound"),
    "checklist:round_derive_actions": _pk("checklist.ChecklistRound"),
    "checklist:round_close": _pk("checklist.ChecklistRound"),
    "checklist:round_report": _pk("checklist.ChecklistRound"),
    "checklist:template_detail": _pk("checklist.ChecklistTemplate"),
    "checklist:protocol": lambda w: {"ref": "10.2"},
    "transfers:dossier_create": _pupil("pupil_pk"),
    "transfers:dossier_detail": lambda w: {"pk": w.dossier.pk},
    "transfers:dossier_edit": lambda w: {"pk": w.dossier.pk},
    "transfers:dossier_offer": lambda w: {"pk": w.dossier.pk},
    "transfers:dossier_secret_contact": lambda w: {"pk": w.dossier.pk},
    "transfers:dossier_reopen": lambda w: {"pk": w.dossier.pk},
    "transfers:paper_signature": lambda w: {"pk": w.dossier.pk},
    "transfers:dossier_hand_over": lambda w: {"pk": w.dossier.pk},
    "transfers:dossier_pdf": lambda w: {"pk": w.dossier.pk},
    "transfers:dossier_export": lambda w: {"pk": w.dossier.pk},
    "transfers:parent_detail": lambda w: {"pk": w.dossier.pk},
    "transfers:parent_pdf": lambda w: {"pk": w.dossier.pk},
    "governance:departure_detail": _pk("governance.Departure"),
    "governance:task_report": _pk("governance.OffboardingTask"),
    "governance:task_complete": _pk("governance.OffboardingTask"),
    "governance:task_template_toggle": _pk("governance.OffboardingTaskTemplate"),
    # The admin: the password form of an account, and the catch-all that answers unknown paths.
    "admin:auth_user_password_change": lambda w: {"id": w.directie.pk},
    "beheer/(?P<url>.*)$": lambda w: {"url": "students/pupil/"},
}
# Patterns with a path parameter the world cannot fill, and why they are safe to leave out.
UNFILLED = {
    "accounts:password_reset_confirm": "a one-time token mailed to the account holder; "
    "tests/accounts cover the reset flow",
    "agreements:processor_sign": "a signed personal token for the processor; "
    "tests/agreements cover it",
    "consent:link_open": "a signed personal token mailed to one parent; tests/consent cover it",
    "portal:invitation_accept": "a one-time token mailed to one parent; "
    "tests/portal/test_invitations.py covers it",
    "agreements:deviation_remove": "a deviation of an agreement holds no pupil data; "
    "tests/agreements cover it",
    "checklist:action_edit": "action items hold no pupil data (tests/checklist)",
    "retention:processor_confirm": "a processor's destruction confirmation holds no pupil data "
    "(tests/retention)",
    "retention:processor_confirmation_file": "as retention:processor_confirm: the processor's "
    "uploaded copy; tests/retention/test_processor_confirmation.py checks who may open it",
    "governance:fg_deregister": "an FG registration holds no pupil data (tests/governance)",
    "governance:protocol_detail": "protocol versions hold no pupil data; they need an uploaded "
    "PDF (tests/governance)",
    "governance:protocol_file": "as governance:protocol_detail",
    "governance:protocol_consent": "as governance:protocol_detail",
    "governance:disposal_certificate": "equipment disposals hold no pupil data (tests/governance)",
    "admin:view_on_site": "a redirect to an object's own page (get_absolute_url), which the "
    "sweep opens itself",
}


def _admin_fill(name: str):
    """Admin patterns (``admin:<app>_<model>_<action>`` and the unnamed
    ``beheer/<app>/<model>/<id>/`` redirect) filled with the model's first row."""
    if not name.startswith(("admin:", "beheer/")):
        return None
    for model in admin.site._registry:
        meta = model._meta
        if name.startswith(
            (
                f"admin:{meta.app_label}_{meta.model_name}_",
                f"beheer/{meta.app_label}/{meta.model_name}/",
            )
        ):
            row = model._default_manager.order_by("pk").first()
            pk = row.pk if row else 999999
            return lambda w: {"object_id": pk, "pk": pk, "id": pk}
    if name == "admin:app_list":
        return lambda w: {"app_label": "accounts"}
    return None


# The whole admin sits behind one gate (``AdminSite.admin_view``: signed in, ``is_staff``). For a
# persona without ``is_staff`` these pages stand for the rest (the persona is sent to the login).
ADMIN_GATE_SAMPLE = {"admin:index", "admin:accounts_user_changelist", "admin:accounts_user_change"}


def _is_admin(name: str) -> bool:
    return name.startswith(("admin:", "beheer/"))


def _url(name: str, route: str, w) -> str | None:
    fill = FILL.get(name) or _admin_fill(name)
    params = re.findall(r"<(?:\w+:)?(\w+)>|\(\?P<(\w+)>", route)
    names = [a or b for a, b in params]
    values = fill(w) if fill else {}
    if not names:
        path = route
    elif set(names) <= set(values) and None not in [values[n] for n in names]:
        path = re.sub(r"<(?:\w+:)?(\w+)>", lambda m: str(values[m.group(1)]), route)
        path = re.sub(r"\(\?P<(\w+)>[^)]*\)", lambda m: str(values[m.group(1)]), path)
    else:
        return None
    path = path.lstrip("^").rstrip("$").replace("\\.", ".")
    return "/" + path


def _fmt_fill(name):
    return lambda w: {"pk": w.inspection.pk, "fmt": "zip"}


for _name in ("portal:request_export", "portal:staff_export"):
    FILL[_name] = _fmt_fill(_name)


def test_every_pattern_is_swept_or_listed():
    with_params = {name for name, route in PATTERNS.items() if re.search(r"<\w|\(\?P<", route)}
    unknown = {
        name
        for name in with_params
        if name not in FILL and name not in UNFILLED and _admin_fill(name) is None
    }
    assert unknown == set(), "fill these patterns in FILL or list them in UNFILLED with a reason"
    assert set(UNFILLED) <= set(PATTERNS), "UNFILLED names a pattern that no longer exists"
    assert set(FILL) <= set(PATTERNS), "FILL names a pattern that no longer exists"


# --- The world -------------------------------------------------------------------------------


def _seed(w):
    from agreements.models import ProductKind
    from portal import services as portal_services
    from retention import services as retention_services
    from students.models import DossierEntry, EmergencyContact
    from tests.agreements import factories as agreements
    from tests.breaches.factories import report_breach
    from tests.checklist.factories import open_round
    from tests.governance.factories import record_departure
    from tests.transfers.factories import compile_dossier

    pupil = w.pupil
    for name in PUPIL_MARKED:
        setattr(pupil, name, _marker(name))
    pupil.save()
    own = Guardian.objects.get(user=w.parent)
    own.email, own.phone = OWN_EMAIL, OWN_PHONE
    own.save()
    other = f.parent_of(pupil)
    other.email, other.phone = OTHER_EMAIL, OTHER_PHONE
    other.save()
    w.own_guardian, w.other_guardian = own, other
    w.entry = DossierEntry.objects.create(
        pupil=pupil, category="care", title=DOSSIER_TITLE, body=DOSSIER_BODY, audience=Audience.IB
    )
    w.contact = EmergencyContact.objects.create(pupil=pupil, name="Oma", phone="0201234567")
    # A parent files a correction (before the flag: the old values are then in the request)
    # and an inspection request; then the address becomes secret.
    w.correction = portal_services.parent_request_create(
        actor=w.parent, pupil=pupil, kind="correctie", corrections={"phone": "0633334444"}
    )
    w.inspection = portal_services.parent_request_create(actor=w.parent, pupil=pupil, kind="inzage")
    # An invitation (to a third parent: the pending account it makes is account data, which the
    # beheerder's user admin lists).
    third = f.parent_of(pupil, with_account=False)
    third.email = "derde.ouder@thuis.example"
    third.save()
    portal_services.guardian_invite(actor=w.directie, guardian=third)
    from students.models import ImportRun

    ImportRun.objects.create(school=w.school, actor=w.administratie, status="done")
    pupil.contact_is_secret = True
    pupil.save()
    w.dossier = compile_dossier(
        w.ib,
        pupil,
        category_keys=[c.key for c in registry.CATEGORIES],
        entry_ids=[w.entry.pk],
    )
    w.hold = retention_services.review_request(actor=w.directie, pupil=pupil, note="Geschil")
    supplier = agreements.supplier(w.beheerder, w.foundation)
    product = agreements.product(w.beheerder, supplier, kind=ProductKind.LEARNING)
    agreements.product_in_use(w.directie, w.school, product)
    agreements.draft_agreement(w.directie, supplier, [product], [w.school])
    breach = report_breach(w.directie, w.school)
    from breaches import services as breach_services

    breach_services.measure_add(
        breach=breach,
        actor=w.fg,
        description="Wachtwoorden vervangen",
        owner=w.directie,
        due_date=date(2030, 1, 1),
    )
    open_round(w.school, w.directie)
    record_departure(w.directie, w.other_teacher, [w.school])
    from consent.services import channels_ensure_defaults

    channels_ensure_defaults(foundation=w.foundation)
    # A second foundation, a second family and a teacher whose class assignment ended.
    other_foundation = f.FoundationFactory(name="Stichting Elders")
    other_school = f.SchoolFactory(foundation=other_foundation)
    w.directie_other_foundation = f.staff(other_school, "directie")
    w.parent_other_family = f.parent_of(w.pupil_other_class).user
    w.teacher_who_left = f.teacher_of(w.class_5a)
    account_services.class_assignment_end(
        assignment=ClassAssignment.objects.get(user=w.teacher_who_left),
        end_date=date(2021, 1, 1),
    )
    return w


# --- What each persona may read --------------------------------------------------------------

C = Capability
STAFF = {
    "directie": SCHOOL_ROLE_CAPABILITIES["directie"],
    "ib": SCHOOL_ROLE_CAPABILITIES["ib"],
    "administratie": SCHOOL_ROLE_CAPABILITIES["administratie"],
    "concierge": SCHOOL_ROLE_CAPABILITIES["concierge"],
    "teacher": CLASS_ROLE_CAPABILITIES["leerkracht"],
}
NO_ACCESS = [
    "other_teacher",
    "teacher_who_left",
    "directie_other_school",
    "directie_other_foundation",
    "fg",
    "cvb",
    "beheerder",
    "parent_without_authority",
    "parent_other_family",
    "anonymous",
]
PERSONAS = sorted([*STAFF, "parent", "pupil_user", *NO_ACCESS])


def _markers() -> dict[str, str]:
    markers = {f"Pupil.{name}": _marker(name) for name in PUPIL_MARKED}
    markers |= {
        "own Guardian.email": OWN_EMAIL,
        "own Guardian.phone": OWN_PHONE,
        "other Guardian.email": OTHER_EMAIL,
        "other Guardian.phone": OTHER_PHONE,
        "DossierEntry.title": DOSSIER_TITLE,
        "DossierEntry.body": DOSSIER_BODY,
    }
    return markers


# Very sensitive to whoever reads them (R12): BSN, medical data, care-dossier texts, and the
# address and phone while they are secret.
VERY_SENSITIVE = [
    "Pupil.citizen_number",
    "Pupil.medical_information",
    "DossierEntry.title",
    "DossierEntry.body",
    *sorted(registry.HIDDEN_WHEN_SECRET & {f"Pupil.{n}" for n in PUPIL_MARKED}),
]


# The FG supervises (R5, R13, R18): the parents' requests, the retention page and the access and
# change logs name the pupil, and the retention page shows where the pupil went (SBO sets the
# term). Nothing of the pupil file itself.
FG_SUPERVISION = {"identification", "enrolment"}


def _access_records(pupil) -> int:
    from privacy_portal.audit import access_records_for

    return access_records_for(pupil).count()


def _may_read(persona: str, field: str) -> bool:
    """From the registry and the role ceilings: may ``persona`` read ``field`` of the pupil
    (whose address is secret)?"""
    name = field.split(" ")[-1]
    policy = registry.field_policy(name)
    if persona in STAFF:
        capabilities = set(STAFF[persona])
        if not policy.audiences & capabilities:
            return False
        if name.startswith("DossierEntry."):
            return registry.SECRET_AUDIENCE in capabilities  # an IB-level care entry
        return not (policy.secret_hides and registry.SECRET_AUDIENCE not in capabilities)
    if persona == "fg":
        return policy.category.key in FG_SUPERVISION
    if persona == "parent":
        if field.startswith("other "):
            return False
        return not policy.secret_hides
    if persona == "pupil_user":
        return policy.category.key == "identification"
    return False


def _text(response) -> str:
    """The response as text: HTML, CSV and JSON as they are, PDFs through pdftotext, a zip's
    members one by one."""
    body = b"".join(response.streaming_content) if response.streaming else response.content
    return _bytes_text(body)


def _bytes_text(body: bytes) -> str:
    if body.startswith(SWEEP_PDF):
        return body[len(SWEEP_PDF) :].decode("utf-8", "replace")
    if body.startswith(b"%PDF"):
        return subprocess.run(
            ["pdftotext", "-", "-"], input=body, capture_output=True, check=True
        ).stdout.decode("utf-8", "replace")
    if body.startswith(b"PK\x03\x04"):
        with zipfile.ZipFile(io.BytesIO(body)) as archive:
            return "\n".join(_bytes_text(archive.read(n)) for n in archive.namelist())
    return body.decode("utf-8", "replace")


class _HtmlAsPdf:
    """Stands in for WeasyPrint in this sweep: the "PDF" carries the HTML it was made from.
    Everything up to the layout still runs (the view, the template, the field policy); a marker
    in the PDF's text is in that HTML too. WeasyPrint itself is tested with each document."""

    def __init__(self, *, string, **kwargs):
        self.html = string

    def write_pdf(self, **kwargs):
        return SWEEP_PDF + self.html.encode()


SWEEP_PDF = b"%PDF-sweep\n"


@pytest.fixture
def seeded(world, monkeypatch):
    monkeypatch.setattr("weasyprint.HTML", _HtmlAsPdf)
    return _seed(world)


@pytest.mark.parametrize("persona", PERSONAS)
def test_no_pattern_errors_or_shows_a_persona_what_the_policy_forbids(seeded, persona):
    client = Client(raise_request_exception=False)
    if persona != "anonymous":
        sign_in(client, getattr(seeded, persona))
    markers = _markers()
    forbidden = {k: v for k, v in markers.items() if not _may_read(persona, k)}
    errors, leaks, unrecorded, swept, timings = [], [], [], 0, []
    admin_gate_only = persona == "anonymous" or not getattr(seeded, persona).is_staff
    for name, route in sorted(PATTERNS.items()):
        if name in UNFILLED or name in ("accounts:logout",):
            continue
        if admin_gate_only and _is_admin(name) and name not in ADMIN_GATE_SAMPLE:
            continue
        url = _url(name, route, seeded)
        if url is None:
            errors.append(f"{name}: could not fill {route}")
            continue
        records_before = _access_records(seeded.pupil)
        started = time.perf_counter()
        response = client.get(url)
        timings.append((time.perf_counter() - started, name))
        swept += 1
        if response.status_code >= 500:
            errors.append(f"{name} {url}: {response.status_code}")
            continue
        if admin_gate_only and _is_admin(name) and response.status_code != 302:
            errors.append(f"{name} {url}: the admin answered {response.status_code}, not login")
        text = _text(response)
        for field, marker in forbidden.items():
            if marker in text:
                leaks.append(f"{name} {url}: {field}")
        # Read logging by construction: a response showing very sensitive data of the pupil
        # writes exactly one access record against the pupil.
        shown = [f for f in VERY_SENSITIVE if markers[f] in text]
        written = _access_records(seeded.pupil) - records_before
        if shown and written != 1:
            unrecorded.append(f"{name} {url}: shows {shown}, {written} access records")
    if os.environ.get("SWEEP_TIMES"):
        total = sum(t for t, _ in timings)
        print(f"\n{persona}: {total:.1f}s", sorted(timings, reverse=True)[:12])
    assert swept > (100 if admin_gate_only else 250)
    assert errors == [], "\n".join(errors)
    assert leaks == [], f"{persona} reads what the policy forbids:\n" + "\n".join(leaks)
    assert unrecorded == [], "very sensitive data shown without one access record:\n" + "\n".join(
        unrecorded
    )
