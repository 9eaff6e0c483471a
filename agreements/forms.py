"""Forms of the agreements app. They parse input; the services validate the rules."""

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from agreements.models import ModelVersion, ProductKind, ProductUser, Supplier
from students.registry import category_choices

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class SupplierForm(forms.ModelForm):
    class Meta:
        model = Supplier
        fields = [
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
            "dpf_certified",
            "standard_contractual_clauses",
        ]


class ProductForm(forms.Form):
    name = forms.CharField(label=_("Naam product of dienst"), max_length=200)
    description = forms.CharField(label=_("Beknopte uitleg en werking"), widget=forms.Textarea)
    url = forms.URLField(label=_("Link naar productpagina"), required=False, assume_scheme="https")
    target_group = forms.CharField(label=_("Doelgroep"), max_length=200, initial="PO")
    users = forms.MultipleChoiceField(
        label=_("Gebruikers"),
        choices=ProductUser.choices,
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )
    kind = forms.ChoiceField(label=_("Soort (bijsluiter C)"), choices=ProductKind.choices)


def _categories_field(label, required=True):
    return forms.MultipleChoiceField(
        label=label,
        choices=category_choices,
        widget=forms.CheckboxSelectMultiple,
        required=required,
        error_messages={"required": _("Kies ten minste één categorie persoonsgegevens.")},
    )


class BijsluiterForm(forms.Form):
    """Appendix 1 (A–H) and appendix 2. Countries as ISO codes, sub-processors one per line."""

    core_processing = forms.CharField(
        label=_("B1. Verwerkingen die onlosmakelijk deel zijn van de dienst"),
        widget=forms.Textarea(attrs={"rows": 3}),
        required=False,
    )
    optional_processing = forms.CharField(
        label=_("B2. Optionele verwerkingen (de school kiest)"),
        widget=forms.Textarea(attrs={"rows": 2}),
        required=False,
    )
    purposes = forms.CharField(
        label=_("C. Doeleinden (één per regel; verplicht bij soort II)"),
        widget=forms.Textarea(attrs={"rows": 3}),
        required=False,
    )
    categories = _categories_field(_("D. Categorieën persoonsgegevens"))
    categories_description = forms.CharField(
        label=_("D. Omschrijving van de gegevens"),
        widget=forms.Textarea(attrs={"rows": 2}),
        required=False,
    )
    optional_categories = _categories_field(_("D. Optionele persoonsgegevens"), required=False)
    special_kinds = forms.CharField(label=_("D. Bijzondere of financiële gegevens"), required=False)
    security_measures = forms.CharField(
        label=_("E. Specifieke beveiligingsmaatregelen"),
        widget=forms.Textarea(attrs={"rows": 2}),
        required=False,
    )
    certifications = forms.CharField(label=_("E. Certificeringen"), required=False)
    audits = forms.CharField(label=_("E. Audits en derdenverklaringen"), required=False)
    countries = forms.CharField(
        label=_("E. Landen van opslag en verwerking"),
        help_text=_("ISO-landcodes, gescheiden door komma's, bijvoorbeeld: NL, DE"),
        required=False,
    )
    subprocessors = forms.CharField(
        label=_("F. Subverwerkers"),
        help_text=_(
            "Eén per regel: naam | taak | landcode, bijvoorbeeld: Hosting B.V. | hosting | NL"
        ),
        widget=forms.Textarea(attrs={"rows": 3}),
        required=False,
    )
    contact = forms.CharField(
        label=_("G. Contactgegevens"), widget=forms.Textarea(attrs={"rows": 2}), required=False
    )
    version_label = forms.CharField(label=_("H. Versie"), max_length=50, required=False)
    version_date = forms.DateField(label=_("H. Datum laatste aanpassing"), widget=DATE)
    staff_access = forms.CharField(
        label=_("Bijlage 2-I a. Welke medewerkers hebben toegang tot welke gegevens"),
        widget=forms.Textarea(attrs={"rows": 2}),
        required=False,
    )
    staff_actions = forms.CharField(
        label=_("Bijlage 2-I b. Handelingen van die medewerkers"),
        widget=forms.Textarea(attrs={"rows": 2}),
        required=False,
    )
    protection_measures = forms.CharField(
        label=_("Bijlage 2-II. Bescherming tegen verlies en onrechtmatige verwerking"),
        widget=forms.Textarea(attrs={"rows": 3}),
        required=False,
    )
    security_standard = forms.CharField(
        label=_("Bijlage 2-II. Beveiligingsnorm"), required=False, initial="ROSA"
    )
    vulnerability_measures = forms.CharField(
        label=_("Bijlage 2-III. Zwakke plekken vinden (pentests, audits)"),
        widget=forms.Textarea(attrs={"rows": 2}),
        required=False,
    )
    reports_per_year = forms.IntegerField(
        label=_("Rapportages per jaar"), min_value=0, max_value=12, initial=1
    )
    report_deadline = forms.CharField(label=_("Rapportage uiterlijk op"), required=False)
    breach_procedure = forms.CharField(
        label=_("Melden van datalekken en incidenten"),
        help_text=_(
            "Kanaal, contactpersonen, en wat gedeeld wordt: tijdstip, samenvatting, aard, oorzaak, "
            "maatregelen, betrokkenen en aantal, soort gegevens."
        ),
        widget=forms.Textarea(attrs={"rows": 3}),
        required=False,
    )

    def service_kwargs(self) -> dict:
        data = dict(self.cleaned_data)
        data["countries"] = [c for c in data["countries"].replace(";", ",").split(",") if c.strip()]
        subs = []
        for line in data.pop("subprocessors").splitlines():
            if not line.strip():
                continue
            parts = [p.strip() for p in line.split("|")]
            parts += [""] * (3 - len(parts))
            subs.append({"name": parts[0], "task": parts[1], "country": parts[2]})
        data["subprocessors"] = subs
        return data

    @classmethod
    def initial_from(cls, bijsluiter) -> dict:
        if bijsluiter is None:
            return {}
        initial = {
            name: getattr(bijsluiter, name) for name in cls.base_fields if name != "subprocessors"
        }
        initial["countries"] = ", ".join(bijsluiter.countries)
        initial["subprocessors"] = "\n".join(
            f"{s.name} | {s.task} | {s.country}" for s in bijsluiter.subprocessors.all()
        )
        return initial


