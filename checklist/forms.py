"""Forms of the checklist app. Business rules are in ``checklist.services``."""

from django import forms
from django.utils.translation import gettext_lazy as _

from accounts.models import school_year_label
from checklist.models import ActionItem, Verdict


class RoundOpenForm(forms.Form):
    school = forms.ModelChoiceField(queryset=None, label=_("School"), empty_label=None)
    school_year = forms.TypedChoiceField(label=_("Schooljaar"), coerce=int)
    not_ok_share = forms.IntegerField(
        label=_("Drempel voor een actiepunt (%)"),
        min_value=1,
        max_value=100,
        initial=25,
        help_text=_(
            "Een vraag wordt een actiepunt als minstens dit percentage van de antwoorden "
            "'niet OK' is."
        ),
    )

    def __init__(self, *args, schools, years, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["school"].queryset = schools
        self.fields["school_year"].choices = [(y, school_year_label(y)) for y in years]


class ThresholdForm(forms.Form):
    not_ok_share = forms.IntegerField(
        label=_("Drempel voor een actiepunt (%)"), min_value=1, max_value=100
    )


class AnswerForm(forms.Form):
    """One field pair per item: verdict_<id> (OK / niet OK) and remark_<id>."""

    def __init__(self, *args, items, initial_answers=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.items = list(items)
        initial_answers = initial_answers or {}
        choices = [(Verdict.OK, _("OK")), (Verdict.NOT_OK, _("Niet OK"))]
        for item in self.items:
            answer = initial_answers.get(item.pk)
            self.fields[f"verdict_{item.pk}"] = forms.ChoiceField(
                label=item.text,
                choices=choices,
                widget=forms.RadioSelect,
                required=False,
                initial=answer.verdict if answer else None,
            )
            self.fields[f"remark_{item.pk}"] = forms.CharField(
                label=_("Opmerking"),
                required=False,
                max_length=1000,
                initial=answer.remark if answer else "",
                widget=forms.TextInput,
            )

    def clean(self):
        cleaned = super().clean()
        if not self.errors and not any(cleaned.get(f"verdict_{i.pk}") for i in self.items):
            raise forms.ValidationError(_("Geef bij minstens één vraag een antwoord."))
        for item in self.items:
            if cleaned.get(f"remark_{item.pk}") and not cleaned.get(f"verdict_{item.pk}"):
                self.add_error(
                    f"verdict_{item.pk}", _("Kies OK of Niet OK bij een vraag met een opmerking.")
                )
        return cleaned

    def answers(self) -> dict[int, tuple[str, str]]:
        return {
            item.pk: (
                self.cleaned_data[f"verdict_{item.pk}"],
                self.cleaned_data.get(f"remark_{item.pk}", ""),
            )
            for item in self.items
            if self.cleaned_data.get(f"verdict_{item.pk}")
        }

    def rows(self):
        """(item, verdict field, remark field) for the template."""
        for item in self.items:
            yield item, self[f"verdict_{item.pk}"], self[f"remark_{item.pk}"]


class ActionForm(forms.Form):
    owner = forms.ModelChoiceField(queryset=None, label=_("Eigenaar"), required=False)
    due_date = forms.DateField(
        label=_("Uiterlijk op"), widget=forms.DateInput(attrs={"type": "date"})
    )
    status = forms.ChoiceField(label=_("Status"), choices=ActionItem.Status.choices)
    note = forms.CharField(
        label=_("Aanpak"), required=False, max_length=2000, widget=forms.Textarea(attrs={"rows": 4})
    )

    def __init__(self, *args, owners, may_reassign, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["owner"].queryset = owners
        if not may_reassign:
            del self.fields["owner"]


class TemplateItemForm(forms.Form):
    key = forms.CharField(required=False, widget=forms.HiddenInput)
    section = forms.CharField(label=_("Onderdeel"), max_length=100, required=False)
    text = forms.CharField(
        label=_("Stelling"),
        max_length=1000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    paragraphs = forms.CharField(label=_("Paragraaf"), max_length=60, required=False)
    retired = forms.BooleanField(label=_("Vervalt"), required=False)

    def clean(self):
        cleaned = super().clean()
        filled = cleaned.get("text") or cleaned.get("section")
        if filled and not cleaned.get("retired"):
            if not cleaned.get("text"):
                self.add_error("text", _("Vul de stelling in."))
            if not cleaned.get("section"):
                self.add_error("section", _("Vul het onderdeel in."))
        return cleaned


TemplateItemFormSet = forms.formset_factory(TemplateItemForm, extra=3, max_num=200)


class TemplateNoteForm(forms.Form):
    note = forms.CharField(label=_("Wat is er veranderd?"), max_length=300, required=True)
