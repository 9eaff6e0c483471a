"""Forms of the breaches app: they parse input; the rules are checked in ``breaches.services``."""

from django import forms
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.utils.translation import gettext_lazy as _

from accounts.models import SchoolClass, User
from breaches.models import (
    AffectedGroup,
    BreachKind,
    BreachStatus,
    Encryption,
    Risk,
    SpecialCategory,
)
from students.registry import category_choices

DATETIME_WIDGET = forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")
DATE_WIDGET = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
YES_NO = [("yes", _("Ja")), ("no", _("Nee"))]


def _yes_no(value):
    return {"yes": True, "no": False}.get(value)


class BreachReportForm(forms.Form):
    description = forms.CharField(
        label=_("Wat is er gebeurd?"),
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text=_("Beschrijf kort wat er is gebeurd. Noem geen namen van leerlingen."),
    )
    occurred_at = forms.DateTimeField(
        label=_("Wanneer is het gebeurd?"),
        required=False,
        widget=DATETIME_WIDGET,
        help_text=_("Laat leeg als u dat niet weet."),
    )
    discovered_at = forms.DateTimeField(
        label=_("Wanneer is het ontdekt?"),
        widget=DATETIME_WIDGET,
        help_text=_("Vanaf dit moment lopen de 72 uur waarbinnen we bij de AP moeten melden."),
    )
    kind = forms.ChoiceField(
        label=_("Wat voor lek is het?"), choices=BreachKind.choices, widget=forms.RadioSelect
    )
    schools = forms.ModelMultipleChoiceField(
        label=_("Welke school of scholen?"),
        queryset=None,
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": _("Kies minstens één school.")},
    )
    data_categories = forms.MultipleChoiceField(
        label=_("Welke gegevens zijn betrokken?"),
        choices=category_choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    special_categories = forms.MultipleChoiceField(
        label=_("Zijn er bijzondere of gevoelige gegevens bij?"),
        choices=SpecialCategory.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    people_count = forms.IntegerField(
        label=_("Om hoeveel mensen gaat het ongeveer?"),
        # Negative numbers get the form's own message; the upper bound keeps the database
        # integer from overflowing.
        max_value=10_000_000,
        error_messages={
            "min_value": _("Het aantal betrokkenen kan niet negatief zijn."),
            "max_value": _("Dit aantal betrokkenen is onwaarschijnlijk groot."),
        },
        widget=forms.NumberInput(attrs={"min": 0}),
    )
    affected_groups = forms.MultipleChoiceField(
        label=_("Wie zijn het?"),
        choices=AffectedGroup.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    encrypted = forms.ChoiceField(
        label=_("Waren de gegevens versleuteld of anderszins onleesbaar?"),
        choices=Encryption.choices,
        widget=forms.RadioSelect,
    )
    processor_name = forms.CharField(
        label=_("Is er een leverancier (verwerker) bij betrokken? Welke?"),
        required=False,
        max_length=200,
    )
    measures_taken = forms.CharField(
        label=_("Wat is er al gedaan om de schade te beperken?"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )

    def __init__(self, *args, schools, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["schools"].queryset = schools
        # One school: no question to answer, the report is about that school (shown as text).
        self.only_school = schools[0] if len(schools) == 1 else None
        if self.only_school is not None:
            self.fields["schools"].widget = forms.MultipleHiddenInput()
            if not self.is_bound:
                self.initial["schools"] = [self.only_school.pk]
        # Suggest the suppliers of the agreements register (the agreements app answers the
        # ``known_processors`` hook); any other name can still be typed.
        from privacy_portal.hooks import collect

        foundation_ids = {school.foundation_id for school in schools}
        self.processor_suggestions = sorted(set(collect("known_processors", foundation_ids)))
        self.fields["processor_name"].widget.attrs["list"] = "processor-suggestions"


class AssessmentForm(forms.Form):
    risk = forms.ChoiceField(
        label=_("Risico voor de betrokkenen"), choices=Risk.choices, widget=forms.RadioSelect
    )
    risk_reasoning = forms.CharField(
        label=_("Onderbouwing"),
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_(
            "Welke gevolgen kan het lek hebben voor de betrokkenen, en hoe waarschijnlijk?"
        ),
    )
    notify_ap = forms.ChoiceField(
        label=_("Melden bij de Autoriteit Persoonsgegevens?"),
        choices=YES_NO,
        widget=forms.RadioSelect,
        help_text=_(
            "Verplicht, tenzij het lek waarschijnlijk geen risico voor de betrokkenen heeft."
        ),
    )
    notify_ap_reason = forms.CharField(
        label=_("Waarom (niet) melden bij de AP?"), widget=forms.Textarea(attrs={"rows": 2})
    )
    inform_subjects = forms.ChoiceField(
        label=_("De betrokkenen informeren?"),
        choices=YES_NO,
        widget=forms.RadioSelect,
        help_text=_(
            "Verplicht bij een hoog risico, tenzij de gegevens versleuteld waren of er andere "
            "zwaarwegende redenen zijn; schrijf die dan op."
        ),
    )
    inform_subjects_reason = forms.CharField(
        label=_("Waarom (niet) informeren?"), widget=forms.Textarea(attrs={"rows": 2})
    )

    def decisions(self) -> dict:
        data = dict(self.cleaned_data)
        data["notify_ap"] = _yes_no(data["notify_ap"])
        data["inform_subjects"] = _yes_no(data["inform_subjects"])
        return data


class ApNotificationForm(forms.Form):
    sent_at = forms.DateTimeField(label=_("Verzonden op"), widget=DATETIME_WIDGET)
    ap_reference = forms.CharField(label=_("Meldnummer van de AP"), max_length=100)
    summary = forms.CharField(
        label=_("Samenvatting van wat is gemeld"), widget=forms.Textarea(attrs={"rows": 4})
    )
    late_reason = forms.CharField(
        label=_("Reden van de vertraging"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("Verplicht als de eerste melding later dan 72 uur na ontdekking is gedaan."),
    )


class ApDetailsForm(forms.Form):
    """What the AP's notification form asks beyond the report (filled in by the FG)."""

    contact_name = forms.CharField(label=_("Contactpersoon voor de AP"), max_length=200)
    contact_role = forms.CharField(label=_("Functie"), max_length=100, required=False)
    contact_email = forms.EmailField(label=_("E-mailadres"))
    contact_phone = forms.CharField(label=_("Telefoonnummer"), max_length=30)
    people_min = forms.IntegerField(
        label=_("Aantal betrokkenen: minimaal"), min_value=0, widget=forms.NumberInput()
    )
    people_max = forms.IntegerField(
        label=_("Aantal betrokkenen: maximaal"), min_value=0, widget=forms.NumberInput()
    )
    is_ongoing = forms.ChoiceField(
        label=_("Duurt het lek nog voort?"), choices=YES_NO, widget=forms.RadioSelect
    )
    ended_at = forms.DateTimeField(
        label=_("Beëindigd op"),
        required=False,
        widget=DATETIME_WIDGET,
        help_text=_("Alleen als het lek niet meer voortduurt."),
    )
    cross_border = forms.ChoiceField(
        label=_("Zijn er betrokkenen in andere EU-landen?"),
        choices=YES_NO,
        widget=forms.RadioSelect,
    )
    cross_border_countries = forms.CharField(
        label=_("Welke landen?"), max_length=200, required=False
    )
    follow_up_expected = forms.ChoiceField(
        label=_("Volgt er een vervolgmelding?"),
        choices=YES_NO,
        widget=forms.RadioSelect,
        help_text=_("Ja als nog niet alles bekend is (gefaseerd melden)."),
    )
    follow_up_note = forms.CharField(
        label=_("Toelichting op het vervolg"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )

    def details(self) -> dict:
        data = dict(self.cleaned_data)
        for key in ("is_ongoing", "cross_border", "follow_up_expected"):
            data[key] = _yes_no(data[key])
        return data

    @staticmethod
    def initial_for(breach) -> dict:
        yes_no = {True: "yes", False: "no"}
        return {
            "contact_name": breach.contact_name,
            "contact_role": breach.contact_role,
            "contact_email": breach.contact_email,
            "contact_phone": breach.contact_phone,
            "people_min": breach.people_min
            if breach.people_min is not None
            else breach.people_count,
            "people_max": breach.people_max
            if breach.people_max is not None
            else breach.people_count,
            "is_ongoing": yes_no.get(breach.is_ongoing),
            "ended_at": breach.ended_at,
            "cross_border": yes_no.get(breach.cross_border),
            "cross_border_countries": breach.cross_border_countries,
            "follow_up_expected": yes_no.get(breach.follow_up_expected),
            "follow_up_note": breach.follow_up_note,
        }


class RecordOnlyForm(forms.Form):
    reason = forms.CharField(
        label=_("Waarom wordt het lek niet gemeld bij de AP?"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )


class CloseForm(forms.Form):
    reason = forms.CharField(
        label=_("Reden waarom niet gemeld bij de AP"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("Alleen nodig als het lek meldplichtig is en er geen melding is vastgelegd."),
    )
    note = forms.CharField(
        label=_("Afsluitende notitie"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )


class MeasureForm(forms.Form):
    description = forms.CharField(label=_("Maatregel"), max_length=500)
    owner = forms.ModelChoiceField(label=_("Eigenaar"), queryset=User.objects.none())
    due_date = forms.DateField(label=_("Uiterlijk klaar op"), widget=DATE_WIDGET)

    def __init__(self, *args, owners, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["owner"].queryset = owners


class LetterForm(forms.Form):
    subject = forms.CharField(label=_("Onderwerp"), max_length=200)
    body = forms.CharField(label=_("Tekst"), widget=forms.Textarea(attrs={"rows": 22}))


class LetterSendForm(forms.Form):
    classes = forms.ModelMultipleChoiceField(
        label=_("Ouders van de leerlingen in deze groepen"),
        queryset=SchoolClass.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    extra_addresses = forms.CharField(
        label=_("Andere e-mailadressen"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Eén adres per regel, bijvoorbeeld van medewerkers."),
    )

    def __init__(self, *args, classes, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["classes"].queryset = classes

    def clean_extra_addresses(self):
        addresses = []
        for line in self.cleaned_data["extra_addresses"].split():
            try:
                validate_email(line)
            except ValidationError:
                raise ValidationError(
                    _("“%(address)s” is geen geldig e-mailadres.") % {"address": line[:100]}
                ) from None
            addresses.append(line.lower())
        if len(addresses) > 500:
            raise ValidationError(_("Maximaal 500 losse adressen tegelijk."))
        return addresses

    def clean(self):
        data = super().clean()
        if not data.get("classes") and not data.get("extra_addresses") and not self.errors:
            raise ValidationError(_("Kies een groep of vul ten minste één e-mailadres in."))
        return data


class RegisterFilterForm(forms.Form):
    q = forms.CharField(label=_("Zoeken"), required=False, max_length=100)
    school = forms.ModelChoiceField(label=_("School"), queryset=None, required=False)
    start = forms.DateField(label=_("Ontdekt vanaf"), required=False, widget=DATE_WIDGET)
    end = forms.DateField(label=_("Ontdekt tot en met"), required=False, widget=DATE_WIDGET)
    kind = forms.ChoiceField(
        label=_("Soort"), required=False, choices=[("", _("Alle"))] + BreachKind.choices
    )
    status = forms.ChoiceField(
        label=_("Status"), required=False, choices=[("", _("Alle"))] + BreachStatus.choices
    )

    def __init__(self, *args, schools, **kwargs):
        super().__init__(*args, **kwargs)
        if len(schools) < 2:  # a filter with one school in it is noise
            del self.fields["school"]
            return
        self.fields["school"].queryset = schools
        self.fields["school"].empty_label = _("Alle scholen")

    def clean(self):
        data = super().clean()
        if data.get("start") and data.get("end") and data["start"] > data["end"]:
            raise ValidationError(_("De begindatum ligt na de einddatum."))
        return data

    def filters(self) -> dict:
        if not self.is_valid():
            return {}
        data = self.cleaned_data
        return {
            "school": data["school"].pk if data.get("school") else None,
            "start": data.get("start"),
            "end": data.get("end"),
            "kind": data.get("kind") or "",
            "status": data.get("status") or "",
            "search": data.get("q") or "",
        }
