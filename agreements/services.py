"""Every write of the agreements app, and the agreement workflow (R6):

    draft → submitted (to the CvB) → awaiting the processor (CvB signed) | returned (with a
          reason) → signed (the processor accepted) → active → ended → destruction confirmed;
    returned → submitted;   signed/active → superseded (a newer version signed by both)

Each service checks who acts (``agreements.selectors``), validates its input (Dutch messages in a
``ValidationError``), runs in one transaction, records an ``AgreementEvent`` for each transition and
defers mail until after commit.
"""

from __future__ import annotations

import difflib
import secrets
from datetime import date, timedelta

from django.core import signing
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.utils import timezone, translation
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from accounts.models import School, SchoolClass
from accounts.roles import FoundationRoleKind
from agreements import documents, selectors
from agreements.countries import COUNTRIES, normalise_country, validate_country
from agreements.models import (
    Agreement,
    AgreementEvent,
    AgreementState,
    Bijsluiter,
    BijsluiterApproval,
    BijsluiterStatus,
    Deviation,
    ModelVersion,
    ProcessingStop,
    Product,
    ProductKind,
    ProductUse,
    ProductUser,
    SubProcessor,
    Supplier,
)
from privacy_portal.audit import record_access
from privacy_portal.mail import send_templated_mail_on_commit
from privacy_portal.pdf import render_pdf
from students.registry import category_choices

S = AgreementState

# The workflow: which transitions exist. Who may make them is checked per service.
TRANSITIONS: dict[str, set[str]] = {
    S.DRAFT: {S.SUBMITTED},
    S.SUBMITTED: {S.AWAITING_PROCESSOR, S.RETURNED},
    S.RETURNED: {S.SUBMITTED},
    S.AWAITING_PROCESSOR: {S.SIGNED},
    S.SIGNED: {S.ACTIVE, S.SUPERSEDED},
    S.ACTIVE: {S.ENDED, S.SUPERSEDED},
    S.ENDED: {S.DESTRUCTION_CONFIRMED},
    S.DESTRUCTION_CONFIRMED: set(),
    S.SUPERSEDED: set(),
}


def _transition(agreement: Agreement, to_state: str, *, actor, note: str = "") -> None:
    if to_state not in TRANSITIONS[agreement.state]:
        raise ValidationError(
            _("Een overeenkomst met status “%(state)s” kan niet naar “%(target)s”.")
            % {"state": S(agreement.state).label, "target": S(to_state).label},
            code="transition",
        )
    AgreementEvent.objects.create(
        agreement=agreement, from_state=agreement.state, to_state=to_state, actor=actor, note=note
    )
    agreement.state = to_state


def _require(condition: bool, message: str) -> None:
    if not condition:
        raise PermissionDenied(message)


def _valid_category_keys() -> set[str]:
    return {key for key, _label in category_choices()}


def _clean_categories(values, field: str, *, required: bool) -> list[str]:
    values = list(dict.fromkeys(values or []))
    unknown = [v for v in values if v not in _valid_category_keys()]
    if unknown:
        raise ValidationError(
            {field: _("Onbekende gegevenscategorie: %(keys)s.") % {"keys": ", ".join(unknown)}}
        )
    if required and not values:
        raise ValidationError({field: _("Kies ten minste één categorie persoonsgegevens.")})
    return values


def _clean_countries(values, field: str = "countries") -> list[str]:
    codes = []
    for value in values or []:
        try:
            validate_country(value)
        except ValidationError as exc:
            raise ValidationError({field: exc.messages}) from exc
        code = normalise_country(value)
        if code not in codes:
            codes.append(code)
    if not codes:
        raise ValidationError({field: _("Vul ten minste één land van opslag en verwerking in.")})
    return codes


def _full_clean(instance, exclude=None) -> None:
    instance.full_clean(exclude=exclude)


# --- Suppliers and products --------------------------------------------------------------------

SUPPLIER_FIELDS = (
    "name",
    "legal_form",
    "kvk_number",
    "street_address",
    "postal_code",
    "city",
    "contact_name",
    "contact_email",
    "contact_phone",
    "breach_contact",
)
# Art. 10: the transfer bases the supplier provides (see agreements.countries.transfer_basis).
SUPPLIER_FLAGS = ("dpf_certified", "standard_contractual_clauses")


@transaction.atomic
def supplier_create(*, actor, foundation, **data) -> Supplier:
    """Add a supplier to the foundation's register (directie or beheerder)."""
    _require(
        selectors.may_edit_register(actor, foundation),
        _("U mag het leveranciersregister niet wijzigen."),
    )
    supplier = Supplier(
        foundation=foundation,
        **{k: data.get(k, "") for k in SUPPLIER_FIELDS},
        **{k: bool(data.get(k, False)) for k in SUPPLIER_FLAGS},
    )
    _full_clean(supplier)
    supplier.save()
    return supplier


@transaction.atomic
def supplier_update(*, actor, supplier: Supplier, **data) -> Supplier:
    _require(
        selectors.may_edit_register(actor, supplier.foundation),
        _("U mag het leveranciersregister niet wijzigen."),
    )
    for key in SUPPLIER_FIELDS:
        if key in data:
            setattr(supplier, key, data[key])
    for key in SUPPLIER_FLAGS:
        if key in data:
            setattr(supplier, key, bool(data[key]))
    _full_clean(supplier)
    supplier.save()
    return supplier


PRODUCT_FIELDS = ("name", "description", "url", "target_group", "kind")


def _clean_users(values) -> list[str]:
    allowed = set(ProductUser.values)
    values = list(dict.fromkeys(values or []))
    if any(v not in allowed for v in values):
        raise ValidationError({"users": _("Kies gebruikers uit de lijst.")})
    return values


@transaction.atomic
def product_create(*, actor, supplier: Supplier, users=(), **data) -> Product:
    _require(
        selectors.may_edit_register(actor, supplier.foundation),
        _("U mag het leveranciersregister niet wijzigen."),
    )
    product = Product(
        supplier=supplier,
        users=_clean_users(users),
        **{k: data[k] for k in PRODUCT_FIELDS if k in data},
    )
    _full_clean(product)
    product.save()
    return product


@transaction.atomic
def product_update(*, actor, product: Product, users=None, **data) -> Product:
    _require(
        selectors.may_edit_register(actor, product.supplier.foundation),
        _("U mag het leveranciersregister niet wijzigen."),
    )
    for key in PRODUCT_FIELDS:
        if key in data:
            setattr(product, key, data[key])
    if users is not None:
        product.users = _clean_users(users)
    _full_clean(product)
    product.save()
    return product


# --- Bijsluiter --------------------------------------------------------------------------------

