from django import forms
from django.utils.translation import gettext_lazy as _

from portal.models import ParentRequest
from portal.services import MAX_DESCRIPTION
from students import rendering


class RequestForm(forms.Form):
    kind = forms.ChoiceField(
        label=_("Wat wilt u vragen?"), choices=ParentRequest.Kind.choices, widget=forms.RadioSelect
    )
    description = forms.CharField(
        label=_("Toelichting"),
        required=False,
        max_length=MAX_DESCRIPTION,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_(
            "Bij verwijdering: welke gegevens? Bij bezwaar: tegen welke verwerking en waarom?"
        ),
    )

    def __init__(self, *args, correctable: dict, pupil, **kwargs):
        super().__init__(*args, **kwargs)
        self.correction_fields = []
        for name, (_category, label) in correctable.items():
            field_name = f"correct_{name}"
            self.fields[field_name] = forms.CharField(
                label=label.capitalize(),
                required=False,
                max_length=500,
                help_text=_("Nu: %(value)s")
                % {
                    # The field policy: a secret address is not shown to a parent.
                    "value": rendering.SECRET_PLACEHOLDER
                    if rendering.hidden_by_secret(pupil, name)
                    else (getattr(pupil, name) or "—")
                },
            )
            self.correction_fields.append(field_name)

    def corrections(self) -> dict[str, str]:
        return {
            name.removeprefix("correct_"): self.cleaned_data.get(name, "")
            for name in self.correction_fields
            if self.cleaned_data.get(name)
        }


class MessageForm(forms.Form):
    body = forms.CharField(
        label=_("Bericht"), max_length=MAX_DESCRIPTION, widget=forms.Textarea(attrs={"rows": 3})
    )


class ExtendForm(forms.Form):
    new_deadline = forms.DateField(
        label=_("Nieuwe uiterste datum"), widget=forms.DateInput(attrs={"type": "date"})
    )
    reason = forms.CharField(
        label=_("Reden (de ouder krijgt die te lezen)"), widget=forms.Textarea(attrs={"rows": 3})
    )


class DecisionForm(forms.Form):
    granted = forms.TypedChoiceField(
        label=_("Besluit"),
        choices=[("1", _("Toewijzen / uitgevoerd")), ("0", _("Afwijzen"))],
        coerce=lambda v: v == "1",
        widget=forms.RadioSelect,
    )
    decision = forms.CharField(
        label=_("Motivering in begrijpelijk Nederlands"),
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_(
            "Bij afwijzing van verwijdering: noem de wettelijke reden, bijvoorbeeld de bewaarplicht van 5 jaar na uitschrijving."
        ),
    )


class CorrectionDecisionForm(forms.Form):
    accept = forms.TypedChoiceField(
        choices=[("1", _("Overnemen")), ("0", _("Afwijzen"))], coerce=lambda v: v == "1"
    )
    reason = forms.CharField(required=False, max_length=2000)
