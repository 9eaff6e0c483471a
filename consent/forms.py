"""Forms of the staff consent screens."""

from django import forms
from django.utils.translation import gettext_lazy as _

from consent.models import ChannelText


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
        self.fields["pupils"].choices = [(str(p.pk), p.list_name) for p in pupils]


class SchoolSettingForm(forms.Form):
    require_both_parents = forms.BooleanField(
        label=_("Beide ouders met gezag moeten toestemming geven"),
        required=False,
        help_text=_(
            "Zolang niet beide ouders met gezag toestemming hebben gegeven, geldt: geen toestemming."
        ),
    )
    # Set by the confirmation step, after the consequence was shown.
    confirmed = forms.BooleanField(required=False, widget=forms.HiddenInput)


class SchoolChannelsForm(forms.Form):
    """Which of the foundation's channels this school uses."""

    channels = forms.MultipleChoiceField(
        label=_("Kanalen die deze school gebruikt"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_(
            "Ouders worden alleen gevraagd naar kanalen die de school gebruikt. "
            "Een kanaal uitzetten wist geen antwoorden."
        ),
    )

    def __init__(self, *args, channels, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["channels"].choices = [(str(c.pk), c.name) for c in channels]


class ChannelTextForm(forms.Form):
    text = forms.CharField(
        label=_("Tekst voor ouders"),
        widget=forms.Textarea(attrs={"rows": 5}),
        max_length=4000,
        help_text=_(
            "Een gewijzigde tekst wordt een nieuwe versie; eerdere keuzes blijven bij hun versie."
        ),
    )
    scope = forms.ChoiceField(
        label=_("Wat voor wijziging is dit?"),
        choices=[
            (
                ChannelText.Scope.EDITORIAL,
                _(
                    "Redactioneel: dezelfde toepassing in andere of duidelijkere woorden. "
                    "Gegeven antwoorden blijven gelden."
                ),
            ),
            (
                ChannelText.Scope.WIDENING,
                _(
                    "Verruiming: een nieuw gebruik, publiek of medium (bijvoorbeeld een nieuw "
                    "platform). Gegeven antwoorden vervallen; ouders krijgen opnieuw de vraag en "
                    "tot ze antwoorden geldt: geen toestemming."
                ),
            ),
        ],
        widget=forms.RadioSelect,
        error_messages={
            "required": _("Kies of de wijziging redactioneel is of het gebruik verruimt.")
        },
    )
    reason = forms.CharField(
        label=_("Toelichting (voor de FG)"),
        max_length=300,
        required=False,
        help_text=_("Bijvoorbeeld: ‘TikTok toegevoegd’ of ‘spelfout verbeterd’."),
    )


class ChannelCreateForm(forms.Form):
    """A new channel: foundation-wide (FG, administrator) or for one school (its directie)."""

    scope = forms.ChoiceField(
        label=_("Voor"),
        help_text=_("Een kanaal van één school wordt alleen op die school gevraagd en getoond."),
    )
    name = forms.CharField(label=_("Naam van het kanaal"), max_length=100)
    text = forms.CharField(
        label=_("Tekst voor ouders"), widget=forms.Textarea(attrs={"rows": 4}), max_length=4000
    )

    def __init__(self, *args, schools=(), foundation_wide=True, **kwargs):
        super().__init__(*args, **kwargs)
        choices = [("", _("alle scholen van de stichting"))] if foundation_wide else []
        choices += [(str(s.pk), _("alleen %(school)s") % {"school": s.name}) for s in schools]
        self.fields["scope"].choices = choices
        self.fields["scope"].required = not foundation_wide
        if len(choices) == 1:
            self.fields["scope"].initial = choices[0][0]


class ConsentRoundForm(forms.Form):
    starts_on = forms.DateField(
        label=_("Verzoeken versturen op"),
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        help_text=_("Standaard de eerste schooldag na de zomervakantie."),
    )
    reminder_after_days = forms.IntegerField(
        label=_("Herinnering na (dagen)"),
        min_value=1,
        max_value=120,
        help_text=_(
            "Eén herinnering, met de huidige keuzes en dat ouders die altijd kunnen intrekken."
        ),
    )


class PaperAnswersForm(forms.Form):
    """One paper form of one pupil: every channel × every parent with authority (or the pupil
    of 16+ themself), each "ja", "nee" or left empty. Field names are ``a-<source>-<channel
    id>``, source being a guardian id or ``leerling``."""

    CHOICES = [("", _("niet ingevuld")), ("ja", _("ja")), ("nee", _("nee"))]

    def __init__(self, *args, sources, channels, **kwargs):
        super().__init__(*args, **kwargs)
        self.sources = sources  # [(key, label)]
        self.channels = channels
        for key, _label in sources:
            for channel in channels:
                self.fields[self.name_for(key, channel)] = forms.ChoiceField(
                    choices=self.CHOICES, required=False, widget=forms.RadioSelect
                )

    @staticmethod
    def name_for(source_key, channel) -> str:
        return f"a-{source_key}-{channel.pk}"

    def grid(self):
        """Rows for the template: (channel, [(source key, bound field)])."""
        return [
            (channel, [(key, self[self.name_for(key, channel)]) for key, _label in self.sources])
            for channel in self.channels
        ]

    def clean(self):
        cleaned = super().clean()
        if not self.answers():
            raise forms.ValidationError(_("Vul ten minste één antwoord in."))
        return cleaned

    def answers(self) -> dict:
        """(guardian id or None, channel id) -> granted, for the filled-in cells."""
        result = {}
        for key, _label in self.sources:
            for channel in self.channels:
                value = self.cleaned_data.get(self.name_for(key, channel))
                if value in ("ja", "nee"):
                    result[(None if key == "leerling" else int(key), channel.pk)] = value == "ja"
        return result
