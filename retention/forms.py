"""Forms of the retention screens (Dutch labels; the services validate the rules)."""

from django import forms
from django.utils.translation import gettext_lazy as _

from retention.models import Hold, RetentionPolicy


class DateInput(forms.DateInput):
    input_type = "date"


class PreviewSearchForm(forms.Form):
    q = forms.CharField(label=_("Zoek op naam"), required=False, max_length=100)


class ReviewRequestForm(forms.Form):
    note = forms.CharField(
        label=_("Toelichting (optioneel)"),
        required=False,
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


class HoldForm(forms.Form):
    ground = forms.ChoiceField(
        label=_("Grond"),
        choices=[(k, v) for k, v in Hold.Ground.choices if k != Hold.Ground.REVIEW_DECISION],
    )
    reason = forms.CharField(
        label=_("Reden"), max_length=1000, widget=forms.Textarea(attrs={"rows": 3})
    )
    ends_on = forms.DateField(label=_("Bewaren tot en met"), widget=DateInput)


class ReviewDecisionForm(forms.Form):
    decision = forms.ChoiceField(
        label=_("Besluit"),
        choices=[
            ("keep", _("Bewaren (bindend, met reden en einddatum)")),
            ("release", _("Vrijgeven voor vernietiging")),
        ],
        widget=forms.RadioSelect,
    )
    reason = forms.CharField(
        label=_("Reden"), max_length=1000, widget=forms.Textarea(attrs={"rows": 3})
    )
    ends_on = forms.DateField(label=_("Bewaren tot en met"), required=False, widget=DateInput)


class LiftForm(forms.Form):
    reason = forms.CharField(
        label=_("Reden van opheffen"), max_length=1000, widget=forms.Textarea(attrs={"rows": 2})
    )
    confirm = forms.BooleanField(
        label=_("Ik begrijp dat de gegevens bij de volgende ronde kunnen worden vernietigd."),
    )


class PolicyForm(forms.ModelForm):
    class Meta:
        model = RetentionPolicy
        fields = ["administration_years", "dossier_years", "dossier_sbo_years", "longer_reason"]
        widgets = {"longer_reason": forms.Textarea(attrs={"rows": 3})}


class YearForm(forms.Form):
    jaar = forms.IntegerField(label=_("Jaar"), min_value=2000, max_value=2100)


class ProcessorConfirmForm(forms.Form):
    note = forms.CharField(
        label=_("Toelichting (optioneel)"),
        help_text=_("Bijvoorbeeld: brief van de verwerker van 20 juni."),
        required=False,
        max_length=300,
    )
    file = forms.FileField(
        label=_("Bevestiging van de verwerker (optioneel)"),
        help_text=_(
            "PDF of afbeelding (PNG, JPEG), de brief of e-mail waarin de verwerker de "
            "vernietiging bevestigt."
        ),
        required=False,
        widget=forms.ClearableFileInput(attrs={"accept": "application/pdf,image/png,image/jpeg"}),
    )