BIJSLUITER_TEXT_FIELDS = (
    "core_processing",
    "optional_processing",
    "purposes",
    "categories_description",
    "special_kinds",
    "security_measures",
    "certifications",
    "audits",
    "contact",
    "version_label",
    "staff_access",
    "staff_actions",
    "protection_measures",
    "security_standard",
    "vulnerability_measures",
    "report_deadline",
    "breach_procedure",
)
# Sections the model bijsluiter and appendix 2 require to be filled in.
REQUIRED_SECTIONS = {
    "core_processing": _(
        "B1. Beschrijf de verwerkingen die onlosmakelijk deel zijn van de dienst."
    ),
    "contact": _("G. Vul de contactgegevens in."),
    "version_label": _("H. Vul het versienummer in."),
    "staff_access": _(
        "Bijlage 2-I: beschrijf welke medewerkers toegang hebben tot welke gegevens."
    ),
    "protection_measures": _("Bijlage 2-II: beschrijf de beveiligingsmaatregelen."),
    "vulnerability_measures": _("Bijlage 2-III: beschrijf hoe zwakke plekken worden gevonden."),
    "breach_procedure": _("Beschrijf hoe datalekken en incidenten worden gemeld."),
}


def _widening(previous: Bijsluiter | None, new: Bijsluiter, subprocessors: list[dict]) -> dict:
    """R6 13.3: what the new version adds. The first version widens nothing (it is agreed in the
    agreement itself)."""
    if previous is None:
        return {}
    old_subs = {s.name.strip().lower() for s in previous.subprocessors.all()}
    old_countries = set(previous.all_countries())
    new_countries = set(new.countries) | {s["country"] for s in subprocessors}
    return {
        "categories": sorted(
            set(new.categories + new.optional_categories)
            - set(previous.categories + previous.optional_categories)
        ),
        "purposes": sorted(
            {p.lower() for p in new.purpose_lines()} - {p.lower() for p in previous.purpose_lines()}
        ),
        "subprocessors": sorted(
            s["name"] for s in subprocessors if s["name"].strip().lower() not in old_subs
        ),
        "countries": sorted(new_countries - old_countries),
        "optional_processing": bool(
            new.optional_processing.strip()
            and new.optional_processing.strip() != previous.optional_processing.strip()
        ),
    }


@transaction.atomic
def bijsluiter_record(
    *,
    actor,
    product: Product,
    categories,
    countries,
    version_date: date,
    subprocessors=(),
    optional_categories=(),
    reports_per_year: int = 1,
    **texts,
) -> Bijsluiter:
    """Record a new version of the product's privacybijsluiter (appendix 1 A–H and appendix 2).

    Versions are never edited; a new one is compared with the previous one, and what it adds
    (data categories, purposes, sub-processors, countries) is flagged for the schools' approval.
    """
    _require(
        selectors.may_propose_bijsluiter(actor, product),
        _("U mag het leveranciersregister niet wijzigen."),
    )
    # A product other schools use gets its bijsluiter from the beheerder or the CvB; the
    # directie's version is then a proposal that the beheerder accepts or rejects.
    publish = selectors.may_publish_bijsluiter(actor, product)
    errors: dict[str, list[str]] = {}
    cleaned = {k: (texts.get(k) or "").strip() for k in BIJSLUITER_TEXT_FIELDS}
    unknown = set(texts) - set(BIJSLUITER_TEXT_FIELDS)
    if unknown:
        raise TypeError(f"unknown bijsluiter fields: {sorted(unknown)}")
    for key, message in REQUIRED_SECTIONS.items():
        if not cleaned[key]:
            errors.setdefault(key, []).append(str(message))
    if product.kind == ProductKind.INFORMATION_SYSTEM and not cleaned["purposes"]:
        errors.setdefault("purposes", []).append(
            _("C. Een school- en leerlinginformatiemiddel noemt zijn doeleinden uitdrukkelijk.")
        )
    for call in (
        lambda: _clean_categories(categories, "categories", required=True),
        lambda: _clean_categories(optional_categories, "optional_categories", required=False),
        lambda: _clean_countries(countries),
    ):
        try:
            call()
        except ValidationError as exc:
            for key, messages in exc.message_dict.items():
                errors.setdefault(key, []).extend(messages)
    subs = []
    for index, sub in enumerate(subprocessors or [], start=1):
        name, task = (sub.get("name") or "").strip(), (sub.get("task") or "").strip()
        country = normalise_country(sub.get("country", ""))
        if not (name or task or country):
            continue
        if not name or not task:
            errors.setdefault("subprocessors", []).append(
                _("Subverwerker %(n)s: vul naam en taak in.") % {"n": index}
            )
        if country not in COUNTRIES:
            errors.setdefault("subprocessors", []).append(
                _("Subverwerker %(n)s: %(code)s is geen bestaande landcode.")
                % {"n": index, "code": sub.get("country") or _("(leeg)")}
            )
        subs.append({"name": name, "task": task, "country": country})
    if version_date is None:
        errors.setdefault("version_date", []).append(_("H. Vul de datum van deze versie in."))
    if errors:
        raise ValidationError(errors)
    # Lock the product so two versions recorded at once do not get the same number.
    Product.objects.select_for_update().filter(pk=product.pk).first()
    previous = selectors.current_bijsluiter(product)
    last = product.bijsluiters.order_by("-number").values_list("number", flat=True).first()
    bijsluiter = Bijsluiter(
        product=product,
        number=(last or 0) + 1,
        status=BijsluiterStatus.PUBLISHED if publish else BijsluiterStatus.PROPOSED,
        categories=_clean_categories(categories, "categories", required=True),
        optional_categories=_clean_categories(
            optional_categories, "optional_categories", required=False
        ),
        countries=_clean_countries(countries),
        version_date=version_date,
        reports_per_year=reports_per_year,
        recorded_by=actor,
        **cleaned,
    )
    bijsluiter.widening = _widening(previous, bijsluiter, subs)
    _full_clean(bijsluiter, exclude=["recorded_by"])
    bijsluiter.save()
    SubProcessor.objects.bulk_create(SubProcessor(bijsluiter=bijsluiter, **sub) for sub in subs)
    if not publish:
        _mail_proposal(bijsluiter)
    elif bijsluiter.widens:
        _mail_widening(bijsluiter)
    return bijsluiter


def _mail_proposal(bijsluiter: Bijsluiter) -> None:
    from accounts import access

    send_templated_mail_on_commit(
        "agreements/email/proposal",
        {"bijsluiter_id": bijsluiter.pk, "product": bijsluiter.product.name},
        list(
            access.users_with_foundation_role(
                bijsluiter.product.supplier.foundation, FoundationRoleKind.BEHEERDER
            ).values_list("email", flat=True)
        ),
    )


