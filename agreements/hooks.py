"""What the agreements app adds to the navigation and to "what needs my attention"."""

from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from agreements import selectors
from privacy_portal.hooks import AttentionItem, Counts, NavItem, resolve


def navigation(user):
    from accounts import access

    facts = access.summary(user)  # the views check access; the menu only needs roles
    if not (facts.foundation_roles or facts.has_school_role(*selectors.REGISTER_SCHOOL_ROLES)):
        return []
    return [NavItem(_("Verwerkers"), reverse("agreements:dashboard"), order=30, group="Registers")]


def attention(user):
    return resolve(attention_parts(user))


def attention_parts(user):
    """Agreements awaiting the CvB, proposed bijsluiters, and per directie school the products
    in use without an active agreement or with a widening not yet approved. Counted first (one
    query with every app's counts); the coverage pass runs only when the directie's schools use
    products at all, and then once for all their schools."""
    from django.utils import timezone

    from accounts import access
    from accounts.roles import SchoolRole

    directie_ids = access.summary(user).school_ids_with_role(SchoolRole.DIRECTIE)
    queries = {
        "awaiting": selectors.agreements_awaiting(user),
        "proposals": selectors.bijsluiter_proposals_for(user),
    }
    if directie_ids:
        queries["uses"] = selectors.product_uses_in_force(
            sorted(directie_ids), timezone.localdate()
        )

    def then(numbers):
        items = []
        awaiting = numbers["awaiting"]
        if awaiting:
            items.append(
                AttentionItem(
                    ngettext(
                        "%(n)s verwerkersovereenkomst wacht op uw ondertekening",
                        "%(n)s verwerkersovereenkomsten wachten op uw ondertekening",
                        awaiting,
                    )
                    % {"n": awaiting},
                    url=f"{reverse('agreements:agreement_list')}?status=submitted",
                    level="warning",
                )
            )
        proposals = numbers["proposals"]
        if proposals:
            items.append(
                AttentionItem(
                    ngettext(
                        "%(n)s voorgestelde privacybijsluiter wacht op uw besluit",
                        "%(n)s voorgestelde privacybijsluiters wachten op uw besluit",
                        proposals,
                    )
                    % {"n": proposals},
                    url=reverse("agreements:product_list"),
                    level="warning",
                )
            )
        if numbers.get("uses"):
            items.extend(_coverage_items(user, directie_ids))
        return items

    return [Counts(queries, then)]


def _coverage_items(user, school_ids):
    coverage = selectors.coverage(user, school_ids=school_ids)
    per_school = {}
    for row in coverage.rows:
        per_school.setdefault(row.use.school, []).append(row)
    items = []
    for school, rows in sorted(per_school.items(), key=lambda pair: (pair[0].name, pair[0].pk)):
        missing = sum(1 for row in rows if not row.covered)
        if missing:
            items.append(
                AttentionItem(
                    ngettext(
                        "%(school)s: %(n)s product in gebruik zonder actieve verwerkersovereenkomst",
                        "%(school)s: %(n)s producten in gebruik zonder actieve verwerkersovereenkomst",
                        missing,
                    )
                    % {"school": school.name, "n": missing},
                    url=f"{reverse('agreements:dashboard')}?school={school.pk}",
                    detail=_(
                        "Elk product dat leerlinggegevens uitwisselt, heeft een door het CvB ondertekende overeenkomst nodig."
                    ),
                    level="danger",
                )
            )
        if any(row.widening_unapproved for row in rows):
            items.append(
                AttentionItem(
                    _(
                        "%(school)s: nieuwe privacybijsluiter verruimt de verwerking; uw instemming is nodig"
                    )
                    % {"school": school.name},
                    url=f"{reverse('agreements:dashboard')}?school={school.pk}",
                    level="warning",
                )
            )
    return items


