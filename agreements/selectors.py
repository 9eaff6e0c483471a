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

from accounts import access
from accounts.models import Foundation, School
from accounts.roles import FoundationRoleKind, SchoolRole
from agreements.models import (
    Agreement,
    AgreementState,
    Bijsluiter,
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


# --- Register ----------------------------------------------------------------------------------


def visible_suppliers(user, query: str = "") -> QuerySet[Supplier]:
    suppliers = Supplier.objects.filter(foundation__in=register_foundations(user))
    if query:
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
    return product.bijsluiters.order_by("-number").first()


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


def agreements_awaiting(user) -> QuerySet[Agreement]:
    """Agreements waiting for this CvB member's signature."""
    foundations = [f for f in access.foundations_for(user) if is_cvb_of(user, f)]
    return Agreement.objects.filter(
        foundation__in=foundations, state=AgreementState.SUBMITTED
    ).select_related("supplier")


# --- Coverage ----------------------------------------------------------------------------------


@dataclass
class CoverageRow:
    use: ProductUse
    status: str  # covered | awaiting | missing
    agreement: Agreement | None = None
    widening_unapproved: bool = False
    outside_eea: list[str] = field(default_factory=list)


@dataclass
class Coverage:
    rows: list[CoverageRow] = field(default_factory=list)
    awaiting: list[Agreement] = field(default_factory=list)
    ending: list[Agreement] = field(default_factory=list)
    ended_without_destruction: list[Agreement] = field(default_factory=list)

    @property
    def missing(self):
        return [row for row in self.rows if row.status == "missing"]


def _covers(agreement: Agreement, school_id: int, product_id: int) -> bool:
    if not agreement.all_schools and school_id not in {s.pk for s in agreement.schools.all()}:
        return False
    return product_id in {b.product_id for b in agreement.bijsluiters.all()}


def coverage(user, *, school: School | None = None, today: date | None = None) -> Coverage:
    """The coverage dashboard: products in use without an active signed agreement, agreements
    awaiting the CvB, ending within 90 days, and ended without destruction confirmation.

    A fixed number of queries whatever the number of rows (the matching is done in Python).
    """
    today = today or timezone.localdate()
    schools = register_schools(user)
    if school is not None:
        schools = schools.filter(pk=school.pk)
    uses = list(
        ProductUse.objects.filter(school__in=schools)
        .filter(Q(end_date__isnull=True) | Q(end_date__gte=today), start_date__lte=today)
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
    # Widened bijsluiters without this school's approval (R6 13.3)
    from agreements.models import BijsluiterApproval

    latest = {}
    for bijsluiter in (
        Bijsluiter.objects.filter(product__in={u.product_id for u in uses})
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
        for agreement in agreements:
            if not _covers(agreement, use.school_id, use.product_id):
                continue
            if agreement.state == AgreementState.ACTIVE:
                row.status, row.agreement = "covered", agreement
                break
            if agreement.state in (AgreementState.SUBMITTED, AgreementState.SIGNED):
                row.status, row.agreement = "awaiting", agreement
        bijsluiter = latest.get(use.product_id)
        row.outside_eea = bijsluiter.countries_outside_eea() if bijsluiter else []
        row.widening_unapproved = bool(
            bijsluiter and bijsluiter.widens and (bijsluiter.pk, use.school_id) not in approvals
        )
        result.rows.append(row)
    horizon = today + timedelta(days=ENDING_WINDOW_DAYS)
    for agreement in agreements:
        if agreement.state == AgreementState.SUBMITTED:
            result.awaiting.append(agreement)
        elif (
            agreement.state == AgreementState.ACTIVE
            and agreement.end_date
            and agreement.end_date <= horizon
        ):
            result.ending.append(agreement)
        elif agreement.state == AgreementState.ENDED:
            result.ended_without_destruction.append(agreement)
    return result


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
    """Products in use at ``school`` without an active signed agreement (for the checklist:
    every piece of software exchanging pupil data needs one, R6)."""
    today = today or timezone.localdate()
    uses = list(
        ProductUse.objects.filter(school=school, start_date__lte=today)
        .filter(Q(end_date__isnull=True) | Q(end_date__gte=today))
        .select_related("product")
    )
    active = list(
        Agreement.objects.filter(state=AgreementState.ACTIVE)
        .filter(Q(all_schools=True, foundation=school.foundation_id) | Q(schools=school))
        .distinct()
        .prefetch_related("schools", "bijsluiters")
    )
    return [
        use
        for use in uses
        if not any(_covers(agreement, school.pk, use.product_id) for agreement in active)
    ]
