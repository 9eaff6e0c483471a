"""Suppliers, products and their privacybijsluiter, products in use per school, processor
agreements with their deviations, signing and reminders (R6, appendix b of the protocol).

Invariants that need more than one row (workflow transitions, who may act, immutability after
signing, widening of a bijsluiter) live in ``agreements.services``; the models only hold data.
"""

import uuid

from auditlog.registry import auditlog
from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from accounts.models import Foundation, School, SchoolClass
from accounts.validators import validate_kvk
from agreements.countries import TransferBasis, country_name, is_eea, transfer_basis


class Supplier(models.Model):
    """A processor (bewerker/verwerker) in the foundation's register of suppliers."""

    foundation = models.ForeignKey(
        Foundation, on_delete=models.PROTECT, related_name="suppliers", verbose_name=_("stichting")
    )
    name = models.CharField(_("naam"), max_length=200)
    legal_form = models.CharField(
        _("rechtsvorm"), max_length=100, blank=True, help_text=_("Bijvoorbeeld B.V. of stichting.")
    )
    kvk_number = models.CharField(
        _("KvK-nummer"), max_length=8, blank=True, validators=[validate_kvk]
    )
    street_address = models.CharField(_("adres"), max_length=200, blank=True)
    postal_code = models.CharField(_("postcode"), max_length=10, blank=True)
    city = models.CharField(_("plaats"), max_length=100, blank=True)
    contact_name = models.CharField(_("contactpersoon"), max_length=200, blank=True)
    contact_email = models.EmailField(_("e-mail contactpersoon"), blank=True)
    contact_phone = models.CharField(_("telefoon contactpersoon"), max_length=30, blank=True)
    breach_contact = models.CharField(
        _("contact bij datalekken"),
        max_length=300,
        help_text=_("Waar de leverancier een datalek meldt en waar de school het meldt (art. 8)."),
    )
    # Art. 10: the basis for transfers outside the EEA that the supplier itself provides.
    dpf_certified = models.BooleanField(
        _("gecertificeerd onder het EU-VS Data Privacy Framework"),
        default=False,
        help_text=_(
            "Alleen aanvinken als de leverancier (of zijn Amerikaanse subverwerker) op de lijst van "
            "het Data Privacy Framework staat."
        ),
    )
    standard_contractual_clauses = models.BooleanField(
        _("standaardcontractbepalingen (SCC's) afgesloten"),
        default=False,
        help_text=_(
            "De leverancier heeft met zijn verwerkers buiten de EER de standaardcontractbepalingen "
            "van de Europese Commissie gesloten."
        ),
    )

    class Meta:
        verbose_name = _("leverancier")
        verbose_name_plural = _("leveranciers")
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(
                fields=["foundation", "name"], name="unique_supplier_name_per_foundation"
            )
        ]

    def __str__(self):
        return f"{self.name} {self.legal_form}".strip()


class ProductKind(models.TextChoices):
    """Appendix 1 section C: the two kinds of product of the privacy convenant."""

    LEARNING = "I", _("I. Leermiddelen en toetsen")
    INFORMATION_SYSTEM = "II", _("II. School- en leerlinginformatiemiddel")


class ProductUser(models.TextChoices):
    PUPILS = "leerlingen", _("leerlingen")
    PARENTS = "ouders", _("ouders/verzorgers")
    TEACHERS = "leerkrachten", _("leerkrachten")


class Product(models.Model):
    """A product or service of a supplier that processes pupil data (appendix 1 section A)."""

    supplier = models.ForeignKey(
        Supplier, on_delete=models.PROTECT, related_name="products", verbose_name=_("leverancier")
    )
    name = models.CharField(_("naam product of dienst"), max_length=200)
    description = models.TextField(_("beknopte uitleg en werking"))
    url = models.URLField(_("link naar productpagina"), blank=True)
    target_group = models.CharField(
        _("doelgroep"), max_length=200, default="PO", help_text=_("Bijvoorbeeld PO, groep 3 t/m 8.")
    )
    users = models.JSONField(_("gebruikers"), default=list, blank=True)
    kind = models.CharField(_("soort"), max_length=2, choices=ProductKind.choices)

    class Meta:
        verbose_name = _("product")
        verbose_name_plural = _("producten")
        ordering = ["name"]

    def __str__(self):
        return self.name

    @property
    def user_labels(self):
        labels = dict(ProductUser.choices)
        return [labels.get(value, value) for value in self.users]


