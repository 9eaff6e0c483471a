"""Forms of the governance app. They parse input; the services decide."""

from django import forms
from django.utils.formats import date_format
from django.utils.translation import gettext_lazy as _

from accounts.models import School, User
from governance import selectors
from governance.models import EquipmentDisposal, FgRegistration, OffboardingTaskTemplate


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, **kwargs):
        super().__init__(format="%Y-%m-%d", **kwargs)


DATE_ERRORS = {"invalid": _("Vul een geldige datum in."), "required": _("Vul een datum in.")}


class PersonChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return f"{obj.get_full_name() or obj.email} ({obj.email})"


class DepartureForm(forms.Form):
    person = PersonChoiceField(
        label=_("Medewerker"),
        queryset=User.objects.none(),
        error_messages={
            "required": _("Kies de medewerker die vertrekt."),
            "invalid_choice": _("Kies een medewerker van uw school."),
        },
    )
    schools = forms.ModelMultipleChoiceField(
        label=_("Scholen"),
        queryset=School.objects.none(),
        widget=forms.CheckboxSelectMultiple,
        error_messages={
            "required": _("Kies minstens één school."),
            "invalid_choice": _("Kies alleen scholen waarvoor u vertrek mag vastleggen."),
            "invalid_pk_value": _("Kies alleen scholen waarvoor u vertrek mag vastleggen."),
        },
    )
    departure_date = forms.DateField(
        label=_("Vertrekdatum"),
        widget=DateInput(),
        help_text=_(
            "Vanaf deze dag heeft de medewerker geen toegang meer. Vandaag of eerder: de toegang "
            "stopt direct."
        ),
        error_messages=DATE_ERRORS,
    )
    note = forms.CharField(
        label=_("Opmerking"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    confirm = forms.BooleanField(
        label=_(
            "Ik begrijp dat de medewerker op de vertrekdatum alle rollen op deze scholen verliest "
            "en direct wordt uitgelogd."
        ),
        error_messages={"required": _("Bevestig dat u het vertrek wilt vastleggen.")},
    )

    def __init__(self, *args, actor, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["person"].queryset = selectors.departing_candidates(actor)
        self.fields["schools"].queryset = selectors.recordable_schools(actor).order_by("name")


class TaskTemplateForm(forms.ModelForm):
    class Meta:
        model = OffboardingTaskTemplate
        fields = ["title", "description", "owner", "reporter", "due_days"]
        widgets = {"description": forms.Textarea(attrs={"rows": 2})}
        error_messages = {
            "title": {"required": _("Vul de taak in.")},
            "owner": {"required": _("Kies wie de taak uitvoert.")},
            "due_days": {"invalid": _("Vul een aantal dagen in.")},
        }


class FgRegistrationForm(forms.Form):
    kind = forms.ChoiceField(label=_("Soort"), choices=FgRegistration.Kind.choices)
    person = PersonChoiceField(
        label=_("Account in het portaal"),
        queryset=User.objects.none(),
        required=False,
        help_text=_("Alleen bij een interne FG met een account."),
        error_messages={"invalid_choice": _("Kies een persoon uit de lijst.")},
    )
    name = forms.CharField(
        label=_("Naam"), max_length=200, error_messages={"required": _("Vul de naam van de FG in.")}
    )
    organisation = forms.CharField(label=_("Organisatie"), max_length=200, required=False)
    email = forms.EmailField(
        label=_("E-mailadres"),
        error_messages={
            "required": _("Vul het e-mailadres van de FG in."),
            "invalid": _("Vul een geldig e-mailadres in."),
        },
    )
    phone = forms.CharField(label=_("Telefoonnummer"), max_length=30, required=False)
    reachability = forms.CharField(
        label=_("Bereikbaarheid"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    registered_with_ap_on = forms.DateField(
        label=_("Aangemeld bij de AP op"),
        required=False,
        widget=DateInput(),
        error_messages=DATE_ERRORS,
    )
    ap_reference = forms.CharField(label=_("Registratienummer AP"), max_length=50, required=False)
    insist = forms.BooleanField(
        label=_(
            "De stichting kiest toch voor deze persoon, ook al bepaalt die mee doel en middelen."
        ),
        required=False,
    )
    conflict_reason = forms.CharField(
        label=_("Motivering van deze keuze"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )

    def __init__(self, *args, foundation, **kwargs):
        super().__init__(*args, **kwargs)
        from django.db.models import Q

        self.fields["person"].queryset = (
            User.objects.filter(
                Q(staff_memberships__school__foundation=foundation)
                | Q(foundation_roles__foundation=foundation),
                is_active=True,
            )
            .distinct()
            .order_by("sort_name", "first_name")
        )


class DeregisterForm(forms.Form):
    deregistered_on = forms.DateField(
        label=_("Afgemeld bij de AP op"), widget=DateInput(), error_messages=DATE_ERRORS
    )


class ProtocolVersionForm(forms.Form):
    label = forms.CharField(
        label=_("Versie"),
        max_length=50,
        help_text=_("Bijv. 2026-1."),
        error_messages={"required": _("Vul een versienummer in.")},
    )
    title = forms.CharField(
        label=_("Titel"),
        max_length=200,
        initial=_("Privacyprotocol"),
        error_messages={"required": _("Vul een titel in.")},
    )
    file = forms.FileField(label=_("PDF-bestand"), required=False)
    text = forms.CharField(
        label=_("Tekst"), required=False, widget=forms.Textarea(attrs={"rows": 8})
    )


class ConsentForm(forms.Form):
    consent_on = forms.DateField(
        label=_("Datum van instemming door de (G)MR"),
        widget=DateInput(),
        error_messages=DATE_ERRORS,
    )


class DisposalForm(forms.ModelForm):
    certificate = forms.FileField(label=_("Certificaat (PDF, PNG of JPEG)"), required=False)

    class Meta:
        model = EquipmentDisposal
        fields = [
            "school",
            "device",
            "serial_number",
            "method",
            "performed_by",
            "performed_on",
            "note",
            "departure",
        ]
        widgets = {"performed_on": DateInput(), "note": forms.Textarea(attrs={"rows": 2})}
        error_messages = {
            "device": {"required": _("Beschrijf het apparaat.")},
            "method": {"required": _("Kies hoe het apparaat is gewist of vernietigd.")},
            "performed_by": {"required": _("Vul in wie het heeft uitgevoerd.")},
            "performed_on": DATE_ERRORS,
            "school": {"invalid_choice": _("Kies een van uw scholen.")},
            "departure": {"invalid_choice": _("Kies een vertrek uit de lijst.")},
        }

    def __init__(self, *args, actor, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["school"].queryset = selectors.disposal_schools(actor).order_by("name")
        self.fields["school"].required = not selectors.disposal_foundations(actor).exists()
        self.fields["departure"].queryset = selectors.visible_departures(actor).select_related(
            "person"
        )
        self.fields["departure"].required = False


class OverviewPeriodForm(forms.Form):
    """The period of the foundation overview: this school year, last school year, or two dates
    of one's own (both included). Bad dates are a message on the page, never an error page."""

    CHOICES = [
        ("this_year", _("Dit schooljaar")),
        ("last_year", _("Vorig schooljaar")),
        ("custom", _("Eigen periode")),
    ]
    MAX_DAYS = 366 * 10

    periode = forms.ChoiceField(
        label=_("Periode"),
        choices=CHOICES,
        required=False,
        error_messages={"invalid_choice": _("Kies een periode uit de lijst.")},
    )
    van = forms.DateField(
        label=_("Van"), required=False, widget=DateInput(), error_messages=DATE_ERRORS
    )
    tot = forms.DateField(
        label=_("Tot en met"), required=False, widget=DateInput(), error_messages=DATE_ERRORS
    )

    def clean(self):
        data = super().clean()
        if data.get("periode") != "custom" or self.errors:
            return data
        start, end = data.get("van"), data.get("tot")
        if start is None:
            self.add_error("van", _("Vul de eerste dag van de periode in."))
        if end is None:
            self.add_error("tot", _("Vul de laatste dag van de periode in."))
        if start and end and end < start:
            self.add_error("tot", _("De laatste dag ligt vóór de eerste dag."))
        elif start and end and (end - start).days > self.MAX_DAYS:
            self.add_error("tot", _("Kies een periode van hoogstens tien jaar."))
        return data

    def period(self, today):
        """The chosen period (call after ``is_valid()``)."""
        from accounts.models import school_year_of
        from governance.overview import Period

        choice = self.cleaned_data.get("periode") or "this_year"
        year = school_year_of(today)
        if choice == "last_year":
            return Period.school_year(year - 1, "last_year")
        if choice == "custom":
            start, end = self.cleaned_data["van"], self.cleaned_data["tot"]
            label = _("%(start)s t/m %(end)s") % {
                "start": date_format(start, "SHORT_DATE_FORMAT"),
                "end": date_format(end, "SHORT_DATE_FORMAT"),
            }
            return Period(start, end, label, "custom")
        return Period.school_year(year, "this_year")