def seed_demo(demo):
    """Demo records for ``manage.py seed_demo`` (idempotent): three suppliers, products in use,
    one foundation-wide agreement signed by the CvB and the processor, one waiting for the CvB,
    one product without agreement whose new bijsluiter widens processing to the United States."""
    from datetime import date

    from agreements import services
    from agreements.models import Supplier

    foundation = demo.foundation
    if Supplier.objects.filter(foundation=foundation).exists():
        return []
    office, cvb = demo.people["beheerder"], demo.people["cvb"]
    regenboog, kompas = demo.schools["regenboog"], demo.schools["kompas"]
    directie = demo.people["directie.regenboog"]
    measures = {
        "staff_access": "Alleen de supportafdeling, op verzoek van de school.",
        "staff_actions": "Inzien en corrigeren van accountgegevens.",
        "protection_measures": "Versleuteling in opslag en transport, 2FA voor medewerkers, logging.",
        "security_standard": "ROSA / ISO 27001",
        "vulnerability_measures": "Jaarlijkse pentest door een externe partij.",
        "report_deadline": "1 maart",
        "breach_procedure": "Binnen 24 uur per e-mail en telefoon aan de contactpersoon van de school, "
        "met tijdstip, aard, oorzaak, maatregelen, betrokkenen en soort gegevens.",
        "version_date": date(demo.year, 1, 15),
    }

    def supplier(name, kvk, city):
        return services.supplier_create(
            actor=office,
            foundation=foundation,
            name=name,
            legal_form="B.V.",
            kvk_number=kvk,
            street_address="Stationsplein 1",
            postal_code="3511 AA",
            city=city,
            contact_name="Privacyteam",
            contact_email=f"privacy@{name.lower()}.example",
            breach_contact=f"security@{name.lower()}.example",
        )

    def product(supplier, name, kind, description, categories, countries, subs=(), purposes=""):
        item = services.product_create(
            actor=office,
            supplier=supplier,
            name=name,
            description=description,
            kind=kind,
            target_group="PO, groep 1 t/m 8",
            users=["leerlingen", "leerkrachten"],
        )
        services.bijsluiter_record(
            actor=office,
            product=item,
            core_processing=description,
            purposes=purposes,
            categories=categories,
            countries=countries,
            subprocessors=list(subs),
            contact=f"privacy@{supplier.name.lower()}.example",
            version_label="1.0",
            **measures,
        )
        return item

    rekentuin = product(
        supplier("Rekentuin", "30000001", "Utrecht"),
        "Rekentuin Online",
        "I",
        "Adaptief rekenen; de leerkracht ziet de voortgang.",
        ["identification", "enrolment", "results"],
        ["NL"],
    )
    parnassys = product(
        supplier("Leerlingvolg", "30000002", "Amersfoort"),
        "Leerlingvolgsysteem",
        "II",
        "Leerlingenadministratie en leerlingvolgsysteem.",
        ["identification", "enrolment", "parents", "contact", "results", "care"],
        ["NL"],
        purposes="Leerlingenadministratie\nVolgen van de ontwikkeling",
    )
    klasbord_supplier = supplier("Klasbord", "30000003", "Zwolle")
    klasbord = product(
        klasbord_supplier,
        "Klasbord App",
        "II",
        "Nieuws en foto's uit de groep voor ouders.",
        ["identification", "parents", "beeldmateriaal"],
        ["NL"],
        purposes="Informeren van ouders",
    )
    services.bijsluiter_record(
        actor=office,
        product=klasbord,
        core_processing="Nieuws en foto's uit de groep voor ouders.",
        purposes="Informeren van ouders\nStatistiek over gebruik",
        categories=["identification", "parents", "beeldmateriaal"],
        countries=["NL"],
        subprocessors=[{"name": "Cloud Inc", "task": "opslag van foto's", "country": "US"}],
        contact="privacy@klasbord.example",
        version_label="2.0",
        **measures,
    )
    start = date(demo.year, 8, 1)
    for school, item, categories in [
        (regenboog, rekentuin, ["identification", "results"]),
        (regenboog, parnassys, ["identification", "enrolment", "parents", "results", "care"]),
        (regenboog, klasbord, ["identification", "parents", "beeldmateriaal"]),
        (kompas, rekentuin, ["identification", "results"]),
    ]:
        services.product_use_create(
            actor=office, school=school, product=item, start_date=start, categories=categories
        )
    signed = services.agreement_create(
        actor=office,
        supplier=rekentuin.supplier,
        products=[rekentuin],
        all_schools=True,
        start_date=start,
    )
    services.agreement_submit(actor=office, agreement=signed)
    signed = services.agreement_sign(actor=cvb, agreement=signed, two_factor_verified=True, ip=None)
    services.processor_accept(
        token=services.processor_token(signed),
        name="A. Jansen",
        function="directeur Rekentuin B.V.",
        accepted=True,
        ip=None,
    )
    waiting = services.agreement_create(
        actor=directie,
        supplier=parnassys.supplier,
        products=[parnassys],
        schools=[regenboog],
        start_date=start,
    )
    services.deviation_add(
        actor=directie,
        agreement=waiting,
        article="8.2",
        description="Melding van een datalek binnen 48 uur in plaats van 24 uur.",
        motivation="Kleine leverancier zonder 24-uursdienst; de FG is akkoord.",
    )
    services.agreement_submit(actor=directie, agreement=waiting)
    return []