class BijsluiterStatus(models.TextChoices):
    PUBLISHED = "published", _("gepubliceerd")
    PROPOSED = "proposed", _("voorgesteld door een school")
    REJECTED = "rejected", _("afgewezen")


class Bijsluiter(models.Model):
    """One version of a product's privacybijsluiter (appendix 1, sections A–H) together with its
    appendix 2 (technical and organisational measures). A version is never changed after it is
    recorded: the supplier's changes make a new version, compared with the previous one (R6 13.3).
    """

    product = models.ForeignKey(
        Product, on_delete=models.PROTECT, related_name="bijsluiters", verbose_name=_("product")
    )
    number = models.PositiveIntegerField(_("volgnummer"), editable=False)
    # B. services
    core_processing = models.TextField(
        _("B1. verwerkingen die onlosmakelijk deel zijn van de dienst")
    )
    optional_processing = models.TextField(_("B2. optionele verwerkingen"), blank=True)
    # C. purposes
    purposes = models.TextField(
        _("C. doeleinden"),
        blank=True,
        help_text=_("Eén doel per regel. Verplicht voor een school- en leerlinginformatiemiddel."),
    )
    # D. categories of personal data: keys of students.registry
    categories = models.JSONField(_("D. categorieën persoonsgegevens"), default=list)
    categories_description = models.TextField(_("D. omschrijving van de gegevens"), blank=True)
    optional_categories = models.JSONField(
        _("D. optionele persoonsgegevens"), default=list, blank=True
    )
    special_kinds = models.TextField(
        _("D. soorten gegevens (bijzondere of financiële)"), blank=True
    )
    # E. security
    security_measures = models.TextField(_("E. specifieke beveiligingsmaatregelen"), blank=True)
    certifications = models.TextField(_("E. certificeringen"), blank=True)
    audits = models.TextField(_("E. audits en derdenverklaringen"), blank=True)
    countries = models.JSONField(_("E. landen van opslag en verwerking"), default=list)
    # G. contact
    contact = models.TextField(_("G. contactgegevens"))
    # H. version
    version_label = models.CharField(_("H. versie"), max_length=50)
    version_date = models.DateField(_("H. datum laatste aanpassing"))
    # Appendix 2: technical and organisational measures
    staff_access = models.TextField(_("2-I a. medewerkers met toegang en tot welke gegevens"))
    staff_actions = models.TextField(_("2-I b. handelingen van die medewerkers"), blank=True)
    protection_measures = models.TextField(
        _("2-II. bescherming tegen verlies en onrechtmatige verwerking")
    )
    security_standard = models.CharField(
        _("2-II. beveiligingsnorm"),
        max_length=200,
        blank=True,
        help_text=_("Bijvoorbeeld ROSA, ISO 27001."),
    )
    vulnerability_measures = models.TextField(_("2-III. zwakke plekken vinden (pentests, audits)"))
    reports_per_year = models.PositiveSmallIntegerField(_("rapportages per jaar"), default=1)
    report_deadline = models.CharField(_("rapportage uiterlijk op"), max_length=100, blank=True)
    breach_procedure = models.TextField(
        _("melden van datalekken en incidenten"),
        help_text=_(
            "Kanaal, contactpersonen, en wat gedeeld wordt: tijdstip, samenvatting, aard, oorzaak, maatregelen, betrokkenen en aantal, soort gegevens."
        ),
    )
    # R6 13.3: what this version adds compared with the previous one, per kind.
    widening = models.JSONField(_("verruiming"), default=dict, blank=True, editable=False)
    # A product several schools use gets its bijsluiter from the beheerder or the CvB; a school's
    # directie proposes a version, which the beheerder publishes or rejects.
    status = models.CharField(
        _("status"),
        max_length=10,
        choices=BijsluiterStatus.choices,
        default=BijsluiterStatus.PUBLISHED,
        editable=False,
    )
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        null=True,
        blank=True,
        editable=False,
    )
    decided_at = models.DateTimeField(null=True, blank=True, editable=False)
    rejection_reason = models.TextField(_("reden van afwijzing"), blank=True, editable=False)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", null=True
    )
    recorded_at = models.DateTimeField(_("vastgelegd op"), auto_now_add=True)

    class Meta:
        verbose_name = _("privacybijsluiter")
        verbose_name_plural = _("privacybijsluiters")
        ordering = ["product", "-number"]
        constraints = [
            models.UniqueConstraint(fields=["product", "number"], name="unique_bijsluiter_number")
        ]

    def __str__(self):
        return f"{self.product} – {self.version_label}"

    @property
    def widens(self) -> bool:
        return any(self.widening.values())

    def all_countries(self) -> list[str]:
        codes = list(self.countries)
        for sub in self.subprocessors.all():
            if sub.country not in codes:
                codes.append(sub.country)
        return codes

    def countries_outside_eea(self) -> list[str]:
        return [code for code in self.all_countries() if not is_eea(code)]

    def transfers(self) -> list[dict]:
        """Every country outside the EEA with the basis for the transfer (art. 10)."""
        supplier = self.product.supplier
        rows = []
        for code in self.countries_outside_eea():
            basis = transfer_basis(code, supplier)
            rows.append(
                {
                    "code": code,
                    "name": country_name(code),
                    "basis": basis,
                    "label": TransferBasis.LABELS[basis],
                    "ok": basis != TransferBasis.NONE,
                }
            )
        return rows

    def countries_without_basis(self) -> list[str]:
        """Countries outside the EEA without adequacy, certified DPF or SCCs: the warning."""
        return [row["code"] for row in self.transfers() if not row["ok"]]

    def purpose_lines(self) -> list[str]:
        return [line.strip() for line in self.purposes.splitlines() if line.strip()]

    def optional_lines(self) -> list[str]:
        """B2: the optional processings, one per line; a school opts in to each separately."""
        return [line.strip() for line in self.optional_processing.splitlines() if line.strip()]

    @property
    def is_published(self) -> bool:
        return self.status == BijsluiterStatus.PUBLISHED