@transaction.atomic
def bijsluiter_decide(
    *, actor, bijsluiter: Bijsluiter, accept: bool, reason: str = ""
) -> Bijsluiter:
    """The beheerder (or the CvB) publishes or rejects a version a school's directie proposed.

    On publishing, the version is compared with the version current at that moment: what it
    adds is a widening, which uncovers the product until the CvB signs on it.
    """
    bijsluiter = (
        Bijsluiter.objects.select_for_update()
        .select_related("product__supplier")
        .get(pk=bijsluiter.pk)
    )
    _require(
        selectors.may_decide_bijsluiter(actor, bijsluiter.product),
        _("Alleen het bestuursbureau of het CvB beslist over een voorgestelde bijsluiter."),
    )
    if bijsluiter.status != BijsluiterStatus.PROPOSED:
        raise ValidationError(_("Over deze bijsluiterversie is al beslist."))
    reason = (reason or "").strip()
    if not accept and not reason:
        raise ValidationError({"reason": _("Geef aan waarom het voorstel wordt afgewezen.")})
    bijsluiter.decided_by = actor
    bijsluiter.decided_at = timezone.now()
    if accept:
        previous = selectors.current_bijsluiter(bijsluiter.product)
        subs = [
            {"name": s.name, "task": s.task, "country": s.country}
            for s in bijsluiter.subprocessors.all()
        ]
        bijsluiter.widening = _widening(previous, bijsluiter, subs)
        bijsluiter.status = BijsluiterStatus.PUBLISHED
    else:
        bijsluiter.status = BijsluiterStatus.REJECTED
        bijsluiter.rejection_reason = reason
    bijsluiter.save()
    if bijsluiter.recorded_by_id:
        send_templated_mail_on_commit(
            "agreements/email/proposal_decided",
            {
                "bijsluiter_id": bijsluiter.pk,
                "product": bijsluiter.product.name,
                "accepted": accept,
                "reason": reason,
            },
            [bijsluiter.recorded_by.email],
        )
    if accept and bijsluiter.widens:
        _mail_widening(bijsluiter)
    return bijsluiter


def _mail_widening(bijsluiter: Bijsluiter) -> None:
    from accounts import access

    schools = School.objects.filter(
        product_uses__product=bijsluiter.product, product_uses__end_date__isnull=True
    ).distinct()
    for school in schools:
        send_templated_mail_on_commit(
            "agreements/email/widening",
            {
                "bijsluiter_id": bijsluiter.pk,
                "product": bijsluiter.product.name,
                "school": school.name,
            },
            list(access.users_with_school_role(school, "directie").values_list("email", flat=True)),
        )


@transaction.atomic
def bijsluiter_approve(
    *, actor, bijsluiter: Bijsluiter, school: School, note: str = ""
) -> BijsluiterApproval:
    """The school's informed approval of a widened bijsluiter (R6 art. 13.3)."""
    # Locked: two approvals at once would both miss the other and one would fail on the unique
    # index; now the second waits and finds the first.
    bijsluiter = Bijsluiter.objects.select_for_update().get(pk=bijsluiter.pk)
    _require(
        selectors.may_manage_school(actor, school),
        _("Alleen de directie van de school kan instemmen met een verruiming."),
    )
    if not bijsluiter.is_published:
        raise ValidationError(_("Deze versie is nog niet gepubliceerd."))
    if not bijsluiter.widens:
        raise ValidationError(
            _("Deze versie verruimt de verwerking niet; instemming is niet nodig.")
        )
    approval, _created = BijsluiterApproval.objects.get_or_create(
        bijsluiter=bijsluiter, school=school, defaults={"approved_by": actor, "note": note}
    )
    return approval


TEXT_DIFF_FIELDS = (
    "core_processing",
    "optional_processing",
    "purposes",
    "categories_description",
    "special_kinds",
    "security_measures",
    "certifications",
    "audits",
    "contact",
    "staff_access",
    "staff_actions",
    "protection_measures",
    "security_standard",
    "vulnerability_measures",
    "breach_procedure",
)


def bijsluiter_diff(old: Bijsluiter, new: Bijsluiter) -> list[dict]:
    """Per field that changed: label, removed and added lines (a read, not a write)."""
    rows = []
    for name in TEXT_DIFF_FIELDS:
        a, b = getattr(old, name).splitlines(), getattr(new, name).splitlines()
        if a == b:
            continue
        removed, added = [], []
        for line in difflib.ndiff(a, b):
            if line.startswith("- "):
                removed.append(line[2:])
            elif line.startswith("+ "):
                added.append(line[2:])
        rows.append(
            {
                "label": Bijsluiter._meta.get_field(name).verbose_name,
                "removed": removed,
                "added": added,
            }
        )
    labels = dict(category_choices())
    for name in ("categories", "optional_categories", "countries"):
        a, b = getattr(old, name), getattr(new, name)
        if set(a) != set(b):
            show = (lambda k: str(labels.get(k, k))) if "categor" in name else (lambda k: k)
            rows.append(
                {
                    "label": Bijsluiter._meta.get_field(name).verbose_name,
                    "removed": [show(k) for k in a if k not in b],
                    "added": [show(k) for k in b if k not in a],
                }
            )
    old_subs = {(s.name, s.task, s.country) for s in old.subprocessors.all()}
    new_subs = {(s.name, s.task, s.country) for s in new.subprocessors.all()}
    if old_subs != new_subs:
        rows.append(
            {
                "label": _("F. subverwerkers"),
                "removed": [f"{n} – {t} ({c})" for n, t, c in sorted(old_subs - new_subs)],
                "added": [f"{n} – {t} ({c})" for n, t, c in sorted(new_subs - old_subs)],
            }
        )
    return rows


# --- Products in use ---------------------------------------------------------------------------


@transaction.atomic
def product_use_create(
    *,
    actor,
    school: School,
    product: Product,
    start_date: date,
    end_date: date | None = None,
    classes=(),
    categories=(),
) -> ProductUse:
    """Record that a school uses a product, for which classes and with which pupil data."""
    _require(
        selectors.may_manage_school(actor, school),
        _("Alleen de directie van de school legt vast welke producten zij gebruikt."),
    )
    if product.supplier.foundation_id != school.foundation_id:
        raise ValidationError(
            {"product": _("Dit product staat niet in het register van uw stichting.")}
        )
    if end_date and start_date and end_date < start_date:
        raise ValidationError({"end_date": _("De einddatum ligt vóór de begindatum.")})
    classes = list(classes)
    if any(c.school_id != school.pk for c in classes):
        raise ValidationError({"classes": _("Kies alleen groepen van deze school.")})
    use = ProductUse(
        school=school,
        product=product,
        start_date=start_date,
        end_date=end_date,
        categories=_clean_categories(categories, "categories", required=True),
    )
    _full_clean(use)
    use.save()
    use.classes.set(classes)
    return use


