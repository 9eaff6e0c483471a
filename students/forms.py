"""Forms of the pupil screens. Validation of the values lives in the model validators (BSN
eleven-test, postcode, phone) and in ``students.services``; the forms only parse."""

from django import forms
from django.forms import modelform_factory
from django.utils.translation import gettext_lazy as _

from accounts.roles import Audience, Sensitivity
from students.models import DossierEntry, EmergencyContact, Guardian, Pupil


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, **kwargs):
        super().__init__(format="%Y-%m-%d", **kwargs)


class PupilSearchForm(forms.Form):
    q = forms.CharField(label=_("Zoeken"), required=False, max_length=100)
    school = forms.TypedChoiceField(label=_("School"), required=False, coerce=int, empty_value=None)
    groep = forms.TypedChoiceField(label=_("Groep"), required=False, coerce=int, empty_value=None)

    def __init__(self, *args, schools=(), classes=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["q"].widget.attrs["placeholder"] = _("naam of leerlingnummer")
        schools = list(schools)
        # A school filter (and the school in each class's name) only for someone who sees more
        # than one school: for a one-school director "Alle scholen" is noise.
        self.many_schools = len(schools) > 1
        if self.many_schools:
            self.fields["school"].choices = [("", _("Alle scholen"))] + [
                (school.pk, school.name) for school in schools
            ]
        else:
            del self.fields["school"]
        self.fields["groep"].choices = [("", _("Alle groepen"))] + [
            (
                c.pk,
                f"{c.name} ({c.school_year_label})"
                + (f" – {c.school.name}" if self.many_schools else ""),
            )
            for c in classes
        ]


def pupil_category_form(field_names):
    """A form for the Pupil fields of one registry category."""
    widgets = {
        name: DateInput()
        for name in field_names
        if Pupil._meta.get_field(name).get_internal_type() == "DateField"
    }
    return modelform_factory(
        Pupil, fields=list(field_names), widgets=widgets, formfield_callback=_bounded_formfield
    )


# Text fields have no length in the database; the form bounds them (a 100,000-character post is
# a 400 with a message, not a stored novel).
MAX_TEXT_LENGTH = 5000
MAX_DOSSIER_TEXT_LENGTH = 20_000


def _bounded_formfield(model_field, **kwargs):
    if model_field.get_internal_type() == "TextField":
        kwargs.setdefault("max_length", MAX_TEXT_LENGTH)
    return model_field.formfield(**kwargs)


class DossierEntryForm(forms.Form):
    category = forms.ChoiceField(label=_("Categorie"))
    kind = forms.ChoiceField(label=_("Soort"), choices=DossierEntry.Kind.choices)
    title = forms.CharField(label=_("Titel"), max_length=200)
    body = forms.CharField(
        label=_("Tekst"),
        widget=forms.Textarea(attrs={"rows": 6}),
        required=False,
        max_length=MAX_DOSSIER_TEXT_LENGTH,
    )
    audience = forms.TypedChoiceField(
        label=_("Zichtbaar vanaf"),
        coerce=int,
        help_text=_(
            "Directie > IB-er > leerkracht > leerling: wie dit niveau of een hoger niveau heeft, "
            "ziet het stuk."
        ),
    )
    sensitivity = forms.TypedChoiceField(
        label=_("Gevoeligheid"), coerce=int, choices=Sensitivity.choices
    )
    document = forms.FileField(
        label=_("Document (PDF, PNG of JPEG)"), required=False, allow_empty_file=False
    )

    def __init__(self, *args, categories=(), audiences=(), ceiling=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["category"].choices = [(c.key, c.label) for c in categories]
        self.fields["audience"].choices = [
            (value, label) for value, label in Audience.choices if value in audiences
        ]
        if audiences:
            self.fields["audience"].initial = max(audiences)
        ceiling = int(ceiling or Sensitivity.PUBLIC)
        self.fields["sensitivity"].choices = [
            (value, label) for value, label in Sensitivity.choices if value <= ceiling
        ]
        self.fields["sensitivity"].initial = ceiling


class PupilImportForm(forms.Form):
    school = forms.ModelChoiceField(label=_("School"), queryset=None, empty_label=None)
    file = forms.FileField(
        label=_("Exportbestand (CSV)"),
        help_text=_(
            "Een export uit ParnasSys, ESIS of Magister, of het eigen formaat; UTF-8, "
            "Windows-1252 of Unicode-tekst (UTF-16), gescheiden door ; , of een tab. Zie de "
            "handleiding voor de kolommen."
        ),
        allow_empty_file=False,
    )
    mode = forms.ChoiceField(
        label=_("Wat wilt u doen?"),
        widget=forms.RadioSelect,
        initial="dry_run",
        choices=[
            ("dry_run", _("Proefimport: alleen laten zien wat er verandert")),
            ("all", _("Importeren (niets als er een fout in staat)")),
            ("valid_rows", _("Alleen de goede regels importeren, de foute overslaan")),
        ],
    )
    create_classes = forms.BooleanField(
        label=_("Groepen die nog niet bestaan aanmaken"), required=False
    )

    def __init__(self, *args, schools=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["school"].queryset = schools


class EmergencyContactForm(forms.ModelForm):
    class Meta:
        model = EmergencyContact
        fields = ["name", "relationship", "phone"]


class GuardianForm(forms.ModelForm):
    """A parent's name and contact details (category "parents")."""

    class Meta:
        model = Guardian
        fields = ["first_name", "last_name", "email", "phone"]