class ProductUseForm(forms.Form):
    product = forms.ModelChoiceField(label=_("Product"), queryset=None)
    start_date = forms.DateField(label=_("In gebruik sinds"), widget=DATE)
    end_date = forms.DateField(label=_("In gebruik tot"), widget=DATE, required=False)
    classes = forms.ModelMultipleChoiceField(
        label=_("Groepen"),
        queryset=None,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("Laat leeg als het hele school het product gebruikt."),
    )
    categories = _categories_field(_("Welke leerlinggegevens gaan naar het product"))

    def __init__(self, *args, products, classes, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["product"].queryset = products
        self.fields["classes"].queryset = classes


class AgreementForm(forms.Form):
    products = forms.ModelMultipleChoiceField(
        label=_("Producten"), queryset=None, widget=forms.CheckboxSelectMultiple
    )
    schools = forms.ModelMultipleChoiceField(
        label=_("Scholen"), queryset=None, widget=forms.CheckboxSelectMultiple, required=False
    )
    all_schools = forms.BooleanField(
        label=_("Voor alle scholen van de stichting (alleen bestuursbureau)"), required=False
    )
    model_version = forms.ChoiceField(
        label=_("Modelversie"), choices=ModelVersion.choices, initial=ModelVersion.V2_0
    )
    start_date = forms.DateField(label=_("Ingangsdatum"), widget=DATE)
    end_date = forms.DateField(label=_("Einddatum"), widget=DATE, required=False)
    linked_to_contract = forms.BooleanField(
        label=_("Looptijd gelijk aan de product- en dienstenovereenkomst (art. 14)"),
        required=False,
        initial=True,
    )

    def __init__(self, *args, products, schools, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["products"].queryset = products
        self.fields["schools"].queryset = schools


class DeviationForm(forms.Form):
    article = forms.CharField(label=_("Artikel"), max_length=20, required=False)
    description = forms.CharField(
        label=_("Afwijking"), widget=forms.Textarea(attrs={"rows": 2}), required=False
    )
    motivation = forms.CharField(
        label=_("Motivering"), widget=forms.Textarea(attrs={"rows": 2}), required=False
    )


class ReturnForm(forms.Form):
    reason = forms.CharField(
        label=_("Reden van terugsturen"), widget=forms.Textarea(attrs={"rows": 3}), required=False
    )


class SignForm(forms.Form):
    confirmation = forms.CharField(
        label=_("Uw wachtwoord of de code uit uw authenticator-app"),
        widget=forms.PasswordInput(attrs={"autocomplete": "off"}),
        max_length=200,
        error_messages={"required": _("Bevestig uw identiteit om te ondertekenen.")},
    )
    agree = forms.BooleanField(
        label=_("Ik heb de overeenkomst met bijlagen gelezen en onderteken namens de stichting."),
        error_messages={"required": _("Vink aan dat u de overeenkomst hebt gelezen.")},
    )


class EndForm(forms.Form):
    ended_on = forms.DateField(label=_("Beëindigd op"), widget=DATE)
    reason = forms.CharField(
        label=_("Reden van beëindiging"), widget=forms.Textarea(attrs={"rows": 2}), required=False
    )


class DestructionForm(forms.Form):
    confirmed_on = forms.DateField(label=_("Datum van de bevestiging"), widget=DATE)
    confirmed_by = forms.CharField(
        label=_("Bevestigd door (naam en functie bij de leverancier)"), max_length=200
    )
    document = forms.FileField(
        label=_("Schriftelijke bevestiging (PDF)"),
        error_messages={"required": _("Voeg de schriftelijke bevestiging toe.")},
    )

    def clean_document(self):
        document = self.cleaned_data["document"]
        if document.size > 10 * 1024 * 1024:
            raise ValidationError(_("Het bestand is groter dan 10 MB."))
        return document


class VerifyForm(forms.Form):
    document = forms.FileField(
        label=_("Een kopie van de ondertekende PDF (optioneel)"), required=False
    )


class ProcessorAcceptForm(forms.Form):
    """The processor's signatory accepts the agreement through the personal link."""

    name = forms.CharField(label=_("Uw naam"), max_length=200, required=False)
    function = forms.CharField(label=_("Uw functie"), max_length=200, required=False)
    accept = forms.BooleanField(
        label=_(
            "Ik heb de overeenkomst met bijlagen gelezen, ben bevoegd de verwerker te "
            "vertegenwoordigen, en aanvaard de overeenkomst namens de verwerker."
        ),
        required=False,
    )


class ProcessorLinkForm(forms.Form):
    email = forms.EmailField(
        label=_("E-mailadres van wie bij de leverancier ondertekent"), required=False
    )


class CountersignedForm(forms.Form):
    name = forms.CharField(label=_("Ondertekend door (naam)"), max_length=200, required=False)
    function = forms.CharField(label=_("Functie"), max_length=200, required=False)
    document = forms.FileField(
        label=_("Door de verwerker getekende kopie (PDF)"),
        error_messages={"required": _("Voeg de door de verwerker getekende kopie toe (PDF).")},
    )

    def clean_document(self):
        document = self.cleaned_data["document"]
        if document.size > 10 * 1024 * 1024:
            raise ValidationError(_("Het bestand is groter dan 10 MB."))
        return document


class BijsluiterDecisionForm(forms.Form):
    decision = forms.ChoiceField(
        label=_("Besluit"),
        choices=[("accept", _("Publiceren")), ("reject", _("Afwijzen"))],
        widget=forms.RadioSelect,
    )
    reason = forms.CharField(
        label=_("Reden (bij afwijzen)"), widget=forms.Textarea(attrs={"rows": 2}), required=False
    )


class OptInForm(forms.Form):
    """B2: per optional processing of the current bijsluiter, whether the school opts in."""

    opt_ins = forms.MultipleChoiceField(
        label=_("Optionele verwerkingen (B2) waarvoor de school kiest"),
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )

    def __init__(self, *args, lines, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["opt_ins"].choices = [(line, line) for line in lines]