@transaction.atomic
def product_use_set_opt_ins(*, actor, use: ProductUse, opt_ins) -> ProductUse:
    """Model art. 3.2: the school chooses separately for each optional processing (B2) of the
    product's current bijsluiter; only those it chose may happen."""
    use = ProductUse.objects.select_for_update().select_related("school", "product").get(pk=use.pk)
    _require(
        selectors.may_manage_school(actor, use.school),
        _("Alleen de directie van de school kiest de optionele verwerkingen."),
    )
    bijsluiter = selectors.current_bijsluiter(use.product)
    offered = bijsluiter.optional_lines() if bijsluiter else []
    chosen = list(dict.fromkeys(opt_ins or []))
    unknown = [line for line in chosen if line not in offered]
    if unknown:
        raise ValidationError(
            {"opt_ins": _("Kies alleen optionele verwerkingen uit de huidige bijsluiter (B2).")}
        )
    use.optional_opt_ins = chosen
    use.save(update_fields=["optional_opt_ins"])
    return use


@transaction.atomic
def product_use_end(*, actor, use: ProductUse, end_date: date) -> ProductUse:
    use = ProductUse.objects.select_for_update().select_related("school").get(pk=use.pk)
    _require(selectors.may_manage_school(actor, use.school), _("U mag dit niet wijzigen."))
    # Ended before today: someone else already recorded it (ending today can still be moved).
    if use.end_date is not None and use.end_date < timezone.localdate():
        raise ValidationError(
            _("Dit product was al niet meer in gebruik (sinds %(date)s).")
            % {"date": date_format(use.end_date, "SHORT_DATE_FORMAT")}
        )
    if end_date < use.start_date:
        raise ValidationError({"end_date": _("De einddatum ligt vóór de begindatum.")})
    use.end_date = end_date
    use.save(update_fields=["end_date"])
    return use


# --- Agreements --------------------------------------------------------------------------------


def _check_dates(start_date, end_date) -> None:
    if start_date is None:
        raise ValidationError({"start_date": _("Vul de ingangsdatum in.")})
    if end_date and end_date < start_date:
        raise ValidationError(
            {
                "end_date": _("De einddatum (%(end)s) ligt vóór de ingangsdatum (%(start)s).")
                % {"end": date_format(end_date), "start": date_format(start_date)}
            }
        )


def _check_scope(actor, foundation, *, all_schools: bool, schools) -> list[School]:
    schools = list(schools)
    if any(s.foundation_id != foundation.pk for s in schools):
        raise ValidationError({"schools": _("Kies alleen scholen van de stichting.")})
    if all_schools:
        _require(
            selectors.is_beheerder_of(actor, foundation),
            _("Alleen het bestuursbureau maakt een overeenkomst voor de hele stichting."),
        )
        return []
    if not schools:
        raise ValidationError(
            {"schools": _("Kies de school of scholen waarvoor de overeenkomst geldt.")}
        )
    if not selectors.is_beheerder_of(actor, foundation):
        own = set(selectors.directie_schools(actor).values_list("pk", flat=True))
        _require(
            {s.pk for s in schools} <= own,
            _(
                "U kunt alleen een overeenkomst maken voor de school of scholen waar u directie bent."
            ),
        )
    return schools


def _pin_bijsluiters(supplier: Supplier, products) -> list[Bijsluiter]:
    products = list(products)
    if not products:
        raise ValidationError({"products": _("Kies ten minste één product.")})
    pinned = []
    for product in products:
        if product.supplier_id != supplier.pk:
            raise ValidationError({"products": _("Kies alleen producten van deze leverancier.")})
        bijsluiter = selectors.current_bijsluiter(product)
        if bijsluiter is None:
            raise ValidationError(
                {
                    "products": _("%(product)s heeft nog geen privacybijsluiter.")
                    % {"product": product.name}
                }
            )
        pinned.append(bijsluiter)
    return pinned


@transaction.atomic
def agreement_create(
    *,
    actor,
    supplier: Supplier,
    products,
    start_date: date,
    end_date: date | None = None,
    schools=(),
    all_schools: bool = False,
    linked_to_contract: bool = True,
    model_version: str = ModelVersion.V2_0,
) -> Agreement:
    """Draft a processor agreement for products of one supplier, pinning each product's current
    bijsluiter version."""
    foundation = supplier.foundation
    _require(
        selectors.may_edit_register(actor, foundation),
        _("U mag geen verwerkersovereenkomst opstellen."),
    )
    _check_dates(start_date, end_date)
    schools = _check_scope(actor, foundation, all_schools=all_schools, schools=schools)
    bijsluiters = _pin_bijsluiters(supplier, products)
    if model_version not in ModelVersion.values:
        raise ValidationError({"model_version": _("Kies een bestaande modelversie.")})
    agreement = Agreement.objects.create(
        foundation=foundation,
        supplier=supplier,
        all_schools=all_schools,
        start_date=start_date,
        end_date=end_date,
        linked_to_contract=linked_to_contract,
        model_version=model_version,
        created_by=actor,
    )
    agreement.schools.set(schools)
    agreement.bijsluiters.set(bijsluiters)
    AgreementEvent.objects.create(agreement=agreement, to_state=S.DRAFT, actor=actor)
    return agreement


def _require_editable(actor, agreement: Agreement) -> None:
    _require(
        selectors.may_manage_agreement(actor, agreement),
        _("U mag deze overeenkomst niet wijzigen."),
    )
    if not agreement.is_editable:
        raise ValidationError(
            _(
                "Een %(state)s overeenkomst kan niet meer worden gewijzigd. Maak een nieuwe versie; "
                "die moet opnieuw worden ondertekend."
            )
            % {"state": S(agreement.state).label},
            code="immutable",
        )


@transaction.atomic
def agreement_update(
    *,
    actor,
    agreement: Agreement,
    products=None,
    start_date: date | None = None,
    end_date: date | None = None,
    schools=None,
    all_schools: bool | None = None,
    linked_to_contract: bool | None = None,
    model_version: str | None = None,
) -> Agreement:
    """Change a draft or returned agreement; signed agreements are immutable."""
    agreement = Agreement.objects.select_for_update().get(pk=agreement.pk)
    _require_editable(actor, agreement)
    start = start_date or agreement.start_date
    end = end_date if end_date is not None else agreement.end_date
    _check_dates(start, end)
    agreement.start_date, agreement.end_date = start, end
    if all_schools is not None or schools is not None:
        new_all = agreement.all_schools if all_schools is None else all_schools
        new_schools = _check_scope(
            actor,
            agreement.foundation,
            all_schools=new_all,
            schools=agreement.schools.all() if schools is None else schools,
        )
        agreement.all_schools = new_all
        agreement.schools.set(new_schools)
    if products is not None:
        agreement.bijsluiters.set(_pin_bijsluiters(agreement.supplier, products))
    if linked_to_contract is not None:
        agreement.linked_to_contract = linked_to_contract
    if model_version is not None:
        if model_version not in ModelVersion.values:
            raise ValidationError({"model_version": _("Kies een bestaande modelversie.")})
        agreement.model_version = model_version
    agreement.save()
    return agreement