class SubProcessor(models.Model):
    """Appendix 1 section F: a sub-processor of the supplier for this product."""

    bijsluiter = models.ForeignKey(
        Bijsluiter, on_delete=models.CASCADE, related_name="subprocessors"
    )
    name = models.CharField(_("naam"), max_length=200)
    task = models.CharField(_("taak of dienst"), max_length=300)
    country = models.CharField(_("land"), max_length=2)

    class Meta:
        verbose_name = _("subverwerker")
        verbose_name_plural = _("subverwerkers")
        ordering = ["name"]

    def __str__(self):
        return self.name

    @property
    def country_name(self):
        return country_name(self.country)

    @property
    def outside_eea(self):
        return not is_eea(self.country)

    @property
    def transfer_basis(self) -> str:
        return transfer_basis(self.country, self.bijsluiter.product.supplier)

    @property
    def transfer_label(self):
        return TransferBasis.LABELS[self.transfer_basis]

    @property
    def without_basis(self) -> bool:
        return self.transfer_basis == TransferBasis.NONE


class BijsluiterApproval(models.Model):
    """R6 art. 13.3: a school's informed approval of a bijsluiter version that widens processing."""

    bijsluiter = models.ForeignKey(Bijsluiter, on_delete=models.CASCADE, related_name="approvals")
    school = models.ForeignKey(School, on_delete=models.CASCADE, related_name="+")
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    approved_at = models.DateTimeField(auto_now_add=True)
    note = models.TextField(_("toelichting"), blank=True)

    class Meta:
        verbose_name = _("instemming met verruiming")
        verbose_name_plural = _("instemmingen met verruiming")
        constraints = [
            models.UniqueConstraint(fields=["bijsluiter", "school"], name="unique_approval")
        ]

    def __str__(self):
        return f"{self.bijsluiter} – {self.school}"


