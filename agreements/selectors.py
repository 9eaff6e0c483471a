"""Reads of the agreements app, scoped to the user through ``accounts.access``.

Who sees what (R6, DESIGN "Access"):
- the register (suppliers, products, bijsluiters) and agreements of a foundation are visible to its
  foundation roles (CvB, FG, beheerder) and to the directie, IB-er and administratie of its schools;
  teachers, the conciërge, parents and pupils do not see them;
- an agreement for named schools is visible at school level only to staff of one of those schools;
- the directie drafts and submits for their own school(s), the beheerder (office) for any school or
  the whole foundation; only a CvB member of the foundation signs or returns.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta

from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts import access
from accounts.models import Foundation, School
from accounts.roles import FoundationRoleKind, SchoolRole
from agreements.models import (
    Agreement,
    AgreementState,
    Bijsluiter,
    BijsluiterStatus,
    Product,
    ProductUse,
    Supplier,
)

REGISTER_SCHOOL_ROLES = (SchoolRole.DIRECTIE, SchoolRole.IB, SchoolRole.ADMINISTRATIE)
ENDING_WINDOW_DAYS = 90


# --- Scope -------------------------------------------------------------------------------------


def register_schools(user) -> QuerySet[School]:
    """Schools whose agreements and products the user may see."""
    return School.objects.filter(
        Q(pk__in=access.schools_with_role(user, *REGISTER_SCHOOL_ROLES).values("pk"))
        | Q(foundation__in=access.foundations_for(user))
    )


def register_foundations(user) -> QuerySet[Foundation]:
    return Foundation.objects.filter(
        Q(pk__in=access.foundations_for(user).values("pk"))
        | Q(pk__in=access.schools_with_role(user, *REGISTER_SCHOOL_ROLES).values("foundation_id"))
    )


def may_view_register(user) -> bool:
    return register_foundations(user).exists()


def has_role_in_foundation(user, foundation, *roles: str) -> bool:
    """``foundation`` may be a Foundation or its id."""
    if not getattr(user, "is_authenticated", False):
        return False
    return access.users_with_foundation_role(foundation, *roles).filter(pk=user.pk).exists()


def is_cvb_of(user, foundation) -> bool:
    return has_role_in_foundation(user, foundation, FoundationRoleKind.CVB)


def is_beheerder_of(user, foundation) -> bool:
    return has_role_in_foundation(user, foundation, FoundationRoleKind.BEHEERDER)


def directie_schools(user) -> QuerySet[School]:
    return access.schools_with_role(user, SchoolRole.DIRECTIE)


def may_edit_register(user, foundation) -> bool:
    """Directie of a school of the foundation, or its beheerder, keep the supplier register."""
    return (
        is_beheerder_of(user, foundation)
        or directie_schools(user).filter(foundation=foundation).exists()
    )


def may_manage_school(user, school: School) -> bool:
    """Record products in use and approve widened bijsluiters for this school."""
    return access.has_school_role(user, school, SchoolRole.DIRECTIE) or is_beheerder_of(
        user, school.foundation_id
    )


def may_manage_agreement(user, agreement: Agreement) -> bool:
    """Draft, edit, submit, end and record destruction: the beheerder, or the directie of every
    school the agreement names (a foundation-wide agreement is the office's business)."""
    if is_beheerder_of(user, agreement.foundation_id):
        return True
    if agreement.all_schools:
        return False
    school_ids = {s.pk for s in agreement.schools.all()}
    own = set(directie_schools(user).values_list("pk", flat=True))
    return bool(school_ids) and school_ids <= own


def may_sign(user, agreement: Agreement) -> bool:
    return is_cvb_of(user, agreement.foundation_id)


def schools_using(product: Product, *, today: date | None = None) -> set[int]:
    """Ids of the schools that use ``product`` now (or from a later start date)."""
    today = today or timezone.localdate()
    return set(
        ProductUse.objects.filter(product=product)
        .filter(Q(end_date__isnull=True) | Q(end_date__gte=today))
        .values_list("school_id", flat=True)
    )


def may_publish_bijsluiter(user, product: Product) -> bool:
    """Who publishes a new bijsluiter version (R6 art. 13.3, DOMAIN R6).

    The beheerder or the CvB for any product of the foundation. The directie only for a product
    no other school uses: a version a school publishes for a product the whole foundation uses
    would change what the other schools agreed to. Otherwise the directie proposes.
    """
    foundation_id = product.supplier.foundation_id
    if is_beheerder_of(user, foundation_id) or is_cvb_of(user, foundation_id):
        return True
    own = set(
        directie_schools(user).filter(foundation_id=foundation_id).values_list("pk", flat=True)
    )
    using = schools_using(product)
    return bool(own) and len(using) <= 1 and using <= own


def may_propose_bijsluiter(user, product: Product) -> bool:
    return may_publish_bijsluiter(user, product) or may_edit_register(
        user, product.supplier.foundation
    )


def may_decide_bijsluiter(user, product: Product) -> bool:
    """Accept or reject a school's proposal: the beheerder (or the CvB)."""
    foundation_id = product.supplier.foundation_id
    return is_beheerder_of(user, foundation_id) or is_cvb_of(user, foundation_id)


# --- Register ----------------------------------------------------------------------------------

# The protocol (2016, Wbp) says "bewerkersovereenkomst", the AVG "verwerkersovereenkomst": a
# search for either word (or "overeenkomst") means "all agreements", not a supplier name.
AGREEMENT_TERMS = frozenset(
    {
        "verwerkersovereenkomst",
        "verwerkersovereenkomsten",
        "bewerkersovereenkomst",
        "bewerkersovereenkomsten",
        "overeenkomst",
        "overeenkomsten",
        "verwerker",
        "verwerkers",
        "bewerker",
        "bewerkers",
    }
)


def is_agreement_term(query: str) -> bool:
    return (query or "").strip().lower() in AGREEMENT_TERMS


def search_agreements(agreements: QuerySet[Agreement], query: str) -> QuerySet[Agreement]:
    """Filter agreements on supplier or product name; the words for the agreement itself
    (old and new) match every agreement."""
    if not query or is_agreement_term(query):
        return agreements
    return agreements.filter(
        Q(supplier__name__icontains=query) | Q(bijsluiters__product__name__icontains=query)
    ).distinct()


def visible_suppliers(user, query: str = "") -> QuerySet[Supplier]:
    suppliers = Supplier.objects.filter(foundation__in=register_foundations(user))
    if query and not is_agreement_term(query):
        suppliers = suppliers.filter(
            Q(name__icontains=query)
            | Q(products__name__icontains=query)
            | Q(kvk_number__icontains=query)
        ).distinct()
    return suppliers


def visible_products(user, query: str = "") -> QuerySet[Product]:
    products = Product.objects.filter(supplier__foundation__in=register_foundations(user))
    if query:
        products = products.filter(Q(name__icontains=query) | Q(supplier__name__icontains=query))
    return products.select_related("supplier")


def visible_bijsluiters(user) -> QuerySet[Bijsluiter]:
    return Bijsluiter.objects.filter(product__supplier__foundation__in=register_foundations(user))


def current_bijsluiter(product: Product) -> Bijsluiter | None:
    """The latest published version (a school's proposal is not current until accepted)."""
    return product.bijsluiters.filter(status=BijsluiterStatus.PUBLISHED).order_by("-number").first()


def visible_product_uses(user) -> QuerySet[ProductUse]:
    return ProductUse.objects.filter(school__in=register_schools(user)).select_related(
        "school", "product", "product__supplier"
    )


def visible_agreements(user) -> QuerySet[Agreement]:
    foundation_wide = Q(foundation__in=access.foundations_for(user))
    schools = access.schools_with_role(user, *REGISTER_SCHOOL_ROLES)
    at_school = Q(all_schools=True, foundation__in=schools.values("foundation_id")) | Q(
        schools__in=schools.values("pk")
    )
    ids = Agreement.objects.filter(foundation_wide | at_school).values("pk")
    return Agreement.objects.filter(pk__in=ids).select_related("supplier", "foundation")


def bijsluiter_proposals_for(user) -> QuerySet[Bijsluiter]:
    """Versions schools proposed that this beheerder or CvB member decides on."""
    foundations = [
        f.pk for f in access.foundations_for(user) if is_beheerder_of(user, f) or is_cvb_of(user, f)
    ]
    return Bijsluiter.objects.filter(
        product__supplier__foundation__in=foundations, status=BijsluiterStatus.PROPOSED
    )


def agreements_awaiting(user) -> QuerySet[Agreement]:
    """Agreements waiting for this CvB member's signature."""
    foundations = [f for f in access.foundations_for(user) if is_cvb_of(user, f)]
    return Agreement.objects.filter(
        foundation__in=foundations, state=AgreementState.SUBMITTED
    ).select_related("supplier")


# --- Coverage ----------------------------------------------------------------------------------


# Why a product in use is not covered, most advanced first: the row shows the first that applies.
STATUS_PRIORITY = ("covered", "awaiting_processor", "awaiting_cvb", "not_started", "widened")
STATUS_LABELS = {
    "covered": _("gedekt"),
    "awaiting_processor": _("wacht op de verwerker"),
    "awaiting_cvb": _("wacht op het CvB"),
    "not_started": _("ondertekend, nog niet ingegaan"),
    "widened": _("verruimde bijsluiter: wacht op nieuwe ondertekening door het CvB"),
    "missing": _("geen overeenkomst"),
}


@dataclass
class CoverageRow:
    use: ProductUse
    status: str  # covered, or why not: see STATUS_LABELS
    agreement: Agreement | None = None
    widening_unapproved: bool = False
    widened: bool = False  # an active agreement exists, signed on a narrower bijsluiter
    outside_eea: list[str] = field(default_factory=list)  # without a transfer basis

    @property
    def covered(self) -> bool:
        return self.status == "covered"

    @property
    def status_label(self):
        return STATUS_LABELS[self.status]


@dataclass
class Coverage:
    rows: list[CoverageRow] = field(default_factory=list)
    awaiting: list[Agreement] = field(default_factory=list)
    awaiting_processor: list[Agreement] = field(default_factory=list)
    ending: list[Agreement] = field(default_factory=list)
    ended_without_destruction: list[Agreement] = field(default_factory=list)

    @property
    def missing(self):
        """Every product in use without a signed, current agreement, whatever the reason."""
        return [row for row in self.rows if not row.covered]


def _covers(agreement: Agreement, school_id: int, product_id: int) -> bool:
    if not agreement.all_schools and school_id not in {s.pk for s in agreement.schools.all()}:
        return False
    return product_id in {b.product_id for b in agreement.bijsluiters.all()}


def _pinned_number(agreement: Agreement, product_id: int) -> int:
    return max(
        (b.number for b in agreement.bijsluiters.all() if b.product_id == product_id), default=0
    )


def widening_numbers(product_ids) -> dict[int, int]:
    """Per product, the number of its latest published bijsluiter version that widens the
    processing. An agreement pinned on an older version no longer covers the product: widening
    needs a new signature of the CvB (R6 art. 13.3, DOMAIN R6)."""
    return _widening_from(
        Bijsluiter.objects.filter(
            product__in=list(product_ids), status=BijsluiterStatus.PUBLISHED
        ).values_list("product_id", "number", "widening")
    )


def _widening_from(rows) -> dict[int, int]:
    """``widening_numbers`` from (product id, number, widening) rows of published versions."""
    numbers: dict[int, int] = {}
    for product_id, number, widening in rows:
        if any((widening or {}).values()):
            numbers[product_id] = max(numbers.get(product_id, 0), number)
    return numbers


def agreement_status_for(
    agreement: Agreement, product_id: int, widened_at: dict[int, int], today: date
) -> str | None:
    """What ``agreement`` means for one product in use (None: nothing, e.g. a draft)."""
    state = agreement.state
    if state == AgreementState.ACTIVE:
        if _pinned_number(agreement, product_id) < widened_at.get(product_id, 0):
            return "widened"
        return "covered"
    if state == AgreementState.AWAITING_PROCESSOR:
        return "awaiting_processor"
    if state == AgreementState.SUBMITTED:
        return "awaiting_cvb"
    if state == AgreementState.SIGNED:
        return "not_started"
    return None


def coverage(
    user, *, school: School | None = None, school_ids=None, today: date | None = None
) -> Coverage:
    """The coverage dashboard: products in use without an active agreement signed by both
    parties on the current bijsluiter, agreements awaiting the CvB or the processor, ending
    within 90 days, and ended without destruction confirmation.

    A fixed number of queries whatever the number of rows (the matching is done in Python).
    """
    today = today or timezone.localdate()
    schools = register_schools(user)
    if school is not None:
        schools = schools.filter(pk=school.pk)
    if school_ids is not None:  # several schools at once (the start page: one pass for all)
        schools = schools.filter(pk__in=sorted(school_ids))
    uses = list(
        product_uses_in_force(schools, today)
        .select_related("school", "product", "product__supplier")
        .order_by("school__name", "product__name")
    )
    school_ids = {u.school_id for u in uses} | set(schools.values_list("pk", flat=True))
    agreements = list(
        visible_agreements(user)
        .filter(Q(all_schools=True, foundation__schools__in=school_ids) | Q(schools__in=school_ids))
        .exclude(state=AgreementState.SUPERSEDED)
        .distinct()
        .prefetch_related("schools", "bijsluiters")
        .order_by("end_date", "pk")
    )
    from agreements.models import BijsluiterApproval

    product_ids = {u.product_id for u in uses}
    widened_at = widening_numbers(product_ids)
    latest = {}
    for bijsluiter in (
        Bijsluiter.objects.filter(product__in=product_ids, status=BijsluiterStatus.PUBLISHED)
        .select_related("product__supplier")
        .prefetch_related("subprocessors")
        .order_by("number")
    ):
        latest[bijsluiter.product_id] = bijsluiter
    approvals = set(
        BijsluiterApproval.objects.filter(
            bijsluiter__in=[b.pk for b in latest.values()]
        ).values_list("bijsluiter_id", "school_id")
    )
    result = Coverage()
    for use in uses:
        row = CoverageRow(use=use, status="missing")
        best = len(STATUS_PRIORITY)
        for agreement in agreements:
            if not _covers(agreement, use.school_id, use.product_id):
                continue
            status = agreement_status_for(agreement, use.product_id, widened_at, today)
            if status == "widened":
                row.widened = True
            if status and STATUS_PRIORITY.index(status) < best:
                best = STATUS_PRIORITY.index(status)
                row.status, row.agreement = status, agreement
        bijsluiter = latest.get(use.product_id)
        row.outside_eea = bijsluiter.countries_without_basis() if bijsluiter else []
        row.widening_unapproved = bool(
            bijsluiter and bijsluiter.widens and (bijsluiter.pk, use.school_id) not in approvals
        )
        result.rows.append(row)
    horizon = today + timedelta(days=ENDING_WINDOW_DAYS)
    for agreement in agreements:
        if agreement.state == AgreementState.SUBMITTED:
            result.awaiting.append(agreement)
        elif agreement.state == AgreementState.AWAITING_PROCESSOR:
            result.awaiting_processor.append(agreement)
        elif (
            agreement.state == AgreementState.ACTIVE
            and agreement.end_date
            and agreement.end_date <= horizon
        ):
            result.ending.append(agreement)
        elif agreement.state == AgreementState.ENDED:
            result.ended_without_destruction.append(agreement)
    return result


def product_uses_in_force(schools, today: date) -> QuerySet[ProductUse]:
    """Products the ``schools`` use today."""
    return ProductUse.objects.filter(school__in=schools).filter(
        Q(end_date__isnull=True) | Q(end_date__gte=today), start_date__lte=today
    )


def product_uses_for_pupil(pupil, *, today: date | None = None) -> QuerySet[ProductUse]:
    """Products that receive this pupil's data today ("who else receives my child's data", R5):
    in use at the pupil's school, for the whole school or for one of the pupil's classes.
    Callers (the parents' portal) check that the user may see the pupil."""
    today = today or timezone.localdate()
    class_ids = pupil.enrolments.values("school_class_id")
    return (
        ProductUse.objects.filter(school_id=pupil.school_id, start_date__lte=today)
        .filter(Q(end_date__isnull=True) | Q(end_date__gte=today))
        .filter(Q(classes__isnull=True) | Q(classes__in=class_ids))
        .distinct()
        .select_related("product", "product__supplier")
    )


def uncovered_product_uses(school: School, *, today: date | None = None) -> list[ProductUse]:
    """Products in use at ``school`` without an active agreement signed by both parties on the
    current bijsluiter (for the checklist: every piece of software exchanging pupil data needs
    one, R6). The same rule as the coverage dashboard."""
    return uncovered_product_uses_by_school([school], today=today)[school.pk]


def uncovered_product_uses_by_school(schools, *, today: date | None = None) -> dict:
    """``uncovered_product_uses`` for several schools at once: school id -> uses, in a fixed
    number of queries whatever the number of schools (the foundation overview)."""
    today = today or timezone.localdate()
    schools = list(schools)
    school_ids = [school.pk for school in schools]
    foundation_ids = {school.foundation_id for school in schools}
    uses = list(
        ProductUse.objects.filter(school__in=school_ids, start_date__lte=today)
        .filter(Q(end_date__isnull=True) | Q(end_date__gte=today))
        .select_related("product")
        .order_by("pk")
    )
    active = list(
        Agreement.objects.filter(state=AgreementState.ACTIVE)
        .filter(Q(all_schools=True, foundation__in=foundation_ids) | Q(schools__in=school_ids))
        .distinct()
        .prefetch_related("schools", "bijsluiters")
    )
    widened_at = widening_numbers({u.product_id for u in uses})
    foundation_of = {school.pk: school.foundation_id for school in schools}
    return _match_uncovered(uses, active, widened_at, foundation_of, today)


def _match_uncovered(uses, active, widened_at, foundation_of, today) -> dict:
    """The matching of ``uncovered_product_uses_by_school`` (in Python, over rows read before):
    school id (every key of ``foundation_of``) -> the uses no active agreement covers."""
    result: dict = {school_id: [] for school_id in foundation_of}

    def reaches(agreement, use) -> bool:
        # As the one-school question asked: all schools of the school's foundation, or this
        # school by name.
        return (
            agreement.all_schools and agreement.foundation_id == foundation_of[use.school_id]
        ) or use.school_id in {s.pk for s in agreement.schools.all()}

    for use in uses:
        if not any(
            reaches(agreement, use)
            and _covers(agreement, use.school_id, use.product_id)
            and agreement_status_for(agreement, use.product_id, widened_at, today) == "covered"
            for agreement in active
        ):
            result[use.school_id].append(use)
    return result


class _Related(list):
    """Rows standing in for a prefetched relation (the matching only calls ``all()``)."""

    def all(self):
        return self


def uncovered_steps(foundation, school_ids=None, *, today: date | None = None):
    """``uncovered_product_uses_by_school`` for ``foundation`` (its schools in ``school_ids``,
    or all) as a generator for ``privacy_portal.hooks.run_together``: its six questions in one
    step, so the foundation overview asks them with the other apps' figures. Returns
    ``(schools, uncovered)``: [(id, name)] in name order and school id -> uses, each use with
    ``school_id``, ``product_id`` and ``product.name``; the same matching (``_match_uncovered``)."""
    from types import SimpleNamespace

    today = today or timezone.localdate()
    schools = foundation.schools.all()
    if school_ids is not None:
        schools = schools.filter(pk__in=school_ids)
    uses = ProductUse.objects.filter(school__in=schools.values("pk"), start_date__lte=today).filter(
        Q(end_date__isnull=True) | Q(end_date__gte=today)
    )
    active = Agreement.objects.filter(state=AgreementState.ACTIVE).filter(
        Q(all_schools=True, foundation=foundation)
        | Q(
            pk__in=Agreement.schools.through.objects.filter(school__in=schools.values("pk")).values(
                "agreement_id"
            )
        )
    )
    found = yield {
        "schools": schools.values_list("pk", "name").order_by("name"),
        "uses": uses.values_list("pk", "school_id", "product_id", "product__name").order_by("pk"),
        "active": active.values_list("pk", "all_schools", "foundation_id").order_by(),
        "active_schools": Agreement.schools.through.objects.filter(
            agreement__in=active.values("pk")
        )
        .values_list("agreement_id", "school_id")
        .order_by(),
        "active_bijsluiters": Agreement.bijsluiters.through.objects.filter(
            agreement__in=active.values("pk")
        )
        .values_list("agreement_id", "bijsluiter__product_id", "bijsluiter__number")
        .order_by(),
        "widening": Bijsluiter.objects.filter(
            product__in=uses.values("product_id"), status=BijsluiterStatus.PUBLISHED
        )
        .values_list("product_id", "number", "widening")
        .order_by(),
    }
    agreements = {
        pk: SimpleNamespace(
            pk=pk,
            all_schools=all_schools,
            foundation_id=foundation_id,
            state=AgreementState.ACTIVE,
            schools=_Related(),
            bijsluiters=_Related(),
        )
        for pk, all_schools, foundation_id in found["active"]
    }
    for agreement_id, school_id in found["active_schools"]:
        agreements[agreement_id].schools.append(SimpleNamespace(pk=school_id))
    for agreement_id, product_id, number in found["active_bijsluiters"]:
        agreements[agreement_id].bijsluiters.append(
            SimpleNamespace(product_id=product_id, number=number)
        )
    uses_found = [
        SimpleNamespace(
            pk=pk, school_id=school_id, product_id=product_id, product=SimpleNamespace(name=name)
        )
        for pk, school_id, product_id, name in found["uses"]
    ]
    school_rows = list(found["schools"])
    uncovered = _match_uncovered(
        uses_found,
        list(agreements.values()),
        _widening_from(found["widening"]),
        {pk: foundation.pk for pk, _name in school_rows},
        today,
    )
    return school_rows, uncovered


def processing_stops_for_agreement(agreement):
    """The products of ``agreement`` that stopped receiving a pupil's data after a granted
    objection, at the schools it covers: reference and date, never the pupil's name."""
    from agreements.models import ProcessingStop

    stops = ProcessingStop.objects.filter(
        product_use__product__in=agreement.bijsluiters.values("product_id")
    )
    if not agreement.all_schools:
        stops = stops.filter(product_use__school__in=agreement.schools.values("pk"))
    else:
        stops = stops.filter(product_use__school__foundation_id=agreement.foundation_id)
    return list(stops.select_related("product_use__product", "product_use__school"))