@transaction.atomic
def deviation_add(
    *, actor, agreement: Agreement, article: str, description: str, motivation: str
) -> Deviation:
    """Appendix 3: list and motivate a deviation from the model agreement (art. 13.2)."""
    # Locked: a deviation added while someone submits would slip past the signature.
    agreement = Agreement.objects.select_for_update().get(pk=agreement.pk)
    _require_editable(actor, agreement)
    deviation = Deviation(
        agreement=agreement,
        article=(article or "").strip(),
        description=(description or "").strip(),
        motivation=(motivation or "").strip(),
    )
    errors = {}
    if not deviation.article:
        errors["article"] = _("Noem het artikel waarvan wordt afgeweken.")
    if not deviation.description:
        errors["description"] = _("Beschrijf de afwijking.")
    if not deviation.motivation:
        errors["motivation"] = _("Een afwijking van het model moet worden gemotiveerd.")
    if errors:
        raise ValidationError(errors)
    deviation.save()
    return deviation


@transaction.atomic
def deviation_remove(*, actor, deviation: Deviation) -> None:
    agreement = Agreement.objects.select_for_update().get(pk=deviation.agreement_id)
    _require_editable(actor, agreement)
    deleted, _counts = Deviation.objects.filter(pk=deviation.pk).delete()
    if not deleted:
        raise ValidationError(_("Deze afwijking was al verwijderd."))


@transaction.atomic
def agreement_submit(*, actor, agreement: Agreement) -> Agreement:
    """Offer the agreement to the CvB for signing (R6: schools offer agreements to the CvB)."""
    agreement = Agreement.objects.select_for_update().get(pk=agreement.pk)
    _require(
        selectors.may_manage_agreement(actor, agreement),
        _("U mag deze overeenkomst niet indienen."),
    )
    _transition(agreement, S.SUBMITTED, actor=actor)
    agreement.submitted_at = timezone.now()
    agreement.save()
    from accounts import access

    send_templated_mail_on_commit(
        "agreements/email/submitted",
        {"agreement_id": agreement.pk, "supplier": agreement.supplier.name},
        list(
            access.users_with_foundation_role(
                agreement.foundation, FoundationRoleKind.CVB
            ).values_list("email", flat=True)
        ),
    )
    return agreement


@transaction.atomic
def agreement_return(*, actor, agreement: Agreement, reason: str) -> Agreement:
    """The CvB sends the agreement back to the school, with a reason."""
    agreement = Agreement.objects.select_for_update().get(pk=agreement.pk)
    _require(selectors.may_sign(actor, agreement), _("Alleen een lid van het CvB kan terugsturen."))
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": _("Geef aan waarom de overeenkomst wordt teruggestuurd.")})
    _transition(agreement, S.RETURNED, actor=actor, note=reason)
    agreement.returned_reason = reason
    agreement.save()
    send_templated_mail_on_commit(
        "agreements/email/returned",
        {"agreement_id": agreement.pk, "supplier": agreement.supplier.name, "reason": reason},
        [agreement.created_by.email],
    )
    return agreement


def signature_context(agreement: Agreement, *, stage: str = "preview", **extra) -> dict:
    """Everything the contract template needs (the PDFs and the signing screens share it).

    ``stage``: "preview" (marked CONCEPT), "text" (the agreement text both parties sign, without
    signature page; its SHA-256 is the one hash) or "sealed" (the text with the signature page
    of both parties, printing that hash).
    """
    from agreements.contract import model_articles

    bijsluiters = list(
        agreement.bijsluiters.select_related("product", "product__supplier").prefetch_related(
            "subprocessors"
        )
    )
    labels = dict(category_choices())
    schools = list(agreement.schools.all())
    school_ids = (
        set(agreement.foundation.schools.values_list("pk", flat=True))
        if agreement.all_schools
        else {s.pk for s in schools}
    )
    opt_ins: dict[int, list[tuple[str, list[str]]]] = {}
    for use in (
        ProductUse.objects.filter(
            school_id__in=school_ids,
            product__in=[b.product_id for b in bijsluiters],
            end_date__isnull=True,
        )
        .select_related("school")
        .order_by("school__name")
    ):
        opt_ins.setdefault(use.product_id, []).append((use.school.name, use.optional_opt_ins))
    for b in bijsluiters:
        b.opt_ins = opt_ins.get(b.product_id, [])
    context = {
        "agreement": agreement,
        "foundation": agreement.foundation,
        "supplier": agreement.supplier,
        "schools": schools,
        "bijsluiters": bijsluiters,
        "category_labels": labels,
        "deviations": list(agreement.deviations.all()),
        "articles": model_articles(agreement.model_version),
        "stage": stage,
        "signer": agreement.signed_by,
        "signed_at": agreement.signed_at,
        "text_sha256": agreement.pdf_sha256,
    }
    context.update(extra)
    return context


def agreement_render_pdf(agreement: Agreement, *, stage: str = "preview", **extra) -> bytes:
    """The agreement in Dutch, whoever prints it: it is the model processor agreement, a legal
    text that stays Dutch, and both parties sign the hash of one text, which must not depend on
    the signer's language."""
    with translation.override("nl"):
        return render_pdf(
            "pdf/agreements/agreement.html", signature_context(agreement, stage=stage, **extra)
        )


@transaction.atomic
def agreement_sign(
    *, actor, agreement: Agreement, two_factor_verified: bool, ip: str | None
) -> Agreement:
    """A CvB member signs. The agreement text is rendered once and frozen (write-once); its
    SHA-256 is the hash both parties sign. The sealed PDF shows the CvB's signature; the
    agreement then waits for the processor (personal link mailed to the supplier's contact).
    ``two_factor_verified`` is True only when the session passed 2FA and the signer re-entered
    their password or a TOTP code just now."""
    agreement = Agreement.objects.select_for_update().get(pk=agreement.pk)
    _require(
        selectors.may_sign(actor, agreement), _("Alleen een lid van het CvB kan ondertekenen.")
    )
    _require(
        two_factor_verified,
        _("Log in met tweestapsverificatie om te ondertekenen."),
    )
    if agreement.state != S.SUBMITTED:
        _transition(agreement, S.AWAITING_PROCESSOR, actor=actor)  # raises with a clear message
    written = []
    try:
        text = agreement_render_pdf(agreement, stage="text")
        relative = documents.write_once("signed", text)
        written.append(relative)
        text_sha256 = documents.sha256_hex(text)
        _transition(agreement, S.AWAITING_PROCESSOR, actor=actor, note=text_sha256)
        agreement.signed_by = actor
        agreement.signed_at = timezone.now()
        agreement.signed_ip = ip or None
        agreement.content_sha256 = documents.content_fingerprint(agreement)
        agreement.pdf_sha256 = text_sha256
        agreement.pdf_file = relative
        sealed = agreement_render_pdf(agreement, stage="sealed")
        agreement.sealed_file = documents.write_once("signed", sealed)
        written.append(agreement.sealed_file)
        agreement.sealed_sha256 = documents.sha256_hex(sealed)
        agreement.save()
        if agreement.supplier.contact_email:
            _send_processor_link(agreement, actor=actor, email=agreement.supplier.contact_email)
    except Exception:
        for path in written:
            documents.remove(path)
        raise
    return agreement