class ProductUse(models.Model):
    """A school uses a product: since when, for which classes, and which pupil data flows to it.

    This feeds the parents' view ("who else receives my child's data") and the record of
    processing.
    """

    school = models.ForeignKey(
        School, on_delete=models.CASCADE, related_name="product_uses", verbose_name=_("school")
    )
    product = models.ForeignKey(
        Product, on_delete=models.PROTECT, related_name="uses", verbose_name=_("product")
    )
    start_date = models.DateField(_("in gebruik sinds"))
    end_date = models.DateField(_("in gebruik tot"), null=True, blank=True)
    classes = models.ManyToManyField(
        SchoolClass, blank=True, related_name="product_uses", verbose_name=_("groepen")
    )
    categories = models.JSONField(_("gegevens die naar het product gaan"), default=list)
    # Model art. 3.2: the school chooses separately for each optional processing (bijsluiter B2).
    optional_opt_ins = models.JSONField(
        _("gekozen optionele verwerkingen (B2)"), default=list, blank=True
    )

    class Meta:
        verbose_name = _("product in gebruik")
        verbose_name_plural = _("producten in gebruik")
        ordering = ["school__name", "product__name"]

    def __str__(self):
        return f"{self.product} – {self.school}"


class ProcessingStop(models.Model):
    """A product no longer receives one pupil's data, because the school granted a parent's
    objection (art. 21 AVG) against it. The product's data flow for that pupil stops (the
    parents' "who receives my child's data" leaves it out), the agreement pages show the
    objection, and the supplier is told by mail (model art. 9: data-subject requests) to stop
    processing and remove the pupil's data."""

    product_use = models.ForeignKey(
        ProductUse,
        on_delete=models.CASCADE,
        related_name="stops",
        verbose_name=_("product in gebruik"),
    )
    pupil = models.ForeignKey(
        "students.Pupil",
        on_delete=models.CASCADE,
        related_name="processing_stops",
        verbose_name=_("leerling"),
    )
    # The parents' request that decided it (its reference only: the request stays in portal).
    reference = models.CharField(_("kenmerk verzoek"), max_length=20)
    recorded_at = models.DateTimeField(_("vastgelegd op"), auto_now_add=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    supplier_mailed_to = models.EmailField(_("leverancier gemaild op adres"), blank=True)

    class Meta:
        verbose_name = _("gestopte verwerking na bezwaar")
        verbose_name_plural = _("gestopte verwerkingen na bezwaar")
        ordering = ["-recorded_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["product_use", "pupil"], name="one_stop_per_product_use_and_pupil"
            )
        ]

    def __str__(self):
        return f"{self.product_use} – {self.reference}"


class AgreementState(models.TextChoices):
    DRAFT = "draft", _("concept")
    SUBMITTED = "submitted", _("ter ondertekening bij het CvB")
    RETURNED = "returned", _("teruggestuurd")
    AWAITING_PROCESSOR = "processor", _("wacht op de verwerker")
    SIGNED = "signed", _("ondertekend")
    ACTIVE = "active", _("actief")
    ENDED = "ended", _("beëindigd")
    DESTRUCTION_CONFIRMED = "destroyed", _("vernietiging bevestigd")
    SUPERSEDED = "superseded", _("vervangen door nieuwe versie")


class ModelVersion(models.TextChoices):
    V2_0 = "2.0", _("Model Verwerkersovereenkomst 2.0")


