"""Forms of the transfer dossier: compile (destination and choices), sign, hand over."""

from django import forms
from django.utils.translation import gettext_lazy as _

from transfers.models import DestinationType, TransferDossier


class DossierSearchForm(forms.Form):
    q = forms.CharField(label=_("Zoeken"), required=False, max_length=100)
    status = forms.ChoiceField(
        label=_("Status"),
        required=False,
        choices=[("", _("alle"))] + list(TransferDossier.State.choices),
    )


class PupilSearchForm(forms.Form):
    q = forms.CharField(label=_("Naam of leerlingnummer"), required=False, max_length=100)


class CompileForm(forms.Form):
    """Destination and what goes; the choices are limited to what the compiler may see."""

    destination_name = forms.CharField(label=_("School van bestemming"), max_length=200)
    destination_brin = forms.CharField(
        label=_("BRIN-nummer van de nieuwe school"),
        max_length=4,
        help_text=_("Twee cijfers en twee letters of cijfers, bijvoorbeeld 12AB."),
    )
    destination_type = forms.ChoiceField(
        label=_("Soort school"),
        choices=DestinationType.choices,
        widget=forms.RadioSelect,
        help_text=_(
            "Bij speciaal basisonderwijs (SBO) wordt het dossier 3 jaar bewaard, anders 2."
        ),
    )
    leaves_on = forms.DateField(
        label=_("Vertrekdatum"), widget=forms.DateInput(attrs={"type": "date"})
    )
    categories = forms.MultipleChoiceField(
        label=_("Gegevens"), required=False, widget=forms.CheckboxSelectMultiple
    )
    entries = forms.MultipleChoiceField(
        label=_("Dossierstukken"), required=False, widget=forms.CheckboxSelectMultiple
    )

    def __init__(self, *args, categories=(), entries=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["categories"].choices = [(c.key, c.label) for c in categories]
        self.fields["entries"].choices = [(str(e.pk), e.title) for e in entries]

    def clean_destination_brin(self):
        return self.cleaned_data["destination_brin"].strip().upper()


class SignForm(forms.Form):
    has_read = forms.BooleanField(
        label=_("Ik heb het overstapdossier gelezen."),
        required=False,
        help_text=_(
            "U tekent voor inzage: dat u het dossier hebt gezien, niet dat u het ermee eens bent."
        ),
    )
    remarks = forms.CharField(
        label=_("Opmerkingen of bezwaren (niet verplicht)"),
        required=False,
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text=_(
            "Wat u hier schrijft, wordt aan het dossier toegevoegd en gaat mee naar de nieuwe school."
        ),
    )


class PaperSignatureForm(forms.Form):
    review = forms.TypedChoiceField(label=_("Ouder/verzorger"), coerce=int)
    remarks = forms.CharField(
        label=_("Opmerkingen of bezwaren van de ouder (overnemen van papier)"),
        required=False,
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )

    def __init__(self, *args, reviews=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["review"].choices = [
            (r.pk, f"{r.guardian.first_name} {r.guardian.last_name}") for r in reviews
        ]


class HandOverForm(forms.Form):
    confirm = forms.BooleanField(
        label=_("Ik draag dit dossier nu over; daarna verandert het niet meer."), required=True
    )
    override_reason = forms.CharField(
        label=_("Reden om over te dragen zonder handtekening van alle ouders"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_(
            "Alleen de directie, en alleen als de ouders ondanks herinneringen niet bereikbaar zijn."
        ),
    )


class SecretContactForm(forms.Form):
    """The directie's decision whether the receiving school gets the secret address."""

    include = forms.TypedChoiceField(
        label=_("Geheim adres en telefoonnummer meesturen?"),
        choices=[
            ("no", _("Nee, de nieuwe school krijgt het geheime adres niet")),
            ("yes", _("Ja, de nieuwe school heeft het geheime adres nodig")),
        ],
        coerce=lambda value: value == "yes",
        widget=forms.RadioSelect,
    )
    reason = forms.CharField(
        label=_("Reden"),
        required=False,
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_(
            "Verplicht bij meesturen: waarom heeft de nieuwe school het geheime adres nodig? "
            "De ouders zien dat het adres meegaat, met deze reden."
        ),
    )