# --- The processor signs -----------------------------------------------------------------------

PROCESSOR_LINK_SALT = "agreements.processor-sign"
PROCESSOR_LINK_MAX_AGE = timedelta(days=30)


def processor_token(agreement: Agreement) -> str:
    """The personal link's token: signed, bound to this agreement and its current nonce."""
    return signing.dumps(
        {"a": agreement.pk, "n": agreement.processor_link_nonce}, salt=PROCESSOR_LINK_SALT
    )


def _send_processor_link(agreement: Agreement, *, actor, email: str) -> None:
    """A new nonce invalidates every earlier link; the mail carries the only valid one."""
    agreement.processor_link_nonce = secrets.token_hex(16)
    agreement.processor_link_sent_at = timezone.now()
    agreement.processor_link_sent_to = email
    agreement.save(
        update_fields=["processor_link_nonce", "processor_link_sent_at", "processor_link_sent_to"]
    )
    AgreementEvent.objects.create(
        agreement=agreement,
        from_state=agreement.state,
        to_state=agreement.state,
        actor=actor,
        note=_("Ondertekenlink verstuurd naar %(email)s") % {"email": email},
    )
    send_templated_mail_on_commit(
        "agreements/email/processor_link",
        {
            "foundation": agreement.foundation.name,
            "supplier": agreement.supplier.name,
            "token": processor_token(agreement),
            "valid_days": PROCESSOR_LINK_MAX_AGE.days,
        },
        [email],
    )


@transaction.atomic
def agreement_send_processor_link(*, actor, agreement: Agreement, email: str = "") -> Agreement:
    """Send (again) the personal signing link to the supplier's signatory."""
    agreement = Agreement.objects.select_for_update().get(pk=agreement.pk)
    _require(
        selectors.may_manage_agreement(actor, agreement) or selectors.may_sign(actor, agreement),
        _("U mag de verwerker niet om ondertekening vragen."),
    )
    if agreement.state != S.AWAITING_PROCESSOR:
        raise ValidationError(_("Deze overeenkomst wacht niet op de verwerker."))
    email = (email or agreement.supplier.contact_email or "").strip()
    try:
        validate_email(email)
    except ValidationError as exc:
        raise ValidationError(
            {"email": _("Vul het e-mailadres in van wie bij de leverancier ondertekent.")}
        ) from exc
    _send_processor_link(agreement, actor=actor, email=email)
    return agreement


class InvalidProcessorLink(Exception):
    """The link is forged, expired, already used or replaced by a newer one."""

    def __init__(self, message, *, gone: bool = True):
        super().__init__(message)
        self.message = message
        self.gone = gone  # expired or used (410), rather than never valid (404)


def agreement_for_processor_token(token: str) -> Agreement:
    """The agreement a personal link opens, or InvalidProcessorLink with a reason in words."""
    try:
        data = signing.loads(
            token, salt=PROCESSOR_LINK_SALT, max_age=PROCESSOR_LINK_MAX_AGE.total_seconds()
        )
    except signing.SignatureExpired as exc:
        raise InvalidProcessorLink(
            _("Deze link is verlopen. Vraag de school om een nieuwe link.")
        ) from exc
    except signing.BadSignature as exc:
        raise InvalidProcessorLink(_("Deze link is ongeldig."), gone=False) from exc
    agreement = Agreement.objects.filter(pk=data.get("a")).first()
    if agreement is None or not data.get("n"):
        raise InvalidProcessorLink(_("Deze link is ongeldig."), gone=False)
    if agreement.state != S.AWAITING_PROCESSOR or agreement.processor_link_nonce != data["n"]:
        raise InvalidProcessorLink(_("Deze link is al gebruikt of vervangen door een nieuwe link."))
    return agreement


def _processor_signed(agreement: Agreement, *, actor, note: str) -> None:
    agreement.processor_link_nonce = ""
    _transition(agreement, S.SIGNED, actor=actor, note=note)
    if agreement.start_date <= timezone.localdate():
        _transition(agreement, S.ACTIVE, actor=actor)
    _supersede_previous(agreement, actor=actor)


@transaction.atomic
def processor_accept(
    *, token: str, name: str, function: str, accepted: bool, ip: str | None
) -> Agreement:
    """The processor's signatory accepts through the personal link: once, before it expires,
    for that one agreement. Records name, function, time and IP and seals the final PDF with
    both signatures."""
    found = agreement_for_processor_token(token)
    agreement = Agreement.objects.select_for_update().get(pk=found.pk)
    agreement_for_processor_token(token)  # again, under the lock: a second use fails here
    agreement.refresh_from_db()
    errors = {}
    if not (name or "").strip():
        errors["name"] = _("Vul uw naam in.")
    if not (function or "").strip():
        errors["function"] = _("Vul uw functie in.")
    if not accepted:
        errors["accept"] = _("Vink aan dat u de overeenkomst namens de verwerker aanvaardt.")
    if errors:
        raise ValidationError(errors)
    agreement.processor_signer_name = name.strip()
    agreement.processor_signer_function = function.strip()
    agreement.processor_signed_at = timezone.now()
    agreement.processor_signed_ip = ip or None
    _processor_signed(
        agreement,
        actor=None,
        note=_("Online aanvaard door %(name)s (%(function)s)")
        % {
            "name": agreement.processor_signer_name,
            "function": agreement.processor_signer_function,
        },
    )
    old = agreement.sealed_file
    sealed = agreement_render_pdf(agreement, stage="sealed")
    relative = documents.write_once("signed", sealed)
    try:
        agreement.sealed_file = relative
        agreement.sealed_sha256 = documents.sha256_hex(sealed)
        agreement.save()
    except Exception:
        documents.remove(relative)
        raise
    if old:
        transaction.on_commit(lambda: documents.remove(old))
    _mail_processor_signed(agreement)
    return agreement


@transaction.atomic
def agreement_upload_countersigned(
    *, actor, agreement: Agreement, document: bytes, name: str, function: str
) -> Agreement:
    """The school uploads the copy the processor countersigned on paper (instead of the link)."""
    agreement = Agreement.objects.select_for_update().get(pk=agreement.pk)
    _require(
        selectors.may_manage_agreement(actor, agreement),
        _("U mag de getekende kopie van deze overeenkomst niet vastleggen."),
    )
    if agreement.state != S.AWAITING_PROCESSOR:
        raise ValidationError(_("Deze overeenkomst wacht niet op de verwerker."))
    errors = {}
    if not (name or "").strip():
        errors["name"] = _("Vul in wie namens de verwerker ondertekende.")
    if not (function or "").strip():
        errors["function"] = _("Vul de functie van de ondertekenaar in.")
    if not document:
        errors["document"] = _("Voeg de door de verwerker getekende kopie toe (PDF).")
    if errors:
        raise ValidationError(errors)
    _check_pdf(document, _("Upload de getekende kopie als PDF-bestand."))
    relative = documents.write_once("countersigned", document)
    try:
        agreement.processor_signer_name = name.strip()
        agreement.processor_signer_function = function.strip()
        agreement.processor_signed_at = timezone.now()
        agreement.processor_signed_ip = None
        agreement.countersigned_file = relative
        agreement.countersigned_sha256 = documents.sha256_hex(document)
        _processor_signed(
            agreement,
            actor=actor,
            note=_("Getekende kopie geüpload (SHA-256 %(h)s)")
            % {"h": agreement.countersigned_sha256},
        )
        agreement.save()
    except Exception:
        documents.remove(relative)
        raise
    _mail_processor_signed(agreement)
    return agreement