def data_recipients(pupil):
    """For the parents' portal: the products receiving this pupil's data, with supplier,
    countries of storage and processing, the data categories that flow to them, and for every
    country outside the EEA the transfer basis from the register (``agreements.countries``:
    adequacy, the supplier's DPF certification or SCCs, or none)."""
    from agreements.countries import country_name
    from agreements.models import Bijsluiter, ProcessingStop
    from agreements.selectors import product_uses_for_pupil

    # A product whose processing stopped for this pupil after a granted objection receives
    # nothing any more.
    stopped = ProcessingStop.objects.filter(pupil=pupil).values("product_use_id")
    uses = list(product_uses_for_pupil(pupil).exclude(pk__in=stopped))
    latest = {}
    for bijsluiter in Bijsluiter.objects.filter(
        product__in=[use.product_id for use in uses], status="published"
    ).order_by("number"):
        latest[bijsluiter.product_id] = bijsluiter
    rows = []
    for use in uses:
        bijsluiter = latest.get(use.product_id)
        countries = bijsluiter.all_countries() if bijsluiter else []
        rows.append(
            {
                "use_id": use.pk,
                "product": use.product.name,
                "supplier": use.product.supplier.name,
                "country": ", ".join(country_name(code) for code in countries) or "–",
                "outside_eea": bijsluiter.countries_outside_eea() if bijsluiter else [],
                "transfers": [
                    {
                        "code": row["code"],
                        "country": row["name"],
                        "basis": str(row["label"]),
                        "has_basis": row["ok"],
                    }
                    for row in (bijsluiter.transfers() if bijsluiter else [])
                ],
                "url": use.product.url,
                "categories": list(use.categories),
            }
        )
    return rows


def objection_granted(*, actor, pupil, product_use_id, reference):
    """The parents' portal granted an objection against a product for ``pupil``: record that
    the product's data flow for this pupil stops, and mail the supplier (through the outbox).
    Runs in the decision's transaction, so both happen or neither."""
    from agreements.services import processing_stop_record

    stop = processing_stop_record(
        actor=actor, pupil=pupil, product_use_id=product_use_id, reference=reference
    )
    return [stop.pk]


def transfer_label(code):
    """The register's transfer basis for ``code`` when the supplier is not known (an inspection
    export stored before exports carried their transfers): adequacy or none."""
    from agreements.countries import country_name
    from agreements.countries import transfer_label as label

    return [{"code": code, "country": country_name(code), "basis": label(code)}]


def checklist_evidence():
    """Checklist item 'verwerkersovereenkomsten' (§4): software exchanging pupil data without
    an active signed processor agreement."""
    from agreements.selectors import uncovered_product_uses
    from checklist.evidence import Evidence, EvidenceProvider, Verdict

    def judge(school, school_year):
        missing = uncovered_product_uses(school)
        if missing:
            return Evidence(
                Verdict.NOT_OK,
                ngettext(
                    "%(count)s product in gebruik zonder actieve verwerkersovereenkomst: %(names)s",
                    "%(count)s producten in gebruik zonder actieve verwerkersovereenkomst: %(names)s",
                    len(missing),
                )
                % {"count": len(missing), "names": ", ".join(u.product.name for u in missing)},
                url=reverse("agreements:dashboard"),
            )
        return Evidence(
            Verdict.OK,
            _("Alle producten in gebruik hebben een actieve, getekende verwerkersovereenkomst."),
            url=reverse("agreements:dashboard"),
        )

    return [
        EvidenceProvider(key="verwerkersovereenkomsten", name="agreements.coverage", judge=judge)
    ]


def _product_uses_in_force(school_ids, today=None):
    from django.db.models import Q
    from django.utils import timezone

    from agreements.models import ProductUse

    today = today or timezone.localdate()
    return (
        ProductUse.objects.filter(school_id__in=school_ids, start_date__lte=today)
        .filter(Q(end_date__isnull=True) | Q(end_date__gte=today))
        .select_related("product__supplier")
        .prefetch_related("classes")
    )


def register_processor_names(foundation):
    """For the FG's record of processing: (category key, name) for every category of pupil data
    a product (and supplier) receives at a school of ``foundation``, all categories in one read
    (the record lists every category on one page; it asked once per category)."""
    uses = list(
        _product_uses_in_force(foundation.schools.values("pk"))
        .select_related("school")
        .prefetch_related(None)  # the classes are not named here
    )
    pairs = set()
    for use in uses:
        name = f"{use.product.name} ({use.product.supplier.name})"
        # Model art. 3.2: the optional processings (B2) a school opted into are part of what it
        # lets the processor do, so the record of processing names them per school.
        optional = (
            _("%(product)s (%(supplier)s), %(school)s – optioneel gekozen (B2): %(choices)s")
            % {
                "product": use.product.name,
                "supplier": use.product.supplier.name,
                "school": use.school.name,
                "choices": "; ".join(use.optional_opt_ins),
            }
            if use.optional_opt_ins
            else None
        )
        for category_key in use.categories:
            pairs.add((category_key, name))
            if optional:
                pairs.add((category_key, optional))
    return sorted(pairs)


