"""Forms of the parent portal (requests, messages) and of the staff side (decisions)."""

from django import forms
from django.utils.text import capfirst
from django.utils.translation import gettext_lazy as _

from portal.models import ParentRequest
from portal.services import MAX_DESCRIPTION
from students import rendering

# One line per request type, in parents' words (shown next to each choice).
KIND_HELP = {
    ParentRequest.Kind.INSPECTION: _(
        "U krijgt alles wat de school over uw kind bewaart, als download."
    ),
    ParentRequest.Kind.CORRECTION: _("Een gegeven van uw kind klopt niet of is niet compleet."),
    ParentRequest.Kind.ERASURE: _(
        "U wilt dat de school gegevens weggooit die ze niet meer nodig heeft."
    ),
    ParentRequest.Kind.OBJECTION: _(
        "U bent het niet eens met hoe de school gegevens gebruikt, bijvoorbeeld bij een leverancier."
    ),
    ParentRequest.Kind.QUESTION: _(
        "Een vraag of klacht voor de privacy-toezichthouder van de stichting (de FG)."
    ),
}


class RequestForm(forms.Form):
    """A request. For a correction, only the fields the parent chose are shown (``shown``); the
    form accepts a value for any correctable field, so a posted value is never lost."""

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

    def __init__(self, *args, correctable: dict, pupil, shown=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.correction_fields = []
        self.shown_fields = []
        shown = set(shown or ())
        for name, (_category, label) in correctable.items():
            field_name = f"correct_{name}"
            self.fields[field_name] = forms.CharField(
                # capfirst, not str.capitalize(): that lowercases the rest ("Bsn", "(sbo)").
                label=capfirst(label),
                required=False,
                max_length=500,
                help_text=_("Nu: %(value)s")
                % {
                    # The field policy: a secret address is not shown to a parent.
                    "value": rendering.SECRET_PLACEHOLDER
                    if rendering.hidden_by_secret(pupil, name)
                    else rendering.display_value(pupil, name)
                },
            )
            self.correction_fields.append(field_name)
            if name in shown:
                self.shown_fields.append(self[field_name])

    def kind_choices(self):
        return [
            (value, label, KIND_HELP.get(value, "")) for value, label in ParentRequest.Kind.choices
        ]

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


class ObjectionEffectForm(forms.Form):
    """For a granted objection: what changes for the child."""

    product_use = forms.TypedChoiceField(
        label=_("Product dat geen gegevens van deze leerling meer ontvangt"),
        required=False,
        coerce=int,
        empty_value=None,
    )
    effect = forms.CharField(
        label=_("Wat verandert er? (de ouder leest dit)"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("Bijvoorbeeld: de foto's van uw kind worden niet meer op de website gezet."),
    )

    def __init__(self, *args, recipients=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["product_use"].choices = [("", _("— geen —"))] + [
            (r["use_id"], f"{r['product']} ({r['supplier']})")
            for r in recipients
            if r.get("use_id")
        ]


class WithholdForm(forms.Form):
    """Leave one dossier entry out of an inspection export, with the reason for the parent."""

    # Any id is accepted here; the service checks that the entry is in this export.
    entry = forms.IntegerField(label=_("Dossierstuk"), min_value=1, widget=forms.Select)
    reason = forms.CharField(
        label=_("Reden (de ouder leest dit)"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_(
            "Bijvoorbeeld: het verslag bevat gegevens over een ander kind en kan daarom niet "
            "worden verstrekt."
        ),
        error_messages={"required": _("Schrijf op waarom dit stuk niet wordt verstrekt.")},
    )

    def __init__(self, *args, entries=None, **kwargs):
        super().__init__(*args, **kwargs)
        if entries is not None:
            self.fields["entry"].widget.choices = [
                (d["id"], f"{d.get('title', '')} ({d.get('category_label', '')})") for d in entries
            ]


class CorrectionDecisionForm(forms.Form):
    accept = forms.TypedChoiceField(
        choices=[("1", _("Overnemen")), ("0", _("Afwijzen"))], coerce=lambda v: v == "1"
    )
    reason = forms.CharField(required=False, max_length=2000)


class OwnContactForm(forms.Form):
    """A parent's own e-mail address and phone number."""

    email = forms.EmailField(label=_("E-mailadres"), max_length=254)
    phone = forms.CharField(
        label=_("Telefoonnummer"),
        max_length=20,
        required=False,
        widget=forms.TextInput(attrs={"type": "tel", "autocomplete": "tel"}),
    )


class EmergencyContactForm(forms.Form):
    """Someone the school may call when the parents cannot be reached."""

    name = forms.CharField(label=_("Naam"), max_length=200)
    relationship = forms.CharField(
        label=_("Relatie tot uw kind"),
        max_length=100,
        required=False,
        help_text=_("Bijvoorbeeld oma, buurvrouw, oppas."),
    )
    phone = forms.CharField(
        label=_("Telefoonnummer"),
        max_length=20,
        widget=forms.TextInput(attrs={"type": "tel", "autocomplete": "off"}),
    )