def _mail_processor_signed(agreement: Agreement) -> None:
    recipients = {agreement.created_by.email}
    if agreement.signed_by_id:
        recipients.add(agreement.signed_by.email)
    send_templated_mail_on_commit(
        "agreements/email/processor_signed",
        {"agreement_id": agreement.pk, "supplier": agreement.supplier.name},
        sorted(recipients),
    )


def _supersede_previous(agreement: Agreement, *, actor) -> None:
    previous = agreement.previous
    if previous is not None and previous.state in (S.SIGNED, S.ACTIVE):
        previous = Agreement.objects.select_for_update().get(pk=previous.pk)
        _transition(
            previous,
            S.SUPERSEDED,
            actor=actor,
            note=_("Vervangen door versie %(v)s") % {"v": agreement.version},
        )
        previous.save()


@transaction.atomic
def agreement_activate(*, agreement: Agreement, actor=None, today: date | None = None) -> bool:
    """A signed agreement becomes active on its start date (the daily job calls this)."""
    agreement = Agreement.objects.select_for_update().get(pk=agreement.pk)
    today = today or timezone.localdate()
    if agreement.state != S.SIGNED or agreement.start_date > today:
        return False
    _transition(agreement, S.ACTIVE, actor=actor)
    agreement.save()
    return True


@transaction.atomic
def agreement_end(*, actor, agreement: Agreement, ended_on: date, reason: str) -> Agreement:
    """Terminate an active agreement; the processor must then destroy the data (art. 12)."""
    agreement = Agreement.objects.select_for_update().get(pk=agreement.pk)
    _require(
        selectors.may_manage_agreement(actor, agreement),
        _("U mag deze overeenkomst niet beëindigen."),
    )
    if ended_on is None:
        raise ValidationError({"ended_on": _("Vul de datum van beëindiging in.")})
    if ended_on < agreement.start_date:
        raise ValidationError({"ended_on": _("De einddatum ligt vóór de ingangsdatum.")})
    if not (reason or "").strip():
        raise ValidationError({"reason": _("Geef de reden van beëindiging.")})
    _transition(agreement, S.ENDED, actor=actor, note=reason.strip())
    agreement.ended_on = ended_on
    agreement.end_reason = reason.strip()
    agreement.save()
    return agreement


def _check_pdf(data: bytes, message: str = "") -> None:
    from privacy_portal.uploads import content_type

    if content_type(data) != "application/pdf":
        raise ValidationError(
            {"document": message or _("Upload de schriftelijke bevestiging als PDF-bestand.")}
        )


@transaction.atomic
def agreement_confirm_destruction(
    *, actor, agreement: Agreement, confirmed_on: date, confirmed_by: str, document: bytes
) -> Agreement:
    """Record the processor's written confirmation that the data was destroyed (art. 12)."""
    agreement = Agreement.objects.select_for_update().get(pk=agreement.pk)
    _require(selectors.may_manage_agreement(actor, agreement), _("U mag dit niet vastleggen."))
    errors = {}
    if confirmed_on is None:
        errors["confirmed_on"] = _("Vul de datum van de bevestiging in.")
    elif confirmed_on > timezone.localdate():
        errors["confirmed_on"] = _("De datum van de bevestiging kan niet in de toekomst liggen.")
    if not (confirmed_by or "").strip():
        errors["confirmed_by"] = _("Vul in wie bij de leverancier de vernietiging bevestigde.")
    if not document:
        errors["document"] = _("Voeg de schriftelijke bevestiging toe.")
    if errors:
        raise ValidationError(errors)
    _check_pdf(document)
    _transition(agreement, S.DESTRUCTION_CONFIRMED, actor=actor)
    relative = documents.write_once("destruction", document)
    try:
        agreement.destruction_confirmed_on = confirmed_on
        agreement.destruction_confirmed_by = confirmed_by.strip()
        agreement.destruction_document = relative
        agreement.save()
    except Exception:
        documents.remove(relative)
        raise
    return agreement


@transaction.atomic
def agreement_new_version(*, actor, agreement: Agreement) -> Agreement:
    """A change to a signed agreement: a new draft version that needs a new signature. The signed
    version stays in force until the new one is signed."""
    agreement = Agreement.objects.select_for_update().get(pk=agreement.pk)
    _require(
        selectors.may_manage_agreement(actor, agreement),
        _("U mag deze overeenkomst niet wijzigen."),
    )
    if agreement.state not in (S.SIGNED, S.ACTIVE):
        raise ValidationError(
            _("Alleen van een ondertekende overeenkomst maakt u een nieuwe versie.")
        )
    if Agreement.objects.filter(previous=agreement).exists():
        raise ValidationError(_("Er is al een nieuwe versie van deze overeenkomst."))
    new = Agreement.objects.create(
        foundation=agreement.foundation,
        supplier=agreement.supplier,
        all_schools=agreement.all_schools,
        start_date=agreement.start_date,
        end_date=agreement.end_date,
        linked_to_contract=agreement.linked_to_contract,
        model_version=agreement.model_version,
        lineage=agreement.lineage,
        version=agreement.version + 1,
        previous=agreement,
        created_by=actor,
    )
    new.schools.set(agreement.schools.all())
    # A new version takes each product's current bijsluiter.
    new.bijsluiters.set(
        _pin_bijsluiters(agreement.supplier, [b.product for b in agreement.bijsluiters.all()])
    )
    Deviation.objects.bulk_create(
        Deviation(
            agreement=new, article=d.article, description=d.description, motivation=d.motivation
        )
        for d in agreement.deviations.all()
    )
    AgreementEvent.objects.create(
        agreement=new, to_state=S.DRAFT, actor=actor, note=f"v{agreement.version} → v{new.version}"
    )
    return new