def register_processors(foundation, category_key):
    """The names of ``register_processor_names`` for one category."""
    return sorted(name for key, name in register_processor_names(foundation) if key == category_key)


def retention_processors(pupil_ids):
    """For the purge (R6 art. 12): per purged pupil, the processors that received its data and
    must confirm they destroyed it: (pupil id, processor name, agreement id or None)."""
    import retention.plan  # noqa: F401  (registers the ``any_of`` lookup)
    from agreements.models import Agreement, AgreementState
    from students.models import Enrolment, Pupil

    pupil_ids = [int(pk) for pk in pupil_ids]
    pupils = list(Pupil.objects.filter(pk__any_of=pupil_ids).values_list("pk", "school_id"))
    school_ids = {school_id for _pk, school_id in pupils}
    uses = list(_product_uses_in_force(school_ids))
    if not uses:  # the purge asks per batch of thousands: no product in use, nothing to read
        return []
    classes: dict[int, set[int]] = {}
    for pupil_id, class_id in Enrolment.objects.filter(pupil_id__any_of=pupil_ids).values_list(
        "pupil_id", "school_class_id"
    ):
        classes.setdefault(pupil_id, set()).add(class_id)
    agreements = list(
        Agreement.objects.filter(bijsluiters__product__in=[u.product_id for u in uses])
        .exclude(state=AgreementState.SUPERSEDED)
        .prefetch_related("bijsluiters")
        .distinct()
    )
    rows = []
    for pupil_id, school_id in pupils:
        for use in uses:
            use_classes = {c.pk for c in use.classes.all()}
            if use.school_id != school_id or (
                use_classes and not use_classes & classes.get(pupil_id, set())
            ):
                continue
            agreement = next(
                (
                    a
                    for a in agreements
                    if use.product_id in {b.product_id for b in a.bijsluiters.all()}
                ),
                None,
            )
            name = f"{use.product.supplier.name} ({use.product.name})"
            rows.append((pupil_id, name, agreement.pk if agreement else None))
    return rows


def known_processors(foundation_ids):
    """Supplier names of the register, e.g. to suggest the processor in a breach report."""
    from agreements.models import Supplier

    return list(
        Supplier.objects.filter(foundation_id__in=foundation_ids).values_list("name", flat=True)
    )


def processor_contacts(agreement_ids):
    """For the purge (R6 art. 12): the e-mail address of the supplier's contact per agreement
    id, to send the destruction request to before the data goes."""
    from agreements.models import Agreement

    return {
        pk: email
        for pk, email in Agreement.objects.filter(pk__in=agreement_ids).values_list(
            "pk", "supplier__contact_email"
        )
        if email
    }


def foundation_figures(foundation, *, period=None, school_ids=None):
    """For the foundation overview (governance.overview): per school, the products in use
    without an active signed processor agreement (the same rule as the checklist evidence).
    A state of today: the overview keeps it monthly (``snapshot``) for the trend."""
    from agreements.selectors import uncovered_steps
    from governance.overview import Figure, FigureItem

    per_school, items = {}, []
    dashboard = reverse("agreements:dashboard")
    # One pass for all schools, asked with the other apps' questions in one query.
    schools, uncovered = yield from uncovered_steps(foundation, school_ids)
    for school_id, school_name in schools:
        missing = uncovered[school_id]
        per_school[school_id] = len(missing)
        items += [
            FigureItem(
                title=f"{use.product.name} – {school_name}",
                url=f"{dashboard}?school={school_id}",
                school_id=school_id,
                level="danger",
            )
            for use in missing
        ]
    return [
        Figure(
            key="agreements.unsigned",
            title=_("Producten zonder getekende verwerkersovereenkomst"),
            per_school=per_school,
            url=dashboard,
            description=_(
                "Producten in gebruik zonder actieve overeenkomst die het CvB en de verwerker op "
                "de huidige bijsluiter hebben getekend."
            ),
            items=tuple(items),
            snapshot=True,
            order=10,
        )
    ]


def school_products(school):
    """Names of the products ``school`` uses today (for the departure task list: close the
    departing person's account in each of them)."""
    return sorted({use.product.name for use in _product_uses_in_force([school.pk])})
