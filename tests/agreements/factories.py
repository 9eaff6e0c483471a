"""Builders for the agreements tests: data is made through the services, as in production."""

from datetime import date

from accounts.models import Foundation
from agreements import services
from agreements.models import ProductKind

BIJSLUITER = {
    "core_processing": "Leerlingen maken oefeningen en toetsen.\nDe leerkracht ziet de voortgang.",
    "optional_processing": "",
    "purposes": "",
    "categories": ["identification", "enrolment", "results"],
    "categories_description": "Naam, groep, toetsresultaten.",
    "special_kinds": "Geen",
    "security_measures": "Versleuteling in opslag en transport.",
    "certifications": "ISO 27001",
    "audits": "Jaarlijkse TPM",
    "countries": ["NL"],
    "contact": "privacy@rekentuin.example, 030-1234567",
    "version_label": "1.0",
    "version_date": date(2026, 1, 15),
    "staff_access": "Alleen de supportafdeling, op verzoek van de school.",
    "staff_actions": "Inzien en corrigeren.",
    "protection_measures": "Toegang met 2FA, logging, dagelijkse back-ups.",
    "security_standard": "ROSA",
    "vulnerability_measures": "Jaarlijkse pentest door een externe partij.",
    "reports_per_year": 1,
    "report_deadline": "1 maart",
    "breach_procedure": "Binnen 24 uur per e-mail en telefoon aan de contactpersoon van de school.",
}


def bijsluiter_data(**overrides):
    data = dict(BIJSLUITER)
    data.update(overrides)
    return data


def supplier(actor, foundation: Foundation, name="Rekentuin", **kwargs):
    data = {
        "name": name,
        "legal_form": "B.V.",
        "kvk_number": "12345678",
        "street_address": "Stationsplein 1",
        "postal_code": "3511 AA",
        "city": "Utrecht",
        "contact_name": "J. de Vries",
        "contact_email": "privacy@rekentuin.example",
        "breach_contact": "security@rekentuin.example, 030-7654321",
    }
    data.update(kwargs)
    return services.supplier_create(actor=actor, foundation=foundation, **data)


def product(actor, supplier, name="Rekentuin Online", kind=ProductKind.LEARNING, **bijsluiter):
    product = services.product_create(
        actor=actor,
        supplier=supplier,
        name=name,
        description="Adaptief rekenen voor groep 3 t/m 8.",
        url="https://rekentuin.example",
        target_group="PO, groep 3 t/m 8",
        kind=kind,
        users=["leerlingen", "leerkrachten"],
    )
    services.bijsluiter_record(actor=actor, product=product, **bijsluiter_data(**bijsluiter))
    return product


def product_in_use(actor, school, product, categories=("identification", "results")):
    return services.product_use_create(
        actor=actor,
        school=school,
        product=product,
        start_date=date(2025, 8, 1),
        categories=list(categories),
    )


def draft_agreement(actor, supplier, products, schools, **kwargs):
    kwargs.setdefault("start_date", date(2026, 1, 1))
    return services.agreement_create(
        actor=actor, supplier=supplier, products=products, schools=schools, **kwargs
    )


def sign_by_cvb(cvb, agreement, ip="192.0.2.1"):
    return services.agreement_sign(actor=cvb, agreement=agreement, two_factor_verified=True, ip=ip)


def accept_by_processor(agreement, name="J. de Vries", function="directeur", ip="198.51.100.4"):
    """The processor's signatory accepts through the personal link mailed at CvB signing."""
    return services.processor_accept(
        token=services.processor_token(agreement),
        name=name,
        function=function,
        accepted=True,
        ip=ip,
    )


def sign_by_both(cvb, agreement):
    """The CvB signs, then the processor accepts: the agreement is signed (or active)."""
    return accept_by_processor(sign_by_cvb(cvb, agreement))