def agreement_verify_pdf(*, actor, agreement: Agreement, data: bytes | None = None) -> bool:
    """Do the stored files (or an uploaded copy, ``data``) match the hashes kept at signing?

    Without ``data`` every stored file is checked: the signed text against the one hash, the
    sealed PDF and a countersigned copy against theirs. An uploaded copy matches when it is one
    of those files byte for byte.
    """
    if not agreement.pdf_sha256:
        raise ValidationError(_("Deze overeenkomst is nog niet ondertekend."))
    record_access(actor=actor, instance=agreement, what="agreement:verify")
    stored = [
        (agreement.pdf_file, agreement.pdf_sha256),
        (agreement.sealed_file, agreement.sealed_sha256),
        (agreement.countersigned_file, agreement.countersigned_sha256),
    ]
    stored = [(path, digest) for path, digest in stored if path and digest]
    if data is not None:
        return documents.sha256_hex(data) in {digest for _path, digest in stored}
    for path, digest in stored:
        try:
            if documents.sha256_hex(documents.read(path)) != digest:
                return False
        except (FileNotFoundError, ValueError):
            return False
    return True


def agreement_signed_pdf(*, actor, agreement: Agreement, which: str = "text") -> bytes:
    """A stored PDF for download (recorded as an access): "text" (the signed text, whose
    SHA-256 is the one hash), "sealed" (with the signature page) or "countersigned"."""
    path = {
        "text": agreement.pdf_file,
        "sealed": agreement.sealed_file,
        "countersigned": agreement.countersigned_file,
    }[which]
    if not path:
        raise FileNotFoundError(which)
    data = documents.read(path)
    record_access(actor=actor, instance=agreement, what=f"agreement:pdf:{which}")
    return data


def classes_of(school: School):
    return SchoolClass.objects.filter(school=school)


# --- Periodic jobs (called by agreements.tasks) -------------------------------------------------


def _school_directie_emails(agreement: Agreement) -> list[str]:
    from accounts import access

    schools = (
        agreement.foundation.schools.all() if agreement.all_schools else agreement.schools.all()
    )
    emails = {agreement.created_by.email}
    for school in schools:
        emails |= set(
            access.users_with_school_role(school, "directie").values_list("email", flat=True)
        )
    return sorted(e for e in emails if e)


def _remind_once(agreement: Agreement, kind: str, period: str, template: str, context, recipients):
    """Send at most one reminder per agreement, kind and period (the unique constraint)."""
    from agreements.models import Reminder

    reminder, created = Reminder.objects.get_or_create(
        agreement=agreement, kind=kind, period=period, defaults={"recipients": len(recipients)}
    )
    if created:
        send_templated_mail_on_commit(template, context, recipients)
    return created


@transaction.atomic
def reminders_send_awaiting(*, today: date | None = None) -> int:
    """Weekly: remind the CvB of every agreement waiting for a signature (one per ISO week)."""
    from accounts import access
    from agreements.models import Reminder

    today = today or timezone.localdate()
    year, week, _weekday = today.isocalendar()
    period = f"{year}-W{week:02d}"
    sent = 0
    for agreement in Agreement.objects.filter(
        state=S.SUBMITTED, submitted_at__date__lt=today
    ).select_related("supplier", "foundation"):
        recipients = list(
            access.users_with_foundation_role(
                agreement.foundation, FoundationRoleKind.CVB
            ).values_list("email", flat=True)
        )
        sent += _remind_once(
            agreement,
            Reminder.Kind.AWAITING_CVB,
            period,
            "agreements/email/reminder_awaiting",
            {
                "agreement_id": agreement.pk,
                "supplier": agreement.supplier.name,
                "submitted_on": timezone.localtime(agreement.submitted_at).date(),
            },
            recipients,
        )
    return sent


@transaction.atomic
def reminders_send_ending(*, today: date | None = None) -> int:
    """Remind the school of agreements ending within 90 days (one per calendar month)."""
    from datetime import timedelta

    from agreements.models import Reminder

    today = today or timezone.localdate()
    horizon = today + timedelta(days=selectors.ENDING_WINDOW_DAYS)
    sent = 0
    for agreement in Agreement.objects.filter(
        state=S.ACTIVE, end_date__gte=today, end_date__lte=horizon
    ).select_related("supplier", "foundation", "created_by"):
        sent += _remind_once(
            agreement,
            Reminder.Kind.ENDING,
            f"{today:%Y-%m}",
            "agreements/email/reminder_ending",
            {
                "agreement_id": agreement.pk,
                "supplier": agreement.supplier.name,
                "end_date": agreement.end_date,
            },
            _school_directie_emails(agreement),
        )
    return sent


@transaction.atomic
def reminders_send_destruction(*, today: date | None = None) -> int:
    """Remind the school of ended agreements without a destruction confirmation (monthly)."""
    from agreements.models import Reminder

    today = today or timezone.localdate()
    sent = 0
    for agreement in Agreement.objects.filter(state=S.ENDED).select_related(
        "supplier", "foundation", "created_by"
    ):
        sent += _remind_once(
            agreement,
            Reminder.Kind.DESTRUCTION,
            f"{today:%Y-%m}",
            "agreements/email/reminder_destruction",
            {
                "agreement_id": agreement.pk,
                "supplier": agreement.supplier.name,
                "ended_on": agreement.ended_on,
            },
            _school_directie_emails(agreement),
        )
    return sent


def agreements_activate_due(*, today: date | None = None) -> int:
    """Signed agreements whose start date has come become active."""
    today = today or timezone.localdate()
    return sum(
        agreement_activate(agreement=agreement, today=today)
        for agreement in Agreement.objects.filter(state=S.SIGNED, start_date__lte=today)
    )


# --- Objections (art. 21 AVG): a product stops receiving one pupil's data ----------------------


def processing_stop_record(*, actor, pupil, product_use_id: int, reference: str) -> ProcessingStop:
    """Record that ``product_use`` no longer receives ``pupil``'s data because the school granted
    a parent's objection (request ``reference``), and tell the supplier through the outbox to
    stop processing and to remove the pupil's data (model art. 9). Called by the parents'
    portal through the ``objection_granted`` hook, in the decision's own transaction; the
    caller has checked that ``actor`` handles the request. Recording it again changes nothing
    and mails nobody twice."""
    with transaction.atomic():
        use = (
            ProductUse.objects.select_for_update()
            .filter(pk=product_use_id, pk__in=selectors.product_uses_for_pupil(pupil).values("pk"))
            .select_related("product__supplier", "school")
            .first()
        )
        if use is None:
            raise ValidationError(_("Dit product ontvangt geen gegevens van deze leerling."))
        stop, created = ProcessingStop.objects.get_or_create(
            product_use=use,
            pupil=pupil,
            defaults={"reference": reference[:20], "recorded_by": actor},
        )
        if not created:
            return stop
        supplier = use.product.supplier
        address = supplier.contact_email
        if address:
            send_templated_mail_on_commit(
                "agreements/email/processing_stop",
                {
                    "supplier": supplier,
                    "product": use.product,
                    "school": use.school,
                    # Name and school only: enough for the supplier to find the pupil it
                    # already processes; a mail is easily forwarded.
                    "pupil_name": str(pupil),
                    "reference": stop.reference,
                },
                [address],
            )
            stop.supplier_mailed_to = address
            stop.save(update_fields=["supplier_mailed_to"])
        return stop