class Agreement(models.Model):
    """A processor agreement (verwerkersovereenkomst) between the foundation and a supplier for
    one or more products, for the whole foundation or for named schools.

    Signed agreements are immutable: a change makes a new version (same ``lineage``, ``version``
    + 1) that needs a new signature.
    """

    foundation = models.ForeignKey(
        Foundation, on_delete=models.PROTECT, related_name="agreements", verbose_name=_("stichting")
    )
    supplier = models.ForeignKey(
        Supplier, on_delete=models.PROTECT, related_name="agreements", verbose_name=_("leverancier")
    )
    bijsluiters = models.ManyToManyField(
        Bijsluiter, related_name="agreements", verbose_name=_("producten (met bijsluiterversie)")
    )
    all_schools = models.BooleanField(_("voor alle scholen van de stichting"), default=False)
    schools = models.ManyToManyField(
        School, blank=True, related_name="agreements", verbose_name=_("scholen")
    )
    model_version = models.CharField(
        _("modelversie"), max_length=10, choices=ModelVersion.choices, default=ModelVersion.V2_0
    )
    start_date = models.DateField(_("ingangsdatum"))
    end_date = models.DateField(_("einddatum"), null=True, blank=True)
    linked_to_contract = models.BooleanField(
        _("looptijd gelijk aan de productovereenkomst"),
        default=True,
        help_text=_("Art. 14: de overeenkomst eindigt met de product- en dienstenovereenkomst."),
    )
    state = models.CharField(
        _("status"), max_length=20, choices=AgreementState.choices, default=AgreementState.DRAFT
    )
    lineage = models.UUIDField(default=uuid.uuid4, editable=False, db_index=True)
    version = models.PositiveIntegerField(_("versie"), default=1, editable=False)
    previous = models.OneToOneField(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="next_version"
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    submitted_at = models.DateTimeField(null=True, blank=True)
    returned_reason = models.TextField(_("reden van terugsturen"), blank=True)
    # Signature: who, when, from where, and the SHA-256 of the exact PDF signed.
    signed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    signed_at = models.DateTimeField(null=True, blank=True)
    signed_ip = models.GenericIPAddressField(null=True, blank=True)
    content_sha256 = models.CharField(max_length=64, blank=True)
    # The one hash: SHA-256 of the agreement text as signed (``pdf_file``, frozen when the CvB
    # signs). Shown on screen and printed on the signature page of the sealed PDF.
    pdf_sha256 = models.CharField(max_length=64, blank=True)
    pdf_file = models.CharField(max_length=200, blank=True, editable=False)
    # The sealed PDF: the same text with the signature page of both parties.
    sealed_file = models.CharField(max_length=200, blank=True, editable=False)
    sealed_sha256 = models.CharField(max_length=64, blank=True, editable=False)
    # The processor's signature: accepted online through a personal link, or a countersigned
    # copy uploaded by the school.
    processor_link_nonce = models.CharField(max_length=32, blank=True, editable=False)
    processor_link_sent_at = models.DateTimeField(null=True, blank=True, editable=False)
    processor_link_sent_to = models.EmailField(blank=True, editable=False)
    processor_signer_name = models.CharField(
        _("ondertekend door (verwerker)"), max_length=200, blank=True
    )
    processor_signer_function = models.CharField(
        _("functie ondertekenaar (verwerker)"), max_length=200, blank=True
    )
    processor_signed_at = models.DateTimeField(null=True, blank=True)
    processor_signed_ip = models.GenericIPAddressField(null=True, blank=True)
    countersigned_file = models.CharField(max_length=200, blank=True, editable=False)
    countersigned_sha256 = models.CharField(max_length=64, blank=True, editable=False)
    # Ending and destruction (art. 12, 14)
    ended_on = models.DateField(_("beëindigd op"), null=True, blank=True)
    end_reason = models.TextField(_("reden van beëindiging"), blank=True)
    destruction_confirmed_on = models.DateField(
        _("datum bevestiging vernietiging"), null=True, blank=True
    )
    destruction_confirmed_by = models.CharField(
        _("bevestigd door (bij de leverancier)"), max_length=200, blank=True
    )
    destruction_document = models.CharField(max_length=200, blank=True, editable=False)

    class Meta:
        verbose_name = _("verwerkersovereenkomst")
        verbose_name_plural = _("verwerkersovereenkomsten")
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(fields=["lineage", "version"], name="unique_agreement_version")
        ]

    def __str__(self):
        return _("Verwerkersovereenkomst %(supplier)s (v%(version)s)") % {
            "supplier": self.supplier.name,
            "version": self.version,
        }

    @property
    def is_editable(self) -> bool:
        return self.state in (AgreementState.DRAFT, AgreementState.RETURNED)

    @property
    def is_signed(self) -> bool:
        """Signed by the CvB (the text is frozen); the processor may still have to sign."""
        return bool(self.pdf_sha256)

    @property
    def processor_signed(self) -> bool:
        return self.processor_signed_at is not None

    @property
    def processor_signed_online(self) -> bool:
        return self.processor_signed and not self.countersigned_file


