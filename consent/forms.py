"""Forms of the staff consent screens."""

from django import forms
from django.utils.translation import gettext_lazy as _


class PublishCheckForm(forms.Form):
    """ "May I publish this?": a channel and the pupils on the picture."""

    channel = forms.ChoiceField(label=_("Kanaal"))
    pupils = forms.MultipleChoiceField(
        label=_("Leerlingen op de foto of video"),
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": _("Kies de leerlingen die op de foto of video staan.")},
    )

    def __init__(self, *args, channels, pupils, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["channel"].choices = [(c.key, c.name) for c in channels]
        self.fields["pupils"].choices = [
            (str(p.pk), f"{p.first_name} {p.last_name}") for p in pupils
        ]


class SchoolSettingForm(forms.Form):
    require_both_parents = forms.BooleanField(
        label=_("Beide ouders met gezag moeten toestemming geven"),
        required=False,
        help_text=_(
            "Zolang niet beide ouders met gezag toestemming hebben gegeven, geldt: geen toestemming."
        ),
    )


class ChannelTextForm(forms.Form):
    text = forms.CharField(
        label=_("Tekst voor ouders"),
        widget=forms.Textarea(attrs={"rows": 5}),
        max_length=4000,
        help_text=_(
            "Een gewijzigde tekst wordt een nieuwe versie; eerdere keuzes blijven bij hun versie."
        ),
    )


class PaperAnswerForm(forms.Form):
    """An answer given on paper, entered by the administration."""

    source = forms.ChoiceField(label=_("Antwoord van"))
    channel = forms.ChoiceField(label=_("Kanaal"))
    answer = forms.ChoiceField(
        label=_("Antwoord"),
        choices=[("ja", _("Toestemming")), ("nee", _("Geen toestemming"))],
        widget=forms.RadioSelect,
    )

    def __init__(self, *args, guardians, channels, pupil_decides, **kwargs):
        super().__init__(*args, **kwargs)
        if pupil_decides:
            self.fields["source"].choices = [("leerling", _("de leerling zelf (16+)"))]
        else:
            self.fields["source"].choices = [
                (str(g.pk), f"{g.first_name} {g.last_name}") for g in guardians
            ]
        self.fields["channel"].choices = [(str(c.pk), c.name) for c in channels]