class Deviation(models.Model):
    """Appendix 3: a listed and motivated deviation from the model agreement (art. 13.2)."""

    agreement = models.ForeignKey(Agreement, on_delete=models.CASCADE, related_name="deviations")
    article = models.CharField(_("artikel"), max_length=20)
    description = models.TextField(_("afwijking"))
    motivation = models.TextField(_("motivering"))

    class Meta:
        verbose_name = _("afwijking (bijlage 3)")
        verbose_name_plural = _("afwijkingen (bijlage 3)")
        ordering = ["pk"]

    def __str__(self):
        return f"{self.article}: {self.description[:40]}"


class AgreementEvent(models.Model):
    """One step in an agreement's workflow: who moved it from which state to which, and why."""

    agreement = models.ForeignKey(Agreement, on_delete=models.CASCADE, related_name="events")
    from_state = models.CharField(max_length=20, blank=True)
    to_state = models.CharField(max_length=20, choices=AgreementState.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+"
    )
    at = models.DateTimeField(auto_now_add=True)
    note = models.TextField(blank=True)

    class Meta:
        verbose_name = _("stap in de werkstroom")
        verbose_name_plural = _("stappen in de werkstroom")
        ordering = ["at", "pk"]

    def __str__(self):
        return f"{self.agreement_id}: {self.from_state} → {self.to_state}"


class Reminder(models.Model):
    """A reminder e-mail sent about an agreement in one period: the unique constraint makes the
    reminder jobs idempotent (a job that runs twice sends nothing twice)."""

    class Kind(models.TextChoices):
        AWAITING_CVB = "awaiting_cvb", _("wacht op het CvB")
        ENDING = "ending", _("loopt binnenkort af")
        DESTRUCTION = "destruction", _("vernietiging nog niet bevestigd")

    agreement = models.ForeignKey(Agreement, on_delete=models.CASCADE, related_name="reminders")
    kind = models.CharField(max_length=20, choices=Kind.choices)
    period = models.CharField(max_length=20)
    sent_at = models.DateTimeField(auto_now_add=True)
    recipients = models.PositiveIntegerField(default=0)

    class Meta:
        verbose_name = _("herinnering")
        verbose_name_plural = _("herinneringen")
        constraints = [
            models.UniqueConstraint(
                fields=["agreement", "kind", "period"], name="one_reminder_per_period"
            )
        ]

    def __str__(self):
        return f"{self.agreement_id} {self.kind} {self.period}"


auditlog.register(Supplier)
auditlog.register(Product)
auditlog.register(Bijsluiter)
auditlog.register(ProductUse, m2m_fields={"classes"})
auditlog.register(
    Agreement, m2m_fields={"schools", "bijsluiters"}, exclude_fields=["processor_link_nonce"]
)
auditlog.register(Deviation)
auditlog.register(BijsluiterApproval)
auditlog.register(ProcessingStop)
